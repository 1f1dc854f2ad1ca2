//! Logs to stderr and to a daily file in the app's log folder. Records carry ids, never passwords
//! or patient data: code logs `user_id`/`patient_id`, not names, and SQL parameters are not logged.

use std::path::Path;
use std::sync::OnceLock;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

static FILE_GUARD: OnceLock<WorkerGuard> = OnceLock::new();

/// Installs the global subscriber once. `RUST_LOG` overrides the default level.
pub fn init(log_dir: &Path) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tao=warn"));
    // The log names no patient, and is still the desk user's alone (0700 on Unix).
    let _ = podoclinic_desk::platform::private_dir(log_dir);
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("podoclinic")
        .filename_suffix("log")
        .max_log_files(30)
        .build(log_dir);
    let file_layer = match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let _ = FILE_GUARD.set(guard);
            Some(fmt::layer().with_ansi(false).with_writer(writer))
        }
        Err(e) => {
            eprintln!("log file unavailable in {}: {e}", log_dir.display());
            None
        }
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(file_layer)
        .try_init();
}
