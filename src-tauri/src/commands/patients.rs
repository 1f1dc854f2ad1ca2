use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::patients::model::{CreatePatientOutcome, Patient, PatientSummary};
use podoclinic_clinic::patients::service;
use podoclinic_desk::state::AppState;

/// Patients by any part of the name or phone, as the user types: from the desk's directory, with
/// the server or without it.
#[tauri::command]
#[specta::specta]
pub async fn search_patients(state: State<'_, AppState>, query: Arg<String>) -> AppResult<Vec<PatientSummary>> {
    podoclinic_desk::search::search_patients(&state, query.0).await
}

/// One patient's record.
#[tauri::command]
#[specta::specta]
pub async fn get_patient(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<Patient> {
    let id = id.0;
    state.run(Permission::PatientsRead, id, |ctx, id| async move { service::get(&ctx, id).await }).await
}

/// Creates a patient; likely duplicates are returned instead unless `allowDuplicate`.
#[tauri::command]
#[specta::specta]
pub async fn create_patient(
    state: State<'_, AppState>,
    patient: Arg<Patient>,
    allow_duplicate: Arg<bool>,
) -> AppResult<CreatePatientOutcome> {
    let patient = patient.0;
    let allow_duplicate = allow_duplicate.0;
    state
        .run_or_outbox(
            Permission::PatientsWrite,
            (patient, allow_duplicate),
            |ctx, (patient, allow_duplicate)| async move { service::create(&ctx, patient, allow_duplicate).await },
            |outbox, (patient, allow_duplicate)| async move { outbox.create_patient(patient, allow_duplicate).await },
        )
        .await
}

/// Saves changes to a patient's record.
#[tauri::command]
#[specta::specta]
pub async fn update_patient(state: State<'_, AppState>, patient: Arg<Patient>) -> AppResult<Patient> {
    let patient = patient.0;
    state
        .run_or_outbox(
            Permission::PatientsWrite,
            patient,
            |ctx, patient| async move { service::update(&ctx, patient).await },
            |outbox, patient| async move { outbox.update_patient(patient).await },
        )
        .await
}

/// Archives (`archived: true`) or restores a patient.
#[tauri::command]
#[specta::specta]
pub async fn archive_patient(state: State<'_, AppState>, id: Arg<Uuid>, archived: Arg<bool>) -> AppResult<Patient> {
    let id = id.0;
    let archived = archived.0;
    state
        .run(Permission::PatientsWrite, (id, archived), |ctx, (id, archived)| async move {
            service::set_archived(&ctx, id, archived).await
        })
        .await
}
