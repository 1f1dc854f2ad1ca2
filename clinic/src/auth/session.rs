//! A signed-in session: who, with which permissions, since when, and when it locks or ends.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::Permission;

/// A session ends this long after login, whatever the activity.
pub const ABSOLUTE_LIMIT: Duration = Duration::hours(12);

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub permissions: Vec<Permission>,
    pub started_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    pub idle_limit: Duration,
    pub locked: bool,
    /// When the user's role and active flag were last read from the database.
    pub grants_checked_at: DateTime<Utc>,
}

/// A live session re-reads the user's grants at most this often: a role edit or a deactivation
/// made at any desk applies within this time, and a burst of commands costs one extra query.
pub const GRANTS_TTL: Duration = Duration::seconds(2);

/// Who the UI is talking to, as the UI may see it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub permissions: Vec<Permission>,
    pub locked: bool,
    pub idle_lock_minutes: i32,
    pub expires_at: DateTime<Utc>,
    /// Begun without the server, and not confirmed with it since: when the server answers, the
    /// user must give their password again before going on.
    pub without_server: bool,
}

impl Session {
    /// Past the 12-hour limit: the session must end.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.started_at >= ABSOLUTE_LIMIT
    }

    /// Locked explicitly, or idle past the limit.
    pub fn idle_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked || now - self.last_activity >= self.idle_limit
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            user_id: self.user_id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            permissions: self.permissions.clone(),
            locked: self.locked,
            idle_lock_minutes: self.idle_limit.num_minutes() as i32,
            expires_at: self.started_at + ABSOLUTE_LIMIT,
            without_server: false,
        }
    }
}
