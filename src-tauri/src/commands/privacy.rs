use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::privacy::model::{
    ArcoAnswer, ArcoInput, ArcoRequest, Consent, ConsentInput, Notice, NoticeInput, PurgeReport, Purposes,
};
use podoclinic_clinic::privacy::service;
use podoclinic_desk::guard;
use podoclinic_desk::state::{AppState, Subject};
use podoclinic_desk::store::sign_in;

fn patient(id: Uuid) -> Subject {
    Subject { entity: "patient", id }
}

/// The clinic's privacy notice as last published (None: not yet written).
#[tauri::command]
#[specta::specta]
pub async fn get_privacy_notice(state: State<'_, AppState>) -> AppResult<Option<Notice>> {
    state.run(Permission::PatientsRead, (), |ctx, ()| async move { service::current_notice(&ctx).await }).await
}

/// Publishes a new version of the privacy notice. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn publish_privacy_notice(state: State<'_, AppState>, input: Arg<NoticeInput>) -> AppResult<Notice> {
    let input = input.0;
    state
        .run(Permission::PrivacyManage, input, |ctx, input| async move { service::publish_notice(&ctx, input).await })
        .await
}

/// The patient's privacy answers as last recorded (None: never asked).
#[tauri::command]
#[specta::specta]
pub async fn get_privacy_consent(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<Option<Consent>> {
    let patient_id = patient_id.0;
    state
        .run_on(Permission::PatientsRead, patient(patient_id), patient_id, |ctx, patient_id| async move {
            service::consent(&ctx, patient_id).await
        })
        .await
}

/// Records the patient's express consent and choices on the notice version the desk showed.
#[tauri::command]
#[specta::specta]
pub async fn record_privacy_consent(state: State<'_, AppState>, input: Arg<ConsentInput>) -> AppResult<Consent> {
    let input = input.0;
    state
        .run_on(Permission::PatientsWrite, patient(input.patient_id), input, |ctx, input| async move {
            service::record_consent(&ctx, input).await
        })
        .await
}

/// Changes the patient's voluntary purposes (opposition), keeping their express consent.
#[tauri::command]
#[specta::specta]
pub async fn set_privacy_purposes(
    state: State<'_, AppState>,
    patient_id: Arg<Uuid>,
    purposes: Arg<Purposes>,
) -> AppResult<Consent> {
    let patient_id = patient_id.0;
    let purposes = purposes.0;
    state
        .run_on(
            Permission::PatientsWrite,
            patient(patient_id),
            (patient_id, purposes),
            |ctx, (id, purposes)| async move { service::choose(&ctx, id, |p| *p = purposes).await },
        )
        .await
}

/// The register of ARCO requests.
#[tauri::command]
#[specta::specta]
pub async fn list_arco_requests(state: State<'_, AppState>) -> AppResult<Vec<ArcoRequest>> {
    state.run(Permission::PrivacyManage, (), |ctx, ()| async move { service::requests(&ctx).await }).await
}

/// Enters an ARCO request as received. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn receive_arco_request(state: State<'_, AppState>, input: Arg<ArcoInput>) -> AppResult<ArcoRequest> {
    let input = input.0;
    state
        .run_on(Permission::PrivacyManage, patient(input.patient_id), input, |ctx, input| async move {
            service::receive(&ctx, input).await
        })
        .await
}

/// Answers an ARCO request; a granted cancellation blocks the patient's record.
#[tauri::command]
#[specta::specta]
pub async fn answer_arco_request(state: State<'_, AppState>, input: Arg<ArcoAnswer>) -> AppResult<ArcoRequest> {
    let input = input.0;
    let subject = Subject { entity: "arco_request", id: input.request_id };
    state
        .run_on(
            Permission::PrivacyManage,
            subject,
            input,
            |ctx, input| async move { service::answer(&ctx, input).await },
        )
        .await
}

/// Deletes the record a granted cancellation blocked, once its legal retention is over (the
/// database decides by its own clock); the signed-in user confirms with their password. The
/// charges and payments stay; the deletion's audit entry stays.
#[tauri::command]
#[specta::specta]
pub async fn purge_patient_record(
    state: State<'_, AppState>,
    request_id: Arg<Uuid>,
    password: Arg<String>,
) -> AppResult<PurgeReport> {
    let (request_id, password) = (request_id.0, password.0);
    let subject = Subject { entity: "arco_request", id: request_id };
    // Allowed first (a refusal is audited naming the request), then the password.
    guard::require(&state, Permission::RecordsPurge, Some(subject)).await?;
    sign_in::confirm_step(&state, password).await?;
    state
        .run_on(Permission::RecordsPurge, subject, request_id, |ctx, id| async move { service::purge(&ctx, id).await })
        .await
}
