use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::schedules::model::{ExceptionInput, Schedule, ScheduleBlock, ScheduleException};
use podoclinic_clinic::schedules::service;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::View;

/// A podiatrist's weekly blocks and upcoming time off.
#[tauri::command]
#[specta::specta]
pub async fn get_schedule(state: State<'_, AppState>, podiatrist_id: Arg<Uuid>) -> AppResult<Schedule> {
    let podiatrist_id = podiatrist_id.0;
    state
        .run_or_store(
            Permission::SchedulesRead,
            podiatrist_id,
            |ctx, podiatrist_id| async move { service::get(&ctx, podiatrist_id).await },
            |store, podiatrist_id| async move { store.view(View::Schedule(podiatrist_id)).await },
        )
        .await
}

/// Replaces a podiatrist's weekly working blocks.
#[tauri::command]
#[specta::specta]
pub async fn set_weekly_schedule(
    state: State<'_, AppState>,
    podiatrist_id: Arg<Uuid>,
    blocks: Arg<Vec<ScheduleBlock>>,
) -> AppResult<Schedule> {
    let podiatrist_id = podiatrist_id.0;
    let blocks = blocks.0;
    state
        .run(Permission::SchedulesWrite, (podiatrist_id, blocks), |ctx, (podiatrist_id, blocks)| async move {
            service::set_weekly(&ctx, podiatrist_id, blocks).await
        })
        .await
}

/// Records time off (vacation, sick, course) or a clinic holiday.
#[tauri::command]
#[specta::specta]
pub async fn add_schedule_exception(
    state: State<'_, AppState>,
    input: Arg<ExceptionInput>,
) -> AppResult<ScheduleException> {
    let input = input.0;
    state
        .run(Permission::SchedulesWrite, input, |ctx, input| async move { service::add_exception(&ctx, input).await })
        .await
}

/// Removes a time-off entry.
#[tauri::command]
#[specta::specta]
pub async fn remove_schedule_exception(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<()> {
    let id = id.0;
    state.run(Permission::SchedulesWrite, id, |ctx, id| async move { service::remove_exception(&ctx, id).await }).await
}
