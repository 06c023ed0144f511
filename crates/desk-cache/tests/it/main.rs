//! desk-cache against real SQLCipher files.
mod cache;
mod db;
mod guard;
mod prepare;
mod shred;
mod support;
