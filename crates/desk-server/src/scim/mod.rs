//! SCIM 2.0 provisioning (RFC 7643, RFC 7644). Its pure core, with no I/O: the attributes Users
//! and Groups have ([`schema`]), filters and paths ([`filter`]), PatchOp requests ([`patch`]) and
//! the SCIM error body ([`error`]); and what a provisioning client's bearer token is ([`tokens`],
//! made, listed and revoked by `desk-server scim token`). The routes at `/scim/v2` through which
//! Entra ID and Okta will provision agents and groups are to be built on these; none exist yet.

pub mod error;
pub mod filter;
#[cfg(test)]
mod fuzz;
pub mod patch;
pub mod schema;
pub mod tokens;

pub use error::{ScimError, ScimType};
pub use filter::{Filter, Path};
pub use patch::{PatchRequest, apply_to};
pub use schema::ResourceKind;
