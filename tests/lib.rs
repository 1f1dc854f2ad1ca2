//! Shared helpers for the integration tests: an app state over a test database, and the mock-runtime
//! app that runs commands through the real IPC path.

use std::path::PathBuf;

use podoclinic::state::{AppState, Paths};
use sqlx::PgPool;

/// Paths for a state that never touches the user's real folders.
pub fn temp_paths() -> Paths {
    let root: PathBuf =
        std::env::temp_dir().join(format!("podoclinic-test-{}", uuid::Uuid::now_v7()));
    Paths {
        config_dir: root.join("config"),
        data_dir: root.join("data"),
        log_dir: root.join("logs"),
    }
}

/// An app state connected to `pool`, as a desk named "test-desk".
pub fn state(pool: PgPool) -> AppState {
    AppState::with_pool(pool, temp_paths(), "test-desk")
}
