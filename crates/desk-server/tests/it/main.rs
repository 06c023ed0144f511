//! desk-server over real HTTP on a free loopback port.
mod health;
