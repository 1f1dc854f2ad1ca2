//! The check at the top of every command: a live session whose role holds the permission.

use chrono::Utc;
use sqlx::PgPool;

use super::session::GRANTS_TTL;
use super::{Permission, Session, service};
use crate::audit::{Action, Actor, Entry};
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Subject};

/// What a command gets once the guard lets it through, and what every service takes first: the
/// one pool, the signed-in session and the actor its audit entries name.
pub struct Ctx {
    pub pool: PgPool,
    pub session: Session,
    pub actor: Actor,
}

impl Ctx {
    /// The context of an active user without a sign-in, for work the desk does on a user's behalf
    /// when no one typed a password for it (tests, the demo clinic). Commands never use it: they
    /// get their context from the guard.
    pub async fn for_user(pool: &PgPool, user_id: uuid::Uuid, desk: &str) -> AppResult<Ctx> {
        let user = super::repo::find_user(pool, user_id).await?.ok_or(AppError::Unauthorized)?;
        let (permissions, idle_limit) = service::current_grants(pool, user_id).await?.ok_or(AppError::Unauthorized)?;
        let now = Utc::now();
        let session = Session {
            user_id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            permissions,
            started_at: now,
            last_activity: now,
            idle_limit,
            locked: false,
            grants_checked_at: now,
        };
        let actor = Actor::user(user_id, &user.username, desk);
        Ok(Ctx { pool: pool.clone(), session, actor })
    }
}

/// A live, unlocked session, re-checked against the database (deactivated users are signed out,
/// role edits apply at once).
///
/// The session is touched before the database is asked for: what a user does while the server is
/// away counts as activity for the idle lock.
pub async fn signed_in(state: &AppState) -> AppResult<Ctx> {
    let now = Utc::now();
    let mut session = state.sessions.touch(now)?;
    let pool = state.db()?;
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
    Ok(Ctx { pool, session, actor })
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
            crate::audit::record(&ctx.pool, &ctx.actor, entry.after(&missing)).await?;
        }
        return Err(AppError::Forbidden { permission });
    }
    Ok(ctx)
}

/// The live session and its last known grants, without the server (it is away): what the desk
/// may do from its own copy. A role edit made meanwhile applies when the server is back.
pub fn offline_session(state: &AppState, permission: Permission) -> AppResult<Session> {
    let session = state.sessions.touch(Utc::now())?;
    if !session.permissions.contains(&permission) {
        tracing::warn!(user_id = %session.user_id, permission = permission.key(), "permission refused (offline)");
        return Err(AppError::Forbidden { permission });
    }
    Ok(session)
}

/// A user may change appointments and notes of other podiatrists only with
/// `appointments.write_others`; without it, only those on the agenda of the podiatrist linked to
/// their account.
pub async fn may_write_for(ctx: &Ctx, podiatrist: uuid::Uuid) -> AppResult<()> {
    if ctx.session.permissions.contains(&Permission::AppointmentsWriteOthers) {
        return Ok(());
    }
    match crate::podiatrists::repo::for_user(&ctx.pool, ctx.session.user_id).await? {
        Some(own) if own == podiatrist => Ok(()),
        _ => {
            // Audited on its own connection: the refused write's transaction rolls back.
            let permission = Permission::AppointmentsWriteOthers;
            let missing = serde_json::json!({ "permission": permission.key() });
            let entry = Entry::new(Action::AccessRefused, "podiatrist", podiatrist).after(&missing);
            crate::audit::record(&ctx.pool, &ctx.actor, entry).await?;
            Err(AppError::Forbidden { permission })
        }
    }
}
