use crate::commands::arg::Arg;
use chrono::NaiveDate;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::appointments::model::{Appointment, ReminderOutcome};
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::reminders::model::{Attendance, Reminder};
use podoclinic_clinic::reminders::service;
use podoclinic_desk::state::AppState;

/// A day's appointments to remind, with each patient's phone and message (the list of phones is a
/// patient read: it asks for `patients.read`).
#[tauri::command]
#[specta::specta]
pub async fn list_reminders(state: State<'_, AppState>, day: Arg<NaiveDate>) -> AppResult<Vec<Reminder>> {
    let day = day.0;
    state.run(Permission::PatientsRead, day, |ctx, day| async move { service::for_day(&ctx, day).await }).await
}

/// What the patient answered: confirmed, no answer, or cancelled (which frees the slot).
#[tauri::command]
#[specta::specta]
pub async fn mark_reminder(
    state: State<'_, AppState>,
    id: Arg<Uuid>,
    outcome: Arg<ReminderOutcome>,
) -> AppResult<Appointment> {
    let id = id.0;
    let outcome = outcome.0;
    state
        .run(Permission::AppointmentsWrite, (id, outcome), |ctx, (id, outcome)| async move {
            appointments::mark_reminder(&ctx, id, outcome).await
        })
        .await
}

/// Opens WhatsApp (in the system's browser) with the appointment's reminder written to the
/// patient. The link is built here from the stored appointment; it is also returned.
#[tauri::command]
#[specta::specta]
pub async fn open_reminder(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<String> {
    let id = id.0;
    let link =
        state.run(Permission::AppointmentsWrite, id, |ctx, id| async move { service::link(&ctx, id).await }).await?;
    let url = link.clone();
    tokio::task::spawn_blocking(move || opener::open_browser(&url)).await?.map_err(AppError::internal)?;
    Ok(link)
}

/// Records that a patient does not (or again does) want reminders.
#[tauri::command]
#[specta::specta]
pub async fn set_reminders_opt_out(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
    opt_out: Arg<bool>,
) -> AppResult<()> {
    let patient_id = patient_id.0;
    let opt_out = opt_out.0;
    state
        .run(Permission::PatientsWrite, (patient_id, opt_out), |ctx, (patient, opt_out)| async move {
            service::set_opt_out(&ctx, patient, opt_out).await
        })
        .await
}

/// A patient's missed and attended visits (shown when booking).
#[tauri::command]
#[specta::specta]
pub async fn get_patient_attendance(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<Attendance> {
    let patient_id = patient_id.0;
    state
        .run(Permission::AppointmentsRead, patient_id, |ctx, patient| async move {
            service::attendance(&ctx, patient).await
        })
        .await
}
