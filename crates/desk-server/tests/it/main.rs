//! desk-server over real HTTP on a free loopback port, with real access tokens from the test
//! provider, and a real SQLite file of demo data.
mod access;
mod audit;
mod bad_input;
mod harness;
mod health;
mod keys;
mod offline;
mod push;
mod request_log;
mod roles;
mod tokens;
mod wipes;
