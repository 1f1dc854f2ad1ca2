//! Printable and exported documents: receipts, cash reports, CSV tables, and showing them.

use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::documents::render::Lang;
use podoclinic_clinic::documents::{self, ClinicalDocument, ExportFormat, SavedDocument};
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::documents::{folder, saved};
use podoclinic_desk::state::{AppState, Subject};

/// Writes the receipt of a charge as PDF.
#[tauri::command]
#[specta::specta]
pub async fn export_receipt(
    state: State<'_, AppState>,
    charge_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let charge_id = charge_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    state
        .run(Permission::PaymentsRead, (charge_id, lang, dir), |ctx, (charge_id, lang, dir)| async move {
            documents::receipt(&ctx, &dir, charge_id, lang).await
        })
        .await
}

/// Writes a clinical document as PDF: the signed note (with its content's SHA-256), its
/// "Indicaciones", a nota de referencia, or a patient's resumen clínico (`id` names the visit, the
/// referral or the patient). Audited, as any reading of the record.
#[tauri::command]
#[specta::specta]
pub async fn export_clinical_document(
    state: State<'_, AppState>,
    kind: Arg<ClinicalDocument>,
    id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let (kind, id, lang) = (kind.0, id.0, lang.0);
    let dir = folder(&state.paths);
    let subject = Subject { entity: kind.subject(), id };
    state
        .run_on(Permission::ClinicalRead, subject, (kind, id, lang, dir), |ctx, (kind, id, lang, dir)| async move {
            documents::clinical(&ctx, &dir, kind, id, lang).await
        })
        .await
}

/// Writes everything the clinic holds about a patient, as a PDF for them to read or JSON for a
/// machine (the right of access, ARCO).
/// Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_patient_data(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
    format: Arg<ExportFormat>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let (patient_id, format, lang) = (patient_id.0, format.0, lang.0);
    let dir = folder(&state.paths);
    let subject = Subject { entity: "patient", id: patient_id };
    state
        .run_on(Permission::PrivacyManage, subject, (patient_id, dir), |ctx, (patient_id, dir)| async move {
            documents::access_export(&ctx, &dir, patient_id, format, lang).await
        })
        .await
}

/// Writes the record of a patient blocked by a granted cancellation as JSON, read through that
/// request (ARCO). Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_blocked_record(state: State<'_, AppState>, request_id: Arg<Uuid>) -> AppResult<SavedDocument> {
    let request_id = request_id.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "arco_request", id: request_id };
    state
        .run_on(Permission::PrivacyManage, subject, (request_id, dir), |ctx, (request_id, dir)| async move {
            documents::blocked_record(&ctx, &dir, request_id).await
        })
        .await
}

/// Writes the corte X (open session) or corte Z (closed) report as PDF.
#[tauri::command]
#[specta::specta]
pub async fn export_cash_report(
    state: State<'_, AppState>,
    session_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let session_id = session_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    state
        .run(Permission::CashOperate, (session_id, lang, dir), |ctx, (session_id, lang, dir)| async move {
            documents::cash_report(&ctx, &dir, session_id, lang).await
        })
        .await
}

/// Saves a table the UI shows (the dashboard's) as CSV.
#[tauri::command]
#[specta::specta]
pub async fn export_csv(
    state: State<'_, AppState>,
    name: Arg<String>,
    header: Arg<Vec<String>>,
    rows: Arg<Vec<Vec<String>>>,
) -> AppResult<SavedDocument> {
    let name = name.0;
    let header = header.0;
    let rows = rows.0;
    let dir = folder(&state.paths);
    state
        .run(Permission::StatsRead, (name, header, rows, dir), |ctx, (name, header, rows, dir)| async move {
            documents::csv_table(&ctx, &dir, &name, header, rows).await
        })
        .await
}

/// Shows a document from the documents folder in the system's viewer. Only plain file names
/// of that folder are accepted.
#[tauri::command]
#[specta::specta]
pub async fn open_document(state: State<'_, AppState>, name: Arg<String>) -> AppResult<()> {
    let name = name.0;
    // The permission that made the document is the one that shows it again.
    let permission = documents::permission_for(&name);
    let paths = state.paths.clone();
    let path = state
        .run(permission, (paths, name), |ctx, (paths, name)| async move { saved(&ctx, &paths, &name).await })
        .await?;
    tokio::task::spawn_blocking(move || opener::open(&path)).await?.map_err(AppError::internal)
}
