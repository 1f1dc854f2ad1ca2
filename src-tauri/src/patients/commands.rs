use tauri::State;
use uuid::Uuid;

use super::model::{CreatePatientOutcome, Patient, PatientSummary};
use super::service;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Patients by any part of the name or phone, as the user types.
#[tauri::command]
#[specta::specta]
pub async fn search_patients(state: State<'_, AppState>, query: String) -> AppResult<Vec<PatientSummary>> {
    let ctx = require(&state, Permission::PatientsRead).await?;
    state.observe(service::search(&ctx.pool, &query).await)
}

/// One patient's record.
#[tauri::command]
#[specta::specta]
pub async fn get_patient(state: State<'_, AppState>, id: Uuid) -> AppResult<Patient> {
    let ctx = require(&state, Permission::PatientsRead).await?;
    state.observe(service::get(&ctx.pool, id).await)
}

/// Creates a patient; likely duplicates are returned instead unless `allowDuplicate`.
#[tauri::command]
#[specta::specta]
pub async fn create_patient(
    state: State<'_, AppState>,
    patient: Patient,
    allow_duplicate: bool,
) -> AppResult<CreatePatientOutcome> {
    let ctx = require(&state, Permission::PatientsWrite).await?;
    state.observe(service::create(&ctx.pool, &ctx.actor, patient, allow_duplicate).await)
}

/// Saves changes to a patient's record.
#[tauri::command]
#[specta::specta]
pub async fn update_patient(state: State<'_, AppState>, patient: Patient) -> AppResult<Patient> {
    let ctx = require(&state, Permission::PatientsWrite).await?;
    state.observe(service::update(&ctx.pool, &ctx.actor, patient).await)
}

/// Archives (`archived: true`) or restores a patient.
#[tauri::command]
#[specta::specta]
pub async fn archive_patient(state: State<'_, AppState>, id: Uuid, archived: bool) -> AppResult<Patient> {
    let ctx = require(&state, Permission::PatientsWrite).await?;
    state.observe(service::set_archived(&ctx.pool, &ctx.actor, id, archived).await)
}
