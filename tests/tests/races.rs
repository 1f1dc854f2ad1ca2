//! Different operations racing each other, as desks at one clinic do: counter sales of one product
//! from many desks, with plenty of stock and with too little. No desk may see an internal error.

use std::sync::Arc;

use podoclinic_clinic::auth::{Ctx, Permission};
use podoclinic_clinic::billing::model::{ChargeInput, LineInput};
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::inventory::model::{PurchaseInput, PurchaseLine};
use podoclinic_desk::state::AppState;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// A counter sale of `quantity` of one product to a patient (no appointment).
fn sale(patient: Uuid, product: Uuid, quantity: i32) -> ChargeInput {
    ChargeInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        visit_id: None,
        lines: vec![LineInput {
            treatment_id: None,
            product_id: Some(product),
            quantity,
            discount_cents: 0,
            discount_reason: String::new(),
            unit_price_cents: None,
        }],
    }
}

/// A clinic with one product in stock, and `desks` desks (each its own patient at the counter).
struct Counter {
    product: Uuid,
    patients: Vec<Uuid>,
    desks: Vec<Arc<Ctx>>,
}

async fn counter(pool: &PgPool, desks: usize, stock: i32) -> Counter {
    let admin = first_admin(pool).await;
    let ctx = ctx_of(pool, &admin).await;
    let product = product(&ctx, "CREMA-UREA", 9_000, 1).await;
    let supplier = supplier(pool).await;
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: supplier,
        invoice_ref: "F-1".into(),
        received_on: chrono::Utc::now().date_naive(),
        lines: vec![PurchaseLine { product_id: product, quantity: stock, unit_cost_cents: 9_000 }],
    };
    podoclinic_clinic::inventory::service::receive(&ctx, delivery).await.unwrap();
    let wide = PgPoolOptions::new()
        .max_connections(desks as u32 + 2)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let mut patients = Vec::new();
    let mut desk_ctxs = Vec::new();
    for i in 0..desks {
        patients.push(patient(pool, &admin, &format!("Cliente{i}"), "Mostrador", "").await);
        desk_ctxs.push(Arc::new(Ctx::for_user(&wide, admin.id, &format!("desk-{i}")).await.unwrap()));
    }
    Counter { product, patients, desks: desk_ctxs }
}

/// Every desk sells `quantity` at the same moment; the answers, in desk order.
async fn all_at_once(c: &Counter, quantity: i32) -> Vec<Result<(), AppError>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(c.desks.len()));
    let tasks: Vec<_> = c
        .desks
        .iter()
        .zip(&c.patients)
        .map(|(desk, &patient)| {
            let (desk, barrier, product) = (desk.clone(), barrier.clone(), c.product);
            tokio::spawn(async move {
                barrier.wait().await;
                billing::create_charge(&desk, sale(patient, product, quantity)).await.map(|_| ())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

async fn stock(pool: &PgPool, product: Uuid) -> i32 {
    sqlx::query_scalar("SELECT stock_on_hand FROM products WHERE id = $1").bind(product).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn two_desks_selling_one_product_at_once_both_sell_every_round(pool: PgPool) {
    let c = counter(&pool, 2, 1_000).await;
    for round in 0..50 {
        let answers = all_at_once(&c, 1).await;
        assert!(answers.iter().all(Result::is_ok), "round {round}: {answers:?}");
    }
    assert_eq!(stock(&pool, c.product).await, 1_000 - 100);
}

#[sqlx::test(migrations = "../migrations")]
async fn fifty_desks_selling_one_product_at_once_all_sell_every_round(pool: PgPool) {
    let c = counter(&pool, 50, 5_000).await;
    for round in 0..50 {
        let answers = all_at_once(&c, 1).await;
        assert!(answers.iter().all(Result::is_ok), "round {round}: {answers:?}");
    }
    assert_eq!(stock(&pool, c.product).await, 5_000 - 50 * 50);
}

#[sqlx::test(migrations = "../migrations")]
async fn twenty_desks_selling_the_last_ten_sell_exactly_ten(pool: PgPool) {
    let c = counter(&pool, 20, 10).await;
    let answers = all_at_once(&c, 1).await;
    let sold = answers.iter().filter(|a| a.is_ok()).count();
    for a in answers.iter().filter_map(|a| a.as_ref().err()) {
        assert!(matches!(a, AppError::StockShort { available: 0, .. }), "{a:?}");
    }
    assert_eq!(sold, 10);
    assert_eq!(stock(&pool, c.product).await, 0);
}

/// Two products in stock, a patient, and a desk (an app state) signed in as the admin whose
/// statements wait at most `lock_timeout` for a row.
async fn desk_and_two_products(pool: &PgPool, lock_timeout: &str) -> (AppState, Uuid, Uuid, Uuid) {
    let c = counter(pool, 1, 100).await;
    let ctx = c.desks[0].clone();
    let second = product(&ctx, "GASA-10", 250, 1).await;
    sqlx::query("INSERT INTO stock_movements (id, product_id, kind, quantity, reason) VALUES ($1, $2, 'adjustment', 50, 'conteo')")
        .bind(Uuid::now_v7())
        .bind(second)
        .execute(pool)
        .await
        .unwrap();
    let options = (*pool.connect_options()).clone().options([("lock_timeout", lock_timeout)]);
    let desk_pool = PgPoolOptions::new().max_connections(3).connect_with(options).await.unwrap();
    let state = AppState::with_pool(desk_pool, temp_paths(), "desk-0");
    let session = podoclinic_clinic::auth::service::authenticate(
        &desk_named(pool, "desk-0"),
        "admin",
        ADMIN_PASSWORD,
        podoclinic_clinic::auth::service::Purpose::Login,
    )
    .await
    .unwrap();
    state.sessions.start(session);
    (state, c.patients[0], c.product, second)
}

/// A sale of both products, through the command path's `run` (guard, retry, bookkeeping).
async fn sell_both(state: &AppState, patient: Uuid, a: Uuid, b: Uuid) -> Result<(), AppError> {
    let mut input = sale(patient, a, 1);
    input.lines.extend(sale(patient, b, 1).lines);
    state
        .run(Permission::PaymentsWrite, input, |ctx, input| async move { billing::create_charge(&ctx, input).await })
        .await
        .map(|_| ())
}

async fn charges(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_row_held_past_the_lock_timeout_answers_busy_and_saves_nothing(pool: PgPool) {
    let (state, patient, a, b) = desk_and_two_products(&pool, "300ms").await;
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR NO KEY UPDATE").bind(b).execute(&mut *holder).await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(sell_both(&state, patient, a, b).await.unwrap_err(), AppError::Busy);
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "answered after the lock timeout, not later");
    assert_eq!(charges(&pool).await, 0);
    holder.rollback().await.unwrap();
    sell_both(&state, patient, a, b).await.unwrap();
    assert_eq!(charges(&pool).await, 1);
}

/// Another session takes one product, the desk's sale takes the other and waits for the first,
/// then the other session asks for the desk's: a deadlock, which the database breaks by
/// failing the desk's transaction (it waited longest).
async fn deadlock_the_desk(pool: &PgPool, state: &AppState, patient: Uuid, a: Uuid, b: Uuid) -> Result<(), AppError> {
    let mut other = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR NO KEY UPDATE").bind(b).execute(&mut *other).await.unwrap();
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    let desk = sell_both(state, patient, first, second);
    let intruder = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let got =
            sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR NO KEY UPDATE").bind(a).execute(&mut *other).await;
        other.rollback().await.unwrap();
        got
    };
    let (answer, intruder) = tokio::join!(desk, intruder);
    intruder.expect("the other session gets its row once the desk's transaction is broken");
    answer
}

#[sqlx::test(migrations = "../migrations")]
async fn a_transaction_that_loses_a_deadlock_is_run_again_and_lands_once(pool: PgPool) {
    let (state, patient, a, b) = desk_and_two_products(&pool, "10s").await;
    deadlock_the_desk(&pool, &state, patient, a, b).await.unwrap();
    assert_eq!((state.conflicts.seen(), state.conflicts.reruns()), (1, 1));
    assert_eq!(charges(&pool).await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn with_the_retry_off_a_lost_deadlock_answers_busy_and_saves_nothing(pool: PgPool) {
    let (state, patient, a, b) = desk_and_two_products(&pool, "10s").await;
    state.conflicts.set_retry(false);
    assert_eq!(deadlock_the_desk(&pool, &state, patient, a, b).await.unwrap_err(), AppError::Busy);
    assert_eq!((state.conflicts.seen(), state.conflicts.reruns()), (1, 0));
    assert_eq!(charges(&pool).await, 0);
}
