//! The append-only audit log. Every write goes through `record` inside the write's own transaction.

mod action;
pub mod repo;
pub mod service;

pub use action::Action;

use serde::Serialize;
use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::error::AppResult;

/// Who did it, from which desk. Login failures have no user yet, only the name that was typed.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub desk: String,
}

impl Actor {
    pub fn user(user_id: Uuid, username: &str, desk: &str) -> Self {
        Self { user_id: Some(user_id), username: Some(username.into()), desk: desk.into() }
    }

    pub fn system(desk: &str) -> Self {
        Self { user_id: None, username: None, desk: desk.into() }
    }
}

/// One audit entry. `before`/`after` are the record's JSON; never passwords or hashes.
pub struct Entry<'a> {
    pub action: Action,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Entry<'a> {
    pub fn new(action: Action, entity: &'a str, entity_id: impl ToString) -> Self {
        Self { action, entity, entity_id: Some(entity_id.to_string()), before: None, after: None }
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// The SHA-256 of a text, in hex: what an audit entry records of clinical text (that it changed,
/// and to what, without the text itself).
pub fn digest(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `entry` in the caller's transaction, so the change and its audit row commit together.
#[tracing::instrument(skip_all, fields(action = ?entry.action, entity = entry.entity))]
pub async fn record(db: impl PgExecutor<'_>, actor: &Actor, entry: Entry<'_>) -> AppResult<()> {
    repo::insert(db, actor, &entry).await
}

/// A row of the log as the admin window shows it.
#[derive(Debug, Clone, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub username: Option<String>,
    pub desk: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The database login the row was written through (rows before migration 11 have none).
    pub db_login: Option<String>,
}
