use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::cash::model::{
    CashMovementInput, CashReport, CashSession, CloseInput, DeskCash, OpenSessionInput, Register,
};
use podoclinic_clinic::cash::service;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::View;

/// This desk's register and its open session, and the registers it could use.
#[tauri::command]
#[specta::specta]
pub async fn get_desk_cash(state: State<'_, AppState>) -> AppResult<DeskCash> {
    state
        .run_or_store(
            Permission::CashOperate,
            (),
            |ctx, ()| async move { service::desk_cash(&ctx).await },
            |store, ()| async move { store.view(View::DeskCash).await },
        )
        .await
}

/// Opens a cash session with its float on a register, which this desk then uses.
#[tauri::command]
#[specta::specta]
pub async fn open_cash_session(state: State<'_, AppState>, input: Arg<OpenSessionInput>) -> AppResult<DeskCash> {
    let input = input.0;
    state.run(Permission::CashOperate, input, |ctx, input| async move { service::open(&ctx, input).await }).await
}

/// Corte X of an open session, or the corte Z of a closed one.
#[tauri::command]
#[specta::specta]
pub async fn get_cash_report(state: State<'_, AppState>, session_id: Arg<Uuid>) -> AppResult<CashReport> {
    let session_id = session_id.0;
    state
        .run(Permission::CashOperate, session_id, |ctx, session_id| async move {
            service::view_report(&ctx, session_id).await
        })
        .await
}

/// A withdrawal, deposit or adjusting entry in this desk's open session.
#[tauri::command]
#[specta::specta]
pub async fn add_cash_movement(state: State<'_, AppState>, input: Arg<CashMovementInput>) -> AppResult<CashReport> {
    let input = input.0;
    state
        .run(Permission::CashOperate, input, |ctx, input| async move { service::add_movement(&ctx, input).await })
        .await
}

/// Corte Z: counted against expected; the session is closed for good.
#[tauri::command]
#[specta::specta]
pub async fn close_cash_session(state: State<'_, AppState>, input: Arg<CloseInput>) -> AppResult<CashReport> {
    let input = input.0;
    state.run(Permission::CashClose, input, |ctx, input| async move { service::close(&ctx, input).await }).await
}

/// Recent sessions of a register, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_cash_sessions(state: State<'_, AppState>, register_id: Arg<Uuid>) -> AppResult<Vec<CashSession>> {
    let register_id = register_id.0;
    state
        .run(Permission::CashOperate, register_id, |ctx, register_id| async move {
            service::sessions(&ctx, register_id).await
        })
        .await
}

/// Every register (admin window).
#[tauri::command]
#[specta::specta]
pub async fn list_cash_registers(state: State<'_, AppState>) -> AppResult<Vec<Register>> {
    state.run(Permission::SettingsManage, (), |ctx, ()| async move { service::registers(&ctx).await }).await
}

/// Adds a register (admin window). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_cash_register(state: State<'_, AppState>, register: Arg<Register>) -> AppResult<Register> {
    let register = register.0;
    state
        .run(Permission::SettingsManage, register, |ctx, register| async move {
            service::create_register(&ctx, register).await
        })
        .await
}

/// Renames or retires a register (admin window).
#[tauri::command]
#[specta::specta]
pub async fn update_cash_register(state: State<'_, AppState>, register: Arg<Register>) -> AppResult<Register> {
    let register = register.0;
    state
        .run(Permission::SettingsManage, register, |ctx, register| async move {
            service::update_register(&ctx, register).await
        })
        .await
}
