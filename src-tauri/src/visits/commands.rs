use tauri::State;
use uuid::Uuid;

use super::model::{Visit, VisitInput, VisitSummary};
use super::service;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Opens (and, for a podiatrist, starts) the clinical record of an appointment. Audited.
#[tauri::command]
#[specta::specta]
pub async fn open_visit(state: State<'_, AppState>, appointment_id: Uuid) -> AppResult<Visit> {
    let ctx = require(&state, Permission::ClinicalRead).await?;
    state.observe(service::open(&ctx, appointment_id).await)
}

/// Saves the draft note of a visit.
#[tauri::command]
#[specta::specta]
pub async fn save_visit(state: State<'_, AppState>, input: VisitInput) -> AppResult<Visit> {
    let ctx = require(&state, Permission::ClinicalWrite).await?;
    state.observe(service::save(&ctx, input).await)
}

/// Signs a visit's note: it can never change again; the appointment is completed and the
/// consumables leave stock (`overrideStock`, with its permission, signs despite short stock).
#[tauri::command]
#[specta::specta]
pub async fn sign_visit(state: State<'_, AppState>, id: Uuid, override_stock: bool) -> AppResult<Visit> {
    let ctx = require(&state, Permission::ClinicalWrite).await?;
    state.observe(service::sign(&ctx, id, override_stock).await)
}

/// Adds a correction to a signed note. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn add_visit_addendum(
    state: State<'_, AppState>,
    visit_id: Uuid,
    id: Uuid,
    text: String,
) -> AppResult<Visit> {
    let ctx = require(&state, Permission::ClinicalWrite).await?;
    state.observe(service::add_addendum(&ctx, visit_id, id, text).await)
}

/// A patient's visits, newest first (no clinical content: that needs opening, which is audited).
#[tauri::command]
#[specta::specta]
pub async fn list_patient_visits(state: State<'_, AppState>, patient_id: Uuid) -> AppResult<Vec<VisitSummary>> {
    let ctx = require(&state, Permission::ClinicalRead).await?;
    state.observe(service::for_patient(&ctx, patient_id).await)
}
