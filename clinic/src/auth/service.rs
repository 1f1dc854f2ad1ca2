//! Login, lockout, first-run admin, and the management of users and roles.

use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::Ctx;
use super::Desk;
use super::model::{FirstAdminInput, NewUser, NewUserInput, Role, RoleInput, User, UserUpdateInput};
use super::model::{effective_permissions, parse_display_name, parse_role_name};
use super::password::{self, Password};
use super::session::Session;
use super::throttle::LoginThrottle;
use super::{Permission, repo};
use crate::audit::{self, Action, Actor, Entry};
use crate::db;
use crate::error::{AppError, AppResult};

/// Failed logins counted within this window...
pub const FAILURE_WINDOW_MINUTES: i32 = 15;
/// ...lock the account once they reach this many...
pub const MAX_FAILURES: i64 = 5;
/// ...for this long, doubled on each repeat until a successful login...
pub const BASE_LOCKOUT_MINUTES: i32 = 15;
/// ...up to an hour (15 min × 2²): a lockout slows guessing; it must not keep staff out all day.
const MAX_DOUBLINGS: i32 = 2;
/// How long a lockout lasts after `repeats` earlier ones since the last good sign-in: the one
/// rule for the server's lockouts and a desk's without it.
pub fn lockout_minutes(repeats: i32) -> i32 {
    BASE_LOCKOUT_MINUTES << repeats.clamp(0, MAX_DOUBLINGS)
}

/// The longest username the login looks up; anything longer is not a username (a password typed
/// into the wrong box, or noise) and is neither looked up nor stored.
pub const MAX_USERNAME: usize = 64;

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
///
/// An unknown username, a wrong password and a locked account cost the same time (one password
/// hash check) and get the same answer, `InvalidCredentials`; only the right password for a
/// locked account hears `LockedOut` with its time. Unknown usernames are audited as a marker and
/// a short digest, never as typed. The last active admin is never locked out: past the threshold
/// each failure only waits (see `LoginThrottle`), so nobody at the login screen can keep the clinic
/// out of its own administration.
#[tracing::instrument(skip_all, fields(purpose = ?purpose))]
pub async fn authenticate(desk: &Desk, username: &str, password: &str, purpose: Purpose) -> AppResult<Session> {
    let (ok_action, fail_action) = purpose.actions();
    let username = username.trim().to_lowercase();
    let lookable = crate::validate::text(&username, "username", MAX_USERNAME).is_ok()
        && crate::validate::text(password, "password", super::password::MAX_LEN).is_ok();
    let mut tx = desk.pool.begin().await?;
    let found = if lookable { repo::credentials_for_update(&mut tx, &username).await? } else { None };
    let Some(cred) = found else {
        password::burn_time(password).await;
        let actor = Actor { user_id: None, username: None, desk: desk.name.clone() };
        // A digest short enough to say "the same text again", too short to hold what was typed.
        let typed = &audit::digest(&username)[..8];
        let entry = Entry {
            action: fail_action,
            entity: "user",
            entity_id: None,
            before: None,
            after: Some(json!({"reason": "unknown_user", "typed": typed})),
        };
        audit::record(&mut *tx, &actor, entry).await?;
        tx.commit().await?;
        tokio::time::sleep(desk.throttle.failed()).await;
        return Err(AppError::InvalidCredentials);
    };
    let actor = Actor::user(cred.id, &cred.username, &desk.name);
    let verified = password::verify(password, &cred.password_hash).await?;

    if let Some(until) = cred.locked_until.filter(|u| *u > cred.now) {
        let entry = Entry::new(fail_action, "user", cred.id).after(&json!({"reason": "locked_out"}));
        audit::record(&mut *tx, &actor, entry).await?;
        tx.commit().await?;
        if verified.ok && cred.active {
            return Err(AppError::LockedOut { until: until.to_rfc3339() });
        }
        tokio::time::sleep(desk.throttle.failed()).await;
        return Err(AppError::InvalidCredentials);
    }

    if !verified.ok || !cred.active {
        let reason = if verified.ok { "inactive" } else { "wrong_password" };
        let wait =
            failed_attempt(&mut tx, &desk.throttle, &actor, fail_action, cred.id, cred.lockout_count, reason).await?;
        tx.commit().await?;
        tokio::time::sleep(wait).await;
        return Err(AppError::InvalidCredentials);
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

/// A wrong password for a known account: audited, counted, and at the threshold the account is
/// locked (the last active admin only slowed). Returns how long to wait before answering.
async fn failed_attempt(
    tx: &mut sqlx::PgConnection,
    throttle: &LoginThrottle,
    actor: &Actor,
    action: Action,
    user_id: Uuid,
    lockout_count: i32,
    reason: &str,
) -> AppResult<std::time::Duration> {
    audit::record(&mut *tx, actor, Entry::new(action, "user", user_id).after(&json!({"reason": reason}))).await?;
    let failures = repo::add_failure(&mut *tx, user_id, FAILURE_WINDOW_MINUTES).await?;
    let mut wait = throttle.failed();
    if failures >= MAX_FAILURES {
        repo::lock_admins(&mut *tx).await?;
        let admins = repo::active_admins(&mut *tx).await?;
        if admins == [user_id] {
            tracing::warn!(user_id = %user_id, "repeated failures for the last admin: slowed, not locked");
            wait = wait.max(throttle.last_admin_wait);
        } else {
            let minutes = lockout_minutes(lockout_count);
            let until = repo::lock_out(&mut *tx, user_id, minutes).await?;
            repo::clear_failures(&mut *tx, user_id).await?;
            let entry = Entry::new(Action::UserLockout, "user", user_id)
                .after(&json!({"minutes": minutes, "until": until, "repeat": lockout_count + 1}));
            audit::record(&mut *tx, actor, entry).await?;
            tracing::warn!(user_id = %user_id, minutes, "account locked out after repeated failures");
        }
    }
    Ok(wait)
}

/// Audits the end of `session` on this desk.
pub async fn record_logout(desk: &Desk, session: &Session) -> AppResult<()> {
    let actor = Actor::user(session.user_id, &session.username, &desk.name);
    audit::record(&desk.pool, &actor, Entry::new(Action::Logout, "user", session.user_id)).await
}

/// Re-reads what the user may do. `None` means the session must end (user gone or deactivated).
/// The guard calls it, before any `Ctx` exists.
pub async fn current_grants(pool: &PgPool, user_id: Uuid) -> AppResult<Option<(Vec<Permission>, Duration)>> {
    Ok(repo::grants(pool, user_id).await?.filter(|g| g.active).map(|g| {
        (effective_permissions(g.builtin.as_deref(), &g.permissions), Duration::minutes(g.idle_lock_minutes.into()))
    }))
}

/// Whether the signed-in user holds the admin role itself (not only permissions).
async fn is_admin(ctx: &Ctx, db: impl sqlx::PgExecutor<'_>) -> AppResult<bool> {
    Ok(repo::grants(db, ctx.session.user_id).await?.is_some_and(|g| g.builtin.as_deref() == Some("admin")))
}

/// Nobody hands out more than they hold: a role given to an account, or permissions given to a
/// role, must be within the giver's own; only an admin gives the admin role.
async fn may_give(
    ctx: &Ctx,
    db: &mut sqlx::PgConnection,
    role_is_admin: bool,
    permissions: &[Permission],
    field: &str,
) -> AppResult<()> {
    if is_admin(ctx, &mut *db).await? {
        return Ok(());
    }
    if role_is_admin {
        return Err(AppError::validation(field, "admin_only"));
    }
    if permissions.iter().any(|p| !ctx.session.permissions.contains(p)) {
        return Err(AppError::validation(field, "beyond_own"));
    }
    Ok(())
}

/// Nobody takes power from an account they manage: resetting its password, changing its role or
/// deactivating it needs every permission it holds (an admin's account is an admin's). Otherwise
/// the refusal is audited (committed on its own, the change refused) and answered naming `field`.
async fn may_manage(
    ctx: &Ctx,
    db: &mut sqlx::PgConnection,
    target: Uuid,
    action: Action,
    field: &str,
) -> AppResult<()> {
    if is_admin(ctx, &mut *db).await? {
        return Ok(());
    }
    let grants = repo::grants(&mut *db, target).await?.ok_or_else(|| AppError::not_found("user"))?;
    let held = effective_permissions(grants.builtin.as_deref(), &grants.permissions);
    let missing: Vec<&str> = held.iter().filter(|p| !ctx.session.permissions.contains(p)).map(|p| p.key()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let entry = Entry::new(Action::AccessRefused, "user", target)
        .after(&json!({"action": action, "reason": "holds_more", "missing": missing}));
    audit::record(&ctx.pool, &ctx.actor, entry).await?;
    Err(AppError::validation(
        field,
        if grants.builtin.as_deref() == Some("admin") { "admin_only" } else { "holds_more" },
    ))
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
    let Some(role) = repo::find_role(&ctx.pool, new.role_id).await? else {
        return Err(AppError::validation("roleId", "unknown_role"));
    };
    may_give(ctx, &mut *ctx.pool.acquire().await?, role.is_admin(), &role.permissions, "roleId").await?;
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
    // An admin's account is an admin's to change; a role is given within the giver's own.
    if (input.role_id, input.active) != (before.role_id, before.active) {
        let field = if input.role_id != before.role_id { "roleId" } else { "active" };
        may_manage(ctx, &mut tx, input.id, Action::UserUpdate, field).await?;
    }
    let touches_admin = role.is_admin() || admins.contains(&input.id);
    may_give(ctx, &mut tx, touches_admin, &role.permissions, "roleId").await?;
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
    // Setting a password is taking the account: only for someone who already holds all it may do.
    may_manage(ctx, &mut *ctx.pool.acquire().await?, user_id, Action::UserPasswordReset, "password").await?;
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
pub async fn change_own_password(
    ctx: &Ctx,
    throttle: &LoginThrottle,
    current: &str,
    new_password: String,
) -> AppResult<()> {
    let (user_id, username) = (ctx.session.user_id, &ctx.session.username);
    let mut tx = ctx.pool.begin().await?;
    let cred = repo::credentials_for_update(&mut tx, username).await?.ok_or(AppError::Unauthorized)?;
    if !password::verify(current, &cred.password_hash).await?.ok {
        // A guess like any other: audited and counted toward the lockout.
        let action = Action::UserPasswordChangeFailure;
        let wait = failed_attempt(&mut tx, throttle, &ctx.actor, action, user_id, cred.lockout_count, "wrong_password")
            .await?;
        tx.commit().await?;
        tokio::time::sleep(wait).await;
        return Err(AppError::validation("currentPassword", "wrong_password"));
    }
    drop(tx);
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
    may_give(ctx, &mut tx, false, &request.permissions, "permissions").await?;
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
    let added: Vec<Permission> =
        input.permissions.iter().filter(|p| !before.permissions.contains(p)).copied().collect();
    may_give(ctx, &mut tx, false, &added, "permissions").await?;
    repo::update_role(&mut *tx, input.id, &name, &input.permissions).await?;
    let after = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::RoleUpdate, "role", input.id).before(&before).after(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}
