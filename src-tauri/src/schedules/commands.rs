use tauri::State;
use uuid::Uuid;

use super::model::{ExceptionInput, Schedule, ScheduleBlock, ScheduleException};
use super::service;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// A podiatrist's weekly blocks and upcoming time off.
#[tauri::command]
#[specta::specta]
pub async fn get_schedule(state: State<'_, AppState>, podiatrist_id: Uuid) -> AppResult<Schedule> {
    let ctx = require(&state, Permission::SchedulesRead).await?;
    state.observe(service::get(&ctx.pool, podiatrist_id).await)
}

/// Replaces a podiatrist's weekly working blocks.
#[tauri::command]
#[specta::specta]
pub async fn set_weekly_schedule(
    state: State<'_, AppState>,
    podiatrist_id: Uuid,
    blocks: Vec<ScheduleBlock>,
) -> AppResult<Schedule> {
    let ctx = require(&state, Permission::SchedulesWrite).await?;
    state.observe(service::set_weekly(&ctx.pool, &ctx.actor, podiatrist_id, blocks).await)
}

/// Records time off (vacation, sick, course) or a clinic holiday.
#[tauri::command]
#[specta::specta]
pub async fn add_schedule_exception(state: State<'_, AppState>, input: ExceptionInput) -> AppResult<ScheduleException> {
    let ctx = require(&state, Permission::SchedulesWrite).await?;
    state.observe(service::add_exception(&ctx.pool, &ctx.actor, input).await)
}

/// Removes a time-off entry.
#[tauri::command]
#[specta::specta]
pub async fn remove_schedule_exception(state: State<'_, AppState>, id: Uuid) -> AppResult<()> {
    let ctx = require(&state, Permission::SchedulesWrite).await?;
    state.observe(service::remove_exception(&ctx.pool, &ctx.actor, id).await)
}
