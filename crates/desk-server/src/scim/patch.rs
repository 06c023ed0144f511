//! PatchOp requests (RFC 7644 §3.5.2): reading one ([`PatchRequest::parse`]) and applying it to a
//! User or Group held as JSON ([`apply_to`]), all operations or none.
//!
//! Beyond the RFC, it takes what Entra ID and Okta really send: `op` in any case (`Replace`);
//! path-less `add`/`replace` whose value object has dotted or filtered keys (`name.givenName`,
//! `emails[type eq "work"].value`); booleans as strings (`"False"`); Entra's `remove` of
//! `members` with a value, which removes only the members listed; Okta's `id` inside a
//! `replace` value, taken when it is the resource's own. A `replace` (or `add`) through a
//! filter that matches no value adds one when the filter is only `eq` comparisons
//! (`emails[type eq "work"].value` on a user with no work email), and a `remove` through a
//! filter that matches nothing changes nothing, so a retried request does no harm. Attributes
//! of the enterprise extension are accepted and ignored (see [`schema`](super::schema)).

use serde_json::{Map, Value};

use super::error::{ScimError, ScimType, excerpt};
use super::filter::{Filter, Path, get_ci};
use super::schema::{AttrType, Attribute, Mutability, ResourceKind};

/// The schema URN a PatchOp body names.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Adds values (to a list) or sets them.
    Add,
    /// Replaces values.
    Replace,
    /// Removes values.
    Remove,
}

/// Where an operation applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The attributes named by the keys of the value object.
    Keys,
    /// The attribute (and values) of a path.
    Path(Path),
    /// An attribute of an ignored extension: the operation does nothing.
    Ignored,
}

/// One operation of a PatchOp request.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// What it does.
    pub op: Op,
    /// Where.
    pub target: Target,
    /// With what, when it says.
    pub value: Option<Value>,
}

/// A PatchOp request, read against the kind of resource it patches.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The kind of resource patched.
    pub kind: ResourceKind,
    /// The operations, applied in order.
    pub operations: Vec<Operation>,
}

fn refuse(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(scim_type, detail)
}

impl PatchRequest {
    /// Reads a PatchOp `body`: its `schemas` must name [`PATCH_SCHEMA`], its `Operations` (or
    /// `operations`) be a list of `{op, path?, value?}`.
    pub fn parse(body: &Value, kind: ResourceKind) -> Result<Self, ScimError> {
        let syntax = |detail: &str| refuse(ScimType::InvalidSyntax, detail);
        let schemas = get_ci(body, "schemas").and_then(Value::as_array);
        let names_patch = schemas.is_some_and(|s| {
            s.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_SCHEMA))
            })
        });
        if !names_patch {
            return Err(syntax("A PatchOp body names its schema in `schemas`."));
        }
        let operations = get_ci(body, "Operations").and_then(Value::as_array);
        let operations = operations.ok_or_else(|| syntax("A PatchOp body lists `Operations`."))?;
        if operations.is_empty() {
            return Err(syntax("A PatchOp body has at least one operation."));
        }
        let operations = operations
            .iter()
            .map(|o| Operation::parse(o, kind))
            .collect::<Result<_, _>>()?;
        Ok(Self { kind, operations })
    }
}

impl Operation {
    fn parse(operation: &Value, kind: ResourceKind) -> Result<Self, ScimError> {
        let op = get_ci(operation, "op").and_then(Value::as_str);
        let op = match op.map(str::to_ascii_lowercase).as_deref() {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            _ => {
                let named = op.map(excerpt).unwrap_or_default();
                return Err(refuse(
                    ScimType::InvalidSyntax,
                    format!("`{named}` is not add, replace or remove."),
                ));
            }
        };
        let target = match get_ci(operation, "path") {
            None | Some(Value::Null) => Target::Keys,
            Some(Value::String(path)) => {
                Path::parse(path, kind)?.map_or(Target::Ignored, Target::Path)
            }
            Some(_) => return Err(refuse(ScimType::InvalidPath, "A path is a string.")),
        };
        // A null value says "unassigned" (RFC 7643 §2.5); a remove's null value lists nothing.
        let value = get_ci(operation, "value")
            .filter(|v| op != Op::Remove || !v.is_null())
            .cloned();
        if op == Op::Remove && target == Target::Keys {
            return Err(refuse(ScimType::NoTarget, "A remove names its path."));
        }
        if op != Op::Remove && value.is_none() {
            return Err(refuse(
                ScimType::InvalidValue,
                "An add or replace carries a value.",
            ));
        }
        Ok(Self { op, target, value })
    }
}

/// Applies `request` to `resource`: every operation, or, at the first refusal, none.
pub fn apply_to(resource: &mut Value, request: &PatchRequest) -> Result<(), ScimError> {
    let Some(current) = resource.as_object() else {
        return Err(refuse(
            ScimType::InvalidValue,
            "The resource is not an object.",
        ));
    };
    let mut patched = current.clone();
    for operation in &request.operations {
        apply_one(&mut patched, request.kind, operation)?;
    }
    *resource = Value::Object(patched);
    Ok(())
}

fn apply_one(
    resource: &mut Map<String, Value>,
    kind: ResourceKind,
    o: &Operation,
) -> Result<(), ScimError> {
    let value = o.value.as_ref().unwrap_or(&Value::Null);
    match (&o.target, o.op) {
        (Target::Ignored, _) => Ok(()),
        (Target::Path(path), Op::Remove) => remove(resource, path, o.value.as_ref()),
        (Target::Path(path), op) => set(resource, op, path, value),
        (Target::Keys, op) => {
            let Value::Object(keys) = value else {
                return Err(refuse(
                    ScimType::InvalidValue,
                    "Without a path, the value is an object.",
                ));
            };
            for (key, value) in keys {
                if let Some(path) = Path::parse(key, kind)? {
                    set(resource, op, &path, value)?;
                }
            }
            Ok(())
        }
    }
}

/// `add` or `replace` of `value` at `path`.
fn set(
    resource: &mut Map<String, Value>,
    op: Op,
    path: &Path,
    value: &Value,
) -> Result<(), ScimError> {
    let attr = path.attr;
    if let Some(filter) = &path.filter {
        return set_filtered(resource, op, attr, filter, path.sub, value);
    }
    if read_only(attr, path.sub) {
        let unchanged = path.sub.is_none() && get_ci_map(resource, attr.name) == Some(value);
        return if unchanged {
            Ok(())
        } else {
            Err(immutable(attr))
        };
    }
    match path.sub {
        Some(_) if attr.multi_valued => Err(which_values(attr)),
        Some(sub) => {
            let object = object_slot(resource, attr.name);
            put_or_drop(object, sub, coerce(sub, value)?);
            Ok(())
        }
        None if attr.multi_valued => {
            let items = coerce_list(attr, value)?;
            let list = list_slot(resource, attr.name);
            if op == Op::Replace {
                list.clear();
            }
            for item in items {
                if !list.iter().any(|held| same_value(held, &item)) {
                    list.push(item);
                }
            }
            Ok(())
        }
        None if attr.kind == AttrType::Complex => {
            let Value::Object(subs) = coerce(attr, value)? else {
                return Err(refuse(
                    ScimType::InvalidValue,
                    format!("`{}` is an object.", attr.name),
                ));
            };
            let object = object_slot(resource, attr.name);
            for (name, sub_value) in subs {
                object.insert(name, sub_value);
            }
            Ok(())
        }
        None => {
            let value = coerce(attr, value)?;
            if value.is_null() && attr.required {
                return Err(required(attr));
            }
            put_or_drop(resource, attr, value);
            Ok(())
        }
    }
}

/// `add` or `replace` through `attr[filter]`, of the values' `sub` or of their sub-attributes.
fn set_filtered(
    resource: &mut Map<String, Value>,
    op: Op,
    attr: &'static Attribute,
    filter: &Filter,
    sub: Option<&'static Attribute>,
    value: &Value,
) -> Result<(), ScimError> {
    if read_only(attr, sub) {
        return Err(immutable(attr));
    }
    if !attr.multi_valued {
        return Err(refuse(
            ScimType::InvalidPath,
            format!("`{}` has one value.", attr.name),
        ));
    }
    let new = match sub {
        Some(sub) => Value::Object(Map::from_iter([(sub.name.to_owned(), coerce(sub, value)?)])),
        None => coerce(attr, value)?,
    };
    let Value::Object(new) = new else {
        return Err(refuse(
            ScimType::InvalidValue,
            format!("A value of `{}` is an object.", attr.name),
        ));
    };
    let list = list_slot(resource, attr.name);
    if !list.iter().any(|v| filter.matches(v)) {
        let seed = seed(filter).filter(|_| op != Op::Remove);
        list.push(Value::Object(seed.ok_or_else(|| no_target(attr))?));
    }
    for item in list.iter_mut().filter(|v| filter.matches(v)) {
        if let Value::Object(item) = item {
            for (name, sub_value) in &new {
                take(item, name);
                if !sub_value.is_null() {
                    item.insert(name.clone(), sub_value.clone());
                }
            }
        }
    }
    Ok(())
}

/// The value a filter of only `eq` comparisons of sub-attributes describes.
fn seed(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: super::filter::CompareOp::Eq,
            value,
        } if path.sub.is_none() => Some(Map::from_iter([(path.attr.to_owned(), value.clone())])),
        Filter::And(a, b) => {
            let mut seed = seed(a)?;
            seed.extend(self::seed(b)?);
            Some(seed)
        }
        _ => None,
    }
}

/// `remove` at `path`; with a value, of a multi-valued attribute: only the values listed.
fn remove(
    resource: &mut Map<String, Value>,
    path: &Path,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = path.attr;
    if read_only(attr, path.sub) {
        return Err(immutable(attr));
    }
    match (&path.filter, path.sub) {
        (Some(filter), sub) => {
            let list = list_slot(resource, attr.name);
            match sub {
                None => list.retain(|v| !filter.matches(v)),
                Some(sub) => list
                    .iter_mut()
                    .filter(|v| filter.matches(v))
                    .filter_map(Value::as_object_mut)
                    .for_each(|v| drop(take(v, sub.name))),
            }
        }
        (None, Some(_)) if attr.multi_valued => return Err(which_values(attr)),
        (None, Some(sub)) => {
            if let Some(Value::Object(object)) = get_ci_mut(resource, attr.name) {
                take(object, sub.name);
            }
        }
        (None, None) if attr.multi_valued && value.is_some() => {
            let listed = coerce_list(attr, value.unwrap_or(&Value::Null))?;
            list_slot(resource, attr.name).retain(|v| !listed.iter().any(|l| same_value(v, l)));
        }
        (None, None) if attr.required => return Err(required(attr)),
        (None, None) => drop(take(resource, attr.name)),
    }
    if matches!(get_ci_map(resource, attr.name), Some(Value::Array(list)) if list.is_empty()) {
        take(resource, attr.name);
    }
    Ok(())
}

fn read_only(attr: &Attribute, sub: Option<&Attribute>) -> bool {
    attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
}

/// `value` as a value of `attr` (one value of a multi-valued one): strings `true`/`false` read as
/// booleans where booleans belong, unknown sub-attributes refused, nulls inside objects dropped.
pub(crate) fn coerce(attr: &Attribute, value: &Value) -> Result<Value, ScimError> {
    let wrong = || {
        refuse(
            ScimType::InvalidValue,
            format!("`{}` is not {}.", attr.name, kind_name(attr.kind)),
        )
    };
    match (attr.kind, value) {
        (_, Value::Null) => Ok(Value::Null),
        (AttrType::Boolean, Value::Bool(_)) => Ok(value.clone()),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Value::Bool(true))
        }
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Value::Bool(false))
        }
        (AttrType::String | AttrType::Reference | AttrType::DateTime, Value::String(_)) => {
            Ok(value.clone())
        }
        (AttrType::Complex, Value::Object(given)) => {
            let mut out = Map::new();
            for (name, v) in given {
                let sub = attr.sub(name).ok_or_else(|| {
                    refuse(
                        ScimType::InvalidPath,
                        format!("`{}` has no `{}`.", attr.name, excerpt(name)),
                    )
                })?;
                put_or_drop(&mut out, sub, coerce(sub, v)?);
            }
            Ok(Value::Object(out))
        }
        _ => Err(wrong()),
    }
}

/// The values of the multi-valued `attr` that `value` gives: a list, or one value.
pub(crate) fn coerce_list(attr: &Attribute, value: &Value) -> Result<Vec<Value>, ScimError> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        Value::Null => &[],
        one => std::slice::from_ref(one),
    };
    items
        .iter()
        .map(|v| coerce(attr, v))
        .filter(|v| !matches!(v, Ok(Value::Null)))
        .collect()
}

fn kind_name(kind: AttrType) -> &'static str {
    match kind {
        AttrType::Boolean => "a boolean",
        AttrType::Complex => "an object",
        AttrType::String | AttrType::Reference | AttrType::DateTime => "a string",
    }
}

/// Whether two values of a multi-valued attribute are the same one: the same `value`
/// sub-attribute when both have one (a member is its id), else equal.
fn same_value(a: &Value, b: &Value) -> bool {
    match (get_ci(a, "value"), get_ci(b, "value")) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn immutable(attr: &Attribute) -> ScimError {
    refuse(
        ScimType::Mutability,
        format!("`{}` is set by the server.", attr.name),
    )
}

fn required(attr: &Attribute) -> ScimError {
    refuse(
        ScimType::InvalidValue,
        format!("`{}` must have a value.", attr.name),
    )
}

fn no_target(attr: &Attribute) -> ScimError {
    refuse(
        ScimType::NoTarget,
        format!("No value of `{}` matches the path's filter.", attr.name),
    )
}

fn which_values(attr: &Attribute) -> ScimError {
    refuse(
        ScimType::InvalidPath,
        format!(
            "Name which values of `{}`, as in `{}[type eq \"work\"].value`.",
            attr.name, attr.name
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Members of a JSON object, named case-insensitively and written as the schema spells them.

fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_of(map, name)?;
    map.remove(&key)
}

fn get_ci_map<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    map.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Sets `attr` to `value`, or removes it when `value` is null (unassigned, RFC 7643 §2.5).
fn put_or_drop(map: &mut Map<String, Value>, attr: &Attribute, value: Value) {
    take(map, attr.name);
    if !value.is_null() {
        map.insert(attr.name.to_owned(), value);
    }
}

/// The object held at `name`, made one when it is missing or not an object.
fn object_slot<'a>(
    map: &'a mut Map<String, Value>,
    name: &'static str,
) -> &'a mut Map<String, Value> {
    let held = take(map, name)
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let slot = map.entry(name).or_insert(held);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("made an object above"),
    }
}

/// The list held at `name`, made one when it is missing or not a list.
fn list_slot<'a>(map: &'a mut Map<String, Value>, name: &'static str) -> &'a mut Vec<Value> {
    let held = take(map, name)
        .filter(Value::is_array)
        .unwrap_or_else(|| Value::Array(Vec::new()));
    let slot = map.entry(name).or_insert(held);
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(list) => list,
        _ => unreachable!("made a list above"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn patched(mut resource: Value, body: Value, kind: ResourceKind) -> Result<Value, ScimError> {
        let request = PatchRequest::parse(&body, kind)?;
        apply_to(&mut resource, &request)?;
        Ok(resource)
    }

    fn user_patched(body: Value) -> Value {
        patched(user(), body, ResourceKind::User).unwrap_or_else(|e| panic!("{e}"))
    }

    fn group_patched(body: Value) -> Value {
        patched(group(), body, ResourceKind::Group).unwrap_or_else(|e| panic!("{e}"))
    }

    fn refusal(resource: Value, body: Value, kind: ResourceKind) -> Option<ScimType> {
        patched(resource, body, kind)
            .err()
            .and_then(|e| e.scim_type)
    }

    fn ops(operations: Value) -> Value {
        json!({"schemas": [PATCH_SCHEMA], "Operations": operations})
    }

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "Test_User_00aa00aa",
            "active": true,
            "displayName": "Test User",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"value": "old@example.com", "type": "work", "primary": true}],
            "meta": {"resourceType": "User"}
        })
    }

    fn group() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
            "displayName": "Agents",
            "members": [
                {"value": "a2c7f6e2fb4c4d85a8a4"},
                {"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "test.user@okta.local"}
            ]
        })
    }

    fn member_ids(group: &Value) -> Vec<&str> {
        let members = group.get("members").and_then(Value::as_array);
        members
            .into_iter()
            .flatten()
            .filter_map(|m| m["value"].as_str())
            .collect()
    }

    // Entra ID: the requests Microsoft's SCIM endpoint tutorial shows the provisioning service
    // sending.

    #[test]
    fn entra_updates_a_work_email_and_a_family_name() {
        let user = user_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}
            ]
        }));
        assert_eq!(
            user["emails"],
            json!([{"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}])
        );
        assert_eq!(
            user["name"],
            json!({"givenName": "Test", "familyName": "updatedFamilyName"})
        );
    }

    #[test]
    fn entra_replaces_a_user_name() {
        let user = user_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]
        }));
        assert_eq!(
            user["userName"],
            "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
        );
    }

    #[test]
    fn entra_disables_a_user() {
        let user = user_patched(json!({
            "Operations": [{"op": "Replace", "path": "active", "value": false}],
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
        }));
        assert_eq!(user["active"], false);
    }

    #[test]
    fn entra_sends_booleans_as_strings_and_dotted_keys_without_a_path() {
        // What Entra ID sends for apps not on its SCIM-compliant behaviour (the aadOptscim062020
        // flag turns it off).
        let user = user_patched(ops(json!([
            {"op": "Replace", "value": {"active": "False"}},
            {"op": "Replace", "value": {"displayName": "Ada L.", "name.givenName": "Ada", "emails[type eq \"work\"].value": "ada@work.example"}}
        ])));
        assert_eq!(user["active"], false);
        assert_eq!(user["displayName"], "Ada L.");
        assert_eq!(user["name"]["givenName"], "Ada");
        assert_eq!(user["emails"][0]["value"], "ada@work.example");
        let user = user_patched(ops(
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        ));
        assert_eq!(user["active"], true);
    }

    #[test]
    fn entra_adds_a_member() {
        let group = group_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}]}]
        }));
        assert_eq!(
            member_ids(&group),
            [
                "a2c7f6e2fb4c4d85a8a4",
                "89bb1940-b905-4575-9e7f-6f887cfb368e",
                "f648f8d5ea4e4cd38e9c"
            ]
        );
        assert_eq!(
            group["members"][2],
            json!({"value": "f648f8d5ea4e4cd38e9c"}),
            "a null $ref is unassigned"
        );
    }

    #[test]
    fn entra_removes_only_the_members_it_lists() {
        let group = group_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "a2c7f6e2fb4c4d85a8a4"}]}]
        }));
        assert_eq!(member_ids(&group), ["89bb1940-b905-4575-9e7f-6f887cfb368e"]);
    }

    #[test]
    fn entra_renames_a_group() {
        let group = group_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]
        }));
        assert_eq!(
            group["displayName"],
            "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
        );
        assert_eq!(member_ids(&group).len(), 2);
    }

    // Okta: the requests its SCIM 2.0 reference shows Okta sending.

    #[test]
    fn okta_deactivates_a_user() {
        let user = user_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": false}}]
        }));
        assert_eq!(user["active"], false);
        assert_eq!(user["userName"], "Test_User_00aa00aa");
    }

    #[test]
    fn okta_renames_a_group_with_its_own_id_in_the_value() {
        let group = group_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"}}]
        }));
        assert_eq!(group["displayName"], "Test SCIMv2");
        assert_eq!(group["id"], "abf4dd94-a4c0-4f67-89c9-76b03340cb9b");
    }

    #[test]
    fn okta_adds_a_member_and_not_twice() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "display": "test.user@okta.local"}]}]
        });
        let once = group_patched(body.clone());
        let twice = patched(once.clone(), body, ResourceKind::Group).unwrap();
        assert_eq!(member_ids(&once).len(), 3);
        assert_eq!(twice, once);
        let again = group_patched(ops(
            json!([{"op": "add", "path": "members", "value": [{"value": "a2c7f6e2fb4c4d85a8a4"}]}]),
        ));
        assert_eq!(
            member_ids(&again).len(),
            2,
            "a member already held is not added again"
        );
    }

    #[test]
    fn okta_removes_a_member_by_filter() {
        let group = group_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"}]
        }));
        assert_eq!(member_ids(&group), ["a2c7f6e2fb4c4d85a8a4"]);
        // Again: nothing matches, nothing changes.
        let body = ops(
            json!([{"op": "remove", "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"}]),
        );
        assert_eq!(patched(group.clone(), body, ResourceKind::Group), Ok(group));
    }

    // The other shapes.

    #[test]
    fn members_are_replaced_or_all_removed() {
        let replaced = group_patched(ops(
            json!([{"op": "replace", "path": "members", "value": [{"value": "x1"}, {"value": "x2"}]}]),
        ));
        assert_eq!(member_ids(&replaced), ["x1", "x2"]);
        let emptied = group_patched(ops(json!([{"op": "remove", "path": "members"}])));
        assert_eq!(emptied.get("members"), None);
        assert_eq!(emptied["displayName"], "Agents");
    }

    #[test]
    fn single_paths_are_replaced() {
        let user = user_patched(ops(json!([
            {"op": "replace", "path": "displayName", "value": "New Name"},
            {"op": "replace", "path": "name.givenName", "value": "New"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName", "value": "new@example.com"},
            {"op": "add", "path": "externalId", "value": "ext-1"},
            {"op": "remove", "path": "name.familyName"}
        ])));
        assert_eq!(user["displayName"], "New Name");
        assert_eq!(user["name"], json!({"givenName": "New"}));
        assert_eq!(user["userName"], "new@example.com");
        assert_eq!(user["externalId"], "ext-1");
    }

    #[test]
    fn a_filter_of_equalities_that_matches_nothing_adds_a_value() {
        let mut no_email = user();
        no_email.as_object_mut().unwrap().remove("emails");
        let body = ops(
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}]),
        );
        let user = patched(no_email, body, ResourceKind::User).unwrap();
        assert_eq!(
            user["emails"],
            json!([{"type": "work", "value": "new@work.example"}])
        );
        let body = ops(
            json!([{"op": "replace", "path": "emails[value co \"zzz\"].type", "value": "home"}]),
        );
        assert_eq!(
            refusal(super::tests::user(), body, ResourceKind::User),
            Some(ScimType::NoTarget)
        );
    }

    #[test]
    fn a_null_value_unassigns() {
        let user = user_patched(ops(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": null},
            {"op": "replace", "path": "displayName", "value": null},
            {"op": "replace", "value": {"name.givenName": null}}
        ])));
        assert_eq!(
            user["emails"],
            json!([{"value": "old@example.com", "type": "work"}])
        );
        assert_eq!(user.get("displayName"), None);
        assert_eq!(user["name"], json!({"familyName": "User"}));
    }

    #[test]
    fn names_in_bodies_are_case_insensitive_and_written_as_the_schema_spells_them() {
        let user = user_patched(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "operations": [{"op": "REPLACE", "path": "DisplayName", "value": "x"}]
        }));
        assert_eq!(user["displayName"], "x");
        let mut odd = user.clone();
        odd.as_object_mut()
            .unwrap()
            .insert("ACTIVE".into(), json!(true));
        odd.as_object_mut().unwrap().remove("active");
        let fixed = patched(
            odd,
            ops(json!([{"op": "replace", "value": {"active": false}}])),
            ResourceKind::User,
        )
        .unwrap();
        assert_eq!(
            (fixed.get("ACTIVE"), &fixed["active"]),
            (None, &json!(false))
        );
    }

    #[test]
    fn enterprise_attributes_are_accepted_and_ignored_on_users_only() {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let user = user_patched(ops(json!([
            {"op": "Add", "path": format!("{ext}:department"), "value": "Sales"},
            {"op": "Replace", "value": {ext: {"employeeNumber": "701984"}, "displayName": "Kept"}}
        ])));
        assert_eq!(user["displayName"], "Kept");
        assert_eq!(user.get(ext), None);
        let body =
            ops(json!([{"op": "Add", "path": format!("{ext}:department"), "value": "Sales"}]));
        assert_eq!(
            refusal(group(), body, ResourceKind::Group),
            Some(ScimType::InvalidPath)
        );
    }

    #[test]
    fn refusals_carry_the_rfcs_scim_type() {
        let user_refusal = |operations: Value| refusal(user(), ops(operations), ResourceKind::User);
        let cases = [
            (
                json!([{"op": "move", "path": "userName", "value": "x"}]),
                ScimType::InvalidSyntax,
            ),
            (
                json!([{"path": "userName", "value": "x"}]),
                ScimType::InvalidSyntax,
            ),
            (
                json!([{"op": "replace", "path": "shoeSize", "value": "x"}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "path": "members", "value": []}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "value": {"shoeSize": "x"}}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "path": "name", "value": {"shoeSize": "x"}}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "path": "emails.value", "value": "x"}]),
                ScimType::InvalidPath,
            ),
            (
                json!([{"op": "replace", "path": 5, "value": "x"}]),
                ScimType::InvalidPath,
            ),
            (json!([{"op": "remove"}]), ScimType::NoTarget),
            (
                json!([{"op": "replace", "path": "active", "value": "maybe"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "replace", "path": "userName", "value": 5}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "replace", "path": "emails", "value": "a@b.c"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "replace", "value": "not an object"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "add", "path": "displayName"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "remove", "path": "userName"}]),
                ScimType::InvalidValue,
            ),
            (
                json!([{"op": "replace", "path": "id", "value": "other"}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "replace", "value": {"id": "other"}}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "remove", "path": "id"}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "replace", "path": "meta", "value": {"resourceType": "Group"}}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "replace", "path": "meta.created", "value": "2026-01-01T00:00:00Z"}]),
                ScimType::Mutability,
            ),
            (
                json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
                ScimType::Mutability,
            ),
        ];
        for (operations, expected) in cases {
            assert_eq!(
                user_refusal(operations.clone()),
                Some(expected),
                "{operations}"
            );
        }
    }

    #[test]
    fn bodies_that_are_not_patch_ops_are_invalid_syntax() {
        for body in [
            json!({"Operations": [{"op": "replace", "value": {"active": false}}]}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []}),
            json!({"schemas": [PATCH_SCHEMA]}),
            json!({"schemas": [PATCH_SCHEMA], "Operations": []}),
            json!({"schemas": [PATCH_SCHEMA], "Operations": {"op": "add"}}),
            json!([1, 2]),
        ] {
            assert_eq!(
                PatchRequest::parse(&body, ResourceKind::User)
                    .err()
                    .and_then(|e| e.scim_type),
                Some(ScimType::InvalidSyntax),
                "{body}"
            );
        }
    }

    #[test]
    fn a_refused_operation_leaves_the_resource_as_it_was() {
        let request = PatchRequest::parse(
            &ops(json!([
                {"op": "replace", "path": "displayName", "value": "changed"},
                {"op": "replace", "path": "id", "value": "changed"}
            ])),
            ResourceKind::User,
        )
        .unwrap();
        let mut resource = user();
        assert!(apply_to(&mut resource, &request).is_err());
        assert_eq!(resource, user());
    }
}
