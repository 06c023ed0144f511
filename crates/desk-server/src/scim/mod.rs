//! SCIM 2.0 provisioning (RFC 7643, RFC 7644). Its pure core, with no I/O: the attributes Users
//! and Groups have ([`schema`]), filters and paths ([`filter`]), PatchOp requests ([`patch`]),
//! resources between their JSON and the rows kept ([`resource`]) and the SCIM error body
//! ([`error`]); and what a provisioning client's bearer token is ([`tokens`], made, listed and
//! revoked by `desk-server scim token`). The routes at `/scim/v2`, through which Entra ID and Okta
//! provision agents and groups, are built on these in `api::scim`.

pub mod error;
pub mod filter;
#[cfg(test)]
mod fuzz;
pub mod patch;
pub mod resource;
pub mod schema;
pub mod tokens;

pub use error::{ScimError, ScimType};
pub use filter::{Filter, Path};
pub use patch::{PatchRequest, apply_to};
pub use schema::ResourceKind;

/// The time a resource is made or changed at, as `meta` says it (RFC 3339, UTC, milliseconds).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
