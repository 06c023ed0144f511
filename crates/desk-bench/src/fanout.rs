//! `desk-bench fanout`: how long a published layout takes to reach every connected agent.
//!
//! K clients each open `GET /v1/events` with the same agent's token and wait for the policy the
//! server sends on connect (event `policy`, `id:` the policy version). Once all are connected, an
//! administrator publishes a layout of the role (`PUT /v1/admin/layouts/{role}`): the role's
//! default layout with one widget removed, or the default again when that is what is published,
//! so every run changes something. Each client's latency runs from just before the `PUT` to the
//! arrival of the chunk carrying a `policy` event with a newer version. A client that gets none
//! within the timeout, or whose stream fails, counts as not reached. The same measurement with
//! one client is the baseline.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use desk_core::signed::{Layout, PolicyClaims};
use desk_core::{Policy, Role, RoleDefinition};
use http_body_util::BodyExt;
use hyper::Method;
use hyper::header::HeaderValue;
use serde::Deserialize;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use crate::http::{self, Target};
use crate::load::{AGENT_TOKEN_ENV, print_targets};
use crate::report::{self, Row, cell, round};
use crate::sse::Parser;
use crate::stats::Samples;

/// The environment variable holding an administrator's access token.
pub const ADMIN_TOKEN_ENV: &str = "DESK_BENCH_ADMIN_TOKEN";

const BENCHMARK: &str = "push fan-out";
const BASELINE: &str = "1 client";
const P99_TARGET_MS: f64 = 1000.0;
/// Longest event-stream line accepted (a signed policy is a few kB).
const MAX_LINE: usize = 1 << 20;

/// Options of `desk-bench fanout`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8440; several replicas of one database comma-separated
    /// (the layout is published on the first, the clients are spread over all in turn).
    #[arg(long, value_delimiter = ',', required = true)]
    server: Vec<String>,
    /// Event-stream clients connected at once.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// The role whose layout is published; the agent's token must hold it.
    #[arg(long, default_value = "agent_l1")]
    role: String,
    /// Seconds after the publication by which every client must have the new policy.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// Seconds allowed for all clients to connect.
    #[arg(long, default_value_t = 60)]
    connect_timeout_secs: u64,
    /// Clients connecting at the same time.
    #[arg(long, default_value_t = 100)]
    connect_concurrency: usize,
    /// Write `fanout.json` into this folder.
    #[arg(long, env = "DESK_BENCH_OUT")]
    out: Option<PathBuf>,
}

/// One round, measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Clients started.
    pub clients: usize,
    /// Clients that received the new policy in time.
    pub reached: usize,
    /// Push latency percentiles over the clients reached, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Slowest client reached, ms.
    pub max_ms: Option<f64>,
    /// How long the `PUT` took to answer, ms.
    pub put_ms: f64,
    /// How long connecting every client took, s.
    pub connect_secs: f64,
    /// Why clients were not reached, with how many.
    pub failures: BTreeMap<String, usize>,
}

#[derive(Deserialize)]
struct StoredRoleView {
    definition: RoleDefinition,
}

#[derive(Deserialize)]
struct StoredLayoutView {
    role: Role,
    layout: Layout,
}

/// `layout` with the last widget of its last non-empty page removed.
fn without_one_widget(layout: &Layout) -> Layout {
    let mut reduced = layout.clone();
    if let Some(widgets) = reduced.pages.values_mut().rev().find(|w| !w.is_empty()) {
        widgets.pop();
    }
    reduced
}

/// What to publish next: the default layout less one widget, unless that is what is published
/// now, in which case the default itself.
pub fn alternate(default: &Layout, current: Option<&Layout>) -> Layout {
    let reduced = without_one_widget(default);
    if current == Some(&reduced) {
        default.clone()
    } else {
        reduced
    }
}

async fn next_layout(target: &Target, admin: &HeaderValue, role: Role) -> anyhow::Result<Layout> {
    let roles: Vec<StoredRoleView> = target
        .json(target.request(Method::GET, "/v1/admin/roles", Some(admin), None))
        .await
        .with_context(|| format!("reading role definitions with {ADMIN_TOKEN_ENV}"))?;
    let definition = roles
        .iter()
        .find(|r| r.definition.role == role)
        .with_context(|| format!("the server has no definition of `{role}`"))?;
    let default = Layout::default_for(&Policy::of([&definition.definition]));
    let layouts: Vec<StoredLayoutView> = target
        .json(target.request(Method::GET, "/v1/admin/layouts", Some(admin), None))
        .await?;
    let current = layouts.iter().find(|l| l.role == role).map(|l| &l.layout);
    Ok(alternate(&default, current))
}

/// Whether the signed policy `jws` (not verified: the server under test made it) grants `role`.
pub fn grants_role(jws: &str, role: Role) -> bool {
    let Some(payload) = jws.split('.').nth(1) else {
        return false;
    };
    let Ok(json) = URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    serde_json::from_slice::<PolicyClaims>(&json)
        .is_ok_and(|claims| claims.policy.roles.contains(&role))
}

/// What a client reports while it connects: its index, and whether it holds a policy now.
type Progress = (usize, Result<(), String>);

/// One client: connects, takes the policy sent on connect, then waits for a newer one and
/// answers when its chunk arrived.
async fn subscriber(
    index: usize,
    target: Arc<Target>,
    bearer: HeaderValue,
    role: Role,
    gate: Arc<Semaphore>,
    progress: mpsc::UnboundedSender<Progress>,
) -> Result<Instant, String> {
    let mut connected = false;
    let result = watch(
        index,
        &target,
        &bearer,
        role,
        gate,
        &progress,
        &mut connected,
    )
    .await;
    if let Err(e) = &result
        && !connected
    {
        let _ = progress.send((index, Err(e.clone())));
    }
    result
}

async fn watch(
    index: usize,
    target: &Target,
    bearer: &HeaderValue,
    role: Role,
    gate: Arc<Semaphore>,
    progress: &mpsc::UnboundedSender<Progress>,
    connected: &mut bool,
) -> Result<Instant, String> {
    let mut permit = Some(gate.acquire_owned().await.map_err(|e| e.to_string())?);
    let mut sender = target
        .connect()
        .await
        .map_err(|e| format!("cannot connect: {e:#}"))?;
    let request = target.request(Method::GET, "/v1/events", Some(bearer), None);
    let response = http::send(&mut sender, request)
        .await
        .map_err(|e| format!("GET /v1/events failed: {e}"))?;
    if response.status() != hyper::StatusCode::OK {
        return Err(format!("GET /v1/events answered {}", response.status()));
    }
    let mut body = response.into_body();
    let mut parser = Parser::new(MAX_LINE);
    let mut held: Option<u64> = None;
    loop {
        let frame = match body.frame().await {
            None => return Err("the event stream ended".to_owned()),
            Some(Err(e)) => return Err(format!("the event stream broke: {e}")),
            Some(Ok(frame)) => frame,
        };
        let arrived = Instant::now();
        let Ok(data) = frame.into_data() else {
            continue;
        };
        for event in parser.feed(&data).map_err(|e| e.to_string())? {
            if event.event != "policy" {
                continue;
            }
            let version = event
                .id
                .as_deref()
                .and_then(|id| id.trim().parse::<u64>().ok())
                .ok_or("a policy event without a version")?;
            match held {
                None => {
                    if !grants_role(&event.data, role) {
                        return Err(format!(
                            "the agent of {AGENT_TOKEN_ENV} does not hold `{role}`"
                        ));
                    }
                    held = Some(version);
                    *connected = true;
                    permit.take();
                    let _ = progress.send((index, Ok(())));
                }
                Some(before) if version > before => return Ok(arrived),
                Some(_) => {}
            }
        }
    }
}

/// Options shared by the rounds.
struct Setup {
    /// Where the layout is published: the first server.
    target: Arc<Target>,
    /// Where the clients connect, in turn.
    targets: Vec<Arc<Target>>,
    agent: HeaderValue,
    admin: HeaderValue,
    role: Role,
    timeout: Duration,
    connect_timeout: Duration,
    connect_concurrency: usize,
}

/// Connects `clients` clients, publishes, and measures.
async fn run_round(setup: &Setup, clients: usize) -> anyhow::Result<Summary> {
    let layout = next_layout(&setup.target, &setup.admin, setup.role).await?;
    let body = serde_json::to_vec(&layout)?;
    let gate = Arc::new(Semaphore::new(setup.connect_concurrency.max(1)));
    let (progress, mut updates) = mpsc::unbounded_channel();
    let started = Instant::now();
    let mut tasks: Vec<_> = (0..clients)
        .map(|i| {
            tokio::spawn(subscriber(
                i,
                setup.targets[i % setup.targets.len()].clone(),
                setup.agent.clone(),
                setup.role,
                gate.clone(),
                progress.clone(),
            ))
        })
        .collect();
    drop(progress);

    let mut connected = vec![false; clients];
    let (mut ok, mut failed) = (0, 0);
    let mut first_failure = None;
    let deadline = started + setup.connect_timeout;
    while ok + failed < clients {
        match tokio::time::timeout_at(deadline, updates.recv()).await {
            Ok(Some((i, Ok(())))) => {
                connected[i] = true;
                ok += 1;
            }
            Ok(Some((_, Err(e)))) => {
                failed += 1;
                first_failure.get_or_insert(e);
            }
            Ok(None) | Err(_) => break,
        }
    }
    let connect_secs = started.elapsed().as_secs_f64();
    if ok == 0 {
        tasks.iter().for_each(|t| t.abort());
        anyhow::bail!(
            "no event-stream client connected: {}",
            first_failure.unwrap_or_else(|| "timed out".to_owned())
        );
    }

    let put = setup.target.request(
        Method::PUT,
        &format!("/v1/admin/layouts/{}", setup.role),
        Some(&setup.admin),
        Some(body),
    );
    let published = Instant::now();
    let (status, answer) = match setup.target.call(put).await {
        Ok(answer) => answer,
        Err(e) => {
            tasks.iter().for_each(|t| t.abort());
            return Err(e.context(format!(
                "publishing with {ok} of {clients} event-stream clients connected (a server out of \
                 file descriptors accepts no new connection: check its open-file limit)"
            )));
        }
    };
    let put_ms = published.elapsed().as_secs_f64() * 1e3;
    if !status.is_success() {
        tasks.iter().for_each(|t| t.abort());
        anyhow::bail!(
            "PUT /v1/admin/layouts/{} answered {status}: {}",
            setup.role,
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
    }

    let until = published + setup.timeout;
    let mut samples = Samples::with_capacity(clients);
    let mut failures = BTreeMap::new();
    for (i, task) in tasks.iter_mut().enumerate() {
        let reason = match tokio::time::timeout_at(until, &mut *task).await {
            Ok(Ok(Ok(arrived))) => {
                samples.push(arrived.saturating_duration_since(published));
                continue;
            }
            Ok(Ok(Err(reason))) => reason,
            Ok(Err(e)) => format!("client task failed: {e}"),
            Err(_) if connected[i] => {
                format!("no newer policy within {} s", setup.timeout.as_secs())
            }
            Err(_) => format!("not connected within {} s", setup.connect_timeout.as_secs()),
        };
        task.abort();
        *failures.entry(reason).or_insert(0) += 1;
    }
    Ok(Summary {
        clients,
        reached: samples.len(),
        p50_ms: samples.percentile_ms(50.0),
        p99_ms: samples.percentile_ms(99.0),
        max_ms: samples.max_ms(),
        put_ms,
        connect_secs,
        failures,
    })
}

/// The JSON rows of the K-client round against the one-client baseline.
pub fn rows(measured: &Summary, baseline: &Summary) -> Vec<Row> {
    let k = measured.clients;
    let case = format!("policy push, {k} clients");
    let ms = |v: Option<f64>| v.map(|v| round(v, 3));
    let all = measured.reached == k;
    vec![
        Row::new(BENCHMARK, &case, "p50 latency", "ms", ms(measured.p50_ms))
            .against(BASELINE, ms(baseline.p50_ms)),
        Row::new(BENCHMARK, &case, "p99 latency", "ms", ms(measured.p99_ms))
            .against(BASELINE, ms(baseline.p99_ms))
            .target(
                "< 1000 ms",
                all && measured.p99_ms.is_some_and(|v| v < P99_TARGET_MS),
            ),
        Row::new(BENCHMARK, &case, "max latency", "ms", ms(measured.max_ms))
            .against(BASELINE, ms(baseline.max_ms)),
        Row::new(
            BENCHMARK,
            &case,
            "clients reached",
            "clients",
            Some(measured.reached as f64),
        )
        .beside(BASELINE, Some(baseline.reached as f64))
        .target(&format!("all {k}"), all),
    ]
}

/// Runs the fan-out benchmark; `Ok(false)` when some client was not reached.
pub async fn run(args: Args) -> anyhow::Result<bool> {
    let agent = http::token_from_env(AGENT_TOKEN_ENV)?;
    let admin = http::token_from_env(ADMIN_TOKEN_ENV)?;
    let role: Role = args
        .role
        .parse()
        .map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    anyhow::ensure!(args.clients >= 1, "--clients must be at least 1");
    crate::check_open_files(args.clients as u64 * 2 + 64);
    let targets = args
        .server
        .iter()
        .map(|url| Target::parse(url).map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let setup = Setup {
        target: targets[0].clone(),
        targets,
        agent,
        admin,
        role,
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
        connect_timeout: Duration::from_secs(args.connect_timeout_secs.max(1)),
        connect_concurrency: args.connect_concurrency,
    };
    let baseline = run_round(&setup, 1).await?;
    let measured = run_round(&setup, args.clients).await?;

    println!(
        "push fan-out: PUT /v1/admin/layouts/{role}, time until each GET /v1/events client has the new policy{}",
        match setup.targets.len() {
            1 => String::new(),
            n => format!(" (published on the first of {n} servers, clients spread over all)"),
        }
    );
    let mut table = vec![
        [
            "clients",
            "reached",
            "p50 ms",
            "p99 ms",
            "max ms",
            "PUT ms",
            "connect s",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for s in [&baseline, &measured] {
        table.push(vec![
            s.clients.to_string(),
            format!("{}/{}", s.reached, s.clients),
            cell(s.p50_ms, 2),
            cell(s.p99_ms, 2),
            cell(s.max_ms, 2),
            format!("{:.2}", s.put_ms),
            format!("{:.2}", s.connect_secs),
        ]);
    }
    table.push(vec![
        "ratio".to_owned(),
        String::new(),
        cell(report::ratio(measured.p50_ms, baseline.p50_ms), 1),
        cell(report::ratio(measured.p99_ms, baseline.p99_ms), 1),
        cell(report::ratio(measured.max_ms, baseline.max_ms), 1),
        String::new(),
        String::new(),
    ]);
    print!("{}", report::table(&table));
    let json = rows(&measured, &baseline);
    print_targets(&json);
    let mut clean = true;
    for s in [&baseline, &measured] {
        for (reason, n) in &s.failures {
            clean = false;
            println!(
                "  NOT REACHED ({} clients round): {n} × {reason}",
                s.clients
            );
        }
    }
    if let Some(dir) = &args.out {
        let path = report::write_rows(dir, "fanout.json", &json)?;
        println!("wrote {}", path.display());
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::{Page, Widget};

    #[test]
    fn publications_alternate_between_default_and_one_widget_less() {
        let mut default = Layout::default();
        default
            .pages
            .insert(Page::Search, vec![Widget::SearchBox, Widget::SearchResults]);
        let reduced = alternate(&default, None);
        assert_eq!(reduced.pages[&Page::Search], [Widget::SearchBox]);
        assert_eq!(alternate(&default, Some(&reduced)), default);
        assert_eq!(alternate(&default, Some(&default)), reduced);
    }

    #[test]
    fn the_role_is_read_from_the_signed_policy() {
        let mut policy = Policy::default();
        policy.roles.insert(Role::AgentL1);
        let claims = PolicyClaims {
            iss: "desk-server".into(),
            sub: "agent1".into(),
            aud: "support-desk".into(),
            iat: 0,
            exp: 1,
            version: 1,
            policy,
            layout: Layout::default(),
            audit_checkpoint: None,
        };
        let jws = desk_core::signed::PolicyKey::from_seed("k", &[7; 32]).sign(&claims);
        assert!(grants_role(&jws, Role::AgentL1));
        assert!(!grants_role(&jws, Role::Admin));
        assert!(!grants_role("not a token", Role::AgentL1));
    }

    #[test]
    fn rows_compare_with_one_client_and_need_every_client() {
        let one = Summary {
            clients: 1,
            reached: 1,
            p50_ms: Some(2.0),
            p99_ms: Some(2.0),
            max_ms: Some(2.0),
            ..Summary::default()
        };
        let mut many = Summary {
            clients: 1000,
            reached: 1000,
            p50_ms: Some(100.0),
            p99_ms: Some(300.0),
            max_ms: Some(310.0),
            ..Summary::default()
        };
        let rows = rows(&many, &one);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.case == "policy push, 1000 clients"));
        assert_eq!(rows[0].ratio, Some(50.0));
        assert_eq!(
            (rows[1].target.as_deref(), rows[1].met),
            (Some("< 1000 ms"), Some(true))
        );
        assert_eq!(rows[2].met, None);
        assert_eq!(
            (rows[3].value, rows[3].target.as_deref(), rows[3].met),
            (Some(1000.0), Some("all 1000"), Some(true))
        );
        many.reached = 999;
        let rows = super::rows(&many, &one);
        assert_eq!(rows[1].met, Some(false));
        assert_eq!(rows[3].met, Some(false));
    }
}
