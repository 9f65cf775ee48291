//! The `retention-registry` binary: parses the command line and hands over to `cli::run`.

use std::process::ExitCode;

use clap::Parser;
use retention_registry::{cli, telemetry};

fn main() -> ExitCode {
    telemetry::init();
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
