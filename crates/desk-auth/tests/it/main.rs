//! desk-auth against the real parts: the test provider and the session's Secret Service.
mod discovery;
mod hostile;
mod keychain;
mod session;
