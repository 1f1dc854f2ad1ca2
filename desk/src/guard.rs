//! The check at the top of every command: a live, unlocked session whose role holds the
//! permission, re-read from the database (deactivated users are signed out, role edits apply at
//! once), and the session's last known grants when the server is away.

use chrono::Utc;
use podoclinic_clinic::audit::{Action, Actor, Entry};
use podoclinic_clinic::auth::session::GRANTS_TTL;
use podoclinic_clinic::auth::{Ctx, Permission, Session, service};
use podoclinic_clinic::error::{AppError, AppResult};

use crate::state::{AppState, Subject};

/// A live, unlocked session, re-checked against the database (deactivated users are signed out,
/// role edits apply at once). A session begun without the server goes no further than its store
/// until its user confirms the password with the server (`ConfirmPassword`).
///
/// The session is touched before the database is asked for: what a user does while the server is
/// away counts as activity for the idle lock.
pub async fn signed_in(state: &AppState) -> AppResult<Ctx> {
    let now = Utc::now();
    let mut session = state.sessions.touch(now)?;
    let pool = state.db()?;
    // Let in by the desk's store alone: the server must hear the password before anything else.
    if state.sessions.is_limited() {
        return Err(AppError::ConfirmPassword);
    }
    if now - session.grants_checked_at >= GRANTS_TTL {
        let grants = service::current_grants(&pool, session.user_id).await?;
        let Some((permissions, idle_limit)) = grants else {
            state.sessions.end();
            return Err(AppError::Unauthorized);
        };
        state.sessions.refresh(session.user_id, permissions.clone(), idle_limit, now);
        session = Session { permissions, idle_limit, grants_checked_at: now, ..session };
    }
    let actor = Actor::user(session.user_id, &session.username, &state.desk);
    Ok(Ctx { pool, session, actor, drawer: None })
}

/// `signed_in`, and the role must hold `permission`. A refused attempt at clinical notes, or at a
/// named record, leaves a trace in the audit (the record tried, the permission missing), not only
/// in a log.
pub async fn require(state: &AppState, permission: Permission, subject: Option<Subject>) -> AppResult<Ctx> {
    let ctx = signed_in(state).await?;
    if !ctx.session.permissions.contains(&permission) {
        tracing::warn!(user_id = %ctx.session.user_id, permission = permission.key(), "permission refused");
        let entry = match subject {
            Some(s) => Some(Entry::new(Action::AccessRefused, s.entity, s.id)),
            // Clinical records, and the administration (settings, backups and restores, users,
            // roles): a refused attempt there is worth knowing of.
            None if matches!(
                permission,
                Permission::ClinicalRead
                    | Permission::ClinicalWrite
                    | Permission::SettingsManage
                    | Permission::UsersManage
                    | Permission::RolesManage
            ) =>
            {
                Some(Entry::new(Action::AccessRefused, "permission", permission.key()))
            }
            None => None,
        };
        if let Some(entry) = entry {
            let missing = serde_json::json!({ "permission": permission.key() });
            podoclinic_clinic::audit::record(&ctx.pool, &ctx.actor, entry.after(&missing)).await?;
        }
        return Err(AppError::Forbidden { permission });
    }
    Ok(ctx)
}

/// The live session and its last known grants, without the server (it is away): what the desk
/// may do from its store. A role edit made meanwhile applies when the server is back.
pub fn offline_session(state: &AppState, permission: Permission) -> AppResult<Session> {
    let session = state.sessions.touch(Utc::now())?;
    if !session.permissions.contains(&permission) {
        tracing::warn!(user_id = %session.user_id, permission = permission.key(), "permission refused (offline)");
        return Err(AppError::Forbidden { permission });
    }
    Ok(session)
}
