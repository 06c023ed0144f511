//! desk-cache against real SQLCipher files.
mod db;
