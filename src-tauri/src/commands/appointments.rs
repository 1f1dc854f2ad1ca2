use crate::commands::arg::Arg;
use chrono::{DateTime, Utc};
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::appointments::model::{
    AgendaPage, Appointment, BookInput, RescheduleInput, SeriesInput, SeriesOutcome, Slot, SlotQuery, Status,
};
use podoclinic_clinic::appointments::service;
use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_desk::state::AppState;

/// Appointments between two instants, optionally for some podiatrists (calendar views), in the
/// calendar's compact form.
#[tauri::command]
#[specta::specta]
pub async fn list_agenda(
    state: State<'_, AppState>,
    from: Arg<DateTime<Utc>>,
    to: Arg<DateTime<Utc>>,
    podiatrist_ids: Arg<Option<Vec<Uuid>>>,
) -> AppResult<AgendaPage> {
    let from = from.0;
    let to = to.0;
    let podiatrist_ids = podiatrist_ids.0;
    state
        .run_or_store(
            Permission::AppointmentsRead,
            (from, to, podiatrist_ids),
            |ctx, (from, to, podiatrist_ids)| async move { service::agenda(&ctx, from, to, podiatrist_ids).await },
            |store, (from, to, podiatrist_ids)| async move { store.agenda(from, to, podiatrist_ids.as_deref()).await },
        )
        .await
}

/// One appointment, whole (the calendar's details panel).
#[tauri::command]
#[specta::specta]
pub async fn get_appointment(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<Appointment> {
    let id = id.0;
    state
        .run_or_store(
            Permission::AppointmentsRead,
            id,
            |ctx, id| async move { service::find(&ctx, id).await },
            |store, id| async move { store.appointment(id).await },
        )
        .await
}

/// Today's appointments in the clinic's time zone.
#[tauri::command]
#[specta::specta]
pub async fn list_today(state: State<'_, AppState>) -> AppResult<Vec<Appointment>> {
    state
        .run_or_store(
            Permission::AppointmentsRead,
            (),
            |ctx, ()| async move { service::today(&ctx).await },
            |store, ()| async move { store.today().await },
        )
        .await
}

/// A patient's appointment history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_patient_appointments(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
) -> AppResult<Vec<Appointment>> {
    let patient_id = patient_id.0;
    state
        .run(Permission::AppointmentsRead, patient_id, |ctx, patient_id| async move {
            service::for_patient(&ctx, patient_id).await
        })
        .await
}

/// Free slots for a duration, of one podiatrist or any.
#[tauri::command]
#[specta::specta]
pub async fn find_slots(state: State<'_, AppState>, query: Arg<SlotQuery>) -> AppResult<Vec<Slot>> {
    let query = query.0;
    state
        .run(Permission::AppointmentsRead, query, |ctx, query| async move { service::find_slots(&ctx, query).await })
        .await
}

/// Books an appointment. A clash is "slot taken" naming the appointment in the way.
#[tauri::command]
#[specta::specta]
pub async fn book_appointment(state: State<'_, AppState>, input: Arg<BookInput>) -> AppResult<Appointment> {
    let input = input.0;
    state
        .run_or_outbox(
            Permission::AppointmentsWrite,
            input,
            |ctx, input| async move { service::book(&ctx, input).await },
            |outbox, input| async move { outbox.book(input).await },
        )
        .await
}

/// Books a recurring series; reports each date that clashed.
#[tauri::command]
#[specta::specta]
pub async fn book_series(state: State<'_, AppState>, input: Arg<SeriesInput>) -> AppResult<SeriesOutcome> {
    let input = input.0;
    state
        .run(Permission::AppointmentsWrite, input, |ctx, input| async move { service::book_series(&ctx, input).await })
        .await
}

/// Moves an appointment to another time or podiatrist.
#[tauri::command]
#[specta::specta]
pub async fn reschedule_appointment(state: State<'_, AppState>, input: Arg<RescheduleInput>) -> AppResult<Appointment> {
    let input = input.0;
    state
        .run_or_outbox(
            Permission::AppointmentsWrite,
            input,
            |ctx, input| async move { service::reschedule(&ctx, input).await },
            |outbox, input| async move { outbox.reschedule(input).await },
        )
        .await
}

/// Moves an appointment along the workflow (arrived, in consultation, completed, no-show…).
#[tauri::command]
#[specta::specta]
pub async fn set_appointment_status(
    state: State<'_, AppState>,
    id: Arg<Uuid>,
    status: Arg<Status>,
) -> AppResult<Appointment> {
    let id = id.0;
    let status = status.0;
    state
        .run_or_outbox(
            Permission::AppointmentsWrite,
            (id, status),
            |ctx, (id, status)| async move { service::set_status(&ctx, id, status).await },
            |outbox, (id, status)| async move { outbox.set_status(id, status).await },
        )
        .await
}

/// Cancels an appointment with a reason.
#[tauri::command]
#[specta::specta]
pub async fn cancel_appointment(
    state: State<'_, AppState>,
    id: Arg<Uuid>,
    reason: Arg<String>,
) -> AppResult<Appointment> {
    let id = id.0;
    let reason = reason.0;
    state
        .run_or_outbox(
            Permission::AppointmentsWrite,
            (id, reason),
            |ctx, (id, reason)| async move { service::cancel(&ctx, id, &reason).await },
            |outbox, (id, reason)| async move { outbox.cancel(id, reason).await },
        )
        .await
}
