//! A clinic's day compressed: N desks (each its own `AppState` and pool, signed in, with its own
//! register) run a mix of every write for a fixed time, through the same `AppState::run` the
//! commands use. Then the books must balance. Used by the soak test (8 desks, a short budget) and
//! by `cargo run --release -p podoclinic-tests --bin soak` (longer, by hand).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use podoclinic_clinic::appointments::model::{BookInput, RescheduleInput, Status};
use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::auth::model::User;
use podoclinic_clinic::billing::model::{ChargeInput, LineInput, PaymentInput, RefundInput};
use podoclinic_clinic::cash::model::{CashMovementInput, CashMovementKind, CloseInput, OpenSessionInput, Register};
use podoclinic_clinic::catalog::model::{Consumable, Treatment};
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::expenses::model::ExpenseInput;
use podoclinic_clinic::inventory::model::{PurchaseInput, PurchaseLine};
use podoclinic_clinic::money::Method;
use podoclinic_clinic::visits::model::{Procedure, VisitInput};
use podoclinic_clinic::{appointments, billing, cash, catalog, expenses, inventory, visits};
use podoclinic_desk::state::AppState;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{ADMIN_PASSWORD, ctx_of, desk_named, first_admin, patient, podiatrist, product, state_on};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub desks: usize,
    pub duration: Duration,
    /// Run conflicts again (`AppState::run`'s retry). The soak test runs with it off: the lock
    /// order must leave nothing to retry.
    pub retry: bool,
}

/// The kinds of operation a desk does, and how often (weights).
const MIX: &[(Op, u32)] = &[
    (Op::Book, 14),
    (Op::Move, 8),
    (Op::Cancel, 4),
    (Op::NoShow, 3),
    (Op::Visit, 8),
    (Op::CounterSale, 12),
    (Op::Refund, 3),
    (Op::CashMovement, 4),
    (Op::Expense, 4),
    (Op::Receive, 3),
    (Op::CorteX, 4),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Book,
    Move,
    Cancel,
    NoShow,
    /// Book, arrive, open the visit, save its procedures (their consumables leave stock), sign,
    /// charge and pay it split in cash and card.
    Visit,
    /// A counter sale of one or two shared products, paid in cash.
    CounterSale,
    Refund,
    CashMovement,
    Expense,
    Receive,
    CorteX,
    CorteZ,
}

/// What the soak saw.
#[derive(Debug, Default)]
pub struct Report {
    pub elapsed: Duration,
    /// Per kind: the time each operation took (whether it succeeded or was refused as it should be).
    pub times: HashMap<Op, Vec<Duration>>,
    /// Answers that were a refusal a desk can get in normal work (slot taken, stock short, ...), by kind.
    pub refusals: HashMap<Op, usize>,
    /// Operations that did what they were asked, by kind.
    pub done: HashMap<Op, usize>,
    /// Answers no desk may get: internal errors, `Busy`, anything unexpected. Must stay empty.
    pub faults: Vec<(Op, AppError)>,
    /// Conflicts the desks' transactions lost (deadlocks, serialization failures) and reruns.
    pub conflicts: u64,
    pub reruns: u64,
    /// `pg_stat_database.deadlocks` of the soak's database, before and after.
    pub deadlocks_before: i64,
    pub deadlocks_after: i64,
    /// Invariants that did not hold, each with what was found. Must stay empty.
    pub broken: Vec<String>,
}

impl Report {
    pub fn operations(&self) -> usize {
        self.times.values().map(Vec::len).sum()
    }

    /// The kinds of operation that succeeded fewer than `n` times (none may, in a soak that proves
    /// anything; every desk's corte Z is checked by the invariants).
    pub fn seldom_done(&self, n: usize) -> Vec<Op> {
        MIX.iter().map(|(op, _)| *op).filter(|op| self.done.get(op).copied().unwrap_or(0) < n).collect()
    }

    /// Operations per second, p50/p95 per kind, refusals, conflicts and deadlocks, as text.
    pub fn render(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut out = format!(
            "{} operations in {:.1} s: {:.1} operations/s\n",
            self.operations(),
            self.elapsed.as_secs_f64(),
            self.operations() as f64 / self.elapsed.as_secs_f64()
        );
        let mut kinds: Vec<_> = self.times.keys().copied().collect();
        kinds.sort();
        for kind in kinds {
            let mut t = self.times[&kind].clone();
            t.sort();
            let at = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
            out += &format!(
                "  {:<13} {:>6} ops  p50 {:>7.1} ms  p95 {:>7.1} ms  done {:>5}  refused {:>5}\n",
                format!("{kind:?}"),
                t.len(),
                ms(at(0.5)),
                ms(at(0.95)),
                self.done.get(&kind).copied().unwrap_or(0),
                self.refusals.get(&kind).copied().unwrap_or(0)
            );
        }
        out += &format!(
            "deadlocks (pg_stat_database): {} -> {}; conflicts lost: {}; reruns: {}; faults: {}; broken invariants: {}\n",
            self.deadlocks_before,
            self.deadlocks_after,
            self.conflicts,
            self.reruns,
            self.faults.len(),
            self.broken.len()
        );
        out
    }
}

/// The shared clinic every desk works in.
struct Clinic {
    podiatrists: Vec<Uuid>,
    patients: Vec<Uuid>,
    products: Vec<Uuid>,
    /// Treatments that use products as consumables.
    treatments: Vec<Uuid>,
    supplier: Uuid,
    registers: Vec<Uuid>,
}

/// Where each desk's own records stand, so it can move, cancel and refund what it made.
#[derive(Default)]
struct Mine {
    booked: Vec<Uuid>,
    /// (patient, charge, amount paid in cash) of this desk's sales.
    paid: Vec<(Uuid, Uuid, i64)>,
}

async fn setup(pool: &PgPool, plan: &Plan) -> (Clinic, User) {
    let admin = first_admin(pool).await;
    let ctx = ctx_of(pool, &admin).await;
    let mut podiatrists = Vec::new();
    for i in 0..4 {
        podiatrists.push(podiatrist(pool, &admin, &format!("Podóloga {i}"), None).await);
    }
    let mut patients = Vec::new();
    for i in 0..40 {
        patients.push(patient(pool, &admin, &format!("Paciente{i}"), "Soak", "").await);
    }
    let mut products = Vec::new();
    for sku in ["GASA", "CREMA", "PLANTILLA"] {
        products.push(product(&ctx, sku, 1_500, 5).await);
    }
    let supplier = crate::supplier(pool).await;
    receive(&ctx, supplier, &products, 5_000).await.expect("first delivery");
    let mut treatments = Vec::new();
    for (i, uses) in [(0, vec![0]), (1, vec![0, 1])] {
        let t = Treatment {
            id: Uuid::now_v7(),
            name: format!("Curación {i}"),
            duration_minutes: 30,
            price_cents: 40_000 + 5_000 * i,
            active: true,
            consumables: uses.iter().map(|&p: &usize| Consumable { product_id: products[p], quantity: 1 }).collect(),
            requires_consent: None,
        };
        treatments.push(catalog::service::create_treatment(&ctx, t).await.expect("treatment").id);
    }
    let mut registers = Vec::new();
    for i in 0..plan.desks {
        let r = Register { id: Uuid::now_v7(), name: format!("Caja soak {i}"), active: true };
        registers.push(cash::service::create_register(&ctx, r).await.expect("register").id);
    }
    (Clinic { podiatrists, patients, products, treatments, supplier, registers }, admin)
}

async fn receive(
    ctx: &podoclinic_clinic::auth::Ctx,
    supplier: Uuid,
    products: &[Uuid],
    quantity: i32,
) -> Result<Uuid, AppError> {
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: supplier,
        invoice_ref: String::new(),
        received_on: Utc::now().date_naive(),
        lines: products.iter().map(|&p| PurchaseLine { product_id: p, quantity, unit_cost_cents: 1_500 }).collect(),
    };
    inventory::service::receive(ctx, delivery).await
}

/// A desk: its own state and pool, signed in as the admin, its register's session open.
async fn desk(pool: &PgPool, i: usize, clinic: &Clinic, plan: &Plan) -> AppState {
    // The desk's pool as the app builds it (size, lock timeout, pings), on the soak's database.
    let pool = podoclinic_clinic::db::pool(podoclinic_clinic::db::tuned((*pool.connect_options()).clone()));
    let name = format!("soak-desk-{i}");
    let state = state_on(pool.clone(), &name);
    state.conflicts.set_retry(plan.retry);
    let session = podoclinic_clinic::auth::service::authenticate(
        &desk_named(&pool, &name),
        "admin",
        ADMIN_PASSWORD,
        podoclinic_clinic::auth::service::Purpose::Login,
    )
    .await
    .expect("login");
    state.sessions.start(session);
    let open = OpenSessionInput { id: Uuid::now_v7(), register_id: clinic.registers[i], opening_float_cents: 100_000 };
    state
        .run(Permission::CashOperate, open, |ctx, open| async move { cash::service::open(&ctx, open).await })
        .await
        .expect("open drawer");
    state
}

fn pick<T: Copy>(items: &[T]) -> T {
    items[fastrand::usize(..items.len())]
}

/// A random half-hour on a quarter-hour step within the next 120 days, 08:00–20:00 UTC: enough
/// room that a long soak does not just fill the agenda, little enough that desks still clash.
fn slot() -> (DateTime<Utc>, DateTime<Utc>) {
    let day = Utc::now().date_naive() + chrono::Duration::days(fastrand::i64(1..=120));
    let start = Utc.from_utc_datetime(&day.and_hms_opt(8, 0, 0).expect("08:00"))
        + chrono::Duration::minutes(15 * fastrand::i64(0..48));
    (start, start + chrono::Duration::minutes(30))
}

/// Answers a desk gets in normal work, which the soak counts as refusals, not faults.
fn expected_refusal(e: &AppError) -> bool {
    matches!(e, AppError::SlotTaken { .. } | AppError::StockShort { .. } | AppError::Validation { .. })
        || matches!(e, AppError::Conflict { key, .. } if key != "id_reused")
}

async fn book(state: &AppState, clinic: &Clinic) -> Result<Uuid, AppError> {
    let (starts_at, ends_at) = slot();
    let input = BookInput {
        id: Uuid::now_v7(),
        patient_id: pick(&clinic.patients),
        podiatrist_id: pick(&clinic.podiatrists),
        starts_at,
        ends_at,
        reason: "Revisión".into(),
        override_schedule: false,
    };
    let a = state
        .run(Permission::AppointmentsWrite, input, |ctx, input| async move {
            appointments::service::book(&ctx, input).await
        })
        .await?;
    Ok(a.id)
}

async fn set_status(state: &AppState, id: Uuid, status: Status) -> Result<(), AppError> {
    state
        .run(Permission::AppointmentsWrite, (), |ctx, ()| async move {
            appointments::service::set_status(&ctx, id, status).await
        })
        .await
        .map(|_| ())
}

/// A sale or a visit's charge, paid in cash (and card, when `split`), into this desk's drawer.
async fn charge_and_pay(state: &AppState, charge: ChargeInput, split: bool, mine: &mut Mine) -> Result<(), AppError> {
    let patient = charge.patient_id;
    let c = state
        .run(Permission::PaymentsWrite, charge, |ctx, charge| async move {
            billing::service::create_charge(&ctx, charge).await
        })
        .await?;
    let cash_part = if split { c.total_cents / 2 } else { c.total_cents };
    let mut parts = vec![(Method::Cash, cash_part)];
    if split {
        parts.push((Method::Card, c.total_cents - cash_part));
    }
    for (method, amount) in parts {
        let p = PaymentInput {
            id: Uuid::now_v7(),
            patient_id: patient,
            charge_id: Some(c.id),
            method,
            amount_cents: amount,
            reference: String::new(),
        };
        state
            .run(Permission::PaymentsWrite, p, |ctx, p| async move { billing::service::take_payment(&ctx, p).await })
            .await?;
    }
    mine.paid.push((patient, c.id, cash_part));
    Ok(())
}

async fn visit(state: &AppState, clinic: &Clinic, mine: &mut Mine) -> Result<(), AppError> {
    let appointment = book(state, clinic).await?;
    set_status(state, appointment, Status::Arrived).await?;
    let v = state
        .run(Permission::ClinicalWrite, (), |ctx, ()| async move { visits::service::open(&ctx, appointment).await })
        .await?;
    let treatment = pick(&clinic.treatments);
    let input = VisitInput {
        id: v.id,
        findings: Default::default(),
        risk_category: Some(fastrand::i16(0..=3)),
        notes: "Revisión de rutina".into(),
        procedures: vec![Procedure { treatment_id: treatment, quantity: 1 }],
        ..crate::signable()
    };
    state
        .run(Permission::ClinicalWrite, input, |ctx, input| async move { visits::service::save(&ctx, input).await })
        .await?;
    state
        .run(Permission::ClinicalWrite, (), |ctx, ()| async move { visits::service::sign(&ctx, v.id, false).await })
        .await?;
    let charge = ChargeInput {
        id: Uuid::now_v7(),
        patient_id: v.patient_id,
        visit_id: Some(v.id),
        lines: vec![LineInput {
            treatment_id: Some(treatment),
            product_id: None,
            quantity: 1,
            discount_cents: 0,
            discount_reason: String::new(),
            unit_price_cents: None,
        }],
    };
    charge_and_pay(state, charge, true, mine).await
}

async fn one(op: Op, state: &AppState, clinic: &Clinic, mine: &mut Mine) -> Result<(), AppError> {
    match op {
        Op::Book => {
            let id = book(state, clinic).await?;
            mine.booked.push(id);
            Ok(())
        }
        Op::Move => {
            let Some(&id) = mine.booked.last() else { return book(state, clinic).await.map(|_| ()) };
            let (starts_at, ends_at) = slot();
            let input = RescheduleInput {
                id,
                podiatrist_id: pick(&clinic.podiatrists),
                starts_at,
                ends_at,
                override_schedule: false,
            };
            state
                .run(Permission::AppointmentsWrite, input, |ctx, input| async move {
                    appointments::service::reschedule(&ctx, input).await
                })
                .await
                .map(|_| ())
        }
        Op::Cancel => {
            let Some(id) = mine.booked.pop() else { return Ok(()) };
            state
                .run(Permission::AppointmentsWrite, (), |ctx, ()| async move {
                    appointments::service::cancel(&ctx, id, "El paciente llamó").await
                })
                .await
                .map(|_| ())
        }
        Op::NoShow => {
            let id = book(state, clinic).await?;
            set_status(state, id, Status::NoShow).await
        }
        Op::Visit => visit(state, clinic, mine).await,
        Op::CounterSale => {
            let mut products = vec![pick(&clinic.products)];
            if fastrand::bool() {
                products.push(pick(&clinic.products));
            }
            let charge = ChargeInput {
                id: Uuid::now_v7(),
                patient_id: pick(&clinic.patients),
                visit_id: None,
                lines: products
                    .iter()
                    .map(|&p| LineInput {
                        treatment_id: None,
                        product_id: Some(p),
                        quantity: fastrand::i32(1..=2),
                        discount_cents: 0,
                        discount_reason: String::new(),
                        unit_price_cents: None,
                    })
                    .collect(),
            };
            charge_and_pay(state, charge, false, mine).await
        }
        Op::Refund => {
            let Some((patient, charge, paid)) = mine.paid.pop() else { return Ok(()) };
            let input = RefundInput {
                id: Uuid::now_v7(),
                patient_id: patient,
                charge_id: Some(charge),
                method: Method::Cash,
                amount_cents: (paid / 2).max(1),
                reason: "Devolución parcial".into(),
            };
            state
                .run(Permission::PaymentsRefund, input, |ctx, input| async move {
                    billing::service::refund(&ctx, input).await
                })
                .await
                .map(|_| ())
        }
        Op::CashMovement => {
            let input = CashMovementInput {
                id: Uuid::now_v7(),
                kind: if fastrand::bool() { CashMovementKind::Deposit } else { CashMovementKind::Withdrawal },
                method: Method::Cash,
                amount_cents: fastrand::i64(100..=5_000),
                reason: "Cambio".into(),
            };
            state
                .run(Permission::CashOperate, input, |ctx, input| async move {
                    cash::service::add_movement(&ctx, input).await
                })
                .await
                .map(|_| ())
        }
        Op::Expense => {
            let input = ExpenseInput {
                id: Uuid::now_v7(),
                category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000104),
                amount_cents: fastrand::i64(500..=3_000),
                spent_on: podoclinic_clinic::profile::time::local_date(chrono_tz::America::Mexico_City, Utc::now()),
                method: Method::Cash,
                supplier_id: None,
                note: "Limpieza".into(),
            };
            state
                .run(Permission::ExpensesWrite, input, |ctx, input| async move {
                    expenses::service::record(&ctx, input).await
                })
                .await
                .map(|_| ())
        }
        Op::Receive => {
            let products = vec![pick(&clinic.products)];
            state
                .run(Permission::InventoryWrite, products, |ctx, products| async move {
                    receive(&ctx, clinic.supplier, &products, 20).await
                })
                .await
                .map(|_| ())
        }
        Op::CorteX => {
            let drawer = state
                .run(Permission::CashOperate, (), |ctx, ()| async move { cash::service::desk_cash(&ctx).await })
                .await?;
            let session = drawer.session.ok_or_else(|| AppError::not_found("cash_session"))?.id;
            state
                .run(Permission::CashOperate, session, |ctx, session| async move {
                    cash::service::report(&ctx, session).await
                })
                .await
                .map(|_| ())
        }
        Op::CorteZ => unreachable!("the close comes at the end"),
    }
}

fn choose() -> Op {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut roll = fastrand::u32(0..total);
    for &(op, w) in MIX {
        if roll < w {
            return op;
        }
        roll -= w;
    }
    MIX[0].0
}

/// One desk's day: operations until the deadline, then its corte Z with what is expected counted.
async fn desk_day(state: AppState, clinic: Arc<Clinic>, deadline: Instant) -> (AppState, Report) {
    let mut report = Report::default();
    let mut mine = Mine::default();
    while Instant::now() < deadline {
        let op = choose();
        let started = Instant::now();
        let answer = one(op, &state, &clinic, &mut mine).await;
        report.times.entry(op).or_default().push(started.elapsed());
        match answer {
            Ok(()) => *report.done.entry(op).or_default() += 1,
            Err(e) if expected_refusal(&e) => *report.refusals.entry(op).or_default() += 1,
            Err(e) => report.faults.push((op, e)),
        }
    }
    let started = Instant::now();
    let closed = close_day(&state).await;
    report.times.entry(Op::CorteZ).or_default().push(started.elapsed());
    match closed {
        Ok(()) => *report.done.entry(Op::CorteZ).or_default() += 1,
        Err(e) => report.faults.push((Op::CorteZ, e)),
    }
    (state, report)
}

async fn close_day(state: &AppState) -> Result<(), AppError> {
    let drawer =
        state.run(Permission::CashOperate, (), |ctx, ()| async move { cash::service::desk_cash(&ctx).await }).await?;
    let session = drawer.session.ok_or_else(|| AppError::not_found("cash_session"))?.id;
    let x = state
        .run(Permission::CashOperate, (), |ctx, ()| async move { cash::service::report(&ctx, session).await })
        .await?;
    let expected = |m: Method| x.methods.iter().find(|s| s.method == m).map_or(0, |s| s.expected_cents);
    let input = CloseInput {
        session_id: session,
        counted_cash_cents: Some(expected(Method::Cash).max(0)),
        denominations: None,
        counted_card_cents: expected(Method::Card).max(0),
        counted_transfer_cents: expected(Method::Transfer).max(0),
        note: String::new(),
    };
    state
        .run(Permission::CashClose, input, |ctx, input| async move { cash::service::close(&ctx, input).await })
        .await?;
    Ok(())
}

async fn deadlocks(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(pool)
        .await
        .expect("pg_stat_database")
}

/// Runs the soak on `pool`'s (fresh, migrated) database.
pub async fn run(pool: &PgPool, plan: Plan) -> Report {
    let (clinic, admin) = setup(pool, &plan).await;
    let clinic = Arc::new(clinic);
    let mut desks = Vec::new();
    for i in 0..plan.desks {
        desks.push(desk(pool, i, &clinic, &plan).await);
    }
    let deadlocks_before = deadlocks(pool).await;
    let started = Instant::now();
    let deadline = started + plan.duration;
    let tasks: Vec<_> = desks.into_iter().map(|d| tokio::spawn(desk_day(d, clinic.clone(), deadline))).collect();
    let mut report = Report { deadlocks_before, ..Report::default() };
    for t in tasks {
        let (state, r) = t.await.expect("desk task");
        report.conflicts += state.conflicts.seen();
        report.reruns += state.conflicts.reruns();
        for (op, times) in r.times {
            report.times.entry(op).or_default().extend(times);
        }
        for (op, n) in r.refusals {
            *report.refusals.entry(op).or_default() += n;
        }
        for (op, n) in r.done {
            *report.done.entry(op).or_default() += n;
        }
        report.faults.extend(r.faults);
        // Closing the desk's pool ends its sessions, which flushes their statistics.
        if let Ok(pool) = state.db() {
            pool.close().await;
        }
    }
    report.elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    sqlx::query("SELECT pg_stat_clear_snapshot()").execute(pool).await.expect("stats snapshot");
    report.deadlocks_after = deadlocks(pool).await;
    report.broken = check(pool).await;
    let chain = podoclinic_clinic::audit::service::verify(&ctx_of(pool, &admin).await).await.expect("audit chain");
    if let Some(found) = chain.first_break {
        report.broken.push(format!("the audit chain breaks at {found:?}"));
    }
    report
}

/// The books after the soak; each entry is an invariant that did not hold.
pub async fn check(pool: &PgPool) -> Vec<String> {
    let checks: &[(&str, &str)] = &[
        (
            "live appointments overlap",
            "SELECT count(*) FROM appointments a JOIN appointments b
               ON a.podiatrist_id = b.podiatrist_id AND a.id < b.id AND a.during && b.during
             WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')",
        ),
        (
            "stock on hand differs from the ledger's sum, or is negative",
            "SELECT count(*) FROM products p
             WHERE p.stock_on_hand < 0
                OR p.stock_on_hand <> (SELECT coalesce(sum(quantity), 0) FROM stock_movements m WHERE m.product_id = p.id)",
        ),
        (
            "payments outside their cash session's time, or in no session",
            "SELECT count(*) FROM payments p LEFT JOIN cash_sessions s ON s.id = p.session_id
             WHERE s.id IS NULL OR p.at < s.opened_at OR (s.closed_at IS NOT NULL AND p.at > s.closed_at)",
        ),
        (
            "charges whose total differs from their lines",
            "SELECT count(*) FROM charges c
             WHERE c.total_cents <> (SELECT coalesce(sum(quantity * unit_price_cents - discount_cents), 0)
                                     FROM charge_lines l WHERE l.charge_id = c.id)",
        ),
        (
            "sessions still open after every desk's corte Z",
            "SELECT count(*) FROM cash_sessions WHERE closed_at IS NULL",
        ),
        (
            "corte Z figures that differ from what the session holds",
            "WITH held AS (
                 SELECT s.id, m.method,
                        CASE WHEN m.method = 'cash' THEN s.opening_float_cents ELSE 0 END
                        + (SELECT coalesce(sum(amount_cents), 0) FROM payments p WHERE p.session_id = s.id AND p.method = m.method)
                        - (SELECT coalesce(sum(amount_cents), 0) FROM expenses x WHERE x.session_id = s.id AND x.method = m.method)
                        + (SELECT coalesce(sum(amount_cents), 0) FROM cash_movements c WHERE c.session_id = s.id AND c.method = m.method)
                        AS amount
                 FROM cash_sessions s CROSS JOIN (VALUES ('cash'), ('card'), ('transfer')) AS m(method))
             SELECT count(*) FROM held h JOIN cash_sessions s ON s.id = h.id
             WHERE h.amount IS DISTINCT FROM CASE h.method WHEN 'cash' THEN s.expected_cash_cents
                                                           WHEN 'card' THEN s.expected_card_cents
                                                           ELSE s.expected_transfer_cents END",
        ),
        (
            "payments in a session of another desk's register",
            "SELECT count(*) FROM payments p
             JOIN audit_log a ON a.entity_id = p.id::text AND a.action IN ('payment.create', 'payment.refund')
             JOIN desk_registers d ON d.desk = a.desk
             JOIN cash_sessions s ON s.id = p.session_id
             WHERE s.register_id <> d.register_id",
        ),
        (
            "sales whose products left stock in other quantities than their lines",
            "SELECT (SELECT count(*) FROM (
                         SELECT l.charge_id, l.product_id, sum(l.quantity) AS sold,
                                (SELECT coalesce(-sum(m.quantity), 0) FROM stock_movements m
                                 WHERE m.charge_id = l.charge_id AND m.product_id = l.product_id AND m.kind = 'sale') AS moved
                         FROM charge_lines l WHERE l.product_id IS NOT NULL GROUP BY l.charge_id, l.product_id) x
                     WHERE sold <> moved)
                  + (SELECT count(*) FROM stock_movements m WHERE m.kind = 'sale' AND NOT EXISTS (
                         SELECT 1 FROM charge_lines l WHERE l.charge_id = m.charge_id AND l.product_id = m.product_id))",
        ),
        (
            "signed visits whose consumables did not leave stock (nor were recorded short)",
            "SELECT count(*) FROM (
                 SELECT v.id, tc.product_id, sum(tc.quantity * vp.quantity) AS used,
                        (SELECT coalesce(-sum(m.quantity), 0) FROM stock_movements m
                         WHERE m.visit_id = v.id AND m.product_id = tc.product_id AND m.kind = 'consumption')
                        + (SELECT coalesce(sum(f.missing), 0) FROM stock_shortfalls f
                           WHERE f.visit_id = v.id AND f.product_id = tc.product_id) AS taken
                 FROM visits v
                 JOIN visit_procedures vp ON vp.visit_id = v.id
                 JOIN treatment_consumables tc ON tc.treatment_id = vp.treatment_id
                 WHERE v.signed_at IS NOT NULL GROUP BY v.id, tc.product_id) x
             WHERE used <> taken",
        ),
        (
            "writes without their audit entry",
            "WITH missing(action, entity_id) AS (
                 SELECT 'appointment.book', id FROM appointments
                 UNION ALL SELECT 'appointment.cancel', id FROM appointments WHERE status = 'cancelled'
                 UNION ALL SELECT 'appointment.status', id FROM appointments
                           WHERE status IN ('no_show', 'arrived', 'in_consultation', 'completed')
                 UNION ALL SELECT 'charge.create', id FROM charges
                 UNION ALL SELECT 'payment.create', id FROM payments WHERE amount_cents > 0
                 UNION ALL SELECT 'payment.refund', id FROM payments WHERE amount_cents < 0
                 UNION ALL SELECT 'expense.create', id FROM expenses
                 UNION ALL SELECT 'purchase.receive', id FROM purchases
                 UNION ALL SELECT 'visit.create', id FROM visits
                 UNION ALL SELECT 'visit.update', id FROM visits
                 UNION ALL SELECT 'visit.sign', id FROM visits WHERE signed_at IS NOT NULL
                 UNION ALL SELECT 'cash.open', id FROM cash_sessions
                 UNION ALL SELECT 'cash.close', id FROM cash_sessions WHERE closed_at IS NOT NULL)
             SELECT (SELECT count(*) FROM missing m WHERE NOT EXISTS (
                         SELECT 1 FROM audit_log a WHERE a.action = m.action AND a.entity_id = m.entity_id::text))
                  + (SELECT count(*) FROM cash_sessions s
                     WHERE (SELECT count(*) FROM cash_movements c WHERE c.session_id = s.id)
                        <> (SELECT count(*) FROM audit_log a WHERE a.action = 'cash.movement' AND a.entity_id = s.id::text))",
        ),
        (
            "creates audited more than once",
            "SELECT count(*) FROM (
                 SELECT action, entity_id FROM audit_log
                 WHERE action IN ('appointment.book', 'charge.create', 'payment.create', 'payment.refund', 'expense.create',
                                  'purchase.receive', 'visit.create', 'visit.sign', 'cash.open', 'cash.close')
                 GROUP BY action, entity_id HAVING count(*) > 1) x",
        ),
    ];
    let mut broken = Vec::new();
    for (what, sql) in checks {
        let found: i64 = sqlx::query_scalar(*sql).fetch_one(pool).await.expect("invariant query");
        if found != 0 {
            broken.push(format!("{what}: {found}"));
        }
    }
    broken
}
