//! Login, lockout, first-run admin, and the management of users and roles.

use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::Ctx;
use super::model::{FirstAdminInput, NewUser, NewUserInput, Role, RoleInput, User, UserUpdateInput};
use super::model::{effective_permissions, parse_display_name, parse_role_name};
use super::password::{self, Password};
use super::session::Session;
use super::{Permission, repo};
use crate::audit::{self, Action, Actor, Entry};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::Desk;

/// Failed logins counted within this window...
pub const FAILURE_WINDOW_MINUTES: i32 = 15;
/// ...lock the account once they reach this many...
pub const MAX_FAILURES: i64 = 5;
/// ...for this long, doubled on each repeat until a successful login.
pub const BASE_LOCKOUT_MINUTES: i32 = 15;
/// Doubling stops here (15 min × 2^6 = 16 hours).
const MAX_DOUBLINGS: i32 = 6;

/// Why the password is being checked: a fresh login, or lifting the idle lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Unlock,
}

impl Purpose {
    fn actions(self) -> (Action, Action) {
        match self {
            Purpose::Login => (Action::LoginSuccess, Action::LoginFailure),
            Purpose::Unlock => (Action::SessionUnlock, Action::SessionUnlockFailure),
        }
    }
}

/// True while the clinic has no accounts: the UI then shows the create-admin screen.
pub async fn needs_first_admin(desk: &Desk) -> AppResult<bool> {
    Ok(!repo::any_user(&desk.pool).await?)
}

/// Creates the first account, with the admin role. Refused once any account exists, even when two
/// desks try at the same moment.
#[tracing::instrument(skip_all, fields(user_id = %input.id))]
pub async fn create_first_admin(desk: &Desk, input: FirstAdminInput) -> AppResult<User> {
    let pool = &desk.pool;
    let admin_role = repo::admin_role_id(pool).await?;
    let new = NewUser::parse(NewUserInput {
        id: input.id,
        username: input.username,
        display_name: input.display_name,
        password: input.password,
        role_id: admin_role,
    })?;
    let hash = password::hash(new.password.expose()).await?;
    let mut tx = pool.begin().await?;
    repo::lock_first_admin(&mut tx).await?;
    if repo::any_user(&mut *tx).await? {
        return Err(AppError::conflict("already_initialized", None));
    }
    repo::insert_user(&mut *tx, new.id, &new.username, &new.display_name, &hash, admin_role).await?;
    let user = repo::find_user(&mut *tx, new.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    let actor = Actor::user(user.id, &user.username, &desk.name);
    audit::record(&mut *tx, &actor, Entry::new(Action::UserCreateFirstAdmin, "user", user.id).after(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

/// Checks a username and password, applying the shared lockout. On success returns a new session.
#[tracing::instrument(skip_all, fields(purpose = ?purpose))]
pub async fn authenticate(desk: &Desk, username: &str, password: &str, purpose: Purpose) -> AppResult<Session> {
    let (ok_action, fail_action) = purpose.actions();
    let username = username.trim().to_lowercase();
    let mut tx = desk.pool.begin().await?;
    let Some(cred) = repo::credentials_for_update(&mut tx, &username).await? else {
        password::burn_time(password).await;
        let actor = Actor { user_id: None, username: Some(username.clone()), desk: desk.name.clone() };
        let entry = Entry {
            action: fail_action,
            entity: "user",
            entity_id: None,
            before: None,
            after: Some(json!({"reason": "unknown_user"})),
        };
        audit::record(&mut *tx, &actor, entry).await?;
        tx.commit().await?;
        return Err(AppError::InvalidCredentials);
    };
    let actor = Actor::user(cred.id, &cred.username, &desk.name);

    if let Some(until) = cred.locked_until.filter(|u| *u > cred.now) {
        let entry = Entry::new(fail_action, "user", cred.id).after(&json!({"reason": "locked_out"}));
        audit::record(&mut *tx, &actor, entry).await?;
        tx.commit().await?;
        return Err(AppError::LockedOut { until: until.to_rfc3339() });
    }

    let verified = password::verify(password, &cred.password_hash).await?;
    if !verified.ok || !cred.active {
        let reason = if verified.ok { "inactive" } else { "wrong_password" };
        audit::record(&mut *tx, &actor, Entry::new(fail_action, "user", cred.id).after(&json!({"reason": reason})))
            .await?;
        let failures = repo::add_failure(&mut tx, cred.id, FAILURE_WINDOW_MINUTES).await?;
        let outcome = if failures >= MAX_FAILURES {
            let minutes = BASE_LOCKOUT_MINUTES << cred.lockout_count.clamp(0, MAX_DOUBLINGS);
            let until = repo::lock_out(&mut *tx, cred.id, minutes).await?;
            repo::clear_failures(&mut *tx, cred.id).await?;
            let entry = Entry::new(Action::UserLockout, "user", cred.id)
                .after(&json!({"minutes": minutes, "until": until, "repeat": cred.lockout_count + 1}));
            audit::record(&mut *tx, &actor, entry).await?;
            tracing::warn!(user_id = %cred.id, minutes, "account locked out after repeated failures");
            AppError::LockedOut { until: until.to_rfc3339() }
        } else {
            AppError::InvalidCredentials
        };
        tx.commit().await?;
        return Err(outcome);
    }

    repo::clear_failures(&mut *tx, cred.id).await?;
    repo::reset_lockout(&mut *tx, cred.id, true).await?;
    if verified.needs_rehash {
        let stronger = password::hash(password).await?;
        repo::set_password_hash(&mut *tx, cred.id, &stronger).await?;
        audit::record(&mut *tx, &actor, Entry::new(Action::UserPasswordRehash, "user", cred.id)).await?;
    }
    audit::record(&mut *tx, &actor, Entry::new(ok_action, "user", cred.id)).await?;
    let grants = repo::grants(&mut *tx, cred.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    tx.commit().await?;

    let now = Utc::now();
    Ok(Session {
        user_id: cred.id,
        username: cred.username,
        display_name: cred.display_name,
        permissions: effective_permissions(grants.builtin.as_deref(), &grants.permissions),
        started_at: now,
        last_activity: now,
        idle_limit: Duration::minutes(grants.idle_lock_minutes.into()),
        locked: false,
        grants_checked_at: now,
    })
}

/// Audits the end of `session` on this desk.
pub async fn record_logout(desk: &Desk, session: &Session) -> AppResult<()> {
    let actor = Actor::user(session.user_id, &session.username, &desk.name);
    audit::record(&desk.pool, &actor, Entry::new(Action::Logout, "user", session.user_id)).await
}

/// Re-reads what the user may do. `None` means the session must end (user gone or deactivated).
/// The guard calls it, before any `Ctx` exists.
pub(crate) async fn current_grants(pool: &PgPool, user_id: Uuid) -> AppResult<Option<(Vec<Permission>, Duration)>> {
    Ok(repo::grants(pool, user_id).await?.filter(|g| g.active).map(|g| {
        (effective_permissions(g.builtin.as_deref(), &g.permissions), Duration::minutes(g.idle_lock_minutes.into()))
    }))
}

/// Every account.
pub async fn list_users(ctx: &Ctx) -> AppResult<Vec<User>> {
    repo::list_users(&ctx.pool).await
}

/// Creates an account. Re-sending the same id with the same content returns the stored account;
/// the same id with different content is refused.
#[tracing::instrument(skip_all, fields(user_id = %input.id))]
pub async fn create_user(ctx: &Ctx, input: NewUserInput) -> AppResult<User> {
    let new = NewUser::parse(input)?;
    if repo::find_role(&ctx.pool, new.role_id).await?.is_none() {
        return Err(AppError::validation("roleId", "unknown_role"));
    }
    // Hashed before the transaction: argon2 is slow on purpose, and nothing waits on it.
    let hash = password::hash(new.password.expose()).await?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &new).await? {
        return Ok(stored);
    }
    repo::insert_user(&mut *tx, new.id, &new.username, &new.display_name, &hash, new.role_id).await?;
    let user = repo::find_user(&mut *tx, new.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::UserCreate, "user", user.id).after(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

/// Edits name, role and active flag. The clinic always keeps at least one active admin.
#[tracing::instrument(skip_all, fields(user_id = %input.id))]
pub async fn update_user(ctx: &Ctx, input: UserUpdateInput) -> AppResult<User> {
    let display_name = parse_display_name(&input.display_name)?;
    let mut tx = ctx.pool.begin().await?;
    repo::lock_admins(&mut tx).await?;
    let before = repo::find_user(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    let role = repo::find_role(&mut *tx, input.role_id)
        .await?
        .ok_or_else(|| AppError::validation("roleId", "unknown_role"))?;
    let admins = repo::active_admins(&mut *tx).await?;
    let loses_admin = admins.contains(&input.id) && (!role.is_admin() || !input.active);
    if loses_admin && admins.len() == 1 {
        return Err(AppError::conflict("last_admin", Some(if input.active { "roleId" } else { "active" })));
    }
    repo::update_user(&mut *tx, input.id, &display_name, input.role_id, input.active).await?;
    let after = repo::find_user(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::UserUpdate, "user", input.id).before(&before).after(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password for another user (admin) and lifts any lockout.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn reset_password(ctx: &Ctx, user_id: Uuid, new_password: String) -> AppResult<()> {
    let user = repo::find_user(&ctx.pool, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    let password = Password::parse(new_password, "password", &user.username)?;
    let hash = password::hash(password.expose()).await?;
    let mut tx = ctx.pool.begin().await?;
    repo::set_password_hash(&mut *tx, user_id, &hash).await?;
    repo::clear_failures(&mut *tx, user_id).await?;
    repo::reset_lockout(&mut *tx, user_id, false).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::UserPasswordReset, "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in user changes their own password; the current one must be given.
#[tracing::instrument(skip_all, fields(user_id = %ctx.session.user_id))]
pub async fn change_own_password(ctx: &Ctx, current: &str, new_password: String) -> AppResult<()> {
    let (user_id, username) = (ctx.session.user_id, &ctx.session.username);
    let stored = repo::password_hash(&ctx.pool, user_id).await?;
    if !password::verify(current, &stored).await?.ok {
        return Err(AppError::validation("currentPassword", "wrong_password"));
    }
    let password = Password::parse(new_password, "newPassword", username)?;
    let hash = password::hash(password.expose()).await?;
    let mut tx = ctx.pool.begin().await?;
    repo::set_password_hash(&mut *tx, user_id, &hash).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::UserPasswordChange, "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Lifts a lockout before it runs out (admin).
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn unlock_user(ctx: &Ctx, user_id: Uuid) -> AppResult<User> {
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find_user(&mut *tx, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    repo::clear_failures(&mut *tx, user_id).await?;
    repo::reset_lockout(&mut *tx, user_id, false).await?;
    let after = repo::find_user(&mut *tx, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::UserUnlock, "user", user_id).before(&before).after(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Every role with its permissions.
pub async fn list_roles(ctx: &Ctx) -> AppResult<Vec<Role>> {
    repo::list_roles(&ctx.pool).await
}

/// Creates a role, idempotently by id like `create_user`.
#[tracing::instrument(skip_all, fields(role_id = %input.id))]
pub async fn create_role(ctx: &Ctx, input: RoleInput) -> AppResult<Role> {
    let name = parse_role_name(&input.name)?;
    let mut permissions = input.permissions.clone();
    permissions.sort();
    permissions.dedup();
    let request = RoleInput { id: input.id, name, permissions };
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &request).await? {
        return Ok(stored);
    }
    repo::insert_role(&mut *tx, request.id, &request.name, &request.permissions).await?;
    let role = repo::find_role(&mut *tx, request.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::RoleCreate, "role", role.id).after(&role)).await?;
    tx.commit().await?;
    Ok(role)
}

/// Renames a role or changes its permissions. The admin role is fixed: it always has everything.
#[tracing::instrument(skip_all, fields(role_id = %input.id))]
pub async fn update_role(ctx: &Ctx, input: RoleInput) -> AppResult<Role> {
    let name = parse_role_name(&input.name)?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    if before.is_admin() {
        return Err(AppError::conflict("admin_role_fixed", None));
    }
    repo::update_role(&mut *tx, input.id, &name, &input.permissions).await?;
    let after = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::RoleUpdate, "role", input.id).before(&before).after(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}
