use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{Referral, ReferralInput, Visit, VisitInput, VisitSummary, check_signable};
use super::repo::{self, NewAddendum};
use crate::appointments::model::Status;
use crate::appointments::repo as appointments;
use crate::audit::{self, Action, Entry};
use crate::auth::{Ctx, Permission, may_write_for};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::inventory::model::StockKind;
use crate::inventory::{repo::Link, service as inventory};
use crate::validate::required;

/// What the audit keeps of a note: its ids, its risk grade, its procedures and the digests of its
/// findings and text; never the clinical text itself (the audit is readable without
/// `clinical.read`).
fn in_audit(v: &Visit) -> serde_json::Value {
    json!({
        "visit": v.id,
        "appointment": v.appointment_id,
        "riskCategory": v.risk_category,
        "procedures": v.procedures,
        "notes_sha256": audit::digest(&v.notes),
        "findings_sha256": audit::digest(&serde_json::to_string(&v.findings).unwrap_or_default()),
        "vitals_sha256": audit::digest(&serde_json::to_string(&v.vitals).unwrap_or_default()),
        "diagnoses_sha256": audit::digest(&serde_json::to_string(&v.diagnoses).unwrap_or_default()),
        "prognosis_sha256": audit::digest(&v.prognosis),
        "plan_sha256": audit::digest(&v.plan),
    })
}

/// Moves the appointment forward to `target` through the workflow's steps, auditing each one.
async fn advance(ctx: &Ctx, conn: &mut PgConnection, appointment: Uuid, target: Status) -> AppResult<()> {
    let steps: &[Status] = match target {
        Status::InConsultation => &[Status::InConsultation],
        _ => &[Status::InConsultation, Status::Completed],
    };
    for &next in steps {
        let before =
            appointments::find(&mut *conn, appointment).await?.ok_or_else(|| AppError::not_found("appointment"))?;
        if before.status.can_become(next) {
            appointments::set_status(&mut *conn, appointment, next, None).await?;
            let entry =
                Entry::new(Action::AppointmentStatus, "appointment", appointment).before(&before.status).after(&next);
            audit::record(&mut *conn, &ctx.actor, entry).await?;
        }
    }
    Ok(())
}

/// Opens the clinical record of an appointment, starting it (and the consultation) when the
/// user may write notes and there is none yet. Every opening is audited.
#[tracing::instrument(skip_all, fields(appointment_id = %appointment_id))]
pub async fn open(ctx: &Ctx, appointment_id: Uuid) -> AppResult<Visit> {
    let mut tx = ctx.pool.begin().await?;
    let id = match repo::id_for_appointment(&mut *tx, appointment_id).await? {
        Some(id) => id,
        None => {
            if !ctx.session.permissions.contains(&Permission::ClinicalWrite) {
                return Err(AppError::not_found("visit"));
            }
            let appointment = appointments::find(&mut *tx, appointment_id)
                .await?
                .ok_or_else(|| AppError::not_found("appointment"))?;
            // A note on another podiatrist's appointment needs the same permission as changing it.
            may_write_for(ctx, appointment.podiatrist_id).await?;
            if !matches!(appointment.status, Status::Arrived | Status::InConsultation | Status::Completed) {
                return Err(AppError::validation("status", "visit_needs_arrival"));
            }
            repo::insert(&mut *tx, Uuid::now_v7(), appointment_id, ctx.session.user_id).await?;
            let id = repo::id_for_appointment(&mut *tx, appointment_id)
                .await?
                .ok_or_else(|| AppError::not_found("visit"))?;
            audit::record(&mut *tx, &ctx.actor, Entry::new(Action::VisitCreate, "visit", id)).await?;
            if appointment.status == Status::Arrived {
                advance(ctx, &mut tx, appointment_id, Status::InConsultation).await?;
            }
            id
        }
    };
    let visit = repo::load(&mut tx, id, false).await?.ok_or_else(|| AppError::not_found("visit"))?;
    crate::privacy::service::ensure_open(&mut *tx, visit.patient_id).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::VisitOpen, "visit", id)).await?;
    tx.commit().await?;
    Ok(visit)
}

/// Saves the draft note. A signed note is refused (here, and by the database).
#[tracing::instrument(skip_all, fields(visit_id = %input.id))]
pub async fn save(ctx: &Ctx, input: VisitInput) -> AppResult<Visit> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::load(&mut tx, input.id, true).await?.ok_or_else(|| AppError::not_found("visit"))?;
    may_write_for(ctx, before.podiatrist_id).await?;
    if before.signed_at.is_some() {
        return Err(AppError::conflict("visit_signed", None));
    }
    let treatments: Vec<Uuid> = input.procedures.iter().map(|p| p.treatment_id).collect();
    crate::consents::service::require_for(&mut *tx, before.patient_id, &treatments).await?;
    repo::save(&mut tx, &input).await?;
    let after = repo::load(&mut tx, input.id, false).await?.ok_or_else(|| AppError::not_found("visit"))?;
    let entry = Entry::new(Action::VisitUpdate, "visit", input.id).before(&in_audit(&before)).after(&in_audit(&after));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(after)
}

/// Signs the note (it never changes again; it needs a risk grade, a diagnosis and a plan), completes the appointment and takes the procedures'
/// consumables out of stock, all in one transaction. Short stock refuses the signature naming the
/// product, unless `override_stock` (its own permission): then what there is is taken and the
/// shortfall recorded. Signing twice is a no-op.
#[tracing::instrument(skip_all, fields(visit_id = %id))]
pub async fn sign(ctx: &Ctx, id: Uuid, override_stock: bool) -> AppResult<Visit> {
    if override_stock && !ctx.session.permissions.contains(&Permission::InventoryOverride) {
        return Err(AppError::Forbidden { permission: Permission::InventoryOverride });
    }
    let mut tx = ctx.pool.begin().await?;
    let before = repo::load(&mut tx, id, true).await?.ok_or_else(|| AppError::not_found("visit"))?;
    may_write_for(ctx, before.podiatrist_id).await?;
    if before.signed_at.is_some() {
        // Signing twice changes nothing, but the answer is the whole note: a reading of it.
        audit::record(&mut *tx, &ctx.actor, Entry::new(Action::VisitOpen, "visit", id)).await?;
        tx.commit().await?;
        return Ok(before);
    }
    check_signable(before.risk_category, &before.diagnoses, &before.plan)?;
    // A letter revoked (or lapsed) since the draft was saved: the note cannot record the act.
    let treatments: Vec<Uuid> = before.procedures.iter().map(|p| p.treatment_id).collect();
    crate::consents::service::require_for(&mut *tx, before.patient_id, &treatments).await?;
    // Lock order (`db::locks`): the visit (held), its appointment, the products it uses, and only
    // then the appointment's update, whose triggers write the day's rollups.
    crate::appointments::repo::lock(&mut tx, before.appointment_id).await?;
    let used = repo::consumables_used(&mut *tx, id).await?;
    let products: Vec<Uuid> = used.iter().map(|(p, _)| *p).collect();
    crate::inventory::repo::lock_products(&mut tx, &products).await?;
    repo::sign(&mut *tx, id, ctx.session.user_id).await?;
    advance(ctx, &mut tx, before.appointment_id, Status::Completed).await?;
    for (product, quantity) in used {
        let quantity = i32::try_from(quantity).map_err(AppError::internal)?;
        let link = Link { visit_id: Some(id), ..Link::default() };
        let missing = inventory::take(
            &mut tx,
            product,
            quantity,
            StockKind::Consumption,
            &link,
            ctx.session.user_id,
            override_stock,
        )
        .await?;
        if missing > 0 {
            repo::insert_shortfall(&mut *tx, id, product, missing, ctx.session.user_id).await?;
            let entry = Entry::new(Action::StockShortfall, "product", product)
                .after(&serde_json::json!({ "visit": id, "missing": missing }));
            audit::record(&mut *tx, &ctx.actor, entry).await?;
        }
    }
    let after = repo::load(&mut tx, id, false).await?.ok_or_else(|| AppError::not_found("visit"))?;
    let digest = repo::content_digest(&mut *tx, id).await?;
    let signed = json!({ "signedAt": after.signed_at, "content_sha256": digest });
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::VisitSign, "visit", id).after(&signed)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Adds a correction to a signed note. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(visit_id = %visit_id, addendum_id = %id))]
pub async fn add_addendum(ctx: &Ctx, visit_id: Uuid, id: Uuid, text: String) -> AppResult<Visit> {
    let mut text = text;
    required(&mut text, "text", crate::limits::ADDENDUM_TEXT)?;
    let addendum = NewAddendum { id, visit_id, author_id: ctx.session.user_id, text };
    let mut tx = ctx.pool.begin().await?;
    if db::replayed(&mut tx, &addendum).await?.is_none() {
        let visit = repo::load(&mut tx, visit_id, true).await?.ok_or_else(|| AppError::not_found("visit"))?;
        // An addendum to another podiatrist's note needs the same permission as writing it.
        may_write_for(ctx, visit.podiatrist_id).await?;
        if visit.signed_at.is_none() {
            return Err(AppError::conflict("visit_not_signed", None));
        }
        repo::insert_addendum(&mut *tx, &addendum).await?;
        let entry = Entry::new(Action::VisitAddendum, "visit", visit_id)
            .after(&json!({ "addendum": id, "text_sha256": audit::digest(&addendum.text) }));
        audit::record(&mut *tx, &ctx.actor, entry).await?;
    }
    let after = repo::load(&mut tx, visit_id, false).await?.ok_or_else(|| AppError::not_found("visit"))?;
    // The whole note goes back to the desk: that is a reading of it.
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::VisitOpen, "visit", visit_id)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Writes a nota de referencia from a signed note. Idempotent by `id`; audited by digest (the
/// referral's words are clinical).
#[tracing::instrument(skip_all, fields(visit_id = %input.visit_id, referral_id = %input.id))]
pub async fn refer(ctx: &Ctx, input: ReferralInput) -> AppResult<Referral> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    let replay = db::replayed(&mut tx, &input).await?;
    let visit = repo::load(&mut tx, input.visit_id, true).await?.ok_or_else(|| AppError::not_found("visit"))?;
    // A referral from another podiatrist's note needs the same permission as writing it (a
    // replay too: its answer is the referral's words).
    may_write_for(ctx, visit.podiatrist_id).await?;
    if let Some(stored) = replay {
        tx.commit().await?;
        return Ok(stored);
    }
    if visit.signed_at.is_none() {
        return Err(AppError::conflict("visit_not_signed", None));
    }
    repo::insert_referral(&mut *tx, &input, ctx.session.user_id).await?;
    let entry = Entry::new(Action::VisitReferral, "visit", input.visit_id).after(&json!({
        "referral": input.id,
        "receiving_sha256": audit::digest(&input.receiving),
        "reason_sha256": audit::digest(&input.reason),
        "impression_sha256": audit::digest(&input.impression),
        "treatment_sha256": audit::digest(&input.treatment),
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    let stored = repo::referral(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("referral"))?;
    tx.commit().await?;
    Ok(stored)
}

/// A patient's visits, newest first (no clinical text: that is `open`).
#[tracing::instrument(skip_all, fields(patient_id = %patient_id))]
pub async fn for_patient(ctx: &Ctx, patient_id: Uuid) -> AppResult<Vec<VisitSummary>> {
    crate::privacy::service::ensure_open(&ctx.pool, patient_id).await?;
    repo::for_patient(&ctx.pool, patient_id).await
}
