use tauri::State;
use uuid::Uuid;

use podoclinic_core::auth::Permission;
use podoclinic_core::error::AppResult;
use podoclinic_core::state::{AppState, Subject};
use podoclinic_core::visits::model::{Visit, VisitInput, VisitSummary};
use podoclinic_core::visits::service;

/// Opens (and, for a podiatrist, starts) the clinical record of an appointment. Audited.
#[tauri::command]
#[specta::specta]
pub async fn open_visit(state: State<'_, AppState>, appointment_id: Uuid) -> AppResult<Visit> {
    state
        .run_on(
            Permission::ClinicalRead,
            on("appointment", appointment_id),
            appointment_id,
            |ctx, appointment_id| async move { service::open(&ctx, appointment_id).await },
        )
        .await
}

/// Saves the draft note of a visit.
#[tauri::command]
#[specta::specta]
pub async fn save_visit(state: State<'_, AppState>, input: VisitInput) -> AppResult<Visit> {
    let subject = on("visit", input.id);
    state
        .run_on(Permission::ClinicalWrite, subject, input, |ctx, input| async move { service::save(&ctx, input).await })
        .await
}

/// Signs a visit's note: it can never change again; the appointment is completed and the
/// consumables leave stock (`overrideStock`, with its permission, signs despite short stock).
#[tauri::command]
#[specta::specta]
pub async fn sign_visit(state: State<'_, AppState>, id: Uuid, override_stock: bool) -> AppResult<Visit> {
    state
        .run_on(
            Permission::ClinicalWrite,
            on("visit", id),
            (id, override_stock),
            |ctx, (id, override_stock)| async move { service::sign(&ctx, id, override_stock).await },
        )
        .await
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
    state
        .run_on(
            Permission::ClinicalWrite,
            on("visit", visit_id),
            (visit_id, id, text),
            |ctx, (visit_id, id, text)| async move { service::add_addendum(&ctx, visit_id, id, text).await },
        )
        .await
}

/// A patient's visits, newest first (no clinical content: that needs opening, which is audited).
#[tauri::command]
#[specta::specta]
pub async fn list_patient_visits(state: State<'_, AppState>, patient_id: Uuid) -> AppResult<Vec<VisitSummary>> {
    state
        .run_on(Permission::ClinicalRead, on("patient", patient_id), patient_id, |ctx, patient_id| async move {
            service::for_patient(&ctx, patient_id).await
        })
        .await
}

/// The record a clinical command is about, named in the audit when the attempt is refused.
fn on(entity: &'static str, id: Uuid) -> Subject {
    Subject { entity, id }
}
