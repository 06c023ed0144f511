//! `desk`: everything the Support Desk window does, without a window.
//!
//! Exit codes: 0 success, 1 a check or operation failed, 2 bad usage or configuration.
//! Warnings (such as a pushed policy that was refused) go to stderr, or to daily files in
//! `DESK_LOG_DIR` when that is set; `DESK_LOG` sets the level (`warn` by default, `debug` for
//! more).
//!
//! Everything it prints that did not come from `desk` itself (record text, names, server and
//! provider answers, error reasons) goes through [`terminal`], text and JSON alike, so that no
//! text can run in the terminal or print differently from what it says.

mod terminal;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use desk_app::Offline;
use desk_app::{App, AppError, EffectivePolicy, ErrorCode, Role};
use terminal::line;

#[derive(Parser)]
#[command(
    name = "desk",
    version,
    about = "Support Desk from the command line",
    after_help = "Exit codes: 0 success; 1 the operation failed, with one line on stderr, \
                  `desk: CODE: reason`; 2 bad usage or configuration.\n\
                  Settings: DESK_* variables or the file in DESK_CONFIG (see `desk config`). \
                  DESK_LOG sets the log level (warn by default); the log goes to stderr, or \
                  to daily files in the folder DESK_LOG_DIR names."
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in through the system browser (or the command in BROWSER); prints subject and roles.
    Login,
    /// Show the signed-in agent, restoring the session from the keychain without a browser.
    Whoami,
    /// Sign out: revoke the refresh token and delete it from the keychain.
    Logout {
        /// Also end the session at the provider (opens its logout page in the browser).
        #[arg(long)]
        end_provider_session: bool,
    },
    /// Show the configured provider and whether this process holds a session.
    Status,
    /// Print the configuration in force (defaults, file, then DESK_ variables).
    Config,
    /// Check that the keychain, encrypted storage and identity provider answer.
    Doctor,
    /// Fetch this agent's signed policy from the server, verify it against the keys pinned in
    /// DESK_POLICY_KEYS_FILE, and show its version, roles and each page's widgets.
    Policy {
        /// Keep following the server's pushed policies and show each one accepted, until
        /// interrupted or the session ends (one JSON line per policy with --json).
        #[arg(long)]
        watch: bool,
    },
    /// Find customers by name, e-mail address, phone or account number.
    Search {
        /// What to look for.
        text: String,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one customer with the accounts and cards your role may see.
    Customer {
        /// The customer's id.
        id: i64,
    },
    /// List a customer's transactions, newest first.
    Transactions {
        /// The customer's id.
        id: i64,
        /// From this date (2026-03-14) or RFC 3339 time on.
        #[arg(long)]
        from: Option<String>,
        /// Before this date or time.
        #[arg(long)]
        to: Option<String>,
        /// Only this status: pending, settled, declined, refunded or disputed.
        #[arg(long)]
        status: Option<String>,
        /// How many (1 to 200; default 50).
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// List a customer's tickets.
    Tickets {
        /// The customer's id.
        id: i64,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one ticket with its messages.
    Ticket {
        /// The ticket's id.
        id: i64,
    },
    /// The encrypted local cache of the signed-in agent.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Administration: needs an administrator's role.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Size, records per kind, oldest record, next expiry, and until when it may be read offline.
    Status,
    /// Delete every cached record (the key and the file stay; signing out shreds both).
    Purge,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Role layouts: which widgets each page shows, in which order.
    Layout {
        #[command(subcommand)]
        command: LayoutCommand,
    },
    /// Order every device of an agent (by subject) to shred its local cache; devices that are
    /// offline do it at their next connection, before showing anything.
    Wipe {
        /// The agent's subject at the identity provider.
        subject: String,
    },
}

#[derive(Subcommand)]
enum LayoutCommand {
    /// Publish ROLE's layout from a JSON file (`{"pages": {"customer": ["customer.summary", ...]}}`);
    /// the server pushes the new policy to the role's connected agents.
    Push {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
        /// The layout file.
        file: PathBuf,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held until `main` returns, so the files get every line.
    let _log = match start_log() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("desk: {}", line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let app = match App::load() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("desk: {}", line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    match run(&cli, &app).await {
        Ok(code) => code,
        Err(e) => {
            // One line, with the stable code first, for people and scripts alike (the reason
            // may quote the server: escaped, it stays one line and cannot act on the terminal).
            match e.downcast_ref::<AppError>() {
                Some(app_error) => {
                    let reason = line(&app_error.to_string()).into_owned();
                    eprintln!("desk: {}: {reason}", app_error.code().as_str());
                    if app_error.code() == ErrorCode::Config {
                        return ExitCode::from(2);
                    }
                }
                None => eprintln!("desk: {}", line(&format!("{e:#}"))),
            }
            ExitCode::FAILURE
        }
    }
}

/// The log: daily files in `DESK_LOG_DIR` when it is set, otherwise stderr; `DESK_LOG` sets the
/// level (`warn` by default) and desk-app's limits hold either way ([`desk_app::logging`]).
fn start_log() -> Result<Option<desk_app::logging::LogGuard>, AppError> {
    const DEFAULT: &str = "warn";
    if let Some(dir) = desk_app::logging::dir_from_env() {
        return desk_app::logging::to_files(&dir, DEFAULT).map(Some);
    }
    tracing_subscriber::fmt()
        .with_env_filter(desk_app::logging::filter(DEFAULT))
        .with_writer(|| terminal::LogWriter(std::io::stderr()))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .init();
    Ok(None)
}

/// Prints `value` as pretty JSON, every hidden character escaped ([`terminal::json`]).
fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", terminal::json(&serde_json::to_string_pretty(value)?));
    Ok(())
}

fn print_identity(json: bool, identity: &desk_app::Identity) -> anyhow::Result<()> {
    if json {
        print_json(identity)?;
    } else {
        let name = identity.name.as_deref().unwrap_or(&identity.subject);
        println!(
            "Signed in as {} (subject {}) at {}",
            line(name),
            line(&identity.subject),
            line(&identity.issuer)
        );
        let roles = if identity.roles.is_empty() {
            "(none)".to_owned()
        } else {
            identity.roles.join(", ")
        };
        println!("roles: {}", line(&roles));
    }
    Ok(())
}

/// A value as one line of text ([`terminal::line`]), or `-`.
fn or_dash<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "-".to_owned(), |v| line(&v.to_string()).into_owned())
}

/// Prints a record with where it came from: JSON with `source` and `as_of`, or text with a last
/// line saying so.
fn print_sourced<T: serde::Serialize>(
    json: bool,
    sourced: &desk_app::Sourced<T>,
    text: impl FnOnce(&T),
) -> anyhow::Result<ExitCode> {
    if json {
        print_json(sourced)?;
        return Ok(ExitCode::SUCCESS);
    }
    text(&sourced.value);
    let as_of = chrono::DateTime::from_timestamp(sourced.as_of, 0)
        .map_or_else(|| sourced.as_of.to_string(), |t| t.to_rfc3339());
    match sourced.source {
        desk_app::Source::Server => println!("(from the server, {as_of})"),
        desk_app::Source::Cache => println!("(OFFLINE: from the local cache, as of {as_of})"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a policy as text, or as JSON: pretty, or on one line (`watching`) so that a watcher's
/// output can be read line by line.
fn print_policy(json: bool, watching: bool, policy: &EffectivePolicy) -> anyhow::Result<()> {
    if json && watching {
        println!("{}", terminal::json(&serde_json::to_string(policy)?));
        return Ok(());
    }
    if json {
        return print_json(policy);
    }
    let expires = chrono::DateTime::from_timestamp(policy.expires_at, 0)
        .map_or_else(|| policy.expires_at.to_string(), |t| t.to_rfc3339());
    println!(
        "Policy version {} for {}, issued by {}, expires {expires}",
        policy.version,
        line(&policy.subject),
        line(&policy.issuer)
    );
    // Roles, actions, pages and widgets are the policy's own names, checked when it was
    // verified; escaped all the same, as everything the server sent.
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "(none)".to_owned()
        } else {
            line(&items.join(", ")).into_owned()
        }
    };
    let roles = policy
        .policy
        .roles
        .iter()
        .map(ToString::to_string)
        .collect();
    println!("roles: {}", list(roles));
    let actions = policy
        .policy
        .actions
        .iter()
        .map(ToString::to_string)
        .collect();
    println!("actions: {}", list(actions));
    let keys = policy
        .policy
        .search_by
        .iter()
        .map(ToString::to_string)
        .collect();
    println!("search by: {}", list(keys));
    if policy.layout.pages.is_empty() {
        println!("pages: (none)");
    }
    // Pages in the app's order (the map's order), widgets in the layout's.
    for (page, widgets) in &policy.layout.pages {
        let widgets = widgets.iter().map(ToString::to_string).collect();
        println!("{}: {}", line(&page.to_string()), list(widgets));
    }
    Ok(())
}

fn read_layout(file: &Path) -> Result<desk_app::Layout, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
    desk_app::parse_layout(&text)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))
}

/// The indent of a message body's lines in `desk ticket`.
const BODY: &str = "    ";

async fn run(cli: &Cli, app: &App) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Login => {
            let identity = app.sign_in().await?;
            print_identity(cli.json, &identity)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Whoami => {
            let identity = app.whoami().await?;
            print_identity(cli.json, &identity)?;
            Ok(ExitCode::SUCCESS)
        }
        &Command::Logout {
            end_provider_session,
        } => {
            let out = app.sign_out().await?;
            if cli.json {
                print_json(&out)?;
            } else if !out.was_signed_in {
                println!("Nobody was signed in.");
            } else if out.revoked {
                println!("Signed out; the provider revoked the session's refresh token.");
            } else {
                println!("Signed out on this machine; the provider did not confirm revocation.");
            }
            if end_provider_session {
                match &out.end_session_url {
                    Some(url) => {
                        desk_app::open_in_browser(url)?;
                    }
                    None => eprintln!("desk: the provider offers no logout endpoint"),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let status = app.status().await;
            if cli.json {
                print_json(&status)?;
            } else {
                let issuer = status.issuer.as_deref().unwrap_or("(none configured)");
                let who = if status.signed_in {
                    "signed in"
                } else {
                    "signed out"
                };
                println!(
                    "Support Desk {}: {who}; provider {}",
                    status.version,
                    line(issuer)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            if cli.json {
                print_json(app.config())?;
            } else {
                // The agent's own configuration, as TOML to paste back into the file: TOML
                // strings escape control characters themselves, and an escape of ours would
                // not be TOML.
                print!("{}", toml::to_string(app.config())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => {
            let report = app.doctor().await;
            if cli.json {
                print_json(&report)?;
            } else {
                for check in &report.checks {
                    let mark = if check.ok { "ok  " } else { "FAIL" };
                    // The detail may quote the provider's or the keychain's answer.
                    println!("{mark} {:<18} {}", check.name, line(&check.detail));
                }
            }
            Ok(if report.all_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Policy { watch: false } => {
            let policy = app.policy().await?;
            print_policy(cli.json, false, &policy)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy { watch: true } => {
            let watching = app.watch_policy(|policy| {
                // Serializing our own type does not fail; say so if it ever does.
                if let Err(e) = print_policy(cli.json, true, policy) {
                    eprintln!(
                        "desk: cannot print policy version {}: {}",
                        policy.version,
                        line(&format!("{e:#}"))
                    );
                }
            });
            tokio::select! {
                ended = watching => match ended {
                    Ok(never) => match never {},
                    Err(e) => Err(e.into()),
                },
                _ = tokio::signal::ctrl_c() => Ok(ExitCode::SUCCESS),
            }
        }
        Command::Search { text, cursor } => {
            let page = app.search(text, cursor.as_deref()).await?;
            print_sourced(cli.json, &page, |page| {
                for c in &page.items {
                    println!(
                        "{:>8}  {}  {}  {}  {}",
                        c.id,
                        or_dash(&c.name),
                        or_dash(&c.email),
                        or_dash(&c.phone),
                        or_dash(&c.status)
                    );
                }
                if page.items.is_empty() {
                    println!("no customer matches");
                }
                if let Some(next) = &page.next_cursor {
                    println!("more: --cursor {}", line(next));
                }
            })
        }
        Command::Customer { id } => {
            let customer = app.customer(*id).await?;
            print_sourced(cli.json, &customer, |c| {
                println!("customer {}: {}", c.id, or_dash(&c.name));
                for (label, value) in [
                    ("e-mail", &c.email),
                    ("phone", &c.phone),
                    ("born", &c.date_of_birth),
                    ("address", &c.address),
                    ("tier", &c.tier),
                    ("status", &c.status),
                    ("since", &c.created_at),
                ] {
                    if let Some(value) = value {
                        println!("  {label:<8} {}", line(value));
                    }
                }
                for a in c.accounts.iter().flatten() {
                    let balance = a.balance.map(|b| format!("{:.2}", b as f64 / 100.0));
                    println!(
                        "  account {} {} {} {}",
                        or_dash(&a.number),
                        or_dash(&a.currency),
                        or_dash(&balance),
                        or_dash(&a.status)
                    );
                    for card in a.cards.iter().flatten() {
                        println!(
                            "    card {} {} {}",
                            or_dash(&card.number),
                            or_dash(&card.brand),
                            or_dash(&card.status)
                        );
                    }
                }
            })
        }
        Command::Transactions {
            id,
            from,
            to,
            status,
            limit,
            cursor,
        } => {
            let query = desk_app::TransactionQuery {
                from: from.clone(),
                to: to.clone(),
                status: status.clone(),
                limit: *limit,
                cursor: cursor.clone(),
            };
            let page = app.transactions(*id, &query).await?;
            print_sourced(cli.json, &page, |page| {
                for t in &page.items {
                    let amount = t.amount.map(|a| format!("{:.2}", a as f64 / 100.0));
                    println!(
                        "{}  {:>10} {}  {}  {}  {}",
                        or_dash(&t.time),
                        or_dash(&amount),
                        or_dash(&t.currency),
                        or_dash(&t.status),
                        or_dash(&t.merchant),
                        or_dash(&t.description)
                    );
                }
                if let Some(next) = &page.next_cursor {
                    println!("more: --cursor {}", line(next));
                }
            })
        }
        Command::Tickets { id, cursor } => {
            let page = app.tickets(*id, cursor.as_deref()).await?;
            print_sourced(cli.json, &page, |page| {
                for t in &page.items {
                    println!(
                        "{:>8}  {}  {}  {}",
                        t.id,
                        or_dash(&t.status),
                        or_dash(&t.priority),
                        or_dash(&t.subject)
                    );
                }
                if let Some(next) = &page.next_cursor {
                    println!("more: --cursor {}", line(next));
                }
            })
        }
        Command::Ticket { id } => {
            let ticket = app.ticket(*id).await?;
            print_sourced(cli.json, &ticket, |t| {
                println!(
                    "ticket {}: {} ({}, {})",
                    t.id,
                    or_dash(&t.subject),
                    or_dash(&t.status),
                    or_dash(&t.priority)
                );
                for m in t.messages.iter().flatten() {
                    let kind = if m.internal {
                        "internal note"
                    } else {
                        "message"
                    };
                    println!("  [{}] {kind} by {}:", or_dash(&m.time), or_dash(&m.author));
                    // A body keeps its line breaks, each line indented like the first, so
                    // no line of it can pass for a header like the one above.
                    let body = m
                        .body
                        .as_deref()
                        .map_or("-".into(), |b| terminal::block(b, BODY));
                    println!("{BODY}{body}");
                }
            })
        }
        Command::Cache {
            command: CacheCommand::Status,
        } => {
            let report = app.cache_status().await?;
            if cli.json {
                print_json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            let Some(report) = report else {
                println!("no local cache (nobody signed in, or nothing cached yet)");
                return Ok(ExitCode::SUCCESS);
            };
            let time = |t: Option<i64>| {
                t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
            };
            println!("cache {}", line(&report.path.display().to_string()));
            println!("  size          {} bytes", report.status.file_bytes);
            for (kind, n) in &report.status.per_kind {
                println!("  {:<13} {n}", format!("{kind}s"));
            }
            println!("  expired       {}", report.status.expired);
            println!("  oldest        {}", time(report.status.oldest_fetched_at));
            println!("  next expiry   {}", time(report.status.next_expiry));
            let offline = match report.offline {
                Some(Offline::Allowed { until }) => {
                    format!("readable offline until {}", time(Some(until)))
                }
                Some(Offline::Locked { shred_at }) => {
                    format!("locked; shredded at {}", time(Some(shred_at)))
                }
                Some(Offline::Shred) => "to be shredded".to_owned(),
                None => "no policy cached".to_owned(),
            };
            println!("  offline       {offline}");
            println!("  unsent views  {}", report.pending_views);
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache {
            command: CacheCommand::Purge,
        } => {
            let removed = app.cache_purge().await?;
            println!("removed {removed} cached records");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command: AdminCommand::Wipe { subject },
        } => {
            let order = app.wipe(subject).await?;
            if cli.json {
                print_json(&order)?;
            } else {
                println!(
                    "Wipe {} ordered for {} at {}; their devices shred their caches at their next \
                     connection",
                    order.wipe_id,
                    line(&order.subject),
                    line(&order.ordered_at)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command:
                AdminCommand::Layout {
                    command: LayoutCommand::Push { role, file },
                },
        } => {
            let layout = read_layout(file)?;
            let published = app.publish_layout(*role, &layout).await?;
            if cli.json {
                print_json(&published)?;
            } else {
                println!(
                    "Published the layout of {}: version {} (by {} at {})",
                    line(&published.role.to_string()),
                    published.version,
                    line(&published.updated_by),
                    line(&published.updated_at)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
