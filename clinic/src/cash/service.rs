use chrono::Utc;
use uuid::Uuid;

use super::model::{
    CashMovementInput, CashMovementKind, CashReport, CloseInput, DeskCash, MethodSummary, OpenSessionInput, Register,
};
use super::repo::{self, NewCashMovement};
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::money::{self, Method, PerMethod};
use crate::validate::{cents, positive_cents, required, trimmed};

/// This desk's register, its open session if any, and every register.
pub async fn desk_cash(ctx: &Ctx) -> AppResult<DeskCash> {
    desk_cash_of(&ctx.pool, &ctx.actor.desk).await
}

/// `desk_cash` of the desk named `desk`, for the desk store too.
pub async fn desk_cash_of(pool: &sqlx::PgPool, desk: &str) -> AppResult<DeskCash> {
    let register = repo::desk_register(pool, desk).await?;
    let session = match &register {
        Some(r) => repo::open_session_of(pool, r.id).await?,
        None => None,
    };
    Ok(DeskCash { desk: desk.to_string(), register, session, registers: repo::registers(pool).await? })
}

/// The open session this desk's payments and cash expenses land in: the one `ctx` names, if it
/// names one (refused when that one is closed), else whichever is open.
pub async fn require_desk_session(db: impl sqlx::PgExecutor<'_>, ctx: &Ctx) -> AppResult<Uuid> {
    let open = repo::desk_session(db, &ctx.actor.desk).await?;
    match (open, ctx.drawer) {
        (open, Some(named)) if open != Some(named) => Err(AppError::conflict("cash_session_changed", None)),
        (Some(open), _) => Ok(open),
        (None, _) => Err(AppError::conflict("cash_session_required", None)),
    }
}

/// Opens a session on a register with its float; the desk now uses that register.
#[tracing::instrument(skip_all, fields(session_id = %input.id, register_id = %input.register_id))]
pub async fn open(ctx: &Ctx, input: OpenSessionInput) -> AppResult<DeskCash> {
    cents(input.opening_float_cents, "openingFloatCents")?;
    let mut tx = ctx.pool.begin().await?;
    if db::replayed(&mut tx, &input).await?.is_some() {
        drop(tx);
        return desk_cash(ctx).await;
    }
    let registers = repo::registers(&mut *tx).await?;
    if !registers.iter().any(|r| r.id == input.register_id && r.active) {
        return Err(AppError::validation("registerId", "unknown_register"));
    }
    let desk = &ctx.actor.desk;
    if repo::desk_register(&mut *tx, desk).await?.map(|r| r.id) != Some(input.register_id) {
        repo::assign(&mut *tx, desk, input.register_id).await?;
        audit::record(&mut *tx, &ctx.actor, Entry::new(Action::CashAssignDesk, "cash_register", input.register_id))
            .await?;
    }
    repo::insert_session(&mut *tx, &input, ctx.session.user_id).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::CashOpen, "cash_session", input.id).after(&input)).await?;
    tx.commit().await?;
    desk_cash(ctx).await
}

/// `report`, as the cash screen shows it: a report read, audited.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn view_report(ctx: &Ctx, session_id: Uuid) -> AppResult<CashReport> {
    let report = report(ctx, session_id).await?;
    audit::record(&ctx.pool, &ctx.actor, Entry::new(Action::CashReportRead, "cash_session", session_id)).await?;
    Ok(report)
}

/// Corte X for an open session, corte Z (with counted amounts and differences) for a closed one.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn report(ctx: &Ctx, session_id: Uuid) -> AppResult<CashReport> {
    let mut conn = ctx.pool.acquire().await?;
    let session = repo::session(&mut *conn, session_id).await?.ok_or_else(|| AppError::not_found("cash_session"))?;
    let entries = repo::entries(&mut *conn, session_id).await?;
    let sums = money::session_sums(entries.iter().map(|e| (e.kind, e.method, e.amount_cents)));
    let expected = money::expected(session.opening_float_cents, &sums);
    let (counted, denominations, note) = if session.closed_at.is_some() {
        let c = repo::closing(&mut *conn, session_id).await?;
        let counted =
            PerMethod { cash: c.counted_cash_cents, card: c.counted_card_cents, transfer: c.counted_transfer_cents };
        (counted, c.denominations.map(|d| d.0), c.close_note)
    } else {
        (PerMethod::default(), None, String::new())
    };
    let methods = Method::ALL
        .iter()
        .map(|&method| {
            let (sums, expected, counted) = (sums.get(method), *expected.get(method), *counted.get(method));
            MethodSummary {
                method,
                payments_cents: sums.payments,
                refunds_cents: sums.refunds,
                expenses_cents: sums.expenses,
                withdrawals_cents: sums.withdrawals,
                deposits_cents: sums.deposits,
                adjustments_cents: sums.adjustments,
                expected_cents: expected,
                counted_cents: counted,
                difference_cents: counted.map(|c| c - expected),
            }
        })
        .collect();
    Ok(CashReport { session, methods, entries, denominations, note, generated_at: Utc::now() })
}

/// A withdrawal, deposit or adjusting entry in this desk's open session. Idempotent by `id`.
#[tracing::instrument(skip_all, fields(movement_id = %input.id))]
pub async fn add_movement(ctx: &Ctx, input: CashMovementInput) -> AppResult<CashReport> {
    let mut m = input;
    required(&mut m.reason, "reason", crate::limits::CASH_MOVEMENT_REASON)?;
    let signed = match m.kind {
        CashMovementKind::Withdrawal => -positive_cents(m.amount_cents, "amountCents")?,
        CashMovementKind::Deposit => positive_cents(m.amount_cents, "amountCents")?,
        CashMovementKind::Adjustment => {
            positive_cents(m.amount_cents.abs(), "amountCents")?;
            m.amount_cents
        }
    };
    if m.kind != CashMovementKind::Adjustment && m.method != Method::Cash {
        return Err(AppError::validation("method", "cash_only"));
    }
    let mut tx = ctx.pool.begin().await?;
    let session = require_desk_session(&mut *tx, ctx).await?;
    let movement = NewCashMovement {
        id: m.id,
        session_id: session,
        kind: m.kind,
        method: m.method,
        amount_cents: signed,
        reason: m.reason.clone(),
    };
    if db::replayed(&mut tx, &movement).await?.is_none() {
        repo::insert_movement(&mut *tx, &movement, ctx.session.user_id).await?;
        audit::record(&mut *tx, &ctx.actor, Entry::new(Action::CashMovement, "cash_session", session).after(&m))
            .await?;
    }
    tx.commit().await?;
    report(ctx, session).await
}

/// Corte Z: records the counted amounts against what was expected and closes the session for
/// good. Two desks closing at once: the first wins, the second is told it is already closed.
#[tracing::instrument(skip_all, fields(session_id = %input.session_id))]
pub async fn close(ctx: &Ctx, input: CloseInput) -> AppResult<CashReport> {
    let mut note = input.note;
    trimmed(&mut note, "note", crate::limits::CASH_CLOSE_NOTE)?;
    let counted_card = cents(input.counted_card_cents, "countedCardCents")?;
    let counted_transfer = cents(input.counted_transfer_cents, "countedTransferCents")?;
    let by_pieces = match &input.denominations {
        Some(d) => Some(money::count_cash(&d.iter().map(|d| (d.cents, d.count)).collect::<Vec<_>>())?),
        None => None,
    };
    let counted_cash = match (input.counted_cash_cents, by_pieces) {
        (Some(c), Some(p)) if c != p => return Err(AppError::validation("countedCashCents", "denominations_mismatch")),
        (Some(c), _) => cents(c, "countedCashCents")?,
        (None, Some(p)) => p,
        (None, None) => return Err(AppError::validation("countedCashCents", "required")),
    };
    let mut tx = ctx.pool.begin().await?;
    match repo::lock(&mut tx, input.session_id).await? {
        None => return Err(AppError::not_found("cash_session")),
        Some(true) => return Err(AppError::conflict("cash_session_closed", None)),
        Some(false) => {}
    }
    let session =
        repo::session(&mut *tx, input.session_id).await?.ok_or_else(|| AppError::not_found("cash_session"))?;
    let entries = repo::entries(&mut *tx, input.session_id).await?;
    let sums = money::session_sums(entries.iter().map(|e| (e.kind, e.method, e.amount_cents)));
    let expected = money::expected(session.opening_float_cents, &sums);
    let counted = PerMethod { cash: counted_cash, card: counted_card, transfer: counted_transfer };
    let denominations: Option<Vec<_>> = input.denominations.map(|d| d.into_iter().filter(|d| d.count > 0).collect());
    repo::close(
        &mut *tx,
        repo::CloseRecord {
            session: input.session_id,
            by: ctx.session.user_id,
            expected,
            counted,
            denominations: denominations.as_deref(),
            note: &note,
        },
    )
    .await?;
    let entry = Entry::new(Action::CashClose, "cash_session", input.session_id).after(&serde_json::json!({
        "expected": [expected.cash, expected.card, expected.transfer],
        "counted": [counted.cash, counted.card, counted.transfer],
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    report(ctx, input.session_id).await
}

/// Adds a register; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all, fields(register_id = %input.id))]
pub async fn create_register(ctx: &Ctx, input: Register) -> AppResult<Register> {
    let mut r = input;
    required(&mut r.name, "name", crate::limits::CASH_REGISTER_NAME)?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &r).await? {
        return Ok(stored);
    }
    repo::insert_register(&mut *tx, &r).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::CashRegisterCreate, "cash_register", r.id).after(&r))
        .await?;
    tx.commit().await?;
    Ok(r)
}

/// Renames a register or retires it (`active: false`); its sessions stay as they were.
#[tracing::instrument(skip_all, fields(register_id = %input.id))]
pub async fn update_register(ctx: &Ctx, input: Register) -> AppResult<Register> {
    let mut r = input;
    required(&mut r.name, "name", crate::limits::CASH_REGISTER_NAME)?;
    let mut tx = ctx.pool.begin().await?;
    let before = repo::register_for_update(&mut tx, r.id).await?.ok_or_else(|| AppError::not_found("cash_register"))?;
    repo::update_register(&mut *tx, &r).await?;
    let entry = Entry::new(Action::CashRegisterUpdate, "cash_register", r.id).before(&before).after(&r);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(r)
}

/// A register's latest 60 sessions, newest first.
pub async fn sessions(ctx: &Ctx, register: Uuid) -> AppResult<Vec<super::model::CashSession>> {
    repo::sessions(&ctx.pool, register, 60).await
}

/// Every register, active first.
pub async fn registers(ctx: &Ctx) -> AppResult<Vec<Register>> {
    repo::registers(&ctx.pool).await
}
