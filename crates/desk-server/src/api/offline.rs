//! `POST /v1/audit/offline`: views a client made from its cache while offline, recorded once.
//!
//! The client queues one event per offline view, each with an idempotency key, and uploads the
//! queue when the server answers again. The actor is always the token's subject (the body has no
//! say in it), the action the online action with `offline.` in front, and the detail keeps the
//! time of the view and its key. A key already recorded is skipped, so an upload repeated after
//! a lost answer records nothing twice. A request is all or nothing: one invalid view refuses the
//! whole upload, and the recorded views commit with their audit entries in one transaction.

use axum::Json;
use axum::extract::State as StateOf;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use desk_api::{ApiCode, OfflineUpload, OfflineUploadResult, OfflineView as View};
use desk_core::AuditAction;

use super::error::ApiJson;
use super::{Agent, ApiError, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::OfflineView;

/// Most views in one upload.
pub const MAX_VIEWS: usize = desk_api::MAX_OFFLINE_VIEWS;

/// Body limit of an upload: room for [`MAX_VIEWS`] views at their longest (about 200 bytes
/// each), whatever the server's ordinary limit.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024;

/// How old an offline view may be: older ones were made past any offline grace a policy grants.
pub const MAX_AGE_DAYS: i64 = 30;

/// Shortest and longest idempotency key.
const KEY_CHARS: std::ops::RangeInclusive<usize> = 16..=64;

/// What a resource of an offline view names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `customer:{id}`
    Customer,
    /// `ticket:{id}`
    Ticket,
    /// `customers`: the search.
    Search,
}

/// What each view a client may report ([`AuditAction::OFFLINE_VIEWS`]) is about.
fn target(action: AuditAction) -> Option<Target> {
    match action {
        AuditAction::CustomerView | AuditAction::TransactionsView | AuditAction::TicketsView => {
            Some(Target::Customer)
        }
        AuditAction::TicketView => Some(Target::Ticket),
        AuditAction::CustomerSearch => Some(Target::Search),
        _ => None,
    }
}

/// Whether `text` is a record id as the server writes it: a positive whole number, no sign, no
/// leading zeros.
fn is_id(text: &str) -> bool {
    text.parse::<i64>()
        .is_ok_and(|n| n > 0 && n.to_string() == text)
}

fn resource_fits(target: Target, resource: &str) -> bool {
    match target {
        Target::Customer => resource.strip_prefix("customer:").is_some_and(is_id),
        Target::Ticket => resource.strip_prefix("ticket:").is_some_and(is_id),
        Target::Search => resource == "customers",
    }
}

/// Checks one view against `now` and the allowed skew, and makes its audit event.
fn check(
    view: View,
    actor: &str,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<OfflineView, String> {
    let key_ok = KEY_CHARS.contains(&view.key.len())
        && view
            .key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !key_ok {
        return Err(format!(
            "key must be {} to {} characters of A-Z, a-z, 0-9, - and _",
            KEY_CHARS.start(),
            KEY_CHARS.end()
        ));
    }
    let reported = view.action.parse::<AuditAction>().ok();
    let Some((action, target)) = reported.and_then(|a| Some((a.offline()?, target(a)?))) else {
        let names: Vec<&str> = AuditAction::OFFLINE_VIEWS
            .iter()
            .map(|a| a.as_str())
            .collect();
        return Err(format!("action must be one of {}", names.join(", ")));
    };
    if !resource_fits(target, &view.resource) {
        let expected = match target {
            Target::Customer => "customer:{id}",
            Target::Ticket => "ticket:{id}",
            Target::Search => "customers",
        };
        return Err(format!("resource of {} must be {expected}", view.action));
    }
    let time = DateTime::parse_from_rfc3339(&view.time)
        .map_err(|_| "time must be an RFC 3339 date-time".to_owned())?
        .with_timezone(&Utc);
    if time > now + skew {
        return Err("time is in the future".into());
    }
    if time < now - Duration::days(MAX_AGE_DAYS) {
        return Err(format!("time is more than {MAX_AGE_DAYS} days ago"));
    }
    let viewed_at = time.to_rfc3339_opts(SecondsFormat::Millis, true);
    let audit = AuditEvent::new(actor, action, view.resource, Outcome::Ok)
        .with_detail(serde_json::json!({ "viewed_at": viewed_at, "key": view.key }));
    Ok(OfflineView {
        key: view.key,
        audit,
    })
}

/// Record the views made offline, once each
///
/// Open to every signed-in agent, for their own views: the actor of every entry is the caller (the
/// token's subject), never something the body says. Each view whose `key` is not recorded yet
/// becomes one audit entry: action `offline.` + the view's action, the view's resource, outcome
/// `ok`, detail `{"viewed_at": <time in UTC>, "key": <key>}`; the entry's own `time` is when it was
/// recorded. A key recorded before (a retry after a lost answer) or earlier in the same upload is
/// skipped and counted in `duplicates`, so an upload may be repeated safely until it is answered.
/// One invalid view refuses the whole upload (nothing recorded). The views, their keys and an
/// `audit.upload` entry for the upload itself (resource `offline_views`, detail `recorded` and
/// `duplicates`) are written in one transaction: if any entry cannot be written, nothing is
/// recorded. Bodies up to 256 KiB are accepted here (or the server's `max_body_bytes`, when
/// larger).
#[utoipa::path(
    post,
    path = "/v1/audit/offline",
    tag = "me",
    operation_id = "uploadOfflineViews",
    request_body(
        content = OfflineUpload,
        examples(
            ("queue" = (value = json!({"views": [{"key": "q7Zk2c9fYw1xR4bN", "time": "2026-11-29T09:14:03.250+01:00", "action": "customer.view", "resource": "customer:42"}, {"key": "Hc3Jd0-_aX81mQ2p", "time": "2026-11-29T08:15:40Z", "action": "ticket.view", "resource": "ticket:7"}, {"key": "p0Lk4sW9eT2uV6yZ", "time": "2026-11-29T08:16:02Z", "action": "customer.search", "resource": "customers"}]}))),
        ),
    ),
    responses(
        (status = 200, description = "The views are on the audit trail: remove every view sent from the queue.", body = OfflineUploadResult,
            examples(
                ("first" = (value = json!({"recorded": 3, "duplicates": 0}))),
                ("retry" = (value = json!({"recorded": 0, "duplicates": 3}))),
            )),
        (status = 400, description = "`malformed_json` (not JSON), `invalid_body` (a missing or unknown member, such as an `actor`, or a wrong type), `too_many_views` (more than 500), or `invalid_view` (a key, time, action or resource that breaks the rules of `OfflineView`; the message starts with the view's index, `views[3]: …`). Nothing is recorded."),
    )
)]
pub(super) async fn upload(
    StateOf(server): StateOf<State>,
    agent: Agent,
    body: Result<ApiJson<OfflineUpload>, ApiError>,
) -> Result<Json<OfflineUploadResult>, ApiError> {
    let ApiJson(upload) = body?;
    if upload.views.len() > MAX_VIEWS {
        return Err(ApiError::bad(
            ApiCode::TooManyViews,
            format!("Upload at most {MAX_VIEWS} views at a time."),
        ));
    }
    let now = Utc::now();
    let skew = Duration::seconds(server.config.clock_skew_secs as i64);
    let views = upload
        .views
        .into_iter()
        .enumerate()
        .map(|(i, view)| {
            check(view, &agent.subject, now, skew)
                .map_err(|why| ApiError::bad(ApiCode::InvalidView, format!("views[{i}]: {why}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let summary = AuditEvent::new(
        &agent.subject,
        AuditAction::AuditUpload,
        "offline_views",
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({}));
    let done = server.store.record_offline_views(views, summary).await?;
    Ok(Json(done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_a_client_may_report_has_a_target() {
        for &action in AuditAction::ALL {
            let reportable = AuditAction::OFFLINE_VIEWS.contains(&action);
            assert_eq!(target(action).is_some(), reportable, "{action}");
        }
    }

    fn view(key: &str, time: &str, action: &str, resource: &str) -> View {
        View {
            key: key.into(),
            time: time.into(),
            action: action.into(),
            resource: resource.into(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    const KEY: &str = "k0123456789abcdef";
    const NOW: &str = "2026-11-29T12:00:00Z";

    fn checked(v: View) -> Result<OfflineView, String> {
        check(v, "agent1", at(NOW), Duration::seconds(60))
    }

    #[test]
    fn a_valid_view_becomes_an_offline_entry_with_its_time_in_utc() {
        let done = checked(view(
            KEY,
            "2026-11-29T11:30:00.5+01:00",
            "transactions.view",
            "customer:42",
        ))
        .unwrap();
        assert_eq!(done.key, KEY);
        assert_eq!(done.audit.actor, "agent1");
        assert_eq!(done.audit.action, AuditAction::OfflineTransactionsView);
        assert_eq!(done.audit.resource, "customer:42");
        assert_eq!(
            done.audit.detail,
            serde_json::json!({"viewed_at": "2026-11-29T10:30:00.500Z", "key": KEY})
        );
    }

    #[test]
    fn each_action_takes_only_its_own_kind_of_resource() {
        let ok = [
            ("customer.view", "customer:1"),
            ("tickets.view", "customer:7"),
            ("ticket.view", "ticket:9"),
            ("customer.search", "customers"),
        ];
        for (action, resource) in ok {
            assert!(
                checked(view(KEY, NOW, action, resource)).is_ok(),
                "{action}"
            );
        }
        let bad = [
            ("customer.view", "ticket:1"),
            ("ticket.view", "customer:1"),
            ("customer.search", "customer:1"),
            ("customer.view", "customer:0"),
            ("customer.view", "customer:-3"),
            ("customer.view", "customer:007"),
            ("customer.view", "customer:+7"),
            ("customer.view", "customer:1 OR 1=1"),
            ("customer.view", "customer:"),
            ("customer.delete", "customer:1"),
            ("offline.customer.view", "customer:1"),
            ("sign_in", "session"),
        ];
        for (action, resource) in bad {
            assert!(
                checked(view(KEY, NOW, action, resource)).is_err(),
                "{action} {resource}"
            );
        }
    }

    #[test]
    fn keys_are_bounded_and_plain() {
        for key in ["a".repeat(16), "A-z_9".repeat(12) + "abcd"] {
            assert!(checked(view(&key, NOW, "customer.view", "customer:1")).is_ok());
        }
        for key in [
            "a".repeat(15),
            "a".repeat(65),
            "abcdefghijklmnop!".into(),
            "abcdefghijklmnop ".into(),
            "äbcdefghijklmnop".into(),
        ] {
            assert!(
                checked(view(&key, NOW, "customer.view", "customer:1")).is_err(),
                "{key}"
            );
        }
    }

    #[test]
    fn times_beyond_the_skew_or_older_than_thirty_days_are_refused() {
        let ok = [
            "2026-11-29T12:01:00Z",
            "2026-10-30T12:00:00Z",
            "2026-11-29T12:00:00+00:00",
        ];
        for time in ok {
            assert!(
                checked(view(KEY, time, "customer.view", "customer:1")).is_ok(),
                "{time}"
            );
        }
        let bad = [
            "2026-11-29T12:01:01Z",
            "2026-10-30T11:59:59Z",
            "2026-11-29 12:00:00",
            "yesterday",
            "",
        ];
        for time in bad {
            assert!(
                checked(view(KEY, time, "customer.view", "customer:1")).is_err(),
                "{time}"
            );
        }
    }
}
