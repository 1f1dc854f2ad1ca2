//! Charges and payments against a real PostgreSQL: prices are kept, payments never exceed what is
//! owed, a retried charge or payment is stored once, desks racing on one patient stay consistent.

use podoclinic_clinic::billing::model::{ChargeInput, RefundInput};
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::money::Method;
use podoclinic_clinic::visits::model::{Procedure, VisitInput};
use podoclinic_clinic::visits::service as visits;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// A signed visit of Ana López with one nail cut ($350) and two quiropodias ($500 each), the
/// admin's context and reception's (at the same desk).
struct Signed {
    patient: Uuid,
    nails: Uuid,
    callus: Uuid,
    visit: Uuid,
    appointment: Uuid,
    ctx: podoclinic_clinic::auth::Ctx,
    reception: podoclinic_clinic::auth::Ctx,
}

async fn signed_visit(pool: &PgPool) -> Signed {
    let admin = first_admin(pool).await;
    staff(pool, &admin, "caja1", RECEPTION_ROLE).await;
    let pod = podiatrist(pool, &admin, "Dra. Pies", None).await;
    let patient = patient(pool, &admin, "Ana", "López", "").await;
    let nails = treatment(pool, &admin, "Corte de uñas", 35_000).await;
    let callus = treatment(pool, &admin, "Quiropodia", 50_000).await;
    let ctx = ctx_for(pool, "admin", ADMIN_PASSWORD).await;
    let reception = ctx_for(pool, "caja1", STAFF_PASSWORD).await;
    let appointment = arrived(&ctx, patient, pod, 0).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(0),
        notes: String::new(),
        procedures: vec![
            Procedure { treatment_id: nails, quantity: 1 },
            Procedure { treatment_id: callus, quantity: 2 },
        ],
        ..podoclinic_tests::signable()
    };
    visits::save(&ctx, input).await.unwrap();
    visits::sign(&ctx, visit.id, false).await.unwrap();
    Signed { patient, nails, callus, visit: visit.id, appointment, ctx, reception }
}

impl Signed {
    /// The visit's charge: the nail cut with `discount` cents off, and the two quiropodias.
    fn charge(&self, discount: i64) -> ChargeInput {
        ChargeInput {
            id: Uuid::now_v7(),
            patient_id: self.patient,
            visit_id: Some(self.visit),
            lines: vec![line(self.nails, 1, discount), line(self.callus, 2, 0)],
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn checkout_proposes_the_signed_visit_s_procedures_at_catalog_prices(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let checkout = billing::checkout(&v.reception, v.appointment).await.unwrap();
    assert!(checkout.visit_signed);
    assert_eq!(checkout.proposed.iter().map(|l| l.unit_price_cents * i64::from(l.quantity)).sum::<i64>(), 135_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_discount_needs_its_permission_and_a_replayed_charge_is_the_same_charge(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let discounted = v.charge(5_000);
    assert!(matches!(billing::create_charge(&v.reception, discounted.clone()).await, Err(AppError::Forbidden { .. })));
    let charge = billing::create_charge(&v.ctx, discounted.clone()).await.unwrap();
    assert_eq!(charge.total_cents, 130_000);
    assert_eq!(billing::create_charge(&v.ctx, discounted).await.unwrap().id, charge.id, "a replay returns the charge");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_line_slipped_into_a_charge_later_is_refused_at_commit(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let charge = billing::create_charge(&v.ctx, v.charge(5_000)).await.unwrap();
    let late = sqlx::query(
        "INSERT INTO charge_lines (charge_id, position, treatment_id, description, quantity, unit_price_cents)
         VALUES ($1, 9, $2, 'Extra', 1, 100)",
    )
    .bind(charge.id)
    .bind(v.nails)
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(late.as_database_error().and_then(|e| e.constraint()), Some("charges_total_matches"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_later_price_change_leaves_what_was_charged_alone(pool: PgPool) {
    let v = signed_visit(&pool).await;
    billing::create_charge(&v.ctx, v.charge(5_000)).await.unwrap();
    sqlx::query("UPDATE treatments SET price_cents = 99900 WHERE id = $1").bind(v.nails).execute(&pool).await.unwrap();
    let account = billing::account(&v.ctx, v.patient).await.unwrap();
    assert_eq!(account.charges[0].total_cents, 130_000);
    assert_eq!(account.balance_cents, 130_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn payments_need_an_open_drawer_and_never_exceed_the_charge(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let charge = billing::create_charge(&v.ctx, v.charge(5_000)).await.unwrap();
    assert_eq!(
        billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Cash, 50_000)).await.unwrap_err(),
        AppError::conflict("cash_session_required", None)
    );
    open_drawer(&v.reception, 100_000).await;
    billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Cash, 50_000)).await.unwrap();
    billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Card, 60_000)).await.unwrap();
    assert_eq!(
        billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Cash, 20_001)).await.unwrap_err(),
        AppError::validation("amountCents", "exceeds_balance")
    );
    assert_eq!(billing::account(&v.ctx, v.patient).await.unwrap().balance_cents, 20_000);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refund_needs_a_reason_and_never_exceeds_what_was_paid(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let charge = billing::create_charge(&v.ctx, v.charge(5_000)).await.unwrap();
    open_drawer(&v.reception, 100_000).await;
    billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Cash, 110_000)).await.unwrap();
    let refund = |amount, reason: &str| RefundInput {
        id: Uuid::now_v7(),
        patient_id: v.patient,
        charge_id: Some(charge.id),
        method: Method::Cash,
        amount_cents: amount,
        reason: reason.into(),
    };
    assert_eq!(
        billing::refund(&v.ctx, refund(10_000, "  ")).await.unwrap_err(),
        AppError::validation("reason", "required")
    );
    assert_eq!(
        billing::refund(&v.ctx, refund(110_001, "Cobro duplicado")).await.unwrap_err(),
        AppError::validation("amountCents", "refund_exceeds_paid")
    );
    billing::refund(&v.ctx, refund(10_000, "Cobro duplicado")).await.unwrap();
    let account = billing::account(&v.ctx, v.patient).await.unwrap();
    assert_eq!((account.charged_cents, account.paid_cents, account.balance_cents), (130_000, 100_000, 30_000));
}

#[sqlx::test(migrations = "../migrations")]
async fn charges_and_payments_are_append_only_in_the_database(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let charge = billing::create_charge(&v.ctx, v.charge(0)).await.unwrap();
    open_drawer(&v.reception, 100_000).await;
    billing::take_payment(&v.reception, pay(v.patient, Some(charge.id), Method::Cash, 50_000)).await.unwrap();
    for sql in
        ["UPDATE charges SET total_cents = 1", "DELETE FROM charge_lines", "UPDATE payments SET amount_cents = 1"]
    {
        assert!(sqlx::query(sql).execute(&pool).await.is_err(), "{sql} must be refused");
    }
}

/// Two (here eight) desks paying the same charge at once: payments are serialised per patient, so
/// exactly as many land as fit in the balance and the patient never pays more than owed.
#[sqlx::test(migrations = "../migrations")]
async fn desks_paying_one_charge_at_once_never_exceed_it(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Luis", "Mora", "").await;
    let visit_fee = treatment(&pool, &admin, "Consulta", 10_000).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    open_drawer(&ctx, 0).await;
    let charge = billing::create_charge(
        &ctx,
        ChargeInput { id: Uuid::now_v7(), patient_id: pat, visit_id: None, lines: vec![line(visit_fee, 1, 0)] },
    )
    .await
    .unwrap();
    let wide = PgPoolOptions::new().max_connections(10).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let desk = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
        let barrier = barrier.clone();
        let method = if i % 2 == 0 { Method::Cash } else { Method::Card };
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            billing::take_payment(&desk, pay(pat, Some(charge.id), method, 3_000)).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, AppError::validation("amountCents", "exceeds_balance")),
        }
    }
    assert_eq!(ok, 3, "3 × $30 fit in $100, a fourth would not");
    let account = billing::account(&ctx, pat).await.unwrap();
    assert_eq!((account.charged_cents, account.paid_cents, account.balance_cents), (10_000, 9_000, 1_000));
}

/// A desk that retries a charge while the first attempt is still running (a slow network) gets
/// the same charge back from both: the retry waits for the original and then finds it.
#[sqlx::test(migrations = "../migrations")]
async fn a_charge_retried_while_its_original_runs_is_made_once(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Inés", "Vega", "").await;
    let fee = treatment(&pool, &admin, "Consulta", 10_000).await;
    let wide = PgPoolOptions::new().max_connections(6).connect_with((*pool.connect_options()).clone()).await.unwrap();
    for _ in 0..5 {
        let input = ChargeInput { id: Uuid::now_v7(), patient_id: pat, visit_id: None, lines: vec![line(fee, 1, 0)] };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let desk = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
            let (barrier, input) = (barrier.clone(), input.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                billing::create_charge(&desk, input).await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().id, input.id);
        }
    }
    let (charges, total): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), sum(total_cents)::bigint FROM charges").fetch_one(&pool).await.unwrap();
    assert_eq!((charges, total), (5, Some(50_000)));
}

/// Reads that matter leave a row each, naming what was read: a charge on screen (a receipt), a
/// patient's account, a corte on screen.
#[sqlx::test(migrations = "../migrations")]
async fn a_charge_an_account_and_a_cash_report_on_screen_are_audited_reads(pool: PgPool) {
    let v = signed_visit(&pool).await;
    let charge = billing::create_charge(&v.ctx, v.charge(0)).await.unwrap();
    let session = open_drawer(&v.ctx, 10_000).await;
    let read = |action: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<String>)>(
                "SELECT entity, entity_id FROM audit_log WHERE action = $1 ORDER BY id",
            )
            .bind(action)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    billing::charge(&v.ctx, charge.id).await.unwrap();
    billing::account(&v.ctx, v.patient).await.unwrap();
    podoclinic_clinic::cash::service::view_report(&v.ctx, session).await.unwrap();
    assert_eq!(read("charge.read").await, vec![("charge".into(), Some(charge.id.to_string()))]);
    assert_eq!(read("patient.account_read").await, vec![("patient".into(), Some(v.patient.to_string()))]);
    assert_eq!(read("cash.report_read").await, vec![("cash_session".into(), Some(session.to_string()))]);
    // The report the close returns is the closing's answer, not a reading of its own.
    podoclinic_clinic::cash::service::close(&v.ctx, close_input(session, 10_000, 0, 0)).await.unwrap();
    assert_eq!(read("cash.report_read").await.len(), 1);
}
