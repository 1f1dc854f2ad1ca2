use tauri::State;
use uuid::Uuid;

use super::model::{CashReport, CashSession, CloseInput, DeskCash, MovementInput, OpenSessionInput, Register};
use super::{repo, service};
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// This desk's register and its open session, and the registers it could use.
#[tauri::command]
#[specta::specta]
pub async fn get_desk_cash(state: State<'_, AppState>) -> AppResult<DeskCash> {
    let ctx = require(&state, Permission::CashOperate).await?;
    state.observe(service::desk_cash(&ctx.pool, &state.desk).await)
}

/// Opens a cash session with its float on a register, which this desk then uses.
#[tauri::command]
#[specta::specta]
pub async fn open_cash_session(state: State<'_, AppState>, input: OpenSessionInput) -> AppResult<DeskCash> {
    let ctx = require(&state, Permission::CashOperate).await?;
    state.observe(service::open(&ctx, input).await)
}

/// Corte X of an open session, or the corte Z of a closed one.
#[tauri::command]
#[specta::specta]
pub async fn get_cash_report(state: State<'_, AppState>, session_id: Uuid) -> AppResult<CashReport> {
    let ctx = require(&state, Permission::CashOperate).await?;
    state.observe(service::report(&ctx.pool, session_id).await)
}

/// A withdrawal, deposit or adjusting entry in this desk's open session.
#[tauri::command]
#[specta::specta]
pub async fn add_cash_movement(state: State<'_, AppState>, input: MovementInput) -> AppResult<CashReport> {
    let ctx = require(&state, Permission::CashOperate).await?;
    state.observe(service::add_movement(&ctx, input).await)
}

/// Corte Z: counted against expected; the session is closed for good.
#[tauri::command]
#[specta::specta]
pub async fn close_cash_session(state: State<'_, AppState>, input: CloseInput) -> AppResult<CashReport> {
    let ctx = require(&state, Permission::CashClose).await?;
    state.observe(service::close(&ctx, input).await)
}

/// Recent sessions of a register, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_cash_sessions(state: State<'_, AppState>, register_id: Uuid) -> AppResult<Vec<CashSession>> {
    let ctx = require(&state, Permission::CashOperate).await?;
    state.observe(repo::sessions(&ctx.pool, register_id, 60).await)
}

/// Every register (admin window).
#[tauri::command]
#[specta::specta]
pub async fn list_cash_registers(state: State<'_, AppState>) -> AppResult<Vec<Register>> {
    let ctx = require(&state, Permission::SettingsManage).await?;
    state.observe(repo::registers(&ctx.pool).await)
}

/// Adds a register (admin window). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_cash_register(state: State<'_, AppState>, register: Register) -> AppResult<Register> {
    let ctx = require(&state, Permission::SettingsManage).await?;
    state.observe(service::create_register(&ctx, register).await)
}

/// Renames or retires a register (admin window).
#[tauri::command]
#[specta::specta]
pub async fn update_cash_register(state: State<'_, AppState>, register: Register) -> AppResult<Register> {
    let ctx = require(&state, Permission::SettingsManage).await?;
    state.observe(service::update_register(&ctx, register).await)
}
