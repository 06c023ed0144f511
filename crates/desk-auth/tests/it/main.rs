//! desk-auth against the real parts: the test provider and the session's Secret Service.
//!
//! Where a new test goes: one module per module of `src/` it tests (`discovery`, `keychain`,
//! `session`), and `hostile` for a provider that answers wrongly (a server written in that
//! module, run against the real sign-in). The test provider comes from
//! `desk_testkit::TestIdp::start()` and a keychain namespace of the test's own from
//! `keychain::test_keychain()`; both fail the test, naming what to run, when the real part is
//! missing (desk-testkit's `missing_real_part`). A test never returns early for a missing part.
mod discovery;
mod hostile;
mod keychain;
mod session;
