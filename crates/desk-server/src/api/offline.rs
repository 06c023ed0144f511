//! `POST /v1/audit/offline`: views a client made from its cache while offline, recorded once.
//!
//! The client queues one event per offline view, each with an idempotency key, and uploads the
//! queue when the server answers again. The actor is always the token's subject (the body has no
//! say in it), the action the online action with `offline.` in front, and the detail keeps the
//! time of the view and its key. A key the same agent recorded before is skipped, so an upload
//! repeated after a lost answer records nothing twice; keys are per agent, so nobody can make
//! another agent's view be skipped. A request is all or nothing: one invalid view refuses the
//! whole upload, and the recorded views commit with their audit entries in one transaction. A
//! refusal names every view it refuses (its index and key, and a [`ViewRefusal`]), so that a
//! client can set those aside and send the rest again at once: a view the server will never take
//! must not hold back every view queued after it.
//!
//! Uploads are bounded, because each one appends to the chain under its lock: only an agent whose
//! policy lets it read offline may upload (403, audited); at most [`MAX_VIEWS`] views at a time;
//! each view's time must lie in one of the agent's offline windows, which the server stores as it
//! signs policies that allow caching (from the policy's issue time to its expiry plus offline
//! grace, see `Server::signed_policy`); and each agent uploads at most its rate
//! (`upload_rate`, 429 with `Retry-After`). A refused upload records nothing.

use axum::Json;
use axum::extract::State as StateOf;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use desk_api::{
    ApiCode, ErrorBody, OfflineUpload, OfflineUploadResult, OfflineView as View, RefusedView,
    ViewRefusal,
};
use desk_core::AuditAction;

use super::error::ApiJson;
use super::server::WINDOW_SLACK_SECS;
use super::{Agent, ApiError, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::{OfflineView, OfflineWindow};

/// Most views in one upload.
pub const MAX_VIEWS: usize = desk_api::MAX_OFFLINE_VIEWS;

/// Body limit of an upload: room for [`MAX_VIEWS`] views at their longest (about 200 bytes
/// each), whatever the server's ordinary limit.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024;

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

/// Why one view was refused: the reason a client reads, and a phrase for a person that holds
/// nothing of the view (never its key, action text or resource).
type Refusal = (ViewRefusal, String);

/// Whether `key` is an idempotency key the server takes.
fn key_ok(key: &str) -> bool {
    KEY_CHARS.contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks one view against `now` and the allowed skew, and makes its audit event.
fn check(
    view: View,
    actor: &str,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<OfflineView, Refusal> {
    if !key_ok(&view.key) {
        return Err((
            ViewRefusal::InvalidKey,
            format!(
                "key must be {} to {} characters of A-Z, a-z, 0-9, - and _",
                KEY_CHARS.start(),
                KEY_CHARS.end()
            ),
        ));
    }
    let reported = view.action.parse::<AuditAction>().ok();
    let Some((action, target)) = reported.and_then(|a| Some((a.offline()?, target(a)?))) else {
        let names: Vec<&str> = AuditAction::OFFLINE_VIEWS
            .iter()
            .map(|a| a.as_str())
            .collect();
        return Err((
            ViewRefusal::InvalidAction,
            format!("action must be one of {}", names.join(", ")),
        ));
    };
    if !resource_fits(target, &view.resource) {
        let expected = match target {
            Target::Customer => "customer:{id}",
            Target::Ticket => "ticket:{id}",
            Target::Search => "customers",
        };
        // The action is one of the known names here, so repeating it repeats nothing sent.
        return Err((
            ViewRefusal::InvalidResource,
            format!("resource of {} must be {expected}", view.action),
        ));
    }
    let time = DateTime::parse_from_rfc3339(&view.time)
        .map_err(|_| {
            (
                ViewRefusal::InvalidTime,
                "time must be an RFC 3339 date-time".to_owned(),
            )
        })?
        .with_timezone(&Utc);
    if time > now + skew {
        return Err((ViewRefusal::FutureTime, "time is in the future".into()));
    }
    let viewed_at = time.to_rfc3339_opts(SecondsFormat::Millis, true);
    let audit = AuditEvent::new(actor, action, view.resource, Outcome::Ok)
        .with_detail(serde_json::json!({ "viewed_at": viewed_at, "key": view.key }));
    Ok(OfflineView {
        key: view.key,
        audit,
    })
}

/// When the view recorded by `audit` was made (its detail's `viewed_at`), in seconds.
fn viewed_at(view: &OfflineView) -> i64 {
    view.audit.detail["viewed_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or(i64::MIN, |t| t.timestamp())
}

/// Whether a view made at `time` (seconds) lies inside one of `windows`, allowing `skew`
/// seconds on both ends and [`WINDOW_SLACK_SECS`] more at the close (a stored close may be
/// that much earlier than the last policy's).
fn inside(windows: &[OfflineWindow], time: i64, skew: i64) -> bool {
    windows
        .iter()
        .any(|w| w.opens_at - skew <= time && time <= w.closes_at + WINDOW_SLACK_SECS + skew)
}

/// Record the views made offline, once each
///
/// Open to agents whose policy lets them read offline (it may cache some kind of record), or did:
/// an agent whose role no longer caches still uploads the views it made while it did, inside the
/// windows of the policies that allowed it. For their own views: the actor of every entry is the caller (the token's subject), never something
/// the body says. Each view whose `key` the caller has not recorded yet becomes one audit entry:
/// action `offline.` + the view's action, the view's resource, outcome `ok`, detail
/// `{"viewed_at": <time in UTC>, "key": <key>}`; the entry's own `time` is when it was recorded.
/// A key the caller recorded before (a retry after a lost answer) or earlier in the same upload is
/// skipped and counted in `duplicates`, so an upload may be repeated safely until it is answered;
/// keys are per agent, so another agent's key never skips a view. Each view's time must lie in
/// the caller's offline window as the server knows it: between the issue time of a policy this
/// server signed for the caller that allowed caching and that policy's expiry plus its offline
/// grace. Each agent may upload `offline_upload_burst` views at once (1000 unless configured)
/// and `offline_upload_views_per_minute` on average (600); an empty upload counts as one view.
/// Every refusal records nothing: one invalid view refuses the whole upload, and the refusal
/// names every invalid view in `error.refused_views` (index, key, reason), so that the client
/// sets those aside and sends the others again. The views, their keys and an
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
        (status = 400, description = "`malformed_json` (not JSON), `invalid_body` (a missing or unknown member, such as an `actor`, or a wrong type), `too_many_views` (more than 500), or `invalid_view`: views whose key, time, action or resource break the rules of `OfflineView`, such as a time in the future or outside the caller's offline window. `error.refused_views` names each of them (its index in `views`, its key unless the key is what was refused, and a `ViewRefusal`), and the message starts with the first one's index (`views[3]: …`). Nothing is recorded, not even the views that broke no rule: send those again without the refused ones, at once. A view refused for a final reason is refused whenever it is sent; keep it aside rather than send it again (`future_time` alone may pass later).", body = ErrorBody,
            example = json!({"error": {"code": "invalid_view", "message": "views[1]: time is outside your offline window: no policy this server signed for you allowed reading offline then. 2 views are refused in all (see refused_views); nothing was recorded.", "request_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "refused_views": [{"index": 1, "key": "Hc3Jd0-_aX81mQ2p", "reason": "outside_window"}, {"index": 2, "reason": "invalid_key"}]}})),
        (status = 403, description = "`forbidden`: no policy this server signed for the caller ever let it cache anything, so it has no offline views to upload. The refusal is audited (`audit.upload`, outcome `denied`); nothing else is recorded."),
        (status = 429, description = "`too_many_uploads`: the caller has uploaded more views than its rate allows just now. Nothing is recorded; keep the queue and send the same upload again after the `Retry-After` header's seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds after which the same upload will be taken.")),
            example = json!({"error": {"code": "too_many_uploads", "message": "Too many offline views uploaded just now; nothing was recorded. Send the same upload again in 12 s.", "request_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}})),
    )
)]
pub(super) async fn upload(
    StateOf(server): StateOf<State>,
    agent: Agent,
    body: Result<ApiJson<OfflineUpload>, ApiError>,
) -> Result<Json<OfflineUploadResult>, ApiError> {
    // Allowed to read offline now, or once: the windows stored when its policies were signed.
    if agent.policy.cache.ttl_secs.is_empty()
        && server
            .store
            .offline_windows(&agent.subject, i64::MIN)
            .await?
            .is_empty()
    {
        agent
            .denied(&server, AuditAction::AuditUpload, "offline_views")
            .await?;
    }
    let ApiJson(upload) = body?;
    if upload.views.len() > MAX_VIEWS {
        return Err(ApiError::bad(
            ApiCode::TooManyViews,
            format!("Upload at most {MAX_VIEWS} views at a time."),
        ));
    }
    let now = Utc::now();
    let skew = Duration::seconds(server.config.clock_skew_secs as i64);
    let mut refused: Vec<(usize, Option<String>, Refusal)> = Vec::new();
    let mut views = Vec::with_capacity(upload.views.len());
    for (i, view) in upload.views.into_iter().enumerate() {
        let key = key_ok(&view.key).then(|| view.key.clone());
        match check(view, &agent.subject, now, skew) {
            Ok(view) => views.push((i, view)),
            Err(why) => refused.push((i, key, why)),
        }
    }
    if let Some(earliest) = views.iter().map(|(_, v)| viewed_at(v)).min() {
        let skew = skew.num_seconds();
        let windows = server
            .store
            .offline_windows(&agent.subject, earliest - skew - WINDOW_SLACK_SECS)
            .await?;
        for (i, view) in &views {
            if !inside(&windows, viewed_at(view), skew) {
                let why = "time is outside your offline window: no policy this server signed \
                           for you allowed reading offline then";
                refused.push((
                    *i,
                    Some(view.key.clone()),
                    (ViewRefusal::OutsideWindow, why.into()),
                ));
            }
        }
    }
    if !refused.is_empty() {
        return Err(refusal(refused));
    }
    let views: Vec<OfflineView> = views.into_iter().map(|(_, v)| v).collect();
    if let Err(wait) =
        server
            .upload_rate
            .take(&agent.subject, views.len(), std::time::Instant::now())
    {
        return Err(ApiError::TooManyUploads {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        });
    }
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

/// The answer to an upload with `refused` views (index, key when well-formed, why): every one
/// named in `refused_views`, in the order of the upload; the message says what is wrong with
/// the first and how many there are.
fn refusal(mut refused: Vec<(usize, Option<String>, Refusal)>) -> ApiError {
    refused.sort_by_key(|(i, _, _)| *i);
    let (first, _, (_, why)) = &refused[0];
    let mut message = format!("views[{first}]: {why}.");
    if refused.len() > 1 {
        message.push_str(&format!(
            " {} views are refused in all (see refused_views); nothing was recorded.",
            refused.len()
        ));
    }
    let views = refused
        .into_iter()
        .map(|(i, key, (reason, _))| RefusedView {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            key,
            reason: reason.as_str().to_owned(),
        })
        .collect();
    ApiError::RefusedViews { views, message }
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

    fn checked(v: View) -> Result<OfflineView, Refusal> {
        check(v, "agent1", at(NOW), Duration::seconds(60))
    }

    /// Why `v` is refused, or `None` when it passes.
    fn reason(v: View) -> Option<ViewRefusal> {
        checked(v).err().map(|(reason, _)| reason)
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
        use ViewRefusal::{InvalidAction, InvalidResource};
        let bad = [
            ("customer.view", "ticket:1", InvalidResource),
            ("ticket.view", "customer:1", InvalidResource),
            ("customer.search", "customer:1", InvalidResource),
            ("customer.view", "customer:0", InvalidResource),
            ("customer.view", "customer:-3", InvalidResource),
            ("customer.view", "customer:007", InvalidResource),
            ("customer.view", "customer:+7", InvalidResource),
            ("customer.view", "customer:1 OR 1=1", InvalidResource),
            ("customer.view", "customer:", InvalidResource),
            ("customer.delete", "customer:1", InvalidAction),
            ("offline.customer.view", "customer:1", InvalidAction),
            ("sign_in", "session", InvalidAction),
        ];
        for (action, resource, why) in bad {
            assert_eq!(
                reason(view(KEY, NOW, action, resource)),
                Some(why),
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
            assert_eq!(
                reason(view(&key, NOW, "customer.view", "customer:1")),
                Some(ViewRefusal::InvalidKey),
                "{key}"
            );
        }
    }

    #[test]
    fn a_time_is_inside_a_window_with_the_skew_on_both_ends_and_the_slack_at_the_close() {
        let windows = [
            OfflineWindow {
                opens_at: 1000,
                closes_at: 2000,
            },
            OfflineWindow {
                opens_at: 5000,
                closes_at: 6000,
            },
        ];
        let late = 2000 + WINDOW_SLACK_SECS + 60;
        for t in [940, 1500, late, 4940, 6000] {
            assert!(inside(&windows, t, 60), "{t}");
        }
        for t in [
            939,
            late + 1,
            3000,
            4939,
            6000 + WINDOW_SLACK_SECS + 61,
            i64::MIN,
        ] {
            assert!(!inside(&windows, t, 60), "{t}");
        }
        assert!(!inside(&[], 1500, 60), "no window, no offline view");
    }

    #[test]
    fn the_time_of_a_checked_view_is_read_back_in_seconds() {
        let done = checked(view(
            KEY,
            "2026-11-29T11:30:00.5+01:00",
            "customer.view",
            "customer:1",
        ))
        .unwrap();
        assert_eq!(viewed_at(&done), at("2026-11-29T10:30:00Z").timestamp());
    }

    #[test]
    fn times_beyond_the_skew_are_refused() {
        // How old a view may be is the agent's offline window's business (`inside`), not a
        // fixed age.
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
            ("2026-11-29T12:01:01Z", ViewRefusal::FutureTime),
            ("2026-11-29 12:00:00", ViewRefusal::InvalidTime),
            ("yesterday", ViewRefusal::InvalidTime),
            ("", ViewRefusal::InvalidTime),
        ];
        for (time, why) in bad {
            assert_eq!(
                reason(view(KEY, time, "customer.view", "customer:1")),
                Some(why),
                "{time}"
            );
        }
    }

    #[test]
    fn a_refusal_names_every_refused_view_in_upload_order_and_repeats_only_keys() {
        let refused = vec![
            (
                4,
                Some(KEY.to_owned()),
                (ViewRefusal::OutsideWindow, "time is outside".into()),
            ),
            (1, None, (ViewRefusal::InvalidKey, "key must be".into())),
        ];
        let ApiError::RefusedViews { views, message } = refusal(refused) else {
            panic!("not a refusal of views");
        };
        assert_eq!(
            views,
            [
                RefusedView {
                    index: 1,
                    key: None,
                    reason: "invalid_key".into()
                },
                RefusedView {
                    index: 4,
                    key: Some(KEY.into()),
                    reason: "outside_window".into()
                },
            ]
        );
        assert!(message.starts_with("views[1]: key must be."), "{message}");
        assert!(message.contains("2 views are refused in all"), "{message}");
        let one = refusal(vec![(
            0,
            None,
            (ViewRefusal::InvalidTime, "time must be".into()),
        )]);
        assert_eq!(one.message(), "views[0]: time must be.");
        assert_eq!(one.status_and_code().1, "invalid_view");
    }
}
