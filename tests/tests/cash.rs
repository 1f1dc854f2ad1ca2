//! The cash drawer against a real PostgreSQL: a closed session never changes, one close wins,
//! payments racing a close are counted or refused, a desk uses the register it opened.

use chrono::Utc;
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::cash::model::{CashMovementInput, CashMovementKind, Denomination};
use podoclinic_clinic::cash::service as cash;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::expenses::model::ExpenseInput;
use podoclinic_clinic::money::Method;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// A day at the drawer: opened with $500, a $300 cash payment, a $45.50 cash expense and a $200
/// withdrawal. Returns the context, the patient, the session and the withdrawal.
async fn a_day(pool: &PgPool) -> (podoclinic_clinic::auth::Ctx, Uuid, Uuid, CashMovementInput) {
    let admin = first_admin(pool).await;
    let pat = patient(pool, &admin, "Luis", "Pérez", "").await;
    let ctx = ctx_for(pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 50_000).await;
    billing::take_payment(&ctx, pay(pat, None, Method::Cash, 30_000)).await.unwrap();
    let expense = ExpenseInput {
        id: Uuid::now_v7(),
        category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000104),
        amount_cents: 4_550,
        spent_on: podoclinic_clinic::profile::time::local_date(chrono_tz::America::Mexico_City, Utc::now()),
        method: Method::Cash,
        supplier_id: None,
        note: "Cloro".into(),
    };
    podoclinic_clinic::expenses::service::record(&ctx, expense).await.unwrap();
    let withdrawal = CashMovementInput {
        id: Uuid::now_v7(),
        kind: CashMovementKind::Withdrawal,
        method: Method::Cash,
        amount_cents: 20_000,
        reason: "Depósito al banco".into(),
    };
    cash::add_movement(&ctx, withdrawal.clone()).await.unwrap();
    (ctx, pat, session, withdrawal)
}

/// `a_day`, closed with $554.00 counted in pieces (fifty centavos short).
async fn a_closed_day(
    pool: &PgPool,
) -> (podoclinic_clinic::auth::Ctx, Uuid, Uuid, podoclinic_clinic::cash::model::CashReport) {
    let (ctx, pat, session, _) = a_day(pool).await;
    let mut by_pieces = close_input(session, 0, 0, 0);
    by_pieces.counted_cash_cents = None;
    by_pieces.denominations = Some(vec![
        Denomination { cents: 50_000, count: 1 },
        Denomination { cents: 5_000, count: 1 },
        Denomination { cents: 200, count: 2 },
    ]);
    let z = cash::close(&ctx, by_pieces).await.unwrap();
    (ctx, pat, session, z)
}

#[sqlx::test(migrations = "../migrations")]
async fn the_drawer_expects_the_float_plus_every_entry_and_a_replayed_withdrawal_takes_nothing(pool: PgPool) {
    let (ctx, _, session, withdrawal) = a_day(&pool).await;
    let x = cash::report(&ctx, session).await.unwrap();
    assert_eq!(x.methods[0].expected_cents, 50_000 + 30_000 - 4_550 - 20_000);
    let again = cash::add_movement(&ctx, withdrawal.clone()).await.unwrap();
    assert_eq!(again.methods[0].expected_cents, x.methods[0].expected_cents, "a replay withdraws nothing more");
    assert_eq!(
        cash::add_movement(&ctx, CashMovementInput { amount_cents: 25_000, ..withdrawal }).await.unwrap_err(),
        AppError::conflict("id_reused", None),
        "the id of another movement"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_z_close_counts_cash_by_the_piece_and_names_the_difference(pool: PgPool) {
    let (_, _, _, z) = a_closed_day(&pool).await;
    assert_eq!(z.methods[0].counted_cents, Some(55_400));
    assert_eq!(z.methods[0].difference_cents, Some(55_400 - 55_450), "fifty centavos missing");
    assert!(z.session.closed_at.is_some());
}

#[sqlx::test(migrations = "../migrations")]
async fn after_a_z_close_nothing_in_the_session_changes(pool: PgPool) {
    let (ctx, pat, session, _) = a_closed_day(&pool).await;
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
    assert_eq!(
        billing::take_payment(&ctx, pay(pat, None, Method::Cash, 100)).await.unwrap_err(),
        AppError::conflict("cash_session_required", None),
        "no open session now"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_next_session_starts_clean_and_refuses_entries_dated_before_it(pool: PgPool) {
    let (ctx, _, _, _) = a_closed_day(&pool).await;
    // The mistake is corrected in the next session, which starts clean.
    let next = open_drawer(&ctx, 55_400).await;
    let fix = CashMovementInput {
        id: Uuid::now_v7(),
        kind: CashMovementKind::Adjustment,
        method: Method::Cash,
        amount_cents: -50,
        reason: "Faltante del corte anterior".into(),
    };
    let x = cash::add_movement(&ctx, fix).await.unwrap();
    assert_eq!(x.session.id, next);
    assert_eq!(x.methods[0].expected_cents, 55_350);
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
async fn a_retired_register_cannot_be_opened_and_a_desk_uses_the_one_it_opened(pool: PgPool) {
    use podoclinic_clinic::cash::model::{OpenSessionInput, Register};
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
