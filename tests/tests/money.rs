//! Visits and clinical notes, charges and payments, expenses and the cash drawer against a real
//! PostgreSQL: signed notes never change, money adds up, a closed session never changes.

use chrono::Utc;
use podoclinic_core::billing::model::{ChargeInput, LineInput, PaymentInput, RefundInput};
use podoclinic_core::billing::service as billing;
use podoclinic_core::cash::model::{CloseInput, Denomination, MovementInput, MovementKind};
use podoclinic_core::cash::service as cash;
use podoclinic_core::error::AppError;
use podoclinic_core::expenses::model::ExpenseInput;
use podoclinic_core::money::Method;
use podoclinic_core::visits::model::{Procedure, Ulcer, VisitInput};
use podoclinic_core::visits::service as visits;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

fn line(treatment: Uuid, quantity: i32, discount: i64) -> LineInput {
    LineInput {
        treatment_id: Some(treatment),
        product_id: None,
        quantity,
        discount_cents: discount,
        discount_reason: if discount > 0 { "Paciente frecuente".into() } else { String::new() },
    }
}

fn pay(patient: Uuid, charge: Option<Uuid>, method: Method, amount: i64) -> PaymentInput {
    PaymentInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        charge_id: charge,
        method,
        amount_cents: amount,
        reference: String::new(),
    }
}

fn close_input(session: Uuid, cash: i64, card: i64, transfer: i64) -> CloseInput {
    CloseInput {
        session_id: session,
        counted_cash_cents: Some(cash),
        denominations: None,
        counted_card_cents: card,
        counted_transfer_cents: transfer,
        note: String::new(),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_note_never_changes_and_corrections_are_addenda(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let pat = patient(&pool, &admin, "José", "González", "").await;
    let nails = treatment(&pool, &admin, "Corte de uñas", 35_000).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let appointment = arrived(&ctx, pat, pod, 0).await;

    let visit = visits::open(&ctx, appointment).await.unwrap();
    assert!(visit.signed_at.is_none());
    let status: String = sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1")
        .bind(appointment)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "in_consultation", "opening the visit starts the consultation");

    let mut input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: None,
        notes: "Onicocriptosis lateral".into(),
        procedures: vec![Procedure { treatment_id: nails, quantity: 1 }],
    };
    input.findings.left.ulcer = Some(Ulcer { location: "Primer metatarsiano".into(), wagner_grade: 1 });
    input.findings.right.monofilament_felt = Some(8);
    visits::save(&ctx, input.clone()).await.unwrap();
    assert_eq!(
        visits::sign(&ctx, visit.id, false).await.unwrap_err(),
        AppError::validation("riskCategory", "required")
    );
    input.risk_category = Some(2);
    visits::save(&ctx, input.clone()).await.unwrap();
    let signed = visits::sign(&ctx, visit.id, false).await.unwrap();
    assert!(signed.signed_at.is_some());
    assert_eq!(signed.findings.right.monofilament_felt, Some(8));
    let status: String = sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1")
        .bind(appointment)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "completed", "signing completes the appointment");

    // The service refuses, and so does the database, whatever the client.
    assert_eq!(visits::save(&ctx, input).await.unwrap_err(), AppError::conflict("visit_signed", None));
    for sql in [
        "UPDATE visits SET notes = 'cambiada' WHERE id = $1",
        "DELETE FROM visits WHERE id = $1",
        "DELETE FROM visit_procedures WHERE visit_id = $1",
    ] {
        let err = sqlx::query(sql).bind(visit.id).execute(&pool).await.unwrap_err();
        assert!(err.as_database_error().is_some(), "{sql} must be refused");
    }
    let after = visits::add_addendum(&ctx, visit.id, Uuid::now_v7(), "Se aplicó antiséptico".into()).await.unwrap();
    assert_eq!(after.addenda.len(), 1);
    assert_eq!(after.notes, "Onicocriptosis lateral");
    let err = sqlx::query("UPDATE visit_addenda SET text = 'x'").execute(&pool).await.unwrap_err();
    assert!(err.as_database_error().is_some());

    let opens: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'visit.open'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(opens, 1);
    visits::open(&ctx, appointment).await.unwrap();
    let opens: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'visit.open'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(opens, 2, "every opening of a note is audited");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_podiatrist_writes_notes_only_on_their_own_appointments(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let (ana, luis) = (
        staff(&pool, &admin, "podologa.ana", PODIATRIST_ROLE).await,
        staff(&pool, &admin, "podologo.luis", PODIATRIST_ROLE).await,
    );
    let ana_pod = podiatrist(&pool, &admin, "Dra. Ana", Some(ana.id)).await;
    podiatrist(&pool, &admin, "Dr. Luis", Some(luis.id)).await;
    let patient = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let admin_ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let appointment = arrived(&admin_ctx, patient, ana_pod, 0).await;
    let forbidden = AppError::Forbidden { permission: podoclinic_core::auth::Permission::AppointmentsWriteOthers };

    let luis_ctx = ctx_for(&pool, "podologo.luis", STAFF_PASSWORD).await;
    assert_eq!(visits::open(&luis_ctx, appointment).await.unwrap_err(), forbidden);
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM visits").fetch_one(&pool).await.unwrap(), 0);

    let ana_ctx = ctx_for(&pool, "podologa.ana", STAFF_PASSWORD).await;
    let visit = visits::open(&ana_ctx, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(0),
        notes: "Revisión".into(),
        procedures: vec![],
    };
    assert_eq!(visits::save(&luis_ctx, input.clone()).await.unwrap_err(), forbidden);
    visits::save(&ana_ctx, input).await.unwrap();
    assert_eq!(visits::sign(&luis_ctx, visit.id, false).await.unwrap_err(), forbidden);
    assert!(visits::sign(&ana_ctx, visit.id, false).await.unwrap().signed_at.is_some());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_charge_keeps_its_prices_and_payments_never_exceed_it(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "caja1", RECEPTION_ROLE).await;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let pat = patient(&pool, &admin, "Ana", "López", "").await;
    let nails = treatment(&pool, &admin, "Corte de uñas", 35_000).await;
    let callus = treatment(&pool, &admin, "Quiropodia", 50_000).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let reception = ctx_for(&pool, "caja1", STAFF_PASSWORD).await;
    let appointment = arrived(&ctx, pat, pod, 0).await;
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
    };
    visits::save(&ctx, input).await.unwrap();
    visits::sign(&ctx, visit.id, false).await.unwrap();

    let checkout = billing::checkout(&reception, appointment).await.unwrap();
    assert!(checkout.visit_signed);
    assert_eq!(checkout.proposed.iter().map(|l| l.unit_price_cents * i64::from(l.quantity)).sum::<i64>(), 135_000);

    // Reception may not discount without the permission.
    let discounted = ChargeInput {
        id: Uuid::now_v7(),
        patient_id: pat,
        visit_id: Some(visit.id),
        lines: vec![line(nails, 1, 5_000), line(callus, 2, 0)],
    };
    assert!(matches!(billing::create_charge(&reception, discounted.clone()).await, Err(AppError::Forbidden { .. })));
    let charge = billing::create_charge(&ctx, discounted.clone()).await.unwrap();
    assert_eq!(charge.total_cents, 130_000);
    assert_eq!(billing::create_charge(&ctx, discounted).await.unwrap().id, charge.id, "a replay returns the charge");
    // The database holds a charge to its lines: a line slipped in later is refused at commit.
    let late = sqlx::query(
        "INSERT INTO charge_lines (charge_id, position, treatment_id, description, quantity, unit_price_cents)
         VALUES ($1, 9, $2, 'Extra', 1, 100)",
    )
    .bind(charge.id)
    .bind(nails)
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(late.as_database_error().and_then(|e| e.constraint()), Some("charges_total_matches"));

    // A later price change does not touch what was charged.
    sqlx::query("UPDATE treatments SET price_cents = 99900 WHERE id = $1").bind(nails).execute(&pool).await.unwrap();
    let account = billing::account(&ctx, pat).await.unwrap();
    assert_eq!(account.charges[0].total_cents, 130_000);
    assert_eq!(account.balance_cents, 130_000);

    // No open drawer at this desk: payments are refused with a clear error.
    assert_eq!(
        billing::take_payment(&reception, pay(pat, Some(charge.id), Method::Cash, 50_000)).await.unwrap_err(),
        AppError::conflict("cash_session_required", None)
    );
    open_drawer(&reception, 100_000).await;
    billing::take_payment(&reception, pay(pat, Some(charge.id), Method::Cash, 50_000)).await.unwrap();
    billing::take_payment(&reception, pay(pat, Some(charge.id), Method::Card, 60_000)).await.unwrap();
    assert_eq!(
        billing::take_payment(&reception, pay(pat, Some(charge.id), Method::Cash, 20_001)).await.unwrap_err(),
        AppError::validation("amountCents", "exceeds_balance")
    );
    assert_eq!(billing::account(&ctx, pat).await.unwrap().balance_cents, 20_000);

    // Refunds need their permission, a reason, and never exceed what was paid.
    let refund = |amount| RefundInput {
        id: Uuid::now_v7(),
        patient_id: pat,
        charge_id: Some(charge.id),
        method: Method::Cash,
        amount_cents: amount,
        reason: "Cobro duplicado".into(),
    };
    assert_eq!(
        billing::refund(&ctx, refund(110_001)).await.unwrap_err(),
        AppError::validation("amountCents", "refund_exceeds_paid")
    );
    let ctx_desk = ctx_for(&pool, "admin", ADMIN_PASSWORD).await; // same desk as reception
    billing::refund(&ctx_desk, refund(10_000)).await.unwrap();
    let account = billing::account(&ctx, pat).await.unwrap();
    assert_eq!((account.charged_cents, account.paid_cents, account.balance_cents), (130_000, 100_000, 30_000));

    // Charges and payments are append-only in the database.
    for sql in
        ["UPDATE charges SET total_cents = 1", "DELETE FROM charge_lines", "UPDATE payments SET amount_cents = 1"]
    {
        assert!(sqlx::query(sql).execute(&pool).await.is_err(), "{sql} must be refused");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn after_a_z_close_nothing_in_the_session_changes(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Luis", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 50_000).await;
    let payment = billing::take_payment(&ctx, pay(pat, None, Method::Cash, 30_000)).await.unwrap();
    let expense = ExpenseInput {
        id: Uuid::now_v7(),
        category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000104),
        amount_cents: 4_550,
        spent_on: podoclinic_core::clinic::time::local_date(chrono_tz::America::Mexico_City, Utc::now()),
        method: Method::Cash,
        supplier_id: None,
        note: "Cloro".into(),
    };
    podoclinic_core::expenses::service::record(&ctx, expense).await.unwrap();
    let withdrawal = MovementInput {
        id: Uuid::now_v7(),
        kind: MovementKind::Withdrawal,
        method: Method::Cash,
        amount_cents: 20_000,
        reason: "Depósito al banco".into(),
    };
    let x = cash::add_movement(&ctx, withdrawal.clone()).await.unwrap();
    assert_eq!(x.methods[0].expected_cents, 50_000 + 30_000 - 4_550 - 20_000);
    let again = cash::add_movement(&ctx, withdrawal.clone()).await.unwrap();
    assert_eq!(again.methods[0].expected_cents, x.methods[0].expected_cents, "a replay withdraws nothing more");
    assert_eq!(
        cash::add_movement(&ctx, MovementInput { amount_cents: 25_000, ..withdrawal }).await.unwrap_err(),
        AppError::conflict("id_reused", None),
        "the id of another movement"
    );

    let mut by_pieces = close_input(session, 0, 0, 0);
    by_pieces.counted_cash_cents = None;
    by_pieces.denominations = Some(vec![
        Denomination { cents: 50_000, count: 1 },
        Denomination { cents: 5_000, count: 1 },
        Denomination { cents: 200, count: 2 },
    ]);
    let z = cash::close(&ctx, by_pieces).await.unwrap();
    assert_eq!(z.methods[0].counted_cents, Some(55_400));
    assert_eq!(z.methods[0].difference_cents, Some(55_400 - 55_450), "fifty centavos missing");
    assert!(z.session.closed_at.is_some());

    for sql in [
        "UPDATE payments SET amount_cents = 1 WHERE session_id = $1",
        "DELETE FROM payments WHERE session_id = $1",
        "UPDATE cash_sessions SET counted_cash_cents = 55450 WHERE id = $1",
        "DELETE FROM cash_sessions WHERE id = $1",
        "UPDATE expenses SET amount_cents = 1 WHERE session_id = $1",
        "DELETE FROM cash_movements WHERE session_id = $1",
    ] {
        let err = sqlx::query(sql).bind(session).execute(&pool).await.unwrap_err();
        let constraint = err.as_database_error().and_then(|e| e.constraint()).map(str::to_string);
        assert!(constraint.is_some(), "{sql} must be refused by a named rule, got {err}");
    }
    // A back-dated entry into the closed session is refused too.
    let err = sqlx::query(
        "INSERT INTO cash_movements (id, session_id, kind, amount_cents, reason, at, created_by)
         SELECT $1, $2, 'deposit', 100, 'olvidado', opened_at + interval '1 minute', opened_by FROM cash_sessions WHERE id = $2",
    )
    .bind(Uuid::now_v7())
    .bind(session)
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("cash_session_closed"));
    assert!(
        matches!(billing::take_payment(&ctx, pay(pat, None, Method::Cash, 100)).await, Err(AppError::Conflict { .. })),
        "no open session now"
    );
    // The mistake is corrected in the next session, which starts clean.
    let next = open_drawer(&ctx, 55_400).await;
    let fix = MovementInput {
        id: Uuid::now_v7(),
        kind: MovementKind::Adjustment,
        method: Method::Cash,
        amount_cents: -50,
        reason: "Faltante del corte anterior".into(),
    };
    let x = cash::add_movement(&ctx, fix).await.unwrap();
    assert_eq!(x.session.id, next);
    assert_eq!(x.methods[0].expected_cents, 55_350);
    // An entry dated before its open session began is refused as back-dated.
    let err = sqlx::query(
        "INSERT INTO cash_movements (id, session_id, kind, amount_cents, reason, at, created_by)
         SELECT $1, $2, 'deposit', 100, 'tarde', opened_at - interval '1 hour', opened_by FROM cash_sessions WHERE id = $2",
    )
    .bind(Uuid::now_v7())
    .bind(next)
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("cash_entry_backdated"));
    let _ = payment;
}

#[sqlx::test(migrations = "../migrations")]
async fn two_desks_closing_the_same_session_at_once_one_wins(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 10_000).await;
    billing::take_payment(&ctx, pay(pat, None, Method::Transfer, 25_000)).await.unwrap();
    let wide = PgPoolOptions::new().max_connections(4).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let mut results = Vec::new();
    for round in 0..5 {
        let desks = [ctx_for(&wide, "admin", ADMIN_PASSWORD).await, ctx_for(&wide, "admin", ADMIN_PASSWORD).await];
        let session = if round == 0 { session } else { open_drawer(&desks[0], 10_000).await };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = desks
            .into_iter()
            .enumerate()
            .map(|(i, desk)| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    cash::close(&desk, close_input(session, 10_000 + i as i64, 0, 25_000)).await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(e, AppError::conflict("cash_session_closed", None)),
            }
        }
        results.push(ok);
    }
    assert_eq!(results, vec![1; 5], "exactly one close wins every time");
    let closes: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'cash.close'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(closes, 5);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expense_by_card_stays_out_of_the_drawer_and_bad_input_changes_nothing(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let today = podoclinic_core::clinic::time::local_date(chrono_tz::America::Mexico_City, Utc::now());
    let mut expense = ExpenseInput {
        id: Uuid::now_v7(),
        category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000102),
        amount_cents: 800_000,
        spent_on: today,
        method: Method::Transfer,
        supplier_id: None,
        note: "Renta de noviembre".into(),
    };
    let stored = podoclinic_core::expenses::service::record(&ctx, expense.clone()).await.unwrap();
    assert_eq!(stored.session_id, None);
    let bad = [
        (
            ExpenseInput { id: Uuid::now_v7(), amount_cents: 0, ..expense.clone() },
            AppError::validation("amountCents", "amount_zero"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), spent_on: today + chrono::Duration::days(1), ..expense.clone() },
            AppError::validation("spentOn", "in_future"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), method: Method::Cash, ..expense.clone() },
            AppError::conflict("cash_session_required", None),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), category_id: Uuid::now_v7(), ..expense.clone() },
            AppError::validation("categoryId", "unknown_category"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), supplier_id: Some(Uuid::now_v7()), ..expense.clone() },
            AppError::validation("supplierId", "unknown_supplier"),
        ),
    ];
    for (input, error) in bad {
        assert_eq!(podoclinic_core::expenses::service::record(&ctx, input).await.unwrap_err(), error);
    }
    expense.note = "otra cosa".into();
    assert_eq!(
        podoclinic_core::expenses::service::record(&ctx, expense).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM expenses").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
    let _ = admin;
}

/// Text of a PDF, through poppler's pdftotext (installed by the test script).
fn pdf_text(path: &str) -> String {
    let out = std::process::Command::new("pdftotext").args(["-layout", path, "-"]).output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed on {path}");
    String::from_utf8(out.stdout).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_receipt_and_the_closing_report_print_what_was_recorded(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Verónica", "Ibáñez Núñez", "").await;
    let nails = treatment(&pool, &admin, "Corte de uñas con fresado", 123_450).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 50_000).await;
    let charge = billing::create_charge(
        &ctx,
        ChargeInput { id: Uuid::now_v7(), patient_id: pat, visit_id: None, lines: vec![line(nails, 2, 0)] },
    )
    .await
    .unwrap();
    billing::take_payment(&ctx, pay(pat, Some(charge.id), Method::Cash, 200_000)).await.unwrap();
    let dir = std::env::temp_dir().join(format!("podoclinic-docs-{}", Uuid::now_v7()));
    let lang = podoclinic_core::documents::render::Lang::Es;
    let receipt = podoclinic_core::documents::receipt(&ctx, &dir, charge.id, lang).await.unwrap();
    let text = pdf_text(&receipt.path);
    for expected in
        ["Mi clínica", "Recibo de pago", "Verónica Ibáñez Núñez", "Corte de uñas con fresado", "$2,469.00", "$469.00"]
    {
        assert!(text.contains(expected), "receipt lacks {expected:?}:\n{text}");
    }
    cash::close(&ctx, close_input(session, 249_900, 0, 0)).await.unwrap();
    let report = podoclinic_core::documents::cash_report(&ctx, &dir, session, lang).await.unwrap();
    let text = pdf_text(&report.path);
    for expected in ["Corte Z", "Caja 1", "Fondo inicial", "$2,500.00", "$2,499.00", "-$1.00", "Diferencia"] {
        assert!(text.contains(expected), "report lacks {expected:?}:\n{text}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retired_register_cannot_be_opened_and_a_desk_uses_the_one_it_opened(pool: PgPool) {
    use podoclinic_core::cash::model::{OpenSessionInput, Register};
    first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let second = Register { id: Uuid::now_v7(), name: "Caja 2".into(), active: true };
    cash::create_register(&ctx, second.clone()).await.unwrap();
    assert_eq!(cash::create_register(&ctx, second.clone()).await.unwrap(), second, "a replay is the same register");
    let duplicate = Register { id: Uuid::now_v7(), name: "caja 2".into(), active: true };
    assert_eq!(
        cash::create_register(&ctx, duplicate).await.unwrap_err(),
        AppError::conflict("name_taken", Some("name"))
    );
    cash::update_register(&ctx, Register { active: false, ..second.clone() }).await.unwrap();
    let open = |register_id| OpenSessionInput { id: Uuid::now_v7(), register_id, opening_float_cents: 0 };
    assert_eq!(
        cash::open(&ctx, open(second.id)).await.unwrap_err(),
        AppError::validation("registerId", "unknown_register")
    );
    let desk = cash::open(&ctx, open(DEFAULT_REGISTER)).await.unwrap();
    assert_eq!(desk.register.map(|r| r.id), Some(DEFAULT_REGISTER));
    assert_eq!(
        cash::open(&ctx, open(DEFAULT_REGISTER)).await.unwrap_err(),
        AppError::conflict("cash_session_open", None),
        "one open session per register"
    );
}

/// Payments racing the Z close: each one either lands before the close and is in its totals, or
/// is refused because the drawer closed. None is taken and left out of the closing report.
#[sqlx::test(migrations = "../migrations")]
async fn payments_racing_a_z_close_are_counted_or_refused_never_lost(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let wide = PgPoolOptions::new().max_connections(12).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let (mut landed_all, mut refused_all) = (0, 0);
    for round in 0..4u64 {
        let opener = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
        let session = open_drawer(&opener, 10_000).await;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(11));
        let mut payments = Vec::new();
        for i in 0..10u64 {
            let desk = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
            let barrier = barrier.clone();
            payments.push(tokio::spawn(async move {
                barrier.wait().await;
                // Spread over the close, so some come before it and some after.
                tokio::time::sleep(std::time::Duration::from_millis(i * (1 + round))).await;
                billing::take_payment(&desk, pay(pat, None, Method::Cash, 1_000 + i as i64)).await
            }));
        }
        let closer = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
        let close = tokio::spawn(async move {
            barrier.wait().await;
            tokio::time::sleep(std::time::Duration::from_millis(4 * (1 + round))).await;
            cash::close(&closer, close_input(session, 0, 0, 0)).await
        });
        let mut landed = Vec::new();
        for p in payments {
            match p.await.unwrap() {
                Ok(p) => landed.push(p),
                Err(e) => {
                    refused_all += 1;
                    assert!(
                        e == AppError::conflict("cash_session_closed", None)
                            || e == AppError::conflict("cash_session_required", None),
                        "a payment after the close is refused as such: {e:?}"
                    );
                }
            }
        }
        let report = close.await.unwrap().unwrap();
        landed_all += landed.len();
        let landed_cents: i64 = landed.iter().map(|p| p.amount_cents).sum();
        let cash_line = report.methods.iter().find(|m| m.method == Method::Cash).unwrap();
        assert_eq!(cash_line.payments_cents, landed_cents, "round {round}: the report counts every payment taken");
        assert_eq!(cash_line.expected_cents, 10_000 + landed_cents);
        let (count, sum): (i64, Option<i64>) =
            sqlx::query_as("SELECT count(*), sum(amount_cents)::bigint FROM payments WHERE session_id = $1")
                .bind(session)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((count as usize, sum.unwrap_or(0)), (landed.len(), landed_cents), "round {round}");
        let closed_at = report.session.closed_at.unwrap();
        assert!(landed.iter().all(|p| p.at <= closed_at), "round {round}: nothing lands after the close");
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM payments").fetch_one(&pool).await.unwrap();
    assert_eq!(total as usize, landed_all, "no payment exists outside what the desks were told");
    println!("payments racing the close: {landed_all} counted, {refused_all} refused");
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
