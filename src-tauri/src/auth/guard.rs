//! The check at the top of every command: a live session whose role holds the permission.

use chrono::Utc;
use sqlx::PgPool;

use super::session::GRANTS_TTL;
use super::{Permission, Session, service};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a command gets once the guard lets it through.
pub struct Ctx {
    pub pool: PgPool,
    pub session: Session,
    pub actor: Actor,
}

/// A live, unlocked session, re-checked against the database (deactivated users are signed out,
/// role edits apply at once).
pub async fn signed_in(state: &AppState) -> AppResult<Ctx> {
    let pool = state.db()?;
    let now = Utc::now();
    let mut session = state.sessions.touch(now)?;
    if now - session.grants_checked_at >= GRANTS_TTL {
        let grants = state.observe(service::current_grants(&pool, session.user_id).await)?;
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

/// `signed_in`, and the role must hold `permission`.
pub async fn require(state: &AppState, permission: Permission) -> AppResult<Ctx> {
    let ctx = signed_in(state).await?;
    if !ctx.session.permissions.contains(&permission) {
        tracing::warn!(user_id = %ctx.session.user_id, permission = permission.key(), "permission refused");
        return Err(AppError::Forbidden { permission });
    }
    Ok(ctx)
}
