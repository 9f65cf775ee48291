//! The `retention-registry` binary: parses the command line and hands over to `cli::run`.

use std::process::ExitCode;

use clap::Parser;
use retention_registry::{cli, telemetry};

/// mimalloc rather than the system allocator: an export allocates each value's text on its reading
/// thread and frees it on its writing thread, which glibc's allocator serves through shared arena
/// locks (an export of 200,000 commitments: 1.5 s against 0.8 s). It is built without transparent
/// huge pages (`no_thp`), whose 2 MiB pages counted whole in the resident size.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How often memory freed but still held by the allocator is given back to the system.
const GIVE_BACK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// mimalloc gives freed memory back to the system some time after it is freed, when it next
/// allocates or frees: an idle server never would. A sign-in's password hash takes 19 MiB for a
/// moment, which an idle server then kept (three sign-ins at once: 92 MB resident when idle). A
/// thread asks mimalloc every [`GIVE_BACK_EVERY`] to give back what is due (33 MB two seconds
/// after those sign-ins). Giving back on every free instead (`purge_delay` 0) slowed the busy
/// paths: PostgreSQL's export of 100,000 took 1.03 s against 0.81 s.
fn give_back_freed_memory() {
    let started = std::thread::Builder::new()
        .name("give-back".into())
        .spawn(|| loop {
            std::thread::sleep(GIVE_BACK_EVERY);
            // SAFETY: mimalloc's own entry point, callable from any thread at any time.
            unsafe { libmimalloc_sys::mi_collect(true) };
        });
    if let Err(error) = started {
        eprintln!("warning: freed memory will be given back late: {error}");
    }
}

fn main() -> ExitCode {
    give_back_freed_memory();
    telemetry::init();
    match cli::run(cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
