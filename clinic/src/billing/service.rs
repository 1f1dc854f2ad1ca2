use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{
    Charge, ChargeInput, ChargeLine, CheckedPayment, Checkout, PatientAccount, Payment, PaymentInput, RefundInput,
    check_amount,
};
use super::repo::{self, NewPayment};
use crate::appointments::repo as appointments;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::cash::service::require_desk_session;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::inventory::model::StockKind;
use crate::inventory::{repo::Link, service as inventory};
use crate::validate::{positive_cents, required};
use crate::visits::repo as visits;

/// What reception needs to charge an appointment: the recorded procedures at today's prices, the
/// charge if it was already made, and the patient's balance.
#[tracing::instrument(skip_all, fields(appointment_id = %appointment_id))]
pub async fn checkout(ctx: &Ctx, appointment_id: Uuid) -> AppResult<Checkout> {
    let mut conn = ctx.pool.acquire().await?;
    let appointment =
        appointments::find(&mut *conn, appointment_id).await?.ok_or_else(|| AppError::not_found("appointment"))?;
    let visit_id = visits::id_for_appointment(&mut *conn, appointment_id).await?;
    let (proposed, charge, signed) = match visit_id {
        Some(v) => {
            let signed = visits::is_signed(&mut *conn, v).await?;
            (repo::proposed_lines(&mut *conn, v).await?, repo::charge_for_visit(&mut conn, v).await?, signed)
        }
        None => (Vec::new(), None, false),
    };
    let (charged, paid) = repo::totals(&mut *conn, appointment.patient_id).await?;
    Ok(Checkout {
        appointment_id,
        patient_id: appointment.patient_id,
        patient_name: appointment.patient_name,
        visit_id,
        visit_signed: signed,
        proposed,
        charge,
        balance_cents: charged - paid,
    })
}

/// One charge with its lines and what was paid on it (a counter sale's, after each payment).
/// Audited: a charge on screen is a receipt read.
#[tracing::instrument(skip_all, fields(charge_id = %id))]
pub async fn charge(ctx: &Ctx, id: Uuid) -> AppResult<Charge> {
    let mut conn = ctx.pool.acquire().await?;
    let charge = repo::charge(&mut conn, id).await?.ok_or_else(|| AppError::not_found("charge"))?;
    audit::record(&mut *conn, &ctx.actor, Entry::new(Action::ChargeRead, "charge", id)).await?;
    Ok(charge)
}

async fn price_lines(conn: &mut PgConnection, input: &ChargeInput) -> AppResult<Vec<ChargeLine>> {
    let mut lines = Vec::with_capacity(input.lines.len());
    for l in &input.lines {
        lines.push(l.priced(repo::catalog_price(&mut *conn, l.treatment_id, l.product_id).await?)?);
    }
    Ok(lines)
}

/// Makes a charge at today's catalog prices. Discounts need their permission. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(charge_id = %input.id, patient_id = %input.patient_id))]
pub async fn create_charge(ctx: &Ctx, input: ChargeInput) -> AppResult<Charge> {
    let input = input.parse()?;
    input.check_discount(&ctx.session.permissions)?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    lock_patient(&mut tx, input.patient_id).await?;
    if let Some(visit) = input.visit_id
        && visits::patient_of(&mut *tx, visit).await? != Some(input.patient_id)
    {
        return Err(AppError::validation("visitId", "unknown_visit"));
    }
    let lines = price_lines(&mut tx, &input).await?;
    let total: i64 = lines.iter().map(|l| l.total_cents).sum();
    // The products sold are locked before the lines that name them are written (see `db::locks`).
    let mut sold: Vec<(Uuid, i32)> = lines.iter().filter_map(|l| l.product_id.map(|p| (p, l.quantity))).collect();
    sold.sort();
    let products: Vec<Uuid> = sold.iter().map(|(p, _)| *p).collect();
    crate::inventory::repo::lock_products(&mut tx, &products).await?;
    repo::insert_charge(&mut *tx, input.id, input.patient_id, input.visit_id, total, ctx.session.user_id).await?;
    repo::insert_lines(&mut *tx, input.id, &lines).await?;
    // Products sold leave stock in the same transaction: short stock refuses the whole charge.
    for (product, quantity) in sold {
        let link = Link { charge_id: Some(input.id), ..Link::default() };
        inventory::take(&mut tx, product, quantity, StockKind::Sale, &link, ctx.session.user_id, false).await?;
    }
    let charge = repo::charge(&mut tx, input.id).await?.ok_or_else(|| AppError::not_found("charge"))?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::ChargeCreate, "charge", input.id).after(&charge)).await?;
    tx.commit().await?;
    Ok(charge)
}

/// One charge or payment at a time per patient: balances checked under the lock hold when the
/// money lands, and a request replayed while its original is still running waits for it and then
/// finds it (instead of colliding with it on the id).
async fn lock_patient(conn: &mut PgConnection, patient: Uuid) -> AppResult<()> {
    match repo::lock_patient(conn, patient).await? {
        Some(_) => Ok(()),
        None => Err(AppError::validation("patientId", "unknown_patient")),
    }
}

async fn record(ctx: &Ctx, m: CheckedPayment) -> AppResult<Payment> {
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &m).await? {
        return Ok(stored);
    }
    lock_patient(&mut tx, m.patient).await?;
    // The charge the money is for, if any: its owner and what it is owed in all.
    let charge = match m.charge {
        Some(charge) => Some(
            repo::charge_owner_and_total(&mut *tx, charge)
                .await?
                .ok_or_else(|| AppError::validation("chargeId", "unknown_charge"))?,
        ),
        None => None,
    };
    let paid = repo::paid(&mut *tx, m.patient, m.charge).await?;
    check_amount(m.patient, m.amount, paid, charge)?;
    let session = require_desk_session(&mut *tx, ctx).await?;
    repo::insert_payment(
        &mut *tx,
        NewPayment {
            id: m.id,
            patient: m.patient,
            charge: m.charge,
            method: m.method,
            amount: m.amount,
            reason: &m.reason,
            reference: &m.reference,
            session,
            by: ctx.session.user_id,
        },
    )
    .await?;
    let stored = repo::payment(&mut *tx, m.id).await?.ok_or_else(|| AppError::not_found("payment"))?;
    let action = if m.amount > 0 { Action::PaymentCreate } else { Action::PaymentRefund };
    audit::record(&mut *tx, &ctx.actor, Entry::new(action, "payment", m.id).after(&stored)).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Takes a payment (partial payments allowed, never more than the charge still owes).
#[tracing::instrument(skip_all, fields(payment_id = %input.id, patient_id = %input.patient_id))]
pub async fn take_payment(ctx: &Ctx, input: PaymentInput) -> AppResult<Payment> {
    let input = input.parse()?;
    let m = CheckedPayment {
        id: input.id,
        patient: input.patient_id,
        charge: input.charge_id,
        method: input.method,
        amount: input.amount_cents,
        reason: String::new(),
        reference: input.reference,
    };
    record(ctx, m).await
}

/// Gives money back: a negative payment with its reason, never more than was paid.
#[tracing::instrument(skip_all, fields(payment_id = %input.id, patient_id = %input.patient_id))]
pub async fn refund(ctx: &Ctx, input: RefundInput) -> AppResult<Payment> {
    let mut reason = input.reason;
    required(&mut reason, "reason", crate::limits::REFUND_REASON)?;
    let amount = positive_cents(input.amount_cents, "amountCents")?;
    let m = CheckedPayment {
        id: input.id,
        patient: input.patient_id,
        charge: input.charge_id,
        method: input.method,
        amount: -amount,
        reason,
        reference: String::new(),
    };
    record(ctx, m).await
}

/// A patient's charges, payments and balance. Audited: part of the patient's record.
#[tracing::instrument(skip_all, fields(patient_id = %patient_id))]
pub async fn account(ctx: &Ctx, patient_id: Uuid) -> AppResult<PatientAccount> {
    let mut conn = ctx.pool.acquire().await?;
    crate::privacy::service::ensure_open(&mut *conn, patient_id).await?;
    audit::record(&mut *conn, &ctx.actor, Entry::new(Action::PatientAccountRead, "patient", patient_id)).await?;
    let (charged, paid) = repo::totals(&mut *conn, patient_id).await?;
    Ok(PatientAccount {
        patient_id,
        charged_cents: charged,
        paid_cents: paid,
        balance_cents: charged - paid,
        charges: repo::charges_for_patient(&mut conn, patient_id).await?,
        payments: repo::payments_for_patient(&mut *conn, patient_id).await?,
    })
}
