//! What every service takes first: the one pool, the signed-in session and the actor its audit
//! entries name. The desk's guard (`podoclinic_desk::guard`) makes one for each command.

use chrono::Utc;
use sqlx::PgPool;

use super::{Permission, Session, service};
use crate::audit::{Action, Actor, Entry};
use crate::error::{AppError, AppResult};

/// What a command gets once the guard lets it through, and what every service takes first: the
/// one pool, the signed-in session and the actor its audit entries name.
pub struct Ctx {
    pub pool: PgPool,
    pub session: Session,
    pub actor: Actor,
    /// The cash session the caller's money was meant for, when it names one (a write a desk kept
    /// while its server was away names the drawer it was made at): the money goes into that
    /// session or is refused (`cash_session_changed`), never into another. `None`: the desk's
    /// open session, whichever it is.
    pub drawer: Option<uuid::Uuid>,
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
        Ok(Ctx { pool: pool.clone(), session, actor, drawer: None })
    }
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

/// What a command that runs before any session gets (first admin, sign-in, logout's audit): the
/// pool and the desk's name, which the audit records.
pub struct Desk {
    pub pool: PgPool,
    pub name: String,
    /// This desk's failed logins (password spraying slows down).
    pub throttle: std::sync::Arc<super::throttle::LoginThrottle>,
}
