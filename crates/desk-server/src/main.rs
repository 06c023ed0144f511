//! `desk-server`: run the Support Desk gateway, make demo data, check the audit chain, find the
//! searches for a value in it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use desk_server::api::{ApiError, SearchBy};
use desk_server::audit::key::AuditKey;
use desk_server::audit::searched;
use desk_server::config::Config;
use desk_server::store::sqlite::SqliteStore;
use tokio::net::TcpListener;

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
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits 1 and names the first broken entry if it is broken.
    Verify {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
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
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { listen } => {
            raise_open_file_limit();
            if let Some(listen) = listen {
                config.listen = listen;
            }
            let store = SqliteStore::open(&config.data_dir).await.with_context(|| {
                format!("opening the database in {}", config.data_dir.display())
            })?;
            let listener = TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let server = desk_server::Server::new(config, Arc::new(store)).await?;
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
            desk_server::serve(listener, server).await?;
        }
        Command::DemoData { customers, seed } => {
            let store = SqliteStore::open(&config.data_dir).await?;
            let options = desk_server::demo::DemoOptions { customers, seed };
            let started = std::time::Instant::now();
            let summary = desk_server::demo::generate(&store, &options, |p| {
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
                    "database": config.data_dir.join(desk_server::store::sqlite::FILE_NAME),
                    "seed": seed,
                    "summary": summary,
                    "seconds": started.elapsed().as_secs_f64(),
                })
            );
        }
        Command::Audit {
            command: AuditCommand::Verify { json },
        } => {
            let store = SqliteStore::open(&config.data_dir).await?;
            let result = desk_server::verify_audit(&store).await?;
            if json {
                println!("{}", serde_json::to_string(&result)?);
            } else if let Some(broken) = &result.broken {
                println!(
                    "audit chain BROKEN at entry {}: {} ({} entries verified before it)",
                    broken.seq, broken.reason, result.entries
                );
            } else {
                println!(
                    "audit chain intact: {} entries, head {}",
                    result.entries, result.head
                );
            }
            if result.broken.is_some() {
                std::process::exit(1);
            }
        }
        Command::Audit {
            command: AuditCommand::Find { searched, by, json },
        } => find_searches(&config, &searched, by.map(SearchBy::from), json).await?,
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
    let store = SqliteStore::open(&config.data_dir)
        .await
        .with_context(|| format!("opening the database in {}", config.data_dir.display()))?;
    let found = searched::find(&store, &hash).await?;
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
