//! Shared helpers for the integration tests: an app state over a test database, users in each
//! built-in role, and the mock-runtime app that runs commands through the real IPC path.

use std::path::PathBuf;

use podoclinic::audit::Actor;
use podoclinic::auth::model::{FirstAdminInput, NewUserInput, User};
use podoclinic::auth::service;
use podoclinic::state::{AppState, Paths};
use sqlx::PgPool;
use uuid::Uuid;

pub const ADMIN_PASSWORD: &str = "pies firmes 2026";
pub const STAFF_PASSWORD: &str = "recepcion soleada 77";

/// Paths for a state that never touches the user's real folders.
pub fn temp_paths() -> Paths {
    let root: PathBuf = std::env::temp_dir().join(format!("podoclinic-test-{}", Uuid::now_v7()));
    Paths {
        config_dir: root.join("config"),
        data_dir: root.join("data"),
        log_dir: root.join("logs"),
    }
}

/// An app state connected to `pool`, as a desk named `desk`.
pub fn state_on(pool: PgPool, desk: &str) -> AppState {
    AppState::with_pool(pool, temp_paths(), desk)
}

/// The clinic's first admin, `admin`.
pub async fn first_admin(pool: &PgPool) -> User {
    let input = FirstAdminInput {
        id: Uuid::now_v7(),
        username: "admin".into(),
        display_name: "Dra. Admin".into(),
        password: ADMIN_PASSWORD.into(),
    };
    service::create_first_admin(pool, "test-desk", input)
        .await
        .expect("first admin")
}

/// Built-in role ids (fixed by the first migration).
pub const RECEPTION_ROLE: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000002);
pub const PODIATRIST_ROLE: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000003);

/// A user with the given role, created by `admin`.
pub async fn staff(pool: &PgPool, admin: &User, username: &str, role_id: Uuid) -> User {
    let actor = Actor::user(admin.id, &admin.username, "test-desk");
    let input = NewUserInput {
        id: Uuid::now_v7(),
        username: username.into(),
        display_name: format!("Staff {username}"),
        password: STAFF_PASSWORD.into(),
        role_id,
    };
    service::create_user(pool, &actor, input)
        .await
        .expect("staff user")
}

/// Audit actions recorded so far, oldest first.
pub async fn audit_actions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

pub mod ipc;
