//! Users and groups between their SCIM JSON and the rows the store keeps: reading a full body
//! (POST, PUT, and a resource after a PATCH) against the attribute table, writing a row back as
//! the resource clients read, `attributes`/`excludedAttributes`, and the list response.
//!
//! A body is read strictly: an attribute the core schema does not have is `invalidValue`, a value
//! of the wrong type too. What the server sets (`id`, `meta`, a user's `groups`) is ignored when a
//! client sends it, as RFC 7643 §2.2 says of read-only attributes; so are the enterprise
//! extension and the core attributes nothing here keeps (`schema::USER_NOT_KEPT`).

use serde_json::{Map, Value, json};

use super::error::{ScimError, ScimType, excerpt};
use super::filter::{CompareOp, Filter, get_ci};
use super::patch::{coerce, coerce_list};
use super::schema::{Mutability, ResourceKind};
use crate::store::{ScimGroupRow, ScimLookup, ScimUserRow};

/// The schema URN of a list response.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The most resources one page holds (`filter.maxResults` in ServiceProviderConfig).
pub const MAX_RESULTS: usize = 200;

/// The page size when a request names none.
pub const DEFAULT_COUNT: usize = 100;

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

/// The client-writable attributes of a full `body` of `kind`, under their schema spellings and
/// with their values coerced (`"True"` is `true`); `userName` (users) or `displayName` (groups)
/// present.
pub fn read_body(body: &Value, kind: ResourceKind) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(given) = body else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "The body is a JSON object.",
        ));
    };
    let mut out = Map::new();
    for (name, value) in given {
        if name.eq_ignore_ascii_case("schemas") {
            check_schemas(value, kind)?;
            continue;
        }
        if kind.ignores_extension(name) || kind.ignores_attribute(name) {
            continue;
        }
        let attr = kind.attribute(name).ok_or_else(|| {
            invalid(format!(
                "A {} has no attribute `{}`.",
                kind_word(kind),
                excerpt(name)
            ))
        })?;
        if attr.mutability == Mutability::ReadOnly {
            continue;
        }
        let value = if attr.multi_valued {
            Value::Array(coerce_list(attr, value)?)
        } else {
            coerce(attr, value)?
        };
        if !value.is_null() && value != json!([]) {
            out.insert(attr.name.to_owned(), value);
        }
    }
    for attr in kind.attributes().iter().filter(|a| a.required) {
        let present = out.get(attr.name).and_then(Value::as_str);
        if present.is_none_or(|v| v.trim().is_empty()) {
            return Err(invalid(format!(
                "A {} has a `{}`.",
                kind_word(kind),
                attr.name
            )));
        }
    }
    Ok(out)
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

/// `schemas` must be a list naming the core schema, and nothing but it and ignored extensions.
fn check_schemas(value: &Value, kind: ResourceKind) -> Result<(), ScimError> {
    let syntax = |detail: String| ScimError::bad_request(ScimType::InvalidSyntax, detail);
    let Some(list) = value.as_array() else {
        return Err(syntax("`schemas` is a list of URNs.".into()));
    };
    let mut core = false;
    for urn in list {
        let urn = urn.as_str().unwrap_or_default();
        if urn.eq_ignore_ascii_case(kind.schema()) {
            core = true;
        } else if !kind.ignores_extension(urn) {
            return Err(syntax(format!(
                "`schemas` names `{}`, which this server does not have.",
                excerpt(urn)
            )));
        }
    }
    if !core {
        return Err(syntax(format!("`schemas` names `{}`.", kind.schema())));
    }
    Ok(())
}

/// The user kept for `fields` (from [`read_body`]) under `id`.
pub fn user_row(id: &str, created: &str, now: &str, mut fields: Map<String, Value>) -> ScimUserRow {
    let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
    let user_name = text(fields.remove("userName")).unwrap_or_default();
    let external_id = text(fields.remove("externalId"));
    let active = fields
        .remove("active")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    ScimUserRow {
        id: id.to_owned(),
        user_name,
        external_id,
        active,
        attributes: Value::Object(fields),
        created: created.to_owned(),
        last_modified: now.to_owned(),
        groups: Vec::new(),
    }
}

/// The group kept for `fields` under `id`; each member's `value` must be a user's id, which
/// `is_user` says (`invalidValue` otherwise).
pub fn group_row(
    id: &str,
    created: &str,
    now: &str,
    mut fields: Map<String, Value>,
    is_user: impl Fn(&str) -> bool,
) -> Result<ScimGroupRow, ScimError> {
    let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
    let display_name = text(fields.remove("displayName")).unwrap_or_default();
    let external_id = text(fields.remove("externalId"));
    let mut members = Vec::new();
    for member in fields
        .remove("members")
        .and_then(|m| m.as_array().cloned())
        .unwrap_or_default()
    {
        let Some(user) = get_ci(&member, "value").and_then(Value::as_str) else {
            return Err(invalid("Each member has a `value`: the user's id."));
        };
        if !is_user(user) {
            return Err(invalid(format!("No user has the id `{}`.", excerpt(user))));
        }
        if !members.iter().any(|(id, _): &(String, String)| id == user) {
            members.push((user.to_owned(), String::new()));
        }
    }
    Ok(ScimGroupRow {
        id: id.to_owned(),
        display_name,
        external_id,
        created: created.to_owned(),
        last_modified: now.to_owned(),
        members,
    })
}

fn meta(kind: ResourceKind, id: &str, created: &str, modified: &str, base: &str) -> Value {
    let (resource_type, folder) = match kind {
        ResourceKind::User => ("User", "Users"),
        ResourceKind::Group => ("Group", "Groups"),
    };
    json!({
        "resourceType": resource_type,
        "created": created,
        "lastModified": modified,
        "location": format!("{base}/{folder}/{id}"),
    })
}

/// The user as clients read it; `base` is the service's URL (`…/scim/v2`).
pub fn user_json(user: &ScimUserRow, base: &str) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([ResourceKind::User.schema()]));
    out.insert("id".into(), json!(user.id));
    if let Some(external) = &user.external_id {
        out.insert("externalId".into(), json!(external));
    }
    out.insert("userName".into(), json!(user.user_name));
    if let Value::Object(attributes) = &user.attributes {
        out.extend(attributes.clone());
    }
    out.insert("active".into(), json!(user.active));
    let groups: Vec<Value> = user
        .groups
        .iter()
        .map(|(id, name)| {
            json!({"value": id, "display": name, "$ref": format!("{base}/Groups/{id}")})
        })
        .collect();
    if !groups.is_empty() {
        out.insert("groups".into(), Value::Array(groups));
    }
    let meta = meta(
        ResourceKind::User,
        &user.id,
        &user.created,
        &user.last_modified,
        base,
    );
    out.insert("meta".into(), meta);
    Value::Object(out)
}

/// The group as clients read it.
pub fn group_json(group: &ScimGroupRow, base: &str) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([ResourceKind::Group.schema()]));
    out.insert("id".into(), json!(group.id));
    if let Some(external) = &group.external_id {
        out.insert("externalId".into(), json!(external));
    }
    out.insert("displayName".into(), json!(group.display_name));
    let members: Vec<Value> = group
        .members
        .iter()
        .map(|(id, name)| json!({"value": id, "display": name, "$ref": format!("{base}/Users/{id}")}))
        .collect();
    if !members.is_empty() {
        out.insert("members".into(), Value::Array(members));
    }
    let meta = meta(
        ResourceKind::Group,
        &group.id,
        &group.created,
        &group.last_modified,
        base,
    );
    out.insert("meta".into(), meta);
    Value::Object(out)
}

/// Which top-level attributes an answer keeps (RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    only: Option<Vec<String>>,
    excluded: Vec<String>,
}

impl Projection {
    /// From the `attributes` and `excludedAttributes` parameters (comma-separated names; a
    /// sub-attribute or URN-prefixed name counts as its top-level attribute). A name `kind` does
    /// not have is `invalidValue`.
    pub fn new(
        attributes: Option<&str>,
        excluded: Option<&str>,
        kind: ResourceKind,
    ) -> Result<Self, ScimError> {
        let names = |list: &str| -> Result<Vec<String>, ScimError> {
            list.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| top_level(n, kind))
                .collect()
        };
        Ok(Self {
            only: attributes.map(names).transpose()?,
            excluded: excluded.map(names).transpose()?.unwrap_or_default(),
        })
    }

    /// `resource` cut to what is asked; `id` and `schemas` always stay.
    pub fn apply(&self, mut resource: Value) -> Value {
        if let Value::Object(map) = &mut resource {
            let always = |k: &str| k == "id" || k == "schemas";
            if let Some(only) = &self.only {
                map.retain(|k, _| always(k) || only.iter().any(|n| n == k));
            }
            map.retain(|k, _| always(k) || !self.excluded.iter().any(|n| n == k));
        }
        resource
    }
}

fn top_level(name: &str, kind: ResourceKind) -> Result<String, ScimError> {
    let bare = name
        .strip_prefix(kind.schema())
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or(name);
    let first = bare.split(['.', '[']).next().unwrap_or_default();
    if kind.ignores_extension(name) || kind.ignores_attribute(first) {
        return Ok(String::new());
    }
    kind.attribute(first)
        .map(|a| a.name.to_owned())
        .ok_or_else(|| invalid(format!("No attribute `{}`.", excerpt(name))))
}

/// The rows a filter can be answered from without reading every row: an `eq` on `id`,
/// `userName`, `externalId` or (groups) `displayName`, alone or on one side of an `and`.
pub fn narrowed(filter: Option<&Filter>) -> ScimLookup {
    let Some(filter) = filter else {
        return ScimLookup::All;
    };
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(value),
        } if path.sub.is_none() => match path.attr {
            "id" => ScimLookup::Id(value.clone()),
            "userName" => ScimLookup::UserName(value.clone()),
            "displayName" => ScimLookup::DisplayName(value.clone()),
            "externalId" => ScimLookup::ExternalId(value.clone()),
            _ => ScimLookup::All,
        },
        Filter::And(a, b) => match narrowed(Some(a)) {
            ScimLookup::All => narrowed(Some(b)),
            some => some,
        },
        _ => ScimLookup::All,
    }
}

/// A page of `matching` as a list response: `start` is 1-based, `count` at most
/// [`MAX_RESULTS`].
pub fn list(matching: Vec<Value>, start: usize, count: usize) -> Value {
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .skip(start.saturating_sub(1))
        .take(count)
        .collect();
    list_page(page, total, start)
}

/// `page`, the resources from the `start`-th (1-based) of `total`, as a list response.
pub fn list_page(page: Vec<Value>, total: usize, start: usize) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entra_id_user_body_reads_with_what_is_not_kept_left_out() {
        let body = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee@contoso.com",
            "active": "True",
            "displayName": "Test User",
            "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        });
        let fields = read_body(&body, ResourceKind::User).unwrap();
        assert_eq!(fields["active"], json!(true));
        assert!(!fields.contains_key("meta") && !fields.contains_key("roles"));
        let user = user_row("u1", "t", "t", fields);
        assert_eq!(user.user_name, "Test_User_ab6490ee@contoso.com");
        let back = user_json(&user, "https://desk/scim/v2");
        assert_eq!(back["name"]["givenName"], "givenName");
        assert_eq!(back["meta"]["location"], "https://desk/scim/v2/Users/u1");
    }

    #[test]
    fn a_body_with_an_unknown_attribute_or_without_a_user_name_is_refused() {
        let core = ResourceKind::User.schema();
        for body in [
            json!({"schemas": [core], "userName": "a", "shoeSize": 9}),
            json!({"schemas": [core], "displayName": "No name"}),
            json!({"schemas": [core], "userName": "  "}),
            json!({"schemas": [core], "userName": 7}),
            json!({"schemas": ["urn:example:other"], "userName": "a"}),
            json!({"userName": "a", "schemas": "not a list"}),
            json!(["not", "an", "object"]),
        ] {
            assert!(read_body(&body, ResourceKind::User).is_err(), "{body}");
        }
    }

    #[test]
    fn projections_keep_id_and_schemas() {
        let user = user_json(
            &user_row("u1", "t", "t", read_body(&json!({"userName": "a", "schemas": [ResourceKind::User.schema()], "displayName": "A"}), ResourceKind::User).unwrap()),
            "b",
        );
        let only =
            Projection::new(Some("userName,name.givenName"), None, ResourceKind::User).unwrap();
        let cut = only.apply(user.clone());
        assert_eq!(cut.as_object().unwrap().len(), 3, "{cut}");
        let without = Projection::new(None, Some("meta,displayName"), ResourceKind::User).unwrap();
        let cut = without.apply(user);
        assert!(
            cut.get("meta").is_none()
                && cut.get("displayName").is_none()
                && cut.get("id").is_some()
        );
        assert!(Projection::new(Some("shoeSize"), None, ResourceKind::User).is_err());
    }

    #[test]
    fn filters_on_keys_are_narrowed_to_a_lookup() {
        let f = |text: &str| Filter::parse(text, ResourceKind::User).unwrap();
        assert_eq!(
            narrowed(Some(&f("userName eq \"A@x\""))),
            ScimLookup::UserName("A@x".into())
        );
        assert_eq!(
            narrowed(Some(&f("active eq true and externalId eq \"e\""))),
            ScimLookup::ExternalId("e".into())
        );
        assert_eq!(narrowed(Some(&f("userName sw \"a\""))), ScimLookup::All);
        assert_eq!(
            narrowed(Some(&f("userName eq \"a\" or userName eq \"b\""))),
            ScimLookup::All
        );
    }
}
