//! `desk-server`: run the Support Desk gateway, make demo data, check the audit chain, find the
//! searches for a value in it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use desk_core::AuditAction;
use desk_server::api::{ApiError, SearchBy};
use desk_server::audit::checkpoint::CheckpointLine;
use desk_server::audit::export;
use desk_server::audit::key::AuditKey;
use desk_server::audit::searched;
use desk_server::audit::trail;
use desk_server::config::Config;
use desk_server::store::Store;
use tokio::net::TcpListener;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "desk-server",
    version,
    about = "The Support Desk gateway server"
)]
struct Cli {
    /// Configuration file (TOML); also `DESK_SERVER_CONFIG`. Settings can be overridden by
    /// `DESK_SERVER_`-prefixed environment variables.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address to listen on, overriding the configuration; port 0 picks a free port.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Replace the customer records with a generated, reproducible demo data set.
    DemoData {
        /// How many customers.
        #[arg(long, default_value_t = 500)]
        customers: u32,
        /// The seed: the same seed and count give the same data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ask the server running with this configuration whether it is up: exit status 0 when
    /// `/v1/health` answers 200 (with `--ready`, `/v1/ready`: its database and provider too), 1
    /// otherwise, saying why on standard error. For a container's health check, which has no
    /// HTTP client of its own.
    Health {
        /// Ask `/v1/ready` instead of `/v1/health`.
        #[arg(long)]
        ready: bool,
        /// The server's address (`http://HOST:PORT`); by default the configured `listen`, on
        /// the loopback address when it listens on every address.
        #[arg(long)]
        url: Option<String>,
    },
    /// SCIM provisioning (Entra ID, Okta): its clients' tokens.
    Scim {
        #[command(subcommand)]
        command: ScimCommand,
    },
}

#[derive(Subcommand)]
enum ScimCommand {
    /// The provisioning clients' bearer tokens. Each command reads the configuration and
    /// environment `serve` reads, and works while `serve` runs.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token for a provisioning client and print it once, as one JSON line `{"name": …,
    /// "token": …}`: it is kept only as a hash and cannot be shown again. Audited.
    Create {
        /// What to call it (1 to 64 letters, digits, `.`, `_` or `-`; not taken yet), such as
        /// the provisioning client it is for.
        #[arg(long)]
        name: String,
    },
    /// List the tokens (names and when each was made; never the tokens), one JSON line each.
    List,
    /// Revoke the token NAME: it stops working at once. Audited.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the chain under the audit key (`audit_key_file`, which it needs); exits 1 and names
    /// the first broken entry if it is broken.
    Verify {
        /// Also check that the chain still holds the heads signed in FILE: one checkpoint per
        /// line, as `audit checkpoint` and the server's log print them (`-` reads standard
        /// input). Exits 1 when it does not (rewritten, cut short, an entry removed or inserted).
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// Check these archive files too (repeat it, oldest first), as one chain with the
        /// database's: the archives `audit_retention_days` made, in the archive folder. Without
        /// them the check begins after the newest archive, and a checkpoint of an archived
        /// entry is not held until they are named.
        #[arg(long, value_name = "FILE")]
        archive: Vec<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Archive the entries older than `audit_retention_days` now, as `serve` does at start and
    /// every six hours: written to a file in `audit_archive_dir` ending with a signed
    /// checkpoint, then deleted from the database. Verifies the chain first and archives
    /// nothing from a broken one. Prints what it archived as one JSON line (`null`: nothing
    /// was old enough).
    Archive {
        /// Archive the entries recorded before this time (RFC 3339) instead of before the
        /// retention period; needed when `audit_retention_days` is not set.
        #[arg(long, value_name = "TIME")]
        before: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Verify the chain and print its head signed with the policy key, as one JSON line, to keep
    /// outside the server (works with the server stopped). Exits 1 on a broken chain.
    Checkpoint,
    /// Write the trail for a SIEM: every entry with its hashes, in chain order, each kept
    /// checkpoint after the entry it signs, and last a checkpoint of the last entry written,
    /// signed now (works with the server stopped or running). Verifies the whole chain first;
    /// on a broken one the entries are still written, without the final checkpoint, and it
    /// exits 1.
    Export {
        /// `jsonl`: one JSON object a line, `type` telling entries and checkpoints apart;
        /// `ocsf`: one OCSF event a line (docs/audit-export.md has the mapping).
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Only the entries after this one (the `last_seq` a previous export reported; 0,
        /// the default, writes them all).
        #[arg(long, value_name = "SEQ", default_value_t = 0,
              value_parser = clap::value_parser!(i64).range(0..))]
        since: i64,
    },
    /// Name every search for a value: when, by whom, read as what, and how many it found.
    /// Needs the audit search key (`audit_key_file`).
    Find {
        /// The value, in any spelling the search accepts: an IBAN with or without spaces, a
        /// phone number in any notation, an e-mail address in any case. `-` reads it from the
        /// first line of standard input, so that it stays out of shell history and process
        /// listings.
        #[arg(long, value_name = "VALUE")]
        searched: String,
        /// How to read VALUE; when not given, as the search reads it.
        #[arg(long, value_enum)]
        by: Option<By>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The export formats, as `--format` takes them.
#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Ocsf,
}

impl From<ExportFormat> for export::Format {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Jsonl => Self::Jsonl,
            ExportFormat::Ocsf => Self::Ocsf,
        }
    }
}

/// The kinds of search, as `--by` takes them.
#[derive(Clone, Copy, ValueEnum)]
enum By {
    Name,
    Email,
    Phone,
    Account,
}

impl From<By> for SearchBy {
    fn from(by: By) -> Self {
        match by {
            By::Name => Self::Name,
            By::Email => Self::Email,
            By::Phone => Self::Phone,
            By::Account => Self::Account,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "desk_server=info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: in a file or a journal, escape codes would split
        // `id=…` and the other fields a person searches for.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Whatever it writes (archives, cursors, a file sink, a database or key made now) is its
    // owner's only.
    desk_server::private::owner_only_from_now_on();
    let cli = Cli::parse();
    // A configuration that cannot be used is one line and exit status 2, like a database that
    // cannot be opened.
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    match cli.command {
        Command::Serve { listen } => {
            raise_open_file_limit();
            if let Some(listen) = listen {
                config.listen = listen;
            }
            // Held until the process ends.
            let _serving = match &config.database_url {
                Some(_) => None,
                None => match desk_server::store::sqlite::hold_serve_lock(&config.data_dir) {
                    Ok(lock) => Some(lock),
                    Err(e) => {
                        eprintln!("error: {e}");
                        std::process::exit(2);
                    }
                },
            };
            let key = desk_server::audit_key(&config)?;
            let store = open_store(&config, key).await;
            let listener = TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let server = desk_server::Server::new(config, store).await?;
            let shutdown = desk_server::shutdown_signal()?;
            let addr = listener.local_addr()?;
            // One line on stdout that scripts and tests read to find the server and the public
            // key its policies are signed with.
            println!(
                "{}",
                serde_json::json!({
                    "listening": format!("http://{addr}"),
                    "policy_keys_file": server.public_keys_file(),
                    "policy_key": server.policy_public_key(),
                })
            );
            tracing::info!(%addr, "desk-server listening");
            desk_server::serve(listener, server, shutdown).await?;
        }
        Command::Health { ready, url } => {
            let base = url.unwrap_or_else(|| local_url(&config.listen));
            let path = if ready { "/v1/ready" } else { "/v1/health" };
            match probe(&format!("{}{path}", base.trim_end_matches('/'))).await {
                Ok(()) => println!("ok"),
                Err(why) => {
                    eprintln!("error: {why}");
                    std::process::exit(1);
                }
            }
        }
        Command::DemoData { customers, seed } => {
            let key = desk_server::audit_key(&config)?;
            let store = open_store(&config, key).await;
            let options = desk_server::demo::DemoOptions { customers, seed };
            let started = std::time::Instant::now();
            let summary = desk_server::demo::generate(store.as_ref(), &options, |p| {
                eprint!(
                    "\rdemo data: {} of {} customers, {} transactions",
                    p.customers, p.of, p.transactions
                );
            })
            .await?;
            eprintln!();
            println!(
                "{}",
                serde_json::json!({
                    "database": desk_server::store::location(&config),
                    "seed": seed,
                    "summary": summary,
                    "seconds": started.elapsed().as_secs_f64(),
                })
            );
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    checkpoint,
                    archive,
                    json,
                },
        } => verify(&config, checkpoint.as_deref(), &archive, json).await?,
        Command::Audit {
            command: AuditCommand::Archive { before },
        } => archive_now(&config, before).await?,
        Command::Audit {
            command: AuditCommand::Checkpoint,
        } => {
            let key = AuditKey::load(&config.audit_key_path())?;
            let signer = desk_server::policy_key::load(&config.policy_key_path())?;
            let store = open_store(&config, key.clone()).await;
            let result = desk_server::verify_audit(store.as_ref(), &key).await?;
            if let Some(broken) = &result.broken {
                eprintln!(
                    "audit chain BROKEN at entry {}: {}; no checkpoint is signed for it",
                    broken.seq, broken.reason
                );
                std::process::exit(1);
            }
            let line = desk_server::audit::checkpoint::current(store.as_ref(), &signer).await?;
            println!("{}", serde_json::to_string(&line)?);
        }
        Command::Audit {
            command: AuditCommand::Export { format, since },
        } => export_trail(&config, format.into(), since).await?,
        Command::Audit {
            command: AuditCommand::Find { searched, by, json },
        } => find_searches(&config, &searched, by.map(SearchBy::from), json).await?,
        Command::Scim {
            command: ScimCommand::Token { command },
        } => scim_token(&config, command).await?,
    }
    Ok(())
}

/// `scim token create|list|revoke`: tokens kept in the database, so a running `serve` sees a new
/// one and stops accepting a revoked one at its next request.
async fn scim_token(config: &Config, command: TokenCommand) -> anyhow::Result<()> {
    use desk_server::audit::{AuditEvent, Outcome};
    use desk_server::scim::tokens as scim_tokens;
    let key = AuditKey::load(&config.audit_key_path())?;
    let store = open_store(config, key).await;
    let event = |action, name: &str| {
        AuditEvent::new(
            "desk-server",
            action,
            format!("scim-token:{name}"),
            Outcome::Ok,
        )
        .with_detail(serde_json::json!({ "name": name }))
    };
    match command {
        TokenCommand::Create { name } => {
            scim_tokens::check_name(&name).map_err(anyhow::Error::msg)?;
            let token = scim_tokens::generate();
            let hash = scim_tokens::hash(&token);
            store
                .add_scim_token(&name, &hash, event(AuditAction::ScimTokenCreate, &name))
                .await
                .with_context(|| format!("making the token {name}"))?;
            let token = secrecy::ExposeSecret::expose_secret(&token);
            println!("{}", serde_json::json!({ "name": name, "token": token }));
        }
        TokenCommand::List => {
            for token in store.scim_tokens().await? {
                println!("{}", serde_json::to_string(&token)?);
            }
        }
        TokenCommand::Revoke { name } => {
            store
                .revoke_scim_token(&name, event(AuditAction::ScimTokenRevoke, &name))
                .await
                .with_context(|| format!("revoking the token {name}"))?;
        }
    }
    Ok(())
}

/// The URL of a server listening on `listen`, asked from the same machine.
fn local_url(listen: &str) -> String {
    let local = match listen.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => listen.to_owned(),
    };
    format!("http://{local}")
}

/// Whether `url` answers 200 within a few seconds; why not otherwise.
async fn probe(url: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    match response.status() {
        reqwest::StatusCode::OK => Ok(()),
        status => {
            let body = response.text().await.unwrap_or_default();
            Err(format!(
                "{url} answered {status}: {}",
                body.chars().take(300).collect::<String>()
            ))
        }
    }
}

/// Opens the database `config` names (creating its schema when it is empty), with the audit key
/// already loaded. One that cannot be opened (a wrong URL, a database out of reach, a refused
/// password) ends the process with one line naming it and exit status 2.
async fn open_store(config: &Config, key: AuditKey) -> Arc<dyn Store> {
    match desk_server::store::open(config, key).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "error: cannot open the database {}: {e}",
                desk_server::store::location(config)
            );
            std::process::exit(2);
        }
    }
}

/// `audit verify`: the archives and the chain under the key, then each checkpoint of
/// `checkpoints` (and of the archives) against them.
async fn verify(
    config: &Config,
    checkpoints: Option<&Path>,
    archives: &[PathBuf],
    json: bool,
) -> anyhow::Result<()> {
    let key = AuditKey::load(&config.audit_key_path())?;
    let public = if checkpoints.is_some() || !archives.is_empty() {
        vec![desk_server::policy_key::load(&config.policy_key_path())?.public()]
    } else {
        Vec::new()
    };
    let held = match checkpoints {
        Some(file) => read_checkpoints(file, &public)?,
        None => Vec::new(),
    };
    let store = open_store(config, key.clone()).await;
    let report = trail::verify(store.as_ref(), &key, archives, &public, held).await?;
    let result = &report.verification;
    if json {
        let answer = serde_json::json!({
            "after": result.after,
            "entries": result.entries,
            "unkeyed": result.unkeyed,
            "head": result.head,
            "broken": result.broken,
            "archived_through": report.archived_through,
            "archive": report.archive,
            "checkpoints": report.checkpoints,
            "checkpoints_not_held": report.not_held,
        });
        println!("{answer}");
    } else {
        print_verdict(&report);
    }
    if result.broken.is_some() || !report.not_held.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// The checkpoints in `file` (`-`: standard input), each line's signature checked: lines of
/// `audit checkpoint`, the server's log's checkpoint, or an export of either format.
fn read_checkpoints(
    file: &Path,
    public: &[desk_core::signed::PublicKey],
) -> anyhow::Result<Vec<desk_core::signed::Checkpoint>> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let mut held = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        // A line of `audit export` (either format) holds an entry or a checkpoint.
        let checkpoint = export::checkpoint_in(line.trim())
            .and_then(|found| {
                found
                    .map(|text| CheckpointLine::verify(&text, public))
                    .transpose()
            })
            .map_err(|e| anyhow::anyhow!("checkpoint on line {}: {e}", n + 1))?;
        held.extend(checkpoint);
    }
    anyhow::ensure!(!held.is_empty(), "no checkpoint in the file");
    Ok(held)
}

/// `audit verify`'s verdict for a person.
fn print_verdict(report: &trail::Report) {
    let result = &report.verification;
    let from = match (result.after, &report.archive) {
        (0, _) => String::new(),
        (after, Some(archive)) if after == report.archived_through => {
            format!(" after entry {after} (the entries up to it are archived in {archive})")
        }
        (after, _) => format!(" after entry {after}"),
    };
    match &result.broken {
        Some(broken) => println!(
            "audit chain BROKEN at entry {}: {} ({} entries verified before it)",
            broken.seq, broken.reason, result.entries
        ),
        None => println!(
            "audit chain intact: {} entries{from}, head {}{}",
            result.entries,
            result.head,
            if result.unkeyed > 0 {
                format!(
                    " (the first {} written before links were keyed, held by the first keyed one)",
                    result.unkeyed
                )
            } else {
                String::new()
            }
        ),
    }
    for why in &report.not_held {
        println!("checkpoint NOT HELD: {why}");
    }
    if report.checkpoints > 0 && report.not_held.is_empty() {
        println!("all {} checkpoints held", report.checkpoints);
    }
}

/// `audit archive`: what retention would archive now (or before `before`), archived.
async fn archive_now(
    config: &Config,
    before: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let before = before.or_else(|| config.audit_retention_cutoff()).context(
        "audit_retention_days is not set: set it, or say which entries with --before TIME",
    )?;
    let key = AuditKey::load(&config.audit_key_path())?;
    let signer = desk_server::policy_key::load(&config.policy_key_path())?;
    let store = open_store(config, key.clone()).await;
    let archived = desk_server::audit::retention::archive_configured(
        config,
        store.as_ref(),
        &key,
        &signer,
        before,
    )
    .await?;
    println!("{}", serde_json::to_string(&archived)?);
    Ok(())
}

/// `audit export`: the whole chain verified, then the entries after `since` and the
/// checkpoints written to standard output; a summary on standard error.
async fn export_trail(config: &Config, format: export::Format, since: i64) -> anyhow::Result<()> {
    let key = AuditKey::load(&config.audit_key_path())?;
    let signer = desk_server::policy_key::load(&config.policy_key_path())?;
    let store = open_store(config, key.clone()).await;
    let verified = desk_server::verify_audit(store.as_ref(), &key).await?;
    let signer = verified.broken.is_none().then_some(&signer);
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let exported = export::export(
        store.as_ref(),
        export::Range::after(since),
        format,
        signer,
        &mut out,
    )
    .await?;
    drop(out);
    eprintln!("{}", serde_json::to_string(&exported)?);
    if let Some(broken) = &verified.broken {
        eprintln!(
            "audit chain BROKEN at entry {}: {}; exported without a final checkpoint",
            broken.seq, broken.reason
        );
        std::process::exit(1);
    }
    Ok(())
}

/// `audit find`: hashes the value as the server hashed what was searched, and names the entries
/// with that hash.
async fn find_searches(
    config: &Config,
    value: &str,
    by: Option<SearchBy>,
    json: bool,
) -> anyhow::Result<()> {
    let key = AuditKey::load(&config.audit_key_path())?;
    let mut line = String::new();
    let value = if value == "-" {
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the value from standard input")?;
        line.trim_end_matches(['\n', '\r'])
    } else {
        value
    };
    let (by, query) = desk_server::api::parse_query(value, by).map_err(|e| match e {
        ApiError::BadRequest { message, .. } => anyhow::anyhow!("--searched: {message}"),
        other => anyhow::anyhow!("--searched: {other:?}"),
    })?;
    let hash = searched::q_hmac(&key, by, &query);
    let store = open_store(config, key).await;
    let found = searched::find(store.as_ref(), &hash).await?;
    if json {
        let answer = serde_json::json!({
            "by": by.as_str(),
            "q_hmac": hash,
            "q_masked": searched::q_masked(&query),
            "searches": found,
        });
        println!("{answer}");
    } else if found.is_empty() {
        println!("no search for that value");
    } else {
        for f in &found {
            let plural = if f.results == 1 { "" } else { "s" };
            println!(
                "{}  {}  by {}  {}  {} result{plural}  (entry {})",
                f.time, f.actor, f.by, f.q_masked, f.results, f.seq
            );
        }
    }
    Ok(())
}

/// Every event stream holds a connection open: raises the soft limit on open files to the hard
/// one, so the usual soft limit of 1,024 does not stop the server from accepting connections
/// (with the admin's request among those refused) at about a thousand connected agents.
fn raise_open_file_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => {
            if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                tracing::warn!(error = %e, soft, "cannot raise the open-file limit");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the open-file limit"),
    }
}
