//! desk-server over real HTTP on a free loopback port, with real access tokens from the test
//! provider, and a real database of demo data on the engine `DESK_TEST_ENGINE` names: a SQLite
//! file (the default) or a PostgreSQL database of its own in the test cluster (`harness`).
//!
//! Where a new test goes: one module per concern of the API (`access` for what each role sees,
//! `tokens` and `keys` for token checks, `roles`, `push`, `wipes`, `offline`, `budget` for read
//! budgets, `audit`, `checkpoints` for the chain against an insider, `export` for what a SIEM
//! reads, `sink` for the live audit sink, `retention` for archiving old entries, `bad_input`,
//! `fuzz` for arbitrary input, `health`, `connections` for the accept loop's limits, `at_rest` for
//! the files' modes, `scim_tokens` for the provisioning clients' tokens, `scim` for the SCIM
//! service and what provisioning does to agents, `scim_client` for it driven by a SCIM client
//! library written by others), and `engines` for the stores themselves: SQLite and PostgreSQL (a
//! database of its own in the test cluster) side by side. A read-only test uses the one server
//! of `harness::shared()`; a test
//! that changes role definitions or the database starts its own with `Harness::start()`.
//! Both start the real test provider through desk-testkit, which fails the test, naming what to
//! run, when Node.js or the provider's packages are missing; a test never returns early for one.
mod access;
mod at_rest;
mod audit;
mod bad_input;
mod budget;
mod checkpoints;
mod connections;
mod deploy;
mod engines;
mod export;
mod fuzz;
mod harness;
mod health;
mod keys;
mod offline;
mod push;
mod replicas;
mod request_log;
mod retention;
mod roles;
mod scim;
mod scim_client;
mod scim_tokens;
mod sink;
mod tokens;
mod wipes;
