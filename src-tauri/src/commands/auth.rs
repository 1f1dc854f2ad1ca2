//! The auth commands: thin wrappers that check the session/permission and call the service.

use crate::commands::arg::Arg;
use chrono::Utc;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::model::{
    FirstAdminInput, LoginInput, NewUserInput, Role, RoleInput, User, UserUpdateInput,
};
use podoclinic_clinic::auth::service::{self, Purpose};
use podoclinic_clinic::auth::{Permission, SessionInfo};
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::sign_in;

/// True when the clinic has no accounts yet: show the create-admin screen.
#[tauri::command]
#[specta::specta]
pub async fn needs_first_admin(state: State<'_, AppState>) -> AppResult<bool> {
    state.run_before_session((), |desk, ()| async move { service::needs_first_admin(&desk).await }).await
}

/// Creates the clinic's first account (admin). Refused once any account exists.
#[tauri::command]
#[specta::specta]
pub async fn create_first_admin(state: State<'_, AppState>, input: Arg<FirstAdminInput>) -> AppResult<User> {
    let input = input.0;
    state
        .run_before_session(input, |desk, input| async move {
            let user = service::create_first_admin(&desk, input).await?;
            // The demo clinic's three months of history are signed by accounts: they follow the
            // first one, so a new clinic's first look already has days to show.
            if podoclinic_desk::demo::enabled()
                && let Err(e) = podoclinic_desk::demo::seed(&desk.pool, &desk.name).await
            {
                tracing::warn!(error = %e, "demo history not seeded");
            }
            Ok(user)
        })
        .await
}

/// Signs in on this desk. Five failures in 15 minutes lock the account on every desk. Without the
/// server, a user who signed in here before may sign in with the same password.
#[tauri::command]
#[specta::specta]
pub async fn login(state: State<'_, AppState>, input: Arg<LoginInput>) -> AppResult<SessionInfo> {
    let input = input.0;
    let checked = sign_in::authenticate(&state, input.username, input.password, Purpose::Login).await?;
    let info = SessionInfo { without_server: !checked.by_server, ..checked.session.info() };
    if checked.by_server {
        state.sessions.start(checked.session);
    } else {
        state.sessions.start_limited(checked.session);
    }
    Ok(info)
}

/// "Conectado de nuevo": the user of a session begun without the server gives the password to the
/// server (a sign-in as any other: failures count toward the lockout). Nothing typed is lost; what
/// the user kept here is sent once confirmed.
#[tauri::command]
#[specta::specta]
pub async fn confirm_password(state: State<'_, AppState>, password: Arg<String>) -> AppResult<SessionInfo> {
    match sign_in::confirm(&state, password.0).await {
        Ok(session) => Ok(session.info()),
        Err(AppError::LockedOut { until }) => {
            state.sessions.end();
            Err(AppError::LockedOut { until })
        }
        Err(e) => Err(e),
    }
}

/// Signs out of this desk (both windows).
#[tauri::command]
#[specta::specta]
pub async fn logout(state: State<'_, AppState>) -> AppResult<()> {
    // A session the server never confirmed writes nothing there in its user's name, not even this.
    let limited = state.sessions.is_limited();
    if let Some(session) = state.sessions.end().filter(|_| !limited) {
        let signed_out = state
            .run_before_session(session, |desk, session| async move { service::record_logout(&desk, &session).await });
        // Signing out never fails for the user; a lost audit line is logged instead.
        if let Err(e) = signed_out.await {
            tracing::warn!(error = %e, "logout not audited");
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
    state.run_signed_in((), |ctx, ()| async move { Ok(ctx.session.info()) }).await
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
pub async fn unlock_session(state: State<'_, AppState>, password: Arg<String>) -> AppResult<SessionInfo> {
    let password = password.0;
    let session = state.sessions.peek().ok_or(AppError::Unauthorized)?;
    let checked = sign_in::authenticate(&state, session.username, password, Purpose::Unlock).await;
    match checked {
        Ok(checked) => {
            // An unlock the server checked also confirms a session begun without it; one checked
            // against the desk's disk alone leaves the session limited, whoever began it.
            if !checked.by_server {
                state.sessions.limit();
            } else if state.sessions.is_limited() {
                state.sessions.confirm(checked.session, Utc::now())?;
            }
            let session = state.sessions.unlock(Utc::now())?;
            Ok(SessionInfo { without_server: state.sessions.is_limited(), ..session.info() })
        }
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
pub async fn change_own_password(
    state: State<'_, AppState>,
    current: Arg<String>,
    new_password: Arg<String>,
) -> AppResult<()> {
    let current = current.0;
    let new_password = new_password.0;
    let throttle = state.login_throttle.clone();
    let typed = new_password.clone();
    state
        .run_signed_in((current, new_password), |ctx, (current, new_password)| {
            let throttle = throttle.clone();
            async move { service::change_own_password(&ctx, &throttle, &current, new_password).await }
        })
        .await?;
    // The new password starts the account's next generation: the desk keeps that key, sealed under
    // it, so what the user keeps through the next outage is proved as the server now expects.
    sign_in::remember_current(&state, &typed).await;
    Ok(())
}

/// Every account, for the admin window.
#[tauri::command]
#[specta::specta]
pub async fn list_users(state: State<'_, AppState>) -> AppResult<Vec<User>> {
    state.run(Permission::UsersManage, (), |ctx, ()| async move { service::list_users(&ctx).await }).await
}

/// Creates an account. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_user(state: State<'_, AppState>, input: Arg<NewUserInput>) -> AppResult<User> {
    let input = input.0;
    state.run(Permission::UsersManage, input, |ctx, input| async move { service::create_user(&ctx, input).await }).await
}

/// Edits an account's name, role and active flag.
#[tauri::command]
#[specta::specta]
pub async fn update_user(state: State<'_, AppState>, input: Arg<UserUpdateInput>) -> AppResult<User> {
    let input = input.0;
    state.run(Permission::UsersManage, input, |ctx, input| async move { service::update_user(&ctx, input).await }).await
}

/// Sets a new password for an account and lifts its lockout.
#[tauri::command]
#[specta::specta]
pub async fn reset_user_password(
    state: State<'_, AppState>,
    user_id: Arg<Uuid>,
    password: Arg<String>,
) -> AppResult<()> {
    let user_id = user_id.0;
    let password = password.0;
    state
        .run(Permission::UsersManage, (user_id, password), |ctx, (user_id, password)| async move {
            service::reset_password(&ctx, user_id, password).await
        })
        .await
}

/// Lifts a lockout before it runs out.
#[tauri::command]
#[specta::specta]
pub async fn unlock_user(state: State<'_, AppState>, user_id: Arg<Uuid>) -> AppResult<User> {
    let user_id = user_id.0;
    state
        .run(Permission::UsersManage, user_id, |ctx, user_id| async move { service::unlock_user(&ctx, user_id).await })
        .await
}

/// Every role with its permissions.
#[tauri::command]
#[specta::specta]
pub async fn list_roles(state: State<'_, AppState>) -> AppResult<Vec<Role>> {
    state.run_signed_in((), |ctx, ()| async move { service::list_roles(&ctx).await }).await
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
pub async fn create_role(state: State<'_, AppState>, input: Arg<RoleInput>) -> AppResult<Role> {
    let input = input.0;
    state.run(Permission::RolesManage, input, |ctx, input| async move { service::create_role(&ctx, input).await }).await
}

/// Renames a role or changes its permissions (not the admin role).
#[tauri::command]
#[specta::specta]
pub async fn update_role(state: State<'_, AppState>, input: Arg<RoleInput>) -> AppResult<Role> {
    let input = input.0;
    state.run(Permission::RolesManage, input, |ctx, input| async move { service::update_role(&ctx, input).await }).await
}
