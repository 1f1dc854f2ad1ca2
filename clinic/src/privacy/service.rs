use serde_json::json;
use uuid::Uuid;

use super::model::{
    ArcoAnswer, ArcoInput, ArcoKind, ArcoOutcome, ArcoRequest, Consent, ConsentInput, Notice, NoticeInput, PurgeReport,
    Purposes, due_date,
};
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::profile::time;

/// Everything the database holds about the patient, keyed by table (rows as stored; the audit
/// entries about any of them as who, when, where and what). A reading of the whole record:
/// audited, naming how many rows of each table left. A blocked patient's record is read only
/// through the request that blocked it (`blocked_record`).
#[tracing::instrument(skip_all, fields(patient_id = %patient_id))]
pub async fn access_export(ctx: &Ctx, patient_id: Uuid) -> AppResult<serde_json::Value> {
    export(ctx, patient_id, Action::PrivacyAccessExport, None).await
}

/// The record of a patient blocked by a granted cancellation, read through that request: the
/// same export as access, audited naming the request.
#[tracing::instrument(skip_all, fields(request_id = %request_id))]
pub async fn blocked_record(ctx: &Ctx, request_id: Uuid) -> AppResult<serde_json::Value> {
    let request = granted_cancellation(ctx, request_id).await?;
    export(ctx, request.patient_id, Action::PrivacyBlockedRead, Some(request_id)).await
}

/// The request, if it is a granted cancellation (the only kind that blocks, and so opens or
/// deletes, a record).
async fn granted_cancellation(ctx: &Ctx, request_id: Uuid) -> AppResult<ArcoRequest> {
    let request = repo::request(&ctx.pool, request_id).await?.ok_or_else(|| AppError::not_found("request"))?;
    if request.kind != ArcoKind::Cancellation || request.outcome != Some(ArcoOutcome::Granted) {
        return Err(AppError::conflict("request_not_blocking", None));
    }
    Ok(request)
}

/// Deletes the record the granted cancellation `request_id` blocked, once its retention is over:
/// the patient's identity and clinical record go, the charges and payments stay, and the audit
/// rows that copied any of it are emptied (migration 25's `purge_patient`, where the database
/// decides, by its own clock, whether the time has come). The deletion writes its own audit entry,
/// which stays.
#[tracing::instrument(skip_all, fields(request_id = %request_id))]
pub async fn purge(ctx: &Ctx, request_id: Uuid) -> AppResult<PurgeReport> {
    let request = granted_cancellation(ctx, request_id).await?;
    let mut tx = ctx.pool.begin().await?;
    let report = repo::purge(&mut tx, request.patient_id, request.id, ctx.session.user_id, &ctx.actor.desk).await?;
    tx.commit().await?;
    serde_json::from_value(report).map_err(AppError::internal)
}

async fn export(ctx: &Ctx, patient_id: Uuid, action: Action, request: Option<Uuid>) -> AppResult<serde_json::Value> {
    let mut tx = ctx.pool.begin().await?;
    let blocked = repo::blocked(&mut *tx, patient_id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    if blocked && request.is_none() {
        return Err(AppError::conflict("patient_blocked", None));
    }
    let data: serde_json::Value =
        sqlx::query_scalar!(r#"SELECT patient_data($1) AS "data!""#, patient_id).fetch_one(&mut *tx).await?;
    let tables = data.as_object().ok_or_else(|| AppError::internal("patient_data is not an object"))?;
    let mut counts: serde_json::Map<String, serde_json::Value> =
        tables.iter().map(|(table, rows)| (table.clone(), rows.as_array().map_or(0, Vec::len).into())).collect();
    if let Some(request) = request {
        counts.insert("request".into(), request.to_string().into());
    }
    audit::record(&mut *tx, &ctx.actor, Entry::new(action, "patient", patient_id).after(&counts)).await?;
    tx.commit().await?;
    Ok(data)
}

/// Refuses work on a blocked patient's record (ARCO cancellation) by its id: their record is
/// read only through the request. The database refuses new rows about them on its own.
pub async fn ensure_open(db: impl sqlx::PgExecutor<'_>, patient: Uuid) -> AppResult<()> {
    match repo::blocked(db, patient).await? {
        None => Err(AppError::not_found("patient")),
        Some(true) => Err(AppError::conflict("patient_blocked", None)),
        Some(false) => Ok(()),
    }
}

/// The clinic's privacy notice as last published.
pub async fn current_notice(ctx: &Ctx) -> AppResult<Option<Notice>> {
    repo::current_notice(&ctx.pool).await
}

/// Publishes a new version of the notice. Idempotent by id; audited by digest.
#[tracing::instrument(skip_all, fields(notice_id = %input.id))]
pub async fn publish_notice(ctx: &Ctx, input: NoticeInput) -> AppResult<Notice> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    repo::insert_notice(&mut tx, &input, ctx.session.user_id).await?;
    let stored = repo::notice(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("notice"))?;
    let entry = Entry::new(Action::PrivacyNoticePublish, "privacy_notice", stored.id).after(&json!({
        "version": stored.version,
        "simplified_sha256": audit::digest(&stored.simplified),
        "integral_sha256": audit::digest(&stored.integral),
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(stored)
}

/// The patient's answers as last recorded (None: never asked).
pub async fn consent(ctx: &Ctx, patient: Uuid) -> AppResult<Option<Consent>> {
    ensure_open(&ctx.pool, patient).await?;
    repo::consent(&ctx.pool, patient).await
}

/// Records the patient's answers on the notice version the desk showed them: express consent for
/// health data and each voluntary purpose. Refused if a newer notice was published since the desk
/// showed its version (the patient must see the one they accept). A yes to health data is signed
/// by the patient (express written consent). Idempotent by id; audited.
#[tracing::instrument(skip_all, fields(patient_id = %input.patient_id))]
pub async fn record_consent(ctx: &Ctx, input: ConsentInput) -> AppResult<Consent> {
    input.check_signature()?;
    let signature = input.signature.as_ref().map(serde_json::to_value).transpose().map_err(AppError::internal)?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    let notice = repo::current_notice(&mut *tx).await?.ok_or_else(|| AppError::conflict("no_privacy_notice", None))?;
    if notice.version != input.notice_version {
        return Err(AppError::conflict("privacy_notice_changed", Some("noticeVersion")));
    }
    ensure_open(&mut *tx, input.patient_id).await?;
    let before = repo::consent(&mut *tx, input.patient_id).await?;
    repo::insert_consent(
        &mut *tx,
        input.id,
        input.patient_id,
        Some(repo::HealthAnswer { notice: notice.id, health_data: input.health_data, signature }),
        input.purposes,
        ctx.session.user_id,
    )
    .await?;
    audit_consent(&mut tx, ctx, input.patient_id, before.as_ref()).await?;
    let stored = repo::consent_by_id(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("consent"))?;
    tx.commit().await?;
    Ok(stored)
}

/// Changes one or more voluntary choices (opposition, or the reminders opt-out at the desk),
/// keeping the express consent and notice as they were.
#[tracing::instrument(skip_all, fields(patient_id = %patient))]
pub async fn choose(ctx: &Ctx, patient: Uuid, change: impl FnOnce(&mut Purposes)) -> AppResult<Consent> {
    let mut tx = ctx.pool.begin().await?;
    crate::billing::repo::lock_patient(&mut tx, patient).await?.ok_or_else(|| AppError::not_found("patient"))?;
    ensure_open(&mut *tx, patient).await?;
    let before = repo::consent(&mut *tx, patient).await?;
    let mut purposes = before.as_ref().map_or(Purposes::UNASKED, |c| c.purposes);
    change(&mut purposes);
    if before.as_ref().is_some_and(|c| c.purposes == purposes) || (before.is_none() && purposes == Purposes::UNASKED) {
        tx.rollback().await?;
        return repo::consent(&ctx.pool, patient).await?.map_or_else(|| Ok(unasked(patient)), Ok);
    }
    let health = repo::health_answer(&mut *tx, patient).await?;
    repo::insert_consent(&mut *tx, Uuid::now_v7(), patient, health, purposes, ctx.session.user_id).await?;
    audit_consent(&mut tx, ctx, patient, before.as_ref()).await?;
    let stored = repo::consent(&mut *tx, patient).await?.ok_or_else(|| AppError::not_found("consent"))?;
    tx.commit().await?;
    Ok(stored)
}

/// What a patient never asked has chosen, as `choose` answers when nothing changed.
fn unasked(patient: Uuid) -> Consent {
    Consent {
        patient_id: patient,
        notice_version: None,
        health_data: None,
        signed: false,
        purposes: Purposes::UNASKED,
        recorded_by_name: None,
        recorded_at: chrono::Utc::now(),
    }
}

async fn audit_consent(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    patient: Uuid,
    before: Option<&Consent>,
) -> AppResult<()> {
    let after = repo::consent(&mut *tx, patient).await?;
    let view = |c: Option<&Consent>| {
        c.map(|c| {
            json!({ "noticeVersion": c.notice_version, "healthData": c.health_data, "signed": c.signed,
                    "purposes": c.purposes })
        })
    };
    let entry =
        Entry::new(Action::PrivacyConsent, "patient", patient).before(&view(before)).after(&view(after.as_ref()));
    audit::record(tx, &ctx.actor, entry).await
}

/// The register of ARCO requests.
pub async fn requests(ctx: &Ctx) -> AppResult<Vec<ArcoRequest>> {
    repo::requests(&ctx.pool).await
}

/// Enters a request as received; its due date is the law's. Idempotent by id; audited.
#[tracing::instrument(skip_all, fields(request_id = %input.id))]
pub async fn receive(ctx: &Ctx, input: ArcoInput) -> AppResult<ArcoRequest> {
    let today = time::local_date(time::zone(&ctx.pool).await?, chrono::Utc::now());
    let input = input.parse(today)?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    repo::blocked(&mut *tx, input.patient_id)
        .await?
        .ok_or_else(|| AppError::validation("patientId", "unknown_patient"))?;
    repo::insert_request(&mut *tx, &input, due_date(input.received_on), ctx.session.user_id).await?;
    let stored = repo::request(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("request"))?;
    let entry = Entry::new(Action::PrivacyRequest, "arco_request", stored.id).after(&json!({
        "patient": stored.patient_id, "kind": stored.kind, "receivedOn": stored.received_on, "dueOn": stored.due_on,
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Answers a request, once. A granted cancellation blocks the patient's record in the same
/// transaction (their future appointments cancelled, their name off every list). Audited.
#[tracing::instrument(skip_all, fields(request_id = %input.request_id))]
pub async fn answer(ctx: &Ctx, input: ArcoAnswer) -> AppResult<ArcoRequest> {
    let input = input.parse()?;
    let today = time::local_date(time::zone(&ctx.pool).await?, chrono::Utc::now());
    let mut tx = ctx.pool.begin().await?;
    repo::lock_request(&mut tx, input.request_id).await?.ok_or_else(|| AppError::not_found("request"))?;
    let request = repo::request(&mut *tx, input.request_id).await?.ok_or_else(|| AppError::not_found("request"))?;
    if request.outcome.is_some() {
        return Err(AppError::conflict("request_answered", None));
    }
    let blocking = request.kind == ArcoKind::Cancellation && input.outcome == ArcoOutcome::Granted;
    if blocking {
        // Lock order: the patient before what hangs from them.
        crate::billing::repo::lock_patient(&mut tx, request.patient_id).await?;
    }
    repo::answer(&mut *tx, &input, today.max(request.received_on), ctx.session.user_id).await?;
    let mut after = json!({ "outcome": input.outcome, "answer_sha256": audit::digest(&input.answer) });
    if blocking && !request.blocked {
        let cancelled = repo::block(&mut tx, request.patient_id, request.id, ctx.session.user_id).await?;
        after["blocked"] = json!({ "patient": request.patient_id, "appointmentsCancelled": cancelled });
    }
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::PrivacyAnswer, "arco_request", request.id).after(&after))
        .await?;
    let stored = repo::request(&mut *tx, request.id).await?.ok_or_else(|| AppError::not_found("request"))?;
    tx.commit().await?;
    Ok(stored)
}
