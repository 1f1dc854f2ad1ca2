//! Consent letters: the templates (Admin → Documentos), signing at the desk, the blank letter and
//! its scan, revocation, and showing a stored letter.

use crate::commands::arg::Arg;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::consents::model::{Letter, LetterInput, Revocation, ScanInput, Signer, Template, TemplateInput};
use podoclinic_clinic::consents::service;
use podoclinic_clinic::documents::render::Lang;
use podoclinic_clinic::documents::{self, SavedDocument};
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::documents::folder;
use podoclinic_desk::picked::PickFor;
use podoclinic_desk::state::{AppState, Subject};
use podoclinic_desk::store::View;
use podoclinic_desk::store::sign_in;

fn patient(id: Uuid) -> Subject {
    Subject { entity: "patient", id }
}

/// The current version of each kind's template (from the desk's store without the server, to
/// read and sign a letter all the same).
#[tauri::command]
#[specta::specta]
pub async fn list_consent_templates(state: State<'_, AppState>) -> AppResult<Vec<Template>> {
    state
        .run_or_store(
            Permission::ConsentsSign,
            (),
            |ctx, ()| async move { service::templates(&ctx).await },
            |store, ()| async move { store.view(View::ConsentTemplates).await },
        )
        .await
}

/// Publishes a new version of a kind's template (its NOM-004 placeholders required). Idempotent by
/// `id`.
#[tauri::command]
#[specta::specta]
pub async fn publish_consent_template(state: State<'_, AppState>, input: Arg<TemplateInput>) -> AppResult<Template> {
    let input = input.0;
    state
        .run(
            Permission::ConsentsManage,
            input,
            |ctx, input| async move { service::publish_template(&ctx, input).await },
        )
        .await
}

/// The patient's letters, newest first. Audited as a refused reading when not allowed.
#[tauri::command]
#[specta::specta]
pub async fn list_consent_letters(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<Vec<Letter>> {
    let patient_id = patient_id.0;
    state
        .run_on(Permission::ClinicalRead, patient(patient_id), patient_id, |ctx, patient_id| async move {
            service::letters(&ctx, patient_id).await
        })
        .await
}

/// What signing a letter came to: stored on the server, or kept at this desk to be sent.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Signing {
    Signed {
        letter: Box<Letter>,
    },
    /// Kept in the desk's outbox (the server is away): made and stored when it is back.
    Kept {
        id: Uuid,
    },
}

/// Signs a letter: the patient's (or representative's) and the witnesses' strokes, confirmed by
/// the signed-in podiatrist's password (checked by the server, or without it by the desk's sealed
/// key, as an unlock; failures count toward the lockout). With the server the letter is made and
/// stored now; without it, kept and sent when the server is back.
#[tauri::command]
#[specta::specta]
pub async fn sign_consent_letter(
    state: State<'_, AppState>,
    input: Arg<LetterInput>,
    password: Arg<String>,
    lang: Arg<Lang>,
) -> AppResult<Signing> {
    let (input, password, lang) = (input.0, password.0, lang.0);
    state.sessions.peek().ok_or(AppError::Unauthorized)?;
    // Shape first: a password is not spent on a letter that cannot be signed.
    let input = input.parse()?;
    sign_in::confirm_step(&state, password).await?;
    state
        .run_or_outbox(
            Permission::ConsentsSign,
            input,
            move |ctx, input| async move {
                service::sign(&ctx, input, None, lang).await.map(|letter| Signing::Signed { letter: Box::new(letter) })
            },
            move |writer, input| async move { writer.sign_consent(input, lang).await.map(|id| Signing::Kept { id }) },
        )
        .await
}

/// Attaches the scan of a letter printed blank and signed on paper (the file picked with
/// `pick_file` for a scan).
#[tauri::command]
#[specta::specta]
pub async fn attach_consent_scan(state: State<'_, AppState>, input: Arg<ScanInput>) -> AppResult<Letter> {
    let input = input.0;
    let path = state.picked.path(input.file, PickFor::Scan)?;
    state
        .run_on(Permission::ConsentsSign, patient(input.patient_id), (input, path), |ctx, (input, path)| async move {
            let bytes = read_scan(&path).await?;
            service::attach_scan(&ctx, input, bytes).await
        })
        .await
}

/// The picked scan's bytes: a regular file (opened once, so what is checked is what is read), no
/// larger than a letter keeps.
async fn read_scan(path: &std::path::Path) -> AppResult<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let again = |_| AppError::validation("file", "pick_again");
    let file = tokio::fs::File::open(path).await.map_err(again)?;
    if !file.metadata().await.map_err(again)?.is_file() {
        return Err(AppError::validation("file", "pick_again"));
    }
    let mut bytes = Vec::new();
    file.take(service::MAX_SCAN_BYTES as u64 + 1).read_to_end(&mut bytes).await.map_err(again)?;
    if bytes.len() > service::MAX_SCAN_BYTES {
        return Err(AppError::validation("file", "scan_too_large"));
    }
    Ok(bytes)
}

/// Revokes a letter (an addendum; the letter stays as signed and covers nothing from now on).
#[tauri::command]
#[specta::specta]
pub async fn revoke_consent_letter(state: State<'_, AppState>, input: Arg<Revocation>) -> AppResult<Letter> {
    let input = input.0;
    state.run(Permission::ConsentsSign, input, |ctx, input| async move { service::revoke(&ctx, input).await }).await
}

/// Writes a stored letter (the signed PDF/A, or the scan) to the documents folder. Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_consent_letter(state: State<'_, AppState>, letter_id: Arg<Uuid>) -> AppResult<SavedDocument> {
    let letter_id = letter_id.0;
    let dir = folder(&state.paths);
    let subject = Subject { entity: "consent_letter", id: letter_id };
    state
        .run_on(Permission::ClinicalRead, subject, (letter_id, dir), |ctx, (letter_id, dir)| async move {
            documents::consent_letter(&ctx, &dir, letter_id).await
        })
        .await
}

/// Writes a blank letter of a template for a patient, to print and sign on paper. Audited.
#[tauri::command]
#[specta::specta]
pub async fn export_blank_consent(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
    template_id: Arg<Uuid>,
    signer: Arg<Signer>,
    lang: Arg<Lang>,
) -> AppResult<SavedDocument> {
    let (patient_id, template_id, signer, lang) = (patient_id.0, template_id.0, signer.0, lang.0);
    let dir = folder(&state.paths);
    state
        .run_on(
            Permission::ConsentsSign,
            patient(patient_id),
            (patient_id, template_id, dir),
            |ctx, (patient_id, template_id, dir)| async move {
                documents::blank_consent(&ctx, &dir, patient_id, template_id, signer, lang).await
            },
        )
        .await
}
