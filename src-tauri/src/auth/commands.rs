//! The auth commands: thin wrappers that check the session/permission and call the service.

use chrono::Utc;
use tauri::State;
use uuid::Uuid;

use super::model::{FirstAdminInput, LoginInput, NewUserInput, Role, RoleInput, User, UserUpdateInput};
use super::service::{self, Purpose};
use super::{Permission, SessionInfo, require, signed_in};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// True when the clinic has no accounts yet: show the create-admin screen.
#[tauri::command]
#[specta::specta]
pub async fn needs_first_admin(state: State<'_, AppState>) -> AppResult<bool> {
    let pool = state.db()?;
    state.observe(service::needs_first_admin(&pool).await)
}

/// Creates the clinic's first account (admin). Refused once any account exists.
#[tauri::command]
#[specta::specta]
pub async fn create_first_admin(state: State<'_, AppState>, input: FirstAdminInput) -> AppResult<User> {
    let pool = state.db()?;
    state.observe(service::create_first_admin(&pool, &state.desk, input).await)
}

/// Signs in on this desk. Five failures in 15 minutes lock the account on every desk.
#[tauri::command]
#[specta::specta]
pub async fn login(state: State<'_, AppState>, input: LoginInput) -> AppResult<SessionInfo> {
    let pool = state.db()?;
    let session = state
        .observe(service::authenticate(&pool, &state.desk, &input.username, &input.password, Purpose::Login).await)?;
    let info = session.info();
    state.sessions.start(session);
    Ok(info)
}

/// Signs out of this desk (both windows).
#[tauri::command]
#[specta::specta]
pub async fn logout(state: State<'_, AppState>) -> AppResult<()> {
    if let Some(session) = state.sessions.end() {
        let actor = Actor::user(session.user_id, &session.username, &state.desk);
        if let Ok(pool) = state.db() {
            // Signing out never fails for the user; a lost audit line is logged instead.
            if let Err(e) = service::record_logout(&pool, &actor).await {
                tracing::warn!(error = %e, "logout not audited");
            }
        }
    }
    Ok(())
}

/// The session as it stands, without counting as activity. `null` when signed out.
#[tauri::command]
#[specta::specta]
pub async fn current_session(state: State<'_, AppState>) -> AppResult<Option<SessionInfo>> {
    Ok(state.sessions.current(Utc::now()))
}

/// Records user activity (the UI calls it while the user types or clicks).
#[tauri::command]
#[specta::specta]
pub async fn keep_alive(state: State<'_, AppState>) -> AppResult<SessionInfo> {
    Ok(signed_in(&state).await?.session.info())
}

/// Locks the desk now; the same user's password lifts it.
#[tauri::command]
#[specta::specta]
pub async fn lock_session(state: State<'_, AppState>) -> AppResult<()> {
    state.sessions.lock_now();
    Ok(())
}

/// Lifts the idle lock with the signed-in user's password (failures count toward lockout).
#[tauri::command]
#[specta::specta]
pub async fn unlock_session(state: State<'_, AppState>, password: String) -> AppResult<SessionInfo> {
    let session = state.sessions.peek().ok_or(AppError::Unauthorized)?;
    let pool = state.db()?;
    let checked = service::authenticate(&pool, &state.desk, &session.username, &password, Purpose::Unlock).await;
    match state.observe(checked) {
        Ok(_) => Ok(state.sessions.unlock(Utc::now())?.info()),
        Err(AppError::LockedOut { until }) => {
            state.sessions.end();
            Err(AppError::LockedOut { until })
        }
        Err(e) => Err(e),
    }
}

/// Changes the signed-in user's own password.
#[tauri::command]
#[specta::specta]
pub async fn change_own_password(state: State<'_, AppState>, current: String, new_password: String) -> AppResult<()> {
    let ctx = signed_in(&state).await?;
    state.observe(service::change_own_password(&ctx.pool, &ctx.actor, &current, new_password).await)
}

/// Every account, for the admin window.
#[tauri::command]
#[specta::specta]
pub async fn list_users(state: State<'_, AppState>) -> AppResult<Vec<User>> {
    let ctx = require(&state, Permission::UsersManage).await?;
    state.observe(service::list_users(&ctx.pool).await)
}

/// Creates an account. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_user(state: State<'_, AppState>, input: NewUserInput) -> AppResult<User> {
    let ctx = require(&state, Permission::UsersManage).await?;
    state.observe(service::create_user(&ctx.pool, &ctx.actor, input).await)
}

/// Edits an account's name, role and active flag.
#[tauri::command]
#[specta::specta]
pub async fn update_user(state: State<'_, AppState>, input: UserUpdateInput) -> AppResult<User> {
    let ctx = require(&state, Permission::UsersManage).await?;
    state.observe(service::update_user(&ctx.pool, &ctx.actor, input).await)
}

/// Sets a new password for an account and lifts its lockout.
#[tauri::command]
#[specta::specta]
pub async fn reset_user_password(state: State<'_, AppState>, user_id: Uuid, password: String) -> AppResult<()> {
    let ctx = require(&state, Permission::UsersManage).await?;
    state.observe(service::reset_password(&ctx.pool, &ctx.actor, user_id, password).await)
}

/// Lifts a lockout before it runs out.
#[tauri::command]
#[specta::specta]
pub async fn unlock_user(state: State<'_, AppState>, user_id: Uuid) -> AppResult<User> {
    let ctx = require(&state, Permission::UsersManage).await?;
    state.observe(service::unlock_user(&ctx.pool, &ctx.actor, user_id).await)
}

/// Every role with its permissions.
#[tauri::command]
#[specta::specta]
pub async fn list_roles(state: State<'_, AppState>) -> AppResult<Vec<Role>> {
    let ctx = signed_in(&state).await?;
    state.observe(service::list_roles(&ctx.pool).await)
}

/// Every permission a role can hold, in display order.
#[tauri::command]
#[specta::specta]
pub async fn list_permissions() -> Vec<Permission> {
    Permission::ALL.to_vec()
}

/// Creates a role. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_role(state: State<'_, AppState>, input: RoleInput) -> AppResult<Role> {
    let ctx = require(&state, Permission::RolesManage).await?;
    state.observe(service::create_role(&ctx.pool, &ctx.actor, input).await)
}

/// Renames a role or changes its permissions (not the admin role).
#[tauri::command]
#[specta::specta]
pub async fn update_role(state: State<'_, AppState>, input: RoleInput) -> AppResult<Role> {
    let ctx = require(&state, Permission::RolesManage).await?;
    state.observe(service::update_role(&ctx.pool, &ctx.actor, input).await)
}
