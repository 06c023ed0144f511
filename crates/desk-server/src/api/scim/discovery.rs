//! The discovery endpoints (RFC 7644 §4): what this service provider supports, its resource types
//! and their schemas. `/Schemas` is written from the attribute table (`scim::schema`), so it
//! publishes exactly the attributes kept and returned; the ServiceProviderConfig says only what
//! works (PATCH and filters; no bulk, sort, ETags or password changes). They are read-only: any
//! other method is 405, as a SCIM error.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ScimResource;
use super::http::{Refusal, ScimClient, base_url, scim_json};
use crate::scim::resource::{MAX_RESULTS, list};
use crate::scim::schema::{AttrType, Attribute, Mutability, ResourceKind};

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

fn names(kind: ResourceKind) -> (&'static str, &'static str) {
    match kind {
        ResourceKind::User => ("User", "Users"),
        ResourceKind::Group => ("Group", "Groups"),
    }
}

fn type_name(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Reference => "reference",
        AttrType::DateTime => "dateTime",
        AttrType::Complex => "complex",
    }
}

fn attribute(a: &Attribute, parent: Option<&str>) -> Value {
    let mut out = json!({
        "name": a.name,
        "type": type_name(a.kind),
        "multiValued": a.multi_valued,
        "required": a.required,
        "caseExact": a.case_exact,
        "mutability": match a.mutability {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
        },
        "returned": "default",
        "uniqueness": if a.name == "userName" { "server" } else { "none" },
    });
    if a.kind == AttrType::Reference {
        out["referenceTypes"] = match (parent, a.name) {
            (Some("members"), "$ref") => json!(["User"]),
            (Some("groups"), "$ref") => json!(["Group"]),
            _ => json!(["uri"]),
        };
    }
    if !a.sub_attributes.is_empty() {
        out["subAttributes"] = a
            .sub_attributes
            .iter()
            .map(|s| attribute(s, Some(a.name)))
            .collect();
    }
    out
}

fn schema_of(kind: ResourceKind, base: &str) -> Value {
    let (name, _) = names(kind);
    // id, externalId and meta are common attributes (RFC 7643 §3.1), not a schema's.
    let attributes: Vec<Value> = kind
        .attributes()
        .iter()
        .filter(|a| !matches!(a.name, "id" | "externalId" | "meta"))
        .map(|a| attribute(a, None))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": kind.schema(),
        "name": name,
        "description": format!("{name} as this server keeps it"),
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", kind.schema())},
    })
}

fn resource_type_of(kind: ResourceKind, base: &str) -> Value {
    let (name, endpoint) = names(kind);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": format!("/{endpoint}"),
        "description": match kind {
            ResourceKind::User => "An agent",
            ResourceKind::Group => "A group of agents; its displayName maps to roles",
        },
        "schema": kind.schema(),
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
    })
}

/// What the service provider supports
///
/// RFC 7644 §5: PATCH and filters (at most 200 results a page) are supported; bulk operations,
/// sorting, ETags and password changes are not. Authentication is a bearer token made by
/// `desk-server scim token create`.
#[utoipa::path(
    get, path = "/scim/v2/ServiceProviderConfig", tag = "scim",
    operation_id = "scimServiceProviderConfig", security(("scimToken" = [])),
    responses((status = 200, description = "The ServiceProviderConfig.", body = ScimResource, content_type = "application/scim+json"))
)]
pub(super) async fn service_provider_config(_client: ScimClient, headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    scim_json(&json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Provisioning token",
            "description": "A bearer token made by `desk-server scim token create --name NAME`.",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    }))
    .into_response()
}

/// The resource types
///
/// User and Group, each with its core schema and no extension.
#[utoipa::path(
    get, path = "/scim/v2/ResourceTypes", tag = "scim", operation_id = "scimResourceTypes",
    security(("scimToken" = [])),
    responses((status = 200, description = "A ListResponse of ResourceTypes.", body = ScimResource, content_type = "application/scim+json"))
)]
pub(super) async fn resource_types(_client: ScimClient, headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    let all = KINDS.map(|k| resource_type_of(k, &base)).to_vec();
    scim_json(&list(all, 1, KINDS.len())).into_response()
}

/// One resource type
///
/// `User` or `Group`, as `scimResourceTypes` lists it.
#[utoipa::path(
    get, path = "/scim/v2/ResourceTypes/{name}", tag = "scim", operation_id = "scimResourceType",
    security(("scimToken" = [])),
    params(("name" = String, Path, description = "`User` or `Group`.")),
    responses(
        (status = 200, description = "The ResourceType.", body = ScimResource, content_type = "application/scim+json"),
        (status = 404, description = "No such resource type."),
    )
)]
pub(super) async fn resource_type(
    _client: ScimClient,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Refusal> {
    let kind = KINDS
        .into_iter()
        .find(|k| names(*k).0 == name)
        .ok_or_else(|| Refusal::not_found("resource type", &name))?;
    Ok(scim_json(&resource_type_of(kind, &base_url(&headers))).into_response())
}

/// The schemas
///
/// The core User and Group schemas with exactly the attributes this server keeps and returns.
#[utoipa::path(
    get, path = "/scim/v2/Schemas", tag = "scim", operation_id = "scimSchemas",
    security(("scimToken" = [])),
    responses((status = 200, description = "A ListResponse of Schemas.", body = ScimResource, content_type = "application/scim+json"))
)]
pub(super) async fn schemas(_client: ScimClient, headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    let all = KINDS.map(|k| schema_of(k, &base)).to_vec();
    scim_json(&list(all, 1, KINDS.len())).into_response()
}

/// One schema
///
/// The core User or Group schema, named by its URN, as `scimSchemas` lists it.
#[utoipa::path(
    get, path = "/scim/v2/Schemas/{urn}", tag = "scim", operation_id = "scimSchema",
    security(("scimToken" = [])),
    params(("urn" = String, Path, description = "The schema's URN.")),
    responses(
        (status = 200, description = "The Schema.", body = ScimResource, content_type = "application/scim+json"),
        (status = 404, description = "No such schema."),
    )
)]
pub(super) async fn schema(
    _client: ScimClient,
    headers: HeaderMap,
    Path(urn): Path<String>,
) -> Result<Response, Refusal> {
    let kind = KINDS
        .into_iter()
        .find(|k| k.schema().eq_ignore_ascii_case(&urn))
        .ok_or_else(|| Refusal::not_found("schema", &urn))?;
    Ok(scim_json(&schema_of(kind, &base_url(&headers))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_publish_what_is_kept_and_nothing_ignored() {
        let user = schema_of(ResourceKind::User, "b");
        let names: Vec<&str> = user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "userName",
                "displayName",
                "name",
                "emails",
                "active",
                "groups"
            ]
        );
        for ignored in crate::scim::schema::USER_NOT_KEPT {
            assert!(!names.contains(ignored));
        }
        let group = schema_of(ResourceKind::Group, "b");
        assert_eq!(
            group["attributes"][1]["subAttributes"][2]["referenceTypes"],
            json!(["User"])
        );
    }
}
