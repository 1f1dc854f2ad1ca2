//! Login, lockout, first-run admin, and the management of users and roles.

use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{FirstAdminInput, NewUser, NewUserInput, Role, RoleInput, User, UserUpdateInput};
use super::model::{effective_permissions, parse_display_name, parse_role_name};
use super::password::{self, Password};
use super::session::Session;
use super::{Permission, repo};
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, AppResult};

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
    fn actions(self) -> (&'static str, &'static str) {
        match self {
            Purpose::Login => ("login.success", "login.failure"),
            Purpose::Unlock => ("session.unlock", "session.unlock_failure"),
        }
    }
}

/// True while the clinic has no accounts: the UI then shows the create-admin screen.
pub async fn needs_first_admin(pool: &PgPool) -> AppResult<bool> {
    Ok(!repo::any_user(pool).await?)
}

/// Creates the first account, with the admin role. Refused once any account exists, even when two
/// desks try at the same moment.
#[tracing::instrument(skip_all)]
pub async fn create_first_admin(pool: &PgPool, desk: &str, input: FirstAdminInput) -> AppResult<User> {
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
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('podoclinic.first_admin'))").execute(&mut *tx).await?;
    if repo::any_user(&mut *tx).await? {
        return Err(AppError::conflict("already_initialized", None));
    }
    repo::insert_user(&mut *tx, new.id, &new.username, &new.display_name, &hash, admin_role).await?;
    let user = repo::find_user(&mut *tx, new.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    let actor = Actor::user(user.id, &user.username, desk);
    audit::record(&mut *tx, &actor, Entry::new("user.create_first_admin", "user", user.id).after(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

/// Checks a username and password, applying the shared lockout. On success returns a new session.
#[tracing::instrument(skip_all, fields(purpose = ?purpose))]
pub async fn authenticate(
    pool: &PgPool,
    desk: &str,
    username: &str,
    password: &str,
    purpose: Purpose,
) -> AppResult<Session> {
    let (ok_action, fail_action) = purpose.actions();
    let username = username.trim().to_lowercase();
    let mut tx = pool.begin().await?;
    let Some(cred) = repo::credentials_for_update(&mut tx, &username).await? else {
        password::burn_time(password).await;
        let actor = Actor { user_id: None, username: Some(username.clone()), desk: desk.into() };
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
    let actor = Actor::user(cred.id, &cred.username, desk);

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
            let entry = Entry::new("user.lockout", "user", cred.id)
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
        audit::record(&mut *tx, &actor, Entry::new("user.password_rehash", "user", cred.id)).await?;
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

pub async fn record_logout(pool: &PgPool, actor: &Actor) -> AppResult<()> {
    let id = actor.user_id.map(|u| u.to_string()).unwrap_or_default();
    audit::record(pool, actor, Entry::new("logout", "user", id)).await
}

/// Re-reads what the user may do. `None` means the session must end (user gone or deactivated).
pub async fn current_grants(pool: &PgPool, user_id: Uuid) -> AppResult<Option<(Vec<Permission>, Duration)>> {
    Ok(repo::grants(pool, user_id).await?.filter(|g| g.active).map(|g| {
        (effective_permissions(g.builtin.as_deref(), &g.permissions), Duration::minutes(g.idle_lock_minutes.into()))
    }))
}

pub async fn list_users(pool: &PgPool) -> AppResult<Vec<User>> {
    repo::list_users(pool).await
}

/// Creates an account. Re-sending the same id with the same content returns the stored account;
/// the same id with different content is refused.
#[tracing::instrument(skip_all)]
pub async fn create_user(pool: &PgPool, actor: &Actor, input: NewUserInput) -> AppResult<User> {
    let new = NewUser::parse(input)?;
    if repo::find_role(pool, new.role_id).await?.is_none() {
        return Err(AppError::validation("roleId", "unknown_role"));
    }
    if let Some(existing) = repo::find_user(pool, new.id).await? {
        return same_user_or_conflict(existing, &new);
    }
    let hash = password::hash(new.password.expose()).await?;
    let mut tx = pool.begin().await?;
    if !repo::insert_user(&mut *tx, new.id, &new.username, &new.display_name, &hash, new.role_id).await? {
        // Another desk (or a replay) created it between our check and our insert.
        drop(tx);
        let existing = repo::find_user(pool, new.id).await?.ok_or_else(|| AppError::not_found("user"))?;
        return same_user_or_conflict(existing, &new);
    }
    let user = repo::find_user(&mut *tx, new.id).await?.ok_or_else(|| AppError::not_found("user"))?;
    audit::record(&mut *tx, actor, Entry::new("user.create", "user", user.id).after(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

fn same_user_or_conflict(existing: User, new: &NewUser) -> AppResult<User> {
    if existing.username == new.username && existing.display_name == new.display_name && existing.role_id == new.role_id
    {
        Ok(existing)
    } else {
        Err(AppError::conflict("id_reused", None))
    }
}

/// Edits name, role and active flag. The clinic always keeps at least one active admin.
#[tracing::instrument(skip_all)]
pub async fn update_user(pool: &PgPool, actor: &Actor, input: UserUpdateInput) -> AppResult<User> {
    let display_name = parse_display_name(&input.display_name)?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('podoclinic.admins'))").execute(&mut *tx).await?;
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
    audit::record(&mut *tx, actor, Entry::new("user.update", "user", input.id).before(&before).after(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a new password for another user (admin) and lifts any lockout.
#[tracing::instrument(skip_all)]
pub async fn reset_password(pool: &PgPool, actor: &Actor, user_id: Uuid, new_password: String) -> AppResult<()> {
    let user = repo::find_user(pool, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    let password = Password::parse(new_password, "password", &user.username)?;
    let hash = password::hash(password.expose()).await?;
    let mut tx = pool.begin().await?;
    repo::set_password_hash(&mut *tx, user_id, &hash).await?;
    repo::clear_failures(&mut *tx, user_id).await?;
    repo::reset_lockout(&mut *tx, user_id, false).await?;
    audit::record(&mut *tx, actor, Entry::new("user.password_reset", "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in user changes their own password; the current one must be given.
#[tracing::instrument(skip_all)]
pub async fn change_own_password(pool: &PgPool, actor: &Actor, current: &str, new_password: String) -> AppResult<()> {
    let user_id = actor.user_id.ok_or(AppError::Unauthorized)?;
    let username = actor.username.clone().unwrap_or_default();
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await?;
    if !password::verify(current, &stored).await?.ok {
        return Err(AppError::validation("currentPassword", "wrong_password"));
    }
    let password = Password::parse(new_password, "newPassword", &username)?;
    let hash = password::hash(password.expose()).await?;
    let mut tx = pool.begin().await?;
    repo::set_password_hash(&mut *tx, user_id, &hash).await?;
    audit::record(&mut *tx, actor, Entry::new("user.password_change", "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Lifts a lockout before it runs out (admin).
#[tracing::instrument(skip_all)]
pub async fn unlock_user(pool: &PgPool, actor: &Actor, user_id: Uuid) -> AppResult<User> {
    let mut tx = pool.begin().await?;
    let before = repo::find_user(&mut *tx, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    repo::clear_failures(&mut *tx, user_id).await?;
    repo::reset_lockout(&mut *tx, user_id, false).await?;
    let after = repo::find_user(&mut *tx, user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
    audit::record(&mut *tx, actor, Entry::new("user.unlock", "user", user_id).before(&before).after(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn list_roles(pool: &PgPool) -> AppResult<Vec<Role>> {
    repo::list_roles(pool).await
}

/// Creates a role, idempotently by id like `create_user`.
#[tracing::instrument(skip_all)]
pub async fn create_role(pool: &PgPool, actor: &Actor, input: RoleInput) -> AppResult<Role> {
    let name = parse_role_name(&input.name)?;
    let mut permissions = input.permissions.clone();
    permissions.sort();
    permissions.dedup();
    let mut tx = pool.begin().await?;
    if !repo::insert_role(&mut *tx, input.id, &name, &permissions).await? {
        let existing = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
        return if existing.name == name && existing.permissions == permissions && existing.builtin.is_none() {
            Ok(existing)
        } else {
            Err(AppError::conflict("id_reused", None))
        };
    }
    let role = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    audit::record(&mut *tx, actor, Entry::new("role.create", "role", role.id).after(&role)).await?;
    tx.commit().await?;
    Ok(role)
}

/// Renames a role or changes its permissions. The admin role is fixed: it always has everything.
#[tracing::instrument(skip_all)]
pub async fn update_role(pool: &PgPool, actor: &Actor, input: RoleInput) -> AppResult<Role> {
    let name = parse_role_name(&input.name)?;
    let mut tx = pool.begin().await?;
    let before = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    if before.is_admin() {
        return Err(AppError::conflict("admin_role_fixed", None));
    }
    repo::update_role(&mut *tx, input.id, &name, &input.permissions).await?;
    let after = repo::find_role(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("role"))?;
    audit::record(&mut *tx, actor, Entry::new("role.update", "role", input.id).before(&before).after(&after)).await?;
    tx.commit().await?;
    Ok(after)
}
