//! desk-cache against real SQLCipher files.
//!
//! Where a new test goes: in the module named after the module of `src/` it tests (`cache`,
//! `db`, `guard`, `prepare`, `queue`, `shred`); policies, customers as the server holds them and
//! temporary caches come from `support`. These tests need no real part beyond SQLCipher, which
//! the build brings; one that comes to need another (a Secret Service, the test provider) gets it
//! through desk-testkit, which fails the test, naming what to run, when it is missing.
mod cache;
mod db;
mod guard;
mod prepare;
mod queue;
mod shred;
mod support;
