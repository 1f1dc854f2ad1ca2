//! Printable and exported documents: receipts, cash reports, CSV tables, and showing them.

use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::documents::render::Lang;
use podoclinic_clinic::documents::{self, SavedDocument};
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

/// Writes a signed clinical note as PDF (the legal record's printout, with the SHA-256 of its
/// content). Audited, as any reading of a note.
#[tauri::command]
#[specta::specta]
pub async fn export_visit_note(
    state: State<'_, AppState>,
    visit_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let visit_id = visit_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "visit", id: visit_id };
    state
        .run_on(Permission::ClinicalRead, subject, (visit_id, lang, dir), |ctx, (visit_id, lang, dir)| async move {
            documents::visit_note(&ctx, &dir, visit_id, lang).await
        })
        .await
}

/// Writes the "Indicaciones" of a signed note as PDF (what the patient takes home). Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_instructions(
    state: State<'_, AppState>,
    visit_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let visit_id = visit_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "visit", id: visit_id };
    state
        .run_on(Permission::ClinicalRead, subject, (visit_id, lang, dir), |ctx, (visit_id, lang, dir)| async move {
            documents::instructions(&ctx, &dir, visit_id, lang).await
        })
        .await
}

/// Writes a nota de referencia as PDF. Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_referral(
    state: State<'_, AppState>,
    referral_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let referral_id = referral_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "referral", id: referral_id };
    state
        .run_on(
            Permission::ClinicalRead,
            subject,
            (referral_id, lang, dir),
            |ctx, (referral_id, lang, dir)| async move { documents::referral(&ctx, &dir, referral_id, lang).await },
        )
        .await
}

/// Writes a patient's resumen clínico as PDF. Audited, as a reading of the whole record.
#[tauri::command]
#[specta::specta]
pub async fn export_clinical_summary(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let patient_id = patient_id.0;
    let lang = lang.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "patient", id: patient_id };
    state
        .run_on(Permission::ClinicalRead, subject, (patient_id, lang, dir), |ctx, (patient_id, lang, dir)| async move {
            documents::clinical_summary(&ctx, &dir, patient_id, lang).await
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
