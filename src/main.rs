//! The `witgis` binary: parses the command line and runs it.

use clap::Parser;
use tracing_subscriber::EnvFilter;
use witgis::config::LogFormat;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = witgis::config::Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format() {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
