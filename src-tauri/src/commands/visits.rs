use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::history::model::{History, HistoryInput};
use podoclinic_clinic::history::service as history;
use podoclinic_clinic::visits::cie10::{self, Cie10Code};
use podoclinic_clinic::visits::model::{Referral, ReferralInput, Visit, VisitInput, VisitSummary};
use podoclinic_clinic::visits::service;
use podoclinic_desk::state::{AppState, Subject};

/// Opens (and, for a podiatrist, starts) the clinical record of an appointment. Audited.
#[tauri::command]
#[specta::specta]
pub async fn open_visit(state: State<'_, AppState>, appointment_id: Arg<Uuid>) -> AppResult<Visit> {
    let appointment_id = appointment_id.0;
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
pub async fn save_visit(state: State<'_, AppState>, input: Arg<VisitInput>) -> AppResult<Visit> {
    let input = input.0;
    let subject = on("visit", input.id);
    state
        .run_on(Permission::ClinicalWrite, subject, input, |ctx, input| async move { service::save(&ctx, input).await })
        .await
}

/// Signs a visit's note: it can never change again; the appointment is completed and the
/// consumables leave stock (`overrideStock`, with its permission, signs despite short stock).
#[tauri::command]
#[specta::specta]
pub async fn sign_visit(state: State<'_, AppState>, id: Arg<Uuid>, override_stock: Arg<bool>) -> AppResult<Visit> {
    let id = id.0;
    let override_stock = override_stock.0;
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
    visit_id: Arg<Uuid>,
    id: Arg<Uuid>,
    text: Arg<String>,
) -> AppResult<Visit> {
    let visit_id = visit_id.0;
    let id = id.0;
    let text = text.0;
    state
        .run_on(
            Permission::ClinicalWrite,
            on("visit", visit_id),
            (visit_id, id, text),
            |ctx, (visit_id, id, text)| async move { service::add_addendum(&ctx, visit_id, id, text).await },
        )
        .await
}

/// Writes a nota de referencia from a signed note. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn refer_patient(state: State<'_, AppState>, input: Arg<ReferralInput>) -> AppResult<Referral> {
    let input = input.0;
    let subject = on("visit", input.visit_id);
    state
        .run_on(
            Permission::ClinicalWrite,
            subject,
            input,
            |ctx, input| async move { service::refer(&ctx, input).await },
        )
        .await
}

/// The patient's historia clínica (interrogatorio) as last recorded. Audited.
#[tauri::command]
#[specta::specta]
pub async fn get_patient_history(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<Option<History>> {
    let patient_id = patient_id.0;
    state
        .run_on(Permission::ClinicalRead, on("patient", patient_id), patient_id, |ctx, patient_id| async move {
            history::current(&ctx, patient_id).await
        })
        .await
}

/// Records the patient's historia clínica again (a new version). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn record_patient_history(state: State<'_, AppState>, input: Arg<HistoryInput>) -> AppResult<History> {
    let input = input.0;
    let subject = on("patient", input.patient_id);
    state
        .run_on(
            Permission::ClinicalWrite,
            subject,
            input,
            |ctx, input| async move { history::record(&ctx, input).await },
        )
        .await
}

/// A patient's visits, newest first (no clinical content: that needs opening, which is audited).
#[tauri::command]
#[specta::specta]
pub async fn list_patient_visits(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<Vec<VisitSummary>> {
    let patient_id = patient_id.0;
    state
        .run_on(Permission::ClinicalRead, on("patient", patient_id), patient_id, |ctx, patient_id| async move {
            service::for_patient(&ctx, patient_id).await
        })
        .await
}

/// The CIE-10 codes whose code or title hold every typed word, at most 20. The list ships with
/// the app: it answers without the server too.
#[tauri::command]
#[specta::specta]
pub async fn search_cie10(state: State<'_, AppState>, query: Arg<String>) -> AppResult<Vec<Cie10Code>> {
    state
        .run_on_store(Permission::ClinicalWrite, query.0, |_, query| async move { Ok(cie10::search(&query, 20)) })
        .await
}

/// The record a clinical command is about, named in the audit when the attempt is refused.
fn on(entity: &'static str, id: Uuid) -> Subject {
    Subject { entity, id }
}
