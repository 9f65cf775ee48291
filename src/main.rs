//! The `retention-registry` binary: parses the command line and hands over to `cli::run`.

use std::process::ExitCode;

use clap::Parser;
use retention_registry::{cli, telemetry};

/// mimalloc rather than the system allocator: an export allocates each value's text on its reading
/// thread and frees it on its writing thread, which glibc's allocator serves through shared arena
/// locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
