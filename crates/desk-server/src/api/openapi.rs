//! The OpenAPI document of API v1, generated: the operations come from the handlers'
//! `#[utoipa::path]` attributes and doc comments (as [`super::routes`] registers them), the
//! schemas from the types they take and answer with, and [`finish`] adds what every operation
//! shares (the error answers, the common parameters, the bearer scheme) and the catalogue's own
//! descriptions (`desk_core::openapi::describe`).
//!
//! The committed `openapi.json` is this document; a test fails when they differ, and
//! `DESK_WRITE_OPENAPI=1 cargo test -p desk-server --lib openapi` rewrites the file.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::ApiError;

desk_core::schema_type! {
    /// The body of `GET /v1/openapi.json`.
    Document => json!({"type": "object", "description": "An OpenAPI 3.1 document."})
}

/// What the document says before any operation: `openapi.md`.
const ABOUT: &str = include_str!("openapi.md");

/// Schemas no operation names through its types: the error body of every error answer, the
/// signed policy's payload, and what the catalogue's maps (`desk_core::openapi`) refer to.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    desk_api::ErrorBody,
    desk_core::signed::PolicyClaims,
    desk_core::Field,
    desk_core::RecordKind,
    desk_core::Page,
    desk_core::Widget,
    desk_core::Redaction
)))]
struct Shared;

/// The document as generated now, as JSON.
pub fn document() -> Value {
    let (_, mut api) = super::routes(0).split_for_parts();
    api.merge(<Shared as utoipa::OpenApi>::openapi());
    let mut document = serde_json::to_value(&api).expect("the document serializes");
    finish(&mut document);
    document
}

/// The document as the committed file holds it: pretty JSON, a newline at the end.
pub fn generated() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document serializes");
    text.push('\n');
    text
}

/// The document served at `/v1/openapi.json`, generated once.
pub(super) fn served() -> &'static str {
    static SERVED: LazyLock<String> = LazyLock::new(generated);
    &SERVED
}

/// The operations' shared error answers: component name, status, description and the error whose
/// body is the example.
fn shared_responses() -> [(&'static str, u16, &'static str, ApiError); 8] {
    [
        (
            "BadRequest",
            400,
            "The request is malformed or out of bounds; `error.code` says what to fix.",
            ApiError::bad(
                desk_api::ApiCode::InvalidLimit,
                "limit must be between 1 and 100.",
            ),
        ),
        (
            "Unauthorized",
            401,
            "No bearer token, or a token that failed any check (malformed, wrong type or \
             algorithm, unknown key, bad signature, wrong issuer or audience, expired, not yet \
             valid, no subject). Every token problem gets this same answer; only the server's \
             log says which check refused it.",
            ApiError::Unauthorized { invalid: true },
        ),
        (
            "Forbidden",
            403,
            "The caller's policy does not allow this. The refusal is recorded in the audit trail \
             (outcome `denied`).",
            ApiError::Forbidden,
        ),
        (
            "NotFound",
            404,
            "The record does not exist. The attempt is recorded in the audit trail (outcome \
             `not_found`).",
            ApiError::NotFound("customer"),
        ),
        (
            "PayloadTooLarge",
            413,
            "The request body is larger than the server's limit (`max_body_bytes`, 64 KiB unless \
             configured).",
            ApiError::TooLarge,
        ),
        (
            "UnsupportedMediaType",
            415,
            "The body was not sent as `application/json`.",
            ApiError::UnsupportedMediaType,
        ),
        (
            "Internal",
            500,
            "Something failed on the server, including an audit entry that could not be written \
             (no request is answered unaudited). The cause is logged, never sent.",
            ApiError::Internal(String::new()),
        ),
        (
            "ProviderUnavailable",
            503,
            "The identity provider's keys could not be fetched in time (a request waits at \
             most 2 s for them), so a token that passed every other check could not be \
             checked; try again shortly. A token refused on its face is a 401 whatever the \
             provider does.",
            ApiError::ProviderUnavailable,
        ),
    ]
}

/// The parameters several operations share: component name, then the parameter.
fn shared_parameters() -> [(&'static str, Value); 4] {
    [
        (
            "Id",
            json!({
                "name": "id", "in": "path", "required": true,
                "description": "The record's id. Anything that is not a whole number fitting in \
                    64 bits is `invalid_id` (400).",
                "schema": {"type": "integer", "format": "int64"},
            }),
        ),
        (
            "Role",
            json!({
                "name": "role", "in": "path", "required": true,
                "description": "The role whose definition or layout is replaced. Any other name \
                    is `unknown_role` (400).",
                "schema": {"$ref": "#/components/schemas/Role"},
            }),
        ),
        (
            "Cursor",
            json!({
                "name": "cursor", "in": "query", "required": false,
                "description": "Where the page starts: the `next_cursor` of the previous page, \
                    unchanged. Cursors are opaque; one the server did not make is \
                    `invalid_cursor`.",
                "schema": {"type": "string", "maxLength": 64},
            }),
        ),
        (
            "Subject",
            json!({
                "name": "subject", "in": "path", "required": true,
                "description": format!(
                    "The agent's subject at the identity provider (the `sub` of their tokens), \
                     percent-encoded as a path segment: 1 to {} characters without control \
                     characters, otherwise `invalid_subject` (400). The server does not need to \
                     have seen the subject: the order waits until that agent connects.",
                    super::wipes::MAX_SUBJECT_CHARS
                ),
                "schema": {"type": "string", "minLength": 1,
                    "maxLength": super::wipes::MAX_SUBJECT_CHARS},
            }),
        ),
    ]
}

/// The pages the API answers with: the generic schema's name, the page's name and what orders it.
const PAGES: [(&str, &str, &str); 4] = [
    (
        "Page_Customer",
        "CustomerPage",
        "A page of customers, ordered by name (case-insensitively), then id.",
    ),
    (
        "Page_Transaction",
        "TransactionPage",
        "A page of transactions, newest first.",
    ),
    (
        "Page_Ticket",
        "TicketPage",
        "A page of tickets, most recently updated first.",
    ),
    (
        "Page_AuditEntry",
        "AuditPage",
        "A page of audit entries, newest first.",
    ),
];

/// Adds to the generated document what its operations share and what the catalogue says.
fn finish(document: &mut Value) {
    document["info"] = json!({
        "title": "Support Desk gateway API (desk-server)",
        "summary": "The API the Support Desk client uses to find customers, read their records \
            and answer their tickets.",
        "description": ABOUT.trim_end(),
        "version": env!("CARGO_PKG_VERSION"),
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    });
    document["jsonSchemaDialect"] = json!("https://spec.openapis.org/oas/3.1/dialect/base");
    document["tags"] = json!([
        {"name": "meta", "description": "Public endpoints: health and this document."},
        {"name": "me", "description": "The signed-in agent: its policy, its pending wipes, and \
            the views it made offline."},
        {"name": "customers", "description": "Finding customers, reading one, and their \
            transactions."},
        {"name": "tickets", "description": "Tickets, their conversations, and replying."},
        {"name": "admin", "description": "The audit trail, role definitions, role layouts and \
            device wipes."},
        {"name": "events", "description": "Server-sent events: signed policies pushed as they \
            change, and wipe orders."},
        {"name": "scim", "description": "SCIM 2.0 provisioning (RFC 7643, RFC 7644) for identity \
            providers, with a provisioning token (`scimToken`), never an agent's. Bodies and \
            errors are `application/scim+json`; every refusal is a SCIM error (`ScimError`)."},
    ]);
    document["servers"] = json!([
        {"url": "/", "description": "The desk-server that serves this document."}
    ]);
    document["security"] = json!([{"bearerAuth": []}]);
    add_components(&mut document["components"]);
    let paths = document["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        for operation in item.as_object_mut().expect("a path item").values_mut() {
            if operation["tags"] == json!(["scim"]) {
                finish_scim_operation(operation);
            } else {
                finish_operation(operation);
            }
        }
    }
    name_pages(document);
    desk_core::openapi::describe(document);
    desk_api::schemas::describe(document);
    desk_core::openapi::fill(
        document,
        &[
            (Document::TITLE, Document::json()),
            (
                super::scim::ScimResource::TITLE,
                super::scim::ScimResource::json(),
            ),
            (
                super::events::EventStream::TITLE,
                super::events::EventStream::json(),
            ),
            (
                super::customers::FromTime::TITLE,
                super::customers::FromTime::json(),
            ),
            (
                super::customers::ToTime::TITLE,
                super::customers::ToTime::json(),
            ),
            (
                super::customers::TransactionStatus::TITLE,
                super::customers::TransactionStatus::json(),
            ),
        ],
    );
    tidy(document);
    assert!(
        !document.to_string().contains("x-desk-schema:"),
        "a schema type is not filled in: add it to `finish`"
    );
}

fn add_components(components: &mut Value) {
    components["securitySchemes"] = json!({
        "bearerAuth": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An access token (a signed JWT) from the company's OpenID provider. \
                The server accepts it only from the configured issuer, for an audience \
                configured on the server (`urn:support-desk:api` unless configured), with an \
                access-token `typ` (`at+jwt` by default), an asymmetric signature by one of the \
                provider's keys (never `none` or HMAC), a subject, and valid times. The agent's \
                roles come from the token's groups claim, mapped to product roles by the \
                server's configuration.",
        }
    });
    components["securitySchemes"]["scimToken"] = json!({
        "type": "http", "scheme": "bearer",
        "description": "A provisioning token made by `desk-server scim token create --name \
            NAME` (it begins with `desk_scim_`), kept by the server only as its hash. It opens \
            only `/scim/v2`; an agent's access token never does.",
    });
    components["schemas"]["ScimError"] = json!({
        "type": "object",
        "description": "A SCIM error (RFC 7644 §3.12).",
        "required": ["schemas", "status", "detail"],
        "properties": {
            "schemas": {"type": "array", "items": {"const": crate::scim::error::ERROR_SCHEMA}},
            "status": {"type": "string", "description": "The HTTP status, as a string."},
            "scimType": {"type": "string", "enum": crate::scim::error::ScimType::ALL
                .iter().map(|t| t.as_str()).collect::<Vec<_>>()},
            "detail": {"type": "string"},
        },
    });
    let mut responses = Map::new();
    for (name, status, description, error) in shared_responses() {
        let (_, code) = error.status_and_code();
        let mut headers = json!({"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}});
        if status == 401 {
            headers["WWW-Authenticate"] = json!({"$ref": "#/components/headers/WWW-Authenticate"});
        }
        let example = json!({"error": {"code": code, "message": error.message()}});
        responses.insert(
            name.into(),
            json!({
                "description": description,
                "headers": headers,
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {code: {"value": example}},
                }},
            }),
        );
    }
    components["responses"] = Value::Object(responses);
    components["parameters"] = Value::Object(
        shared_parameters()
            .into_iter()
            .map(|(name, parameter)| (name.to_owned(), parameter))
            .collect(),
    );
    components["headers"] = json!({
        "X-Request-Id": {
            "description": "The request's id (a UUID the server makes for every request; one the \
                client sent is replaced). Error bodies carry it too, as `error.request_id`; the \
                server's log line for the request names it.",
            "required": true,
            "schema": {"type": "string", "format": "uuid"},
        },
        "WWW-Authenticate": {
            "description": "The bearer challenge (RFC 6750): `error=\"invalid_token\"` when a \
                token was presented and refused, no error when none was sent.",
            "required": true,
            "schema": {"type": "string", "enum": [
                "Bearer realm=\"desk-server\"",
                "Bearer realm=\"desk-server\", error=\"invalid_token\"",
            ]},
        },
    });
}

/// Points an operation's shared parameters and error answers at their components, and adds the
/// answers every signed-in operation (and every one with a body) can give.
fn finish_operation(operation: &mut Value) {
    let public = operation["security"]
        .as_array()
        .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    if public {
        operation["security"] = json!([]);
    }
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters {
            let shared = shared_parameters()
                .into_iter()
                .find(|(_, p)| p["name"] == parameter["name"] && p["in"] == parameter["in"]);
            if let Some((name, _)) = shared {
                *parameter = json!({"$ref": format!("#/components/parameters/{name}")});
            }
        }
    }
    let has_body = operation.get("requestBody").is_some();
    let responses = operation["responses"]
        .as_object_mut()
        .expect("an operation answers");
    for (name, status, _, _) in shared_responses() {
        let key = status.to_string();
        let implied = !public
            && (matches!(status, 401 | 500 | 503) || (has_body && matches!(status, 413 | 415)));
        let reference = json!(format!("#/components/responses/{name}"));
        match responses.get_mut(&key) {
            Some(answer) if answer.get("content").is_some() => {
                // An answer with a body and example of its own (the refusal of an offline
                // upload, which names its views) keeps them, with the header every answer has.
                answer["headers"]["X-Request-Id"] =
                    json!({"$ref": "#/components/headers/X-Request-Id"});
            }
            Some(answer) => {
                let description = answer["description"].take();
                *answer = json!({"$ref": reference});
                if description.as_str().is_some_and(|d| !d.is_empty()) {
                    answer["description"] = description;
                }
            }
            None if implied => {
                responses.insert(key, json!({"$ref": reference}));
            }
            None => {}
        }
    }
    responses.sort_keys();
}

/// Gives each refusal of a SCIM operation the SCIM error body, and adds the answers every one
/// can give: 401 (no or an unknown provisioning token), 429 (over the client's rate) and 500.
fn finish_scim_operation(operation: &mut Value) {
    let responses = operation["responses"]
        .as_object_mut()
        .expect("an operation answers");
    let implied = [
        (
            "401",
            "No provisioning token, or one the server does not hold (an agent's access token among them).",
        ),
        (
            "429",
            "More requests than the client's rate allows (`scim_requests_per_minute`, bursts of `scim_burst`); try again after `Retry-After` seconds.",
        ),
        (
            "500",
            "Something failed on the server; the cause is logged, never sent.",
        ),
    ];
    for (status, description) in implied {
        responses
            .entry(status)
            .or_insert_with(|| json!({"description": description}));
    }
    for (status, answer) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            answer["content"] = json!({"application/scim+json": {
                "schema": {"$ref": "#/components/schemas/ScimError"},
            }});
        }
    }
    responses.sort_keys();
}

/// Gives each page of records its own name and says how it is ordered.
fn name_pages(document: &mut Value) {
    let schemas = document["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    for (generic, name, order) in PAGES {
        let Some(mut page) = schemas.remove(generic) else {
            panic!("no schema `{generic}`: is `PAGES` out of date?");
        };
        page["description"] = json!(format!(
            "{order} Pass `next_cursor` as `cursor` to get the next page; it is absent on the \
             last page."
        ));
        schemas.insert(name.into(), page);
    }
    let mut text = document.to_string();
    for (generic, name, _) in PAGES {
        text = text.replace(
            &format!("#/components/schemas/{generic}\""),
            &format!("#/components/schemas/{name}\""),
        );
    }
    *document = serde_json::from_str(&text).expect("the document parses again");
}

/// Walks the whole document: joins the lines a doc comment was wrapped at back into paragraphs,
/// folds the `allOf` wrapper a described reference gets into the reference, and drops the `null`
/// alternative of members that are absent rather than null.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(text)) = object.get_mut("description") {
                *text = unwrap_lines(text);
            }
            fold_all_of(object);
            for member in object.values_mut() {
                tidy(member);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// `{"allOf": [{"$ref": …}], "description": …}` becomes `{"$ref": …, "description": …}`, and
/// `{"oneOf": [{"type": "null"}, X]}` becomes X.
fn fold_all_of(object: &mut Map<String, Value>) {
    for key in ["allOf", "oneOf"] {
        let Some(Value::Array(parts)) = object.get(key) else {
            continue;
        };
        let kept: Vec<Value> = parts
            .iter()
            .filter(|p| **p != json!({"type": "null"}))
            .cloned()
            .collect();
        if let [only] = kept.as_slice()
            && (key == "allOf" || kept.len() < parts.len())
        {
            let only = only.as_object().cloned().unwrap_or_default();
            object.remove(key);
            for (k, v) in only {
                object.entry(k).or_insert(v);
            }
        }
    }
}

/// Joins wrapped lines: a single line break inside a paragraph becomes a space, unless the next
/// line starts a list item.
fn unwrap_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            let new_block = line.is_empty() || line.starts_with("- ") || out.ends_with('\n');
            out.push(if new_block { '\n' } else { ' ' });
        }
        out.push_str(line.trim_start());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = include_str!("../../openapi.json");

    #[test]
    fn the_committed_document_is_the_one_the_code_generates() {
        let generated = generated();
        if std::env::var_os("DESK_WRITE_OPENAPI").is_some() {
            let path = desk_testkit::repo_root().join("crates/desk-server/openapi.json");
            std::fs::write(path, &generated).unwrap();
            return;
        }
        assert!(
            COMMITTED == generated,
            "crates/desk-server/openapi.json is not what the code generates; run \
             `DESK_WRITE_OPENAPI=1 cargo test -p desk-server --lib openapi` and commit the file"
        );
    }

    #[test]
    fn every_operation_has_a_unique_id_a_summary_and_its_answers() {
        let document = document();
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "{method} {path}: `{id}` twice");
                assert!(operation["summary"].is_string(), "{method} {path}");
                assert!(operation["description"].is_string(), "{method} {path}");
                let secured = operation["security"] != json!([]);
                let responses = operation["responses"].as_object().unwrap();
                // The SCIM routes check no access token (so never wait for the provider), and
                // rate each client.
                let implied = if operation["tags"] == json!(["scim"]) {
                    ["401", "429", "500"]
                } else {
                    ["401", "500", "503"]
                };
                for status in implied {
                    // Readiness is public and says 503 when the database is out of reach.
                    let own = id == "getReady" && status == "503";
                    assert_eq!(
                        responses.contains_key(status),
                        secured || own,
                        "{method} {path}"
                    );
                }
            }
        }
        assert_eq!(ids.len(), 28 + 18);
    }

    #[test]
    fn every_reference_names_a_component() {
        let document = document();
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap();
            let path: Vec<&str> = target.trim_start_matches("#/").split('/').collect();
            let found = path.iter().try_fold(&document, |v, key| v.get(*key));
            assert!(found.is_some(), "{target} is not in the document");
        }
    }

    #[test]
    fn every_route_is_registered_with_its_operation() {
        // The router is `routes()` and nothing else: a route added with axum's own `.route` (or
        // a second router merged in) would be answered undocumented. Every handler module is
        // read, so a new one is too.
        let dir = desk_testkit::repo_root().join("crates/desk-server/src/api");
        let mut files: Vec<std::path::PathBuf> = vec![dir];
        let mut sources = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(path);
            }
        }
        assert!(
            sources.iter().any(|p| p.ends_with("scim/users.rs")),
            "the walk reads subfolders"
        );
        for path in sources {
            let source = std::fs::read_to_string(&path).unwrap();
            // Spelt in pieces, so that this file does not name them.
            let banned = [
                concat!(".rou", "te("),
                concat!(".ne", "st("),
                concat!(".route_", "service("),
                concat!(" Rou", "ter::new()"),
                concat!("(Rou", "ter::new()"),
            ];
            for banned in banned {
                assert!(
                    !source.contains(banned),
                    "{} uses `{banned}`: register routes with `routes!` in `api::routes`",
                    path.display()
                );
            }
        }
        let routed = super::super::routes(0).split_for_parts().1;
        let operations: usize = routed
            .paths
            .paths
            .values()
            .map(|item| {
                [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                    .iter()
                    .filter(|o| o.is_some())
                    .count()
            })
            .sum();
        assert_eq!(operations, document_operations(&document()));
    }

    fn document_operations(document: &Value) -> usize {
        document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum()
    }

    #[test]
    fn wrapped_doc_lines_become_paragraphs_and_lists_stay_lists() {
        assert_eq!(unwrap_lines("one\ntwo\n\nthree"), "one two\n\nthree");
        assert_eq!(unwrap_lines("a:\n\n- x\ny\n- z"), "a:\n\n- x y\n- z");
    }
}
