use chrono::{DateTime, Utc};
use tauri::State;
use uuid::Uuid;

use super::model::{
    AgendaPage, Appointment, BookInput, RescheduleInput, SeriesInput, SeriesOutcome, Slot, SlotQuery, Status,
};
use super::service;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Appointments between two instants, optionally for some podiatrists (calendar views), in the
/// calendar's compact form.
#[tauri::command]
#[specta::specta]
pub async fn list_agenda(
    state: State<'_, AppState>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    podiatrist_ids: Option<Vec<Uuid>>,
) -> AppResult<AgendaPage> {
    let ctx = require(&state, Permission::AppointmentsRead).await?;
    state.observe(service::agenda(&ctx.pool, from, to, podiatrist_ids).await)
}

/// One appointment, whole (the calendar's details panel).
#[tauri::command]
#[specta::specta]
pub async fn get_appointment(state: State<'_, AppState>, id: Uuid) -> AppResult<Appointment> {
    let ctx = require(&state, Permission::AppointmentsRead).await?;
    state.observe(service::find(&ctx.pool, id).await)
}

/// Today's appointments in the clinic's time zone.
#[tauri::command]
#[specta::specta]
pub async fn list_today(state: State<'_, AppState>) -> AppResult<Vec<Appointment>> {
    let ctx = require(&state, Permission::AppointmentsRead).await?;
    state.observe(service::today(&ctx.pool).await)
}

/// A patient's appointment history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_patient_appointments(state: State<'_, AppState>, patient_id: Uuid) -> AppResult<Vec<Appointment>> {
    let ctx = require(&state, Permission::AppointmentsRead).await?;
    state.observe(service::for_patient(&ctx.pool, patient_id).await)
}

/// Free slots for a duration, of one podiatrist or any.
#[tauri::command]
#[specta::specta]
pub async fn find_slots(state: State<'_, AppState>, query: SlotQuery) -> AppResult<Vec<Slot>> {
    let ctx = require(&state, Permission::AppointmentsRead).await?;
    state.observe(service::find_slots(&ctx.pool, query).await)
}

/// Books an appointment. A clash is "slot taken" naming the appointment in the way.
#[tauri::command]
#[specta::specta]
pub async fn book_appointment(state: State<'_, AppState>, input: BookInput) -> AppResult<Appointment> {
    let ctx = require(&state, Permission::AppointmentsWrite).await?;
    state.observe(service::book(&ctx, input).await)
}

/// Books a recurring series; reports each date that clashed.
#[tauri::command]
#[specta::specta]
pub async fn book_series(state: State<'_, AppState>, input: SeriesInput) -> AppResult<SeriesOutcome> {
    let ctx = require(&state, Permission::AppointmentsWrite).await?;
    state.observe(service::book_series(&ctx, input).await)
}

/// Moves an appointment to another time or podiatrist.
#[tauri::command]
#[specta::specta]
pub async fn reschedule_appointment(state: State<'_, AppState>, input: RescheduleInput) -> AppResult<Appointment> {
    let ctx = require(&state, Permission::AppointmentsWrite).await?;
    state.observe(service::reschedule(&ctx, input).await)
}

/// Moves an appointment along the workflow (arrived, in consultation, completed, no-show…).
#[tauri::command]
#[specta::specta]
pub async fn set_appointment_status(state: State<'_, AppState>, id: Uuid, status: Status) -> AppResult<Appointment> {
    let ctx = require(&state, Permission::AppointmentsWrite).await?;
    state.observe(service::set_status(&ctx, id, status).await)
}

/// Cancels an appointment with a reason.
#[tauri::command]
#[specta::specta]
pub async fn cancel_appointment(state: State<'_, AppState>, id: Uuid, reason: String) -> AppResult<Appointment> {
    let ctx = require(&state, Permission::AppointmentsWrite).await?;
    state.observe(service::cancel(&ctx, id, &reason).await)
}
