//! `desk-server`: run the Support Desk gateway.

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "desk-server",
    version,
    about = "The Support Desk gateway server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, env = "DESK_SERVER_LISTEN", default_value = "127.0.0.1:8440")]
        listen: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "desk_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve { listen } => {
            let listener = TcpListener::bind(&listen).await?;
            let addr = listener.local_addr()?;
            // One line on stdout that scripts and tests read to find the server.
            println!(
                "{}",
                serde_json::json!({ "listening": format!("http://{addr}") })
            );
            tracing::info!(%addr, "desk-server listening");
            desk_server::serve(listener).await?;
        }
    }
    Ok(())
}
