//! The demo clinic's last three months: past appointments (some missed, some cancelled), a signed
//! note for every completed one, its charge and payment, product sales, expenses, the stock they
//! moved, the deliveries that kept it above every minimum, and a closed corte Z for each day that
//! had money. So every screen and the dashboard open with something to show.
//!
//! Everything goes in through the ordinary tables, as the desk's login, so the database's walls
//! (closed sessions, signed notes, stock never negative) and its rollup triggers see it as they
//! see a real day's work. Rows are built in Rust (seeded randomness: the same clinic every time)
//! and written a table at a time from arrays (`unnest`), a few hundred statements in all: cash
//! sessions are the one thing written day by day, since a register holds one open session and an
//! entry only goes into an open one.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::PgConnection;
use sqlx::postgres::types::PgRange;
use uuid::Uuid;

use super::clinical;
use podoclinic_clinic::audit::{self, Action, Actor, Entry};
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::profile::time;

/// How far back the history goes.
const DAYS_BACK: u64 = 91;
/// Patients the clinic already had before the history starts, on top of the agenda's 60.
const MORE_PATIENTS: usize = 240;
/// Every drawer opens with this float (cents).
const FLOAT_CENTS: i64 = 100_000;

/// The expense categories every database starts with (fixed ids, migration 3).
const INSUMOS: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000101);
const RENTA: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000102);
const SERVICIOS: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000103);
const LIMPIEZA: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000104);
const PAPELERIA: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000105);
const OTROS: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000106);

/// The treatment each booking reason of the agenda ends in.
const REASON_TREATMENT: &[(&str, &str)] = &[
    ("Onicocriptosis", "Tratamiento de uña encarnada"),
    ("Revisión pie diabético", "Revisión de pie diabético"),
    ("Quiropodia", "Quiropodia (callosidades)"),
    ("Retiro de callosidades", "Quiropodia (callosidades)"),
    ("Uña encarnada", "Tratamiento de uña encarnada"),
    ("Valoración de pisada", "Consulta de valoración"),
    ("Curación", "Curación de úlcera"),
    ("Onicomicosis", "Corte y limado de uñas"),
];
const CANCEL_REASONS: &[&str] =
    &["El paciente reprogramó", "Enfermedad del paciente", "Motivos de trabajo", "Sin transporte ese día"];
/// The treatment often added to another in the same visit.
const NAIL_CARE: &str = "Corte y limado de uñas";

/// Adds the history to a demo clinic that has an account (the first admin) and has never handled
/// money. Before any account exists there is nobody to sign a note or open a drawer; once money
/// has moved, the clinic is being used and its own days are not to be mixed with invented ones.
pub(super) async fn add_if_due(conn: &mut PgConnection, desk: &str) -> AppResult<()> {
    let due: bool = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM cash_sessions)
              AND EXISTS (SELECT 1 FROM treatments) AS "due!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    if due {
        add(conn, desk).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
async fn add(conn: &mut PgConnection, desk: &str) -> AppResult<()> {
    let started = std::time::Instant::now();
    let mut rng = fastrand::Rng::with_seed(2027);
    let tz = time::zone(&mut *conn).await?;
    let today = time::local_date(tz, Utc::now());
    let first = today - Days::new(DAYS_BACK);
    let reception = staff(conn).await?;
    let patients = more_patients(conn, &mut rng, time::day_bounds(tz, first).0).await?;
    let booked = book_past(conn, &mut rng, tz, first, today, &patients, reception).await?;
    let catalog = Catalog::load(conn).await?;
    let seen = completed_without_note(conn, time::day_bounds(tz, today).0).await?;
    let mut book = Book::default();
    for visit in seen {
        book.visit(&mut rng, &catalog, visit, reception);
    }
    for day in first.iter_days().take_while(|d| *d < today).filter(|d| d.weekday() != Weekday::Sun) {
        book.sales(&mut rng, &catalog, tz, day, &patients, reception);
        book.expenses(&mut rng, tz, day);
    }
    book.deliveries(&catalog, tz, first, today, reception);
    write_visits(conn, &book).await?;
    let first_seen = first_visits(&book);
    write_histories(conn, &mut rng, &first_seen).await?;
    write_consents(conn, &mut rng, &first_seen, reception, time::day_bounds(tz, first).0).await?;
    write_consent_templates(conn, reception, time::day_bounds(tz, first).0).await?;
    write_charges(conn, &book, reception).await?;
    write_supplies(conn, &book, catalog.supplier, reception).await?;
    let cortes = close_days(conn, &mut rng, tz, &book, reception).await?;
    let summary = json!({
        "appointments": booked,
        "visits": book.visits.len(),
        "charges": book.charges.len(),
        "payments": book.payments.len(),
        "expenses": book.expenses.len(),
        "stock_movements": book.stock.len(),
        "cortes": cortes,
    });
    audit::record(
        &mut *conn,
        &Actor::system(desk),
        Entry::new(Action::DemoSeed, "clinic_profile", "history").after(&summary),
    )
    .await?;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, %summary, "demo history added");
    Ok(())
}

/// Accounts for the people the history names: one per podiatrist (who signs their notes) and one
/// for reception (who charges, takes payments and runs the drawer). None can log in: they are
/// inactive and their password is no hash at all, so an admin who wants them sets one first.
/// Returns the reception account.
async fn staff(conn: &mut PgConnection) -> AppResult<Uuid> {
    let reception = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO users (id, username, display_name, password_hash, role_id, active)
         SELECT $1, 'demo.recepcion', 'Recepción (demo)', '!', id, false FROM roles WHERE builtin = 'reception'",
        reception
    )
    .execute(&mut *conn)
    .await?;
    let unlinked = sqlx::query!("SELECT id, name FROM podiatrists WHERE user_id IS NULL ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    let ids: Vec<Uuid> = unlinked.iter().map(|_| Uuid::now_v7()).collect();
    let pods: Vec<Uuid> = unlinked.iter().map(|p| p.id).collect();
    let names: Vec<String> = unlinked.iter().map(|p| p.name.chars().take(100).collect()).collect();
    let usernames: Vec<String> = (1..=unlinked.len()).map(|n| format!("demo.podologo{n}")).collect();
    sqlx::query!(
        "INSERT INTO users (id, username, display_name, password_hash, role_id, active)
         SELECT u.id, u.username, u.name, '!', r.id, false
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, username, name), roles r
         WHERE r.builtin = 'podiatrist'",
        &ids,
        &usernames,
        &names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE podiatrists p SET user_id = u.user_id, updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS u(id, user_id) WHERE p.id = u.id",
        &pods,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(reception)
}

/// The clinic's patient base: the agenda's patients and as many again from before the history
/// (so visits spread over a realistic number of people). Returns every patient's id.
async fn more_patients(
    conn: &mut PgConnection,
    rng: &mut fastrand::Rng,
    before: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let ids: Vec<Uuid> = (0..MORE_PATIENTS).map(|_| Uuid::now_v7()).collect();
    // The names list alternates men's and women's names.
    let name: Vec<usize> = (0..MORE_PATIENTS).map(|i| (i * 7 + 3) % super::FIRST.len()).collect();
    let first: Vec<&str> = name.iter().map(|n| super::FIRST[*n]).collect();
    let sex: Vec<&str> = name.iter().map(|n| if n % 2 == 0 { "male" } else { "female" }).collect();
    let last: Vec<String> = (0..MORE_PATIENTS)
        .map(|_| {
            format!("{} {}", super::LAST[rng.usize(..super::LAST.len())], super::LAST[rng.usize(..super::LAST.len())])
        })
        .collect();
    let birth: Vec<NaiveDate> = (0..MORE_PATIENTS)
        .map(|_| NaiveDate::from_ymd_opt(1940 + rng.i32(0..65), rng.u32(1..13), rng.u32(1..29)).unwrap_or_default())
        .collect();
    let phone: Vec<String> =
        (0..MORE_PATIENTS).map(|_| format!("55 {:04} {:04}", rng.u32(1000..10000), rng.u32(0..10000))).collect();
    let diabetes: Vec<&str> =
        (0..MORE_PATIENTS).map(|_| ["none", "none", "none", "type2", "type1"][rng.usize(..5)]).collect();
    let anticoagulants: Vec<bool> = (0..MORE_PATIENTS).map(|_| rng.u8(..10) == 0).collect();
    let created: Vec<DateTime<Utc>> =
        (0..MORE_PATIENTS).map(|_| before - chrono::Duration::days(rng.i64(1..700))).collect();
    sqlx::query!(
        "INSERT INTO patients (id, first_name, last_names, birth_date, sex, phone, diabetes, anticoagulants, created_at, updated_at)
         SELECT id, first, last, birth, sex, phone, diabetes, anticoagulants, created, created
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::timestamptz[])
              AS u(id, first, last, birth, sex, phone, diabetes, anticoagulants, created)",
        &ids,
        &first as &[&str],
        &last,
        &birth,
        &sex as &[&str],
        &phone,
        &diabetes as &[&str],
        &anticoagulants,
        &created
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar!("SELECT id FROM patients WHERE archived_at IS NULL ORDER BY id")
        .fetch_all(&mut *conn)
        .await?)
}

/// One past appointment to book.
struct Booking {
    id: Uuid,
    patient: Uuid,
    podiatrist: Uuid,
    during: (DateTime<Utc>, DateTime<Utc>),
    reason: &'static str,
    status: &'static str,
    cancel_reason: &'static str,
    booked_at: DateTime<Utc>,
}

/// Books the working days from `first` to yesterday that have no appointment yet (this week's
/// past days already have the agenda's), about 60 % full, each podiatrist within their blocks.
/// Past appointments are mostly completed; about 8 % were missed and 5 % cancelled.
async fn book_past(
    conn: &mut PgConnection,
    rng: &mut fastrand::Rng,
    tz: Tz,
    first: NaiveDate,
    today: NaiveDate,
    patients: &[Uuid],
    reception: Uuid,
) -> AppResult<usize> {
    let (from, _) = time::day_bounds(tz, first);
    let (to, _) = time::day_bounds(tz, today);
    let busy: HashSet<NaiveDate> = sqlx::query_scalar!(
        r#"SELECT DISTINCT lower(during) AS "start!" FROM appointments WHERE lower(during) >= $1 AND lower(during) < $2"#,
        from,
        to
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|at| time::local_date(tz, at))
    .collect();
    let blocks = sqlx::query!(
        "SELECT podiatrist_id, weekday, start_minute, end_minute FROM schedule_blocks b
         JOIN podiatrists p ON p.id = b.podiatrist_id WHERE p.active ORDER BY podiatrist_id, weekday, start_minute"
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut bookings = Vec::new();
    for day in first.iter_days().take_while(|d| *d < today).filter(|d| !busy.contains(d)) {
        let weekday = day.weekday().number_from_monday() as i16;
        for block in blocks.iter().filter(|b| b.weekday == weekday) {
            let mut minute = block.start_minute;
            loop {
                let reason = super::REASONS[rng.usize(..super::REASONS.len())];
                let length = [30, 45, 45, 60][rng.usize(..4)];
                if minute + length > block.end_minute {
                    break;
                }
                if rng.u8(..10) < 6 {
                    let during = (time::at_minute(tz, day, minute), time::at_minute(tz, day, minute + length));
                    let roll = rng.u8(..100);
                    let (status, cancel_reason) = match roll {
                        0..87 => ("completed", ""),
                        87..95 => ("no_show", ""),
                        _ => ("cancelled", CANCEL_REASONS[rng.usize(..CANCEL_REASONS.len())]),
                    };
                    bookings.push(Booking {
                        id: Uuid::now_v7(),
                        patient: patients[rng.usize(..patients.len())],
                        podiatrist: block.podiatrist_id,
                        during,
                        reason,
                        status,
                        cancel_reason,
                        booked_at: during.0 - chrono::Duration::hours(rng.i64(20..24 * 30)),
                    });
                }
                minute += length + [0, 0, 15, 30][rng.usize(..4)];
            }
        }
    }
    insert_bookings(conn, &bookings, reception).await?;
    Ok(bookings.len())
}

/// One statement for every booking; the triggers fill the patient's name, the calendar entry and
/// the rollups. A cancellation is dated a day before the appointment.
async fn insert_bookings(conn: &mut PgConnection, bookings: &[Booking], reception: Uuid) -> AppResult<()> {
    let ids: Vec<Uuid> = bookings.iter().map(|b| b.id).collect();
    let patients: Vec<Uuid> = bookings.iter().map(|b| b.patient).collect();
    let pods: Vec<Uuid> = bookings.iter().map(|b| b.podiatrist).collect();
    let during: Vec<PgRange<DateTime<Utc>>> = bookings.iter().map(|b| PgRange::from(b.during.0..b.during.1)).collect();
    let reasons: Vec<&str> = bookings.iter().map(|b| b.reason).collect();
    let statuses: Vec<&str> = bookings.iter().map(|b| b.status).collect();
    let cancel: Vec<&str> = bookings.iter().map(|b| b.cancel_reason).collect();
    let booked: Vec<DateTime<Utc>> = bookings.iter().map(|b| b.booked_at).collect();
    sqlx::query!(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status, cancel_reason, cancelled_by,
                                   cancelled_at, created_by, created_at, updated_at)
         SELECT id, patient, pod, during, reason, status, NULLIF(cancel, ''),
                CASE WHEN status = 'cancelled' THEN $9::uuid END,
                CASE WHEN status = 'cancelled' THEN lower(during) - interval '1 day' END,
                $9, booked, upper(during)
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::tstzrange[], $5::text[], $6::text[], $7::text[],
                     $8::timestamptz[]) AS u(id, patient, pod, during, reason, status, cancel, booked)",
        &ids,
        &patients,
        &pods,
        &during,
        &reasons as &[&str],
        &statuses as &[&str],
        &cancel as &[&str],
        &booked,
        reception
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A completed appointment before today that has no note yet.
struct Seen {
    appointment: Uuid,
    patient: Uuid,
    podiatrist: Uuid,
    author: Uuid,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    reason: String,
    at_risk: bool,
}

async fn completed_without_note(conn: &mut PgConnection, before: DateTime<Utc>) -> AppResult<Vec<Seen>> {
    Ok(sqlx::query_as!(
        Seen,
        r#"SELECT a.id AS appointment, a.patient_id AS patient, a.podiatrist_id AS podiatrist, p.user_id AS "author!",
                  lower(a.during) AS "starts!", upper(a.during) AS "ends!", a.reason, a.patient_at_risk AS at_risk
           FROM appointments a JOIN podiatrists p ON p.id = a.podiatrist_id
           WHERE a.status = 'completed' AND lower(a.during) < $1 AND p.user_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.appointment_id = a.id)
           ORDER BY lower(a.during)"#,
        before
    )
    .fetch_all(&mut *conn)
    .await?)
}

struct Treatment {
    id: Uuid,
    name: String,
    price: i64,
}

struct Product {
    id: Uuid,
    name: String,
    cost: i64,
    price: i64,
    stock: i64,
    min: i64,
}

/// The catalog as the history uses it.
struct Catalog {
    treatments: Vec<Treatment>,
    /// Per treatment: (product, quantity per procedure).
    consumables: HashMap<Uuid, Vec<(Uuid, i32)>>,
    products: Vec<Product>,
    supplier: Uuid,
}

impl Catalog {
    async fn load(conn: &mut PgConnection) -> AppResult<Self> {
        let treatments = sqlx::query_as!(
            Treatment,
            "SELECT id, name, price_cents AS price FROM treatments WHERE active ORDER BY name"
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut consumables: HashMap<Uuid, Vec<(Uuid, i32)>> = HashMap::new();
        for c in sqlx::query!("SELECT treatment_id, product_id, quantity FROM treatment_consumables ORDER BY 1, 2")
            .fetch_all(&mut *conn)
            .await?
        {
            consumables.entry(c.treatment_id).or_default().push((c.product_id, c.quantity));
        }
        let products = sqlx::query_as!(
            Product,
            r#"SELECT id, name, cost_cents AS cost, price_cents AS price, stock_on_hand::bigint AS "stock!",
                      min_stock::bigint AS "min!"
               FROM products WHERE active ORDER BY sku"#
        )
        .fetch_all(&mut *conn)
        .await?;
        let supplier = sqlx::query_scalar!("SELECT id FROM suppliers WHERE active ORDER BY created_at, id LIMIT 1")
            .fetch_one(&mut *conn)
            .await?;
        Ok(Self { treatments, consumables, products, supplier })
    }

    fn treatment(&self, name: &str) -> Option<&Treatment> {
        self.treatments.iter().find(|t| t.name == name)
    }

    /// The treatment a booking reason ends in (the first of the catalog for a reason it does not know).
    fn for_reason(&self, reason: &str) -> &Treatment {
        REASON_TREATMENT
            .iter()
            .find(|(r, _)| *r == reason)
            .and_then(|(_, t)| self.treatment(t))
            .unwrap_or(&self.treatments[0])
    }

    /// Products reception sells (those with a price).
    fn for_sale(&self) -> impl Iterator<Item = &Product> {
        self.products.iter().filter(|p| p.price > 0)
    }
}

struct VisitRow {
    id: Uuid,
    seen: Seen,
    note: clinical::Note,
    procedures: Vec<Uuid>,
}

struct ChargeRow {
    id: Uuid,
    patient: Uuid,
    visit: Option<Uuid>,
    total: i64,
    at: DateTime<Utc>,
}

struct LineRow {
    charge: Uuid,
    position: i16,
    treatment: Option<Uuid>,
    product: Option<Uuid>,
    description: String,
    quantity: i32,
    price: i64,
    discount: i64,
    discount_reason: &'static str,
}

struct PaymentRow {
    id: Uuid,
    patient: Uuid,
    charge: Uuid,
    method: &'static str,
    amount: i64,
    reference: String,
    at: DateTime<Utc>,
}

struct ExpenseRow {
    id: Uuid,
    category: Uuid,
    amount: i64,
    day: NaiveDate,
    method: &'static str,
    supplier: Option<Uuid>,
    note: String,
    at: DateTime<Utc>,
}

struct PurchaseRow {
    id: Uuid,
    invoice: String,
    received_on: NaiveDate,
    total: i64,
    expense: Uuid,
    at: DateTime<Utc>,
}

struct StockRow {
    product: Uuid,
    kind: &'static str,
    quantity: i32,
    unit_cost: Option<i64>,
    purchase: Option<Uuid>,
    visit: Option<Uuid>,
    charge: Option<Uuid>,
    at: DateTime<Utc>,
    by: Uuid,
}

/// Everything the history writes, built before any of it is written.
#[derive(Default)]
struct Book {
    visits: Vec<VisitRow>,
    charges: Vec<ChargeRow>,
    lines: Vec<LineRow>,
    payments: Vec<PaymentRow>,
    expenses: Vec<ExpenseRow>,
    purchases: Vec<PurchaseRow>,
    stock: Vec<StockRow>,
}

impl Book {
    /// A completed appointment's note (signed when it ended), the consumables its procedures
    /// used, its charge (now and then with a discount or a cream bought on the way out) and how
    /// it was paid.
    fn visit(&mut self, rng: &mut fastrand::Rng, catalog: &Catalog, seen: Seen, reception: Uuid) {
        let main = catalog.for_reason(&seen.reason);
        let mut procedures = vec![main];
        if main.name != NAIL_CARE && rng.u8(..4) == 0 {
            procedures.extend(catalog.treatment(NAIL_CARE));
        }
        let id = Uuid::now_v7();
        for t in &procedures {
            for (product, quantity) in catalog.consumables.get(&t.id).into_iter().flatten() {
                self.stock.push(StockRow {
                    product: *product,
                    kind: "consumption",
                    quantity: -quantity,
                    unit_cost: None,
                    purchase: None,
                    visit: Some(id),
                    charge: None,
                    at: seen.ends,
                    by: seen.author,
                });
            }
        }
        let charge = Uuid::now_v7();
        let at = seen.ends + chrono::Duration::minutes(2);
        let mut lines: Vec<LineRow> = procedures
            .iter()
            .map(|t| LineRow {
                charge,
                position: 0,
                treatment: Some(t.id),
                product: None,
                description: t.name.clone(),
                quantity: 1,
                price: t.price,
                discount: 0,
                discount_reason: "",
            })
            .collect();
        if rng.u8(..14) == 0 {
            lines[0].discount = lines[0].price / 10;
            lines[0].discount_reason = "Descuento adulto mayor (INAPAM)";
        }
        if rng.u8(..12) == 0
            && let Some(p) = catalog.for_sale().next()
        {
            lines.push(self.sold(p, 1, charge, at, reception));
        }
        let total = self.add_charge(charge, seen.patient, Some(id), at, lines);
        self.pay(rng, charge, seen.patient, total, at + chrono::Duration::minutes(1));
        let note = clinical::note(rng, &main.name, seen.at_risk);
        let procedures = procedures.iter().map(|t| t.id).collect();
        self.visits.push(VisitRow { id, seen, note, procedures });
    }

    /// A product sold on its own at the desk now and then (insoles, creams), paid on the spot.
    fn sales(
        &mut self,
        rng: &mut fastrand::Rng,
        catalog: &Catalog,
        tz: Tz,
        day: NaiveDate,
        patients: &[Uuid],
        by: Uuid,
    ) {
        if rng.u8(..10) >= 4 {
            return;
        }
        let closes = if day.weekday() == Weekday::Sat { 820 } else { 1180 };
        let at = time::at_minute(tz, day, rng.i32(600..closes));
        let for_sale: Vec<&Product> = catalog.for_sale().collect();
        let Some(product) = for_sale.get(rng.usize(..for_sale.len().max(1))) else { return };
        let charge = Uuid::now_v7();
        let line = self.sold(product, rng.i32(1..3), charge, at, by);
        let patient = patients[rng.usize(..patients.len())];
        let total = self.add_charge(charge, patient, None, at, vec![line]);
        self.pay(rng, charge, patient, total, at);
    }

    /// A product line and the stock it takes.
    fn sold(&mut self, p: &Product, quantity: i32, charge: Uuid, at: DateTime<Utc>, by: Uuid) -> LineRow {
        self.stock.push(StockRow {
            product: p.id,
            kind: "sale",
            quantity: -quantity,
            unit_cost: None,
            purchase: None,
            visit: None,
            charge: Some(charge),
            at,
            by,
        });
        LineRow {
            charge,
            position: 0,
            treatment: None,
            product: Some(p.id),
            description: p.name.clone(),
            quantity,
            price: p.price,
            discount: 0,
            discount_reason: "",
        }
    }

    fn add_charge(
        &mut self,
        id: Uuid,
        patient: Uuid,
        visit: Option<Uuid>,
        at: DateTime<Utc>,
        lines: Vec<LineRow>,
    ) -> i64 {
        let total = lines.iter().map(|l| i64::from(l.quantity) * l.price - l.discount).sum();
        self.charges.push(ChargeRow { id, patient, visit, total, at });
        self.lines.extend(lines.into_iter().zip(0..).map(|(l, position)| LineRow { position, ..l }));
        total
    }

    /// Mostly paid in full by one method (cash, card or transfer); some split between cash and
    /// card; a few paid in part, leaving a balance.
    fn pay(&mut self, rng: &mut fastrand::Rng, charge: Uuid, patient: Uuid, total: i64, at: DateTime<Utc>) {
        if total <= 0 {
            return;
        }
        let mut paid = |method: &'static str, amount: i64, rng: &mut fastrand::Rng| {
            let reference = match method {
                "card" => format!("Voucher {:06}", rng.u32(0..1_000_000)),
                "transfer" => format!("SPEI {:07}", rng.u32(0..10_000_000)),
                _ => String::new(),
            };
            self.payments.push(PaymentRow { id: Uuid::now_v7(), patient, charge, method, amount, reference, at });
        };
        match rng.u8(..100) {
            0..4 => paid("cash", (total / 2 / 1000 * 1000).max(1000).min(total), rng),
            4..10 if total > 20_000 => {
                let cash = (total * 4 / 10) / 10_000 * 10_000;
                let cash = cash.clamp(10_000, total - 1);
                paid("cash", cash, rng);
                paid("card", total - cash, rng);
            }
            10..42 => paid("card", total, rng),
            42..54 => paid("transfer", total, rng),
            _ => paid("cash", total, rng),
        }
    }

    /// The drawer's small cash expenses (cleaning, water, stationery) and, early in each month,
    /// the rent and services, paid by transfer or card.
    fn expenses(&mut self, rng: &mut fastrand::Rng, tz: Tz, day: NaiveDate) {
        let at = |minute: i32| time::at_minute(tz, day, minute);
        let mut add = |category: Uuid, amount: i64, method: &'static str, note: &str, at: DateTime<Utc>| {
            self.expenses.push(ExpenseRow {
                id: Uuid::now_v7(),
                category,
                amount,
                day,
                method,
                supplier: None,
                note: note.into(),
                at,
            });
        };
        match day.weekday() {
            Weekday::Mon => add(LIMPIEZA, 38_000 + 500 * rng.i64(0..20), "cash", "Artículos de limpieza", at(700)),
            Weekday::Wed | Weekday::Sat => add(OTROS, 9_000, "cash", "Garrafones de agua", at(660)),
            _ => {}
        }
        if rng.u8(..10) == 0 {
            add(PAPELERIA, 12_000 + 1_000 * rng.i64(0..15), "cash", "Hojas, tóner y recetarios", at(760));
        }
        if day.day() <= 7 && day.weekday() == Weekday::Mon {
            add(RENTA, 1_850_000, "transfer", "Renta del local", at(600));
            add(SERVICIOS, 95_000 + 1_000 * rng.i64(0..20), "card", "Luz (CFE)", at(610));
            add(SERVICIOS, 59_900, "transfer", "Internet y teléfono", at(620));
        }
    }

    /// A delivery from the supplier every two weeks that covers what those two weeks use and
    /// sell (in whole packs), so stock never runs out and ends above every minimum. Each is paid
    /// by transfer: the expense the purchase points to.
    fn deliveries(&mut self, catalog: &Catalog, tz: Tz, first: NaiveDate, today: NaiveDate, by: Uuid) {
        let period = |at: DateTime<Utc>| ((time::local_date(tz, at) - first).num_days().max(0) / 14) as u64;
        let mut needed: BTreeMap<u64, BTreeMap<Uuid, i64>> = BTreeMap::new();
        for m in &self.stock {
            *needed.entry(period(m.at)).or_default().entry(m.product).or_default() -= i64::from(m.quantity);
        }
        // Whatever the history started from, it ends with at least three times each minimum.
        let top_up: BTreeMap<Uuid, i64> =
            catalog.products.iter().map(|p| (p.id, (3 * p.min + 1 - p.stock).max(0))).collect();
        for (n, (&index, products)) in needed.iter_mut().enumerate() {
            if n == 0 {
                for (product, extra) in &top_up {
                    *products.entry(*product).or_default() += extra;
                }
            }
            let day = first + Days::new(index * 14);
            if day >= today {
                continue;
            }
            let purchase = Uuid::now_v7();
            let expense = Uuid::now_v7();
            let at = time::at_minute(tz, day, 480);
            let mut total = 0;
            for p in catalog.products.iter().filter(|p| products.get(&p.id).is_some_and(|q| *q > 0)) {
                let pack = (p.min / 4).max(1);
                let quantity = (products[&p.id] + pack - 1) / pack * pack;
                total += quantity * p.cost;
                self.stock.push(StockRow {
                    product: p.id,
                    kind: "purchase",
                    quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
                    unit_cost: Some(p.cost),
                    purchase: Some(purchase),
                    visit: None,
                    charge: None,
                    at,
                    by,
                });
            }
            let invoice = format!("A-{}", 1002 + n);
            self.expenses.push(ExpenseRow {
                id: expense,
                category: INSUMOS,
                amount: total.max(1),
                day,
                method: "transfer",
                supplier: Some(catalog.supplier),
                note: format!("Factura {invoice}"),
                at,
            });
            self.purchases.push(PurchaseRow { id: purchase, invoice, received_on: day, total, expense, at });
        }
        // The ledger is written in time order, so each movement's balance reads as the stock card.
        self.stock.sort_by_key(|m| (m.at, m.kind != "purchase"));
    }
}

/// The notes (written, their procedures recorded, then signed: a signed note takes no more
/// procedures) and the appointments' consumables.
async fn write_visits(conn: &mut PgConnection, book: &Book) -> AppResult<()> {
    let v = &book.visits;
    let ids: Vec<Uuid> = v.iter().map(|v| v.id).collect();
    let appointments: Vec<Uuid> = v.iter().map(|v| v.seen.appointment).collect();
    let patients: Vec<Uuid> = v.iter().map(|v| v.seen.patient).collect();
    let pods: Vec<Uuid> = v.iter().map(|v| v.seen.podiatrist).collect();
    let authors: Vec<Uuid> = v.iter().map(|v| v.seen.author).collect();
    let findings: Vec<String> =
        v.iter().map(|v| serde_json::to_string(&v.note.findings).unwrap_or_else(|_| "{}".into())).collect();
    let risks: Vec<i16> = v.iter().map(|v| v.note.risk).collect();
    let notes: Vec<&str> = v.iter().map(|v| v.note.evolution).collect();
    let diagnoses: Vec<String> =
        v.iter().map(|v| serde_json::to_string(&v.note.diagnoses).unwrap_or_else(|_| "[]".into())).collect();
    let prognoses: Vec<&str> = v.iter().map(|v| v.note.prognosis).collect();
    let plans: Vec<&str> = v.iter().map(|v| v.note.plan).collect();
    let starts: Vec<DateTime<Utc>> = v.iter().map(|v| v.seen.starts).collect();
    let ends: Vec<DateTime<Utc>> = v.iter().map(|v| v.seen.ends).collect();
    sqlx::query!(
        "INSERT INTO visits (id, appointment_id, patient_id, podiatrist_id, author_id, findings, risk_category, notes,
                             diagnoses, prognosis, plan, created_at, updated_at)
         SELECT id, appointment, patient, pod, author, findings::jsonb, risk, notes, diagnoses::jsonb, prognosis, plan,
                starts, starts
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::int2[], $8::text[],
                     $9::timestamptz[], $10::text[], $11::text[], $12::text[])
              AS u(id, appointment, patient, pod, author, findings, risk, notes, starts, diagnoses, prognosis, plan)",
        &ids,
        &appointments,
        &patients,
        &pods,
        &authors,
        &findings,
        &risks,
        &notes as &[&str],
        &starts,
        &diagnoses,
        &prognoses as &[&str],
        &plans as &[&str]
    )
    .execute(&mut *conn)
    .await?;
    let (visit_of, treatment): (Vec<Uuid>, Vec<Uuid>) =
        v.iter().flat_map(|v| v.procedures.iter().map(move |t| (v.id, *t))).unzip();
    sqlx::query!(
        "INSERT INTO visit_procedures (visit_id, treatment_id, quantity)
         SELECT visit, treatment, 1 FROM unnest($1::uuid[], $2::uuid[]) AS u(visit, treatment)",
        &visit_of,
        &treatment
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE visits v SET signed_at = u.at, signed_by = v.author_id, updated_at = u.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) WHERE v.id = u.id",
        &ids,
        &ends
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Each patient's historia clínica, recorded at their first visit by its podiatrist.
/// Each patient's first visit of the history, in time order.
fn first_visits(book: &Book) -> Vec<&Seen> {
    let mut first: Vec<&Seen> = Vec::new();
    let mut visits: Vec<&Seen> = book.visits.iter().map(|v| &v.seen).collect();
    visits.sort_by_key(|s| s.starts);
    let mut told = std::collections::HashSet::new();
    for seen in visits {
        if told.insert(seen.patient) {
            first.push(seen);
        }
    }
    first
}

/// A signature as the desk's pad keeps it: a looping line across the pad, each patient's its own.
fn demo_signature(rng: &mut fastrand::Rng) -> serde_json::Value {
    use podoclinic_clinic::consents::model::{Ink, InkPoint};
    let (amplitude, loops) = (15.0 + rng.f32() * 35.0, 2.0 + rng.f32() * 3.0);
    let stroke = (0..48u16)
        .map(|i| {
            let along = f32::from(i) / 48.0;
            InkPoint {
                x: 30.0 + along * 340.0,
                y: 75.0 + amplitude * (along * loops * std::f32::consts::TAU).sin(),
                t: u32::from(i) * 16,
            }
        })
        .collect();
    json!(Ink { width: 400.0, height: 150.0, strokes: vec![stroke] })
}

/// The demo clinic's privacy notice (version 1, published on the history's first day), and each
/// seen patient's answers at their first visit: all consent to their health data, signed; the
/// voluntary purposes vary, as patients' do. Patients not yet seen have none: their first arrival
/// asks.
async fn write_consents(
    conn: &mut PgConnection,
    rng: &mut fastrand::Rng,
    first: &[&Seen],
    by: Uuid,
    since: DateTime<Utc>,
) -> AppResult<()> {
    let notice = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO privacy_notices (id, version, simplified, integral, published_by, published_at)
         VALUES ($1, 1, $2, $3, $4, $5)",
        notice,
        clinical::NOTICE_SIMPLIFIED,
        clinical::NOTICE_INTEGRAL,
        by,
        since
    )
    .execute(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = first.iter().map(|_| Uuid::now_v7()).collect();
    let patients: Vec<Uuid> = first.iter().map(|s| s.patient).collect();
    let at: Vec<DateTime<Utc>> = first.iter().map(|s| s.starts).collect();
    let photos: Vec<bool> = first.iter().map(|_| rng.u8(..10) < 3).collect();
    let promotions: Vec<bool> = first.iter().map(|_| rng.u8(..10) < 5).collect();
    let reminders: Vec<bool> = first.iter().map(|_| rng.u8(..10) < 9).collect();
    let signatures: Vec<serde_json::Value> = first.iter().map(|_| demo_signature(rng)).collect();
    sqlx::query!(
        "INSERT INTO privacy_consents (id, patient_id, notice_id, health_data, signature, teaching_photos, promotions,
                                       reminders, recorded_by, recorded_at)
         SELECT id, patient, $2, true, signature, photos, promotions, reminders, $3, at
         FROM unnest($1::uuid[], $4::uuid[], $5::bool[], $6::bool[], $7::bool[], $8::timestamptz[], $9::jsonb[])
              AS u(id, patient, photos, promotions, reminders, at, signature)",
        &ids,
        notice,
        by,
        &patients,
        &photos,
        &promotions,
        &reminders,
        &at,
        &signatures
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The demo clinic's consent-letter templates, version 1, published on the history's first day.
async fn write_consent_templates(conn: &mut PgConnection, by: Uuid, since: DateTime<Utc>) -> AppResult<()> {
    for &(kind, title, act, risks, contingencies, witnesses) in clinical::CONSENT_TEMPLATES {
        sqlx::query!(
            "INSERT INTO consent_templates (id, kind, version, title, act, risks_benefits, contingencies, body, witnesses,
                                            published_by, published_at)
             VALUES ($1, $2::text::consent_kind, 1, $3, $4, $5, $6, $7, $8, $9, $10)",
            Uuid::now_v7(),
            kind,
            title,
            act,
            risks,
            contingencies,
            clinical::letter_body(witnesses),
            witnesses,
            by,
            since
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn write_histories(conn: &mut PgConnection, rng: &mut fastrand::Rng, first: &[&Seen]) -> AppResult<()> {
    let ids: Vec<Uuid> = first.iter().map(|_| Uuid::now_v7()).collect();
    let patients: Vec<Uuid> = first.iter().map(|s| s.patient).collect();
    let authors: Vec<Uuid> = first.iter().map(|s| s.author).collect();
    let at: Vec<DateTime<Utc>> = first.iter().map(|s| s.starts).collect();
    let contents: Vec<String> = first
        .iter()
        .map(|s| serde_json::to_string(&clinical::history(rng, s.at_risk)).unwrap_or_else(|_| "{}".into()))
        .collect();
    sqlx::query!(
        "INSERT INTO patient_histories (id, patient_id, content, recorded_by, recorded_at)
         SELECT id, patient, content::jsonb, author, at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[]) AS u(id, patient, content, author, at)",
        &ids,
        &patients,
        &contents,
        &authors,
        &at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Charges in time order (their folios count up with the days) and their lines.
async fn write_charges(conn: &mut PgConnection, book: &Book, by: Uuid) -> AppResult<()> {
    let mut charges: Vec<&ChargeRow> = book.charges.iter().collect();
    charges.sort_by_key(|c| c.at);
    let ids: Vec<Uuid> = charges.iter().map(|c| c.id).collect();
    let patients: Vec<Uuid> = charges.iter().map(|c| c.patient).collect();
    let visits: Vec<Uuid> = charges.iter().map(|c| c.visit.unwrap_or_default()).collect();
    let totals: Vec<i64> = charges.iter().map(|c| c.total).collect();
    let at: Vec<DateTime<Utc>> = charges.iter().map(|c| c.at).collect();
    sqlx::query!(
        "INSERT INTO charges (id, patient_id, visit_id, total_cents, created_by, created_at)
         SELECT id, patient, NULLIF(visit, '00000000-0000-0000-0000-000000000000'), total, $6, at
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int8[], $5::timestamptz[]) WITH ORDINALITY
              AS u(id, patient, visit, total, at, n)
         ORDER BY n",
        &ids,
        &patients,
        &visits,
        &totals,
        &at,
        by
    )
    .execute(&mut *conn)
    .await?;
    let l = &book.lines;
    let charge: Vec<Uuid> = l.iter().map(|l| l.charge).collect();
    let position: Vec<i16> = l.iter().map(|l| l.position).collect();
    let treatment: Vec<Uuid> = l.iter().map(|l| l.treatment.unwrap_or_default()).collect();
    let product: Vec<Uuid> = l.iter().map(|l| l.product.unwrap_or_default()).collect();
    let description: Vec<&str> = l.iter().map(|l| l.description.as_str()).collect();
    let quantity: Vec<i32> = l.iter().map(|l| l.quantity).collect();
    let price: Vec<i64> = l.iter().map(|l| l.price).collect();
    let discount: Vec<i64> = l.iter().map(|l| l.discount).collect();
    let reason: Vec<&str> = l.iter().map(|l| l.discount_reason).collect();
    sqlx::query!(
        "INSERT INTO charge_lines (charge_id, position, treatment_id, product_id, description, quantity,
                                   unit_price_cents, discount_cents, discount_reason)
         SELECT charge, position, NULLIF(treatment, '00000000-0000-0000-0000-000000000000'),
                NULLIF(product, '00000000-0000-0000-0000-000000000000'), description, quantity, price, discount, reason
         FROM unnest($1::uuid[], $2::int2[], $3::uuid[], $4::uuid[], $5::text[], $6::int4[], $7::int8[], $8::int8[],
                     $9::text[]) AS u(charge, position, treatment, product, description, quantity, price, discount, reason)",
        &charge,
        &position,
        &treatment,
        &product,
        &description as &[&str],
        &quantity,
        &price,
        &discount,
        &reason as &[&str]
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Expenses paid outside the drawer, the supplier's deliveries and the whole stock ledger
/// (deliveries, consumption and sales, in time order).
async fn write_supplies(conn: &mut PgConnection, book: &Book, supplier: Uuid, by: Uuid) -> AppResult<()> {
    let x: Vec<&ExpenseRow> = book.expenses.iter().filter(|x| x.method != "cash").collect();
    let ids: Vec<Uuid> = x.iter().map(|x| x.id).collect();
    let category: Vec<Uuid> = x.iter().map(|x| x.category).collect();
    let amount: Vec<i64> = x.iter().map(|x| x.amount).collect();
    let day: Vec<NaiveDate> = x.iter().map(|x| x.day).collect();
    let method: Vec<&str> = x.iter().map(|x| x.method).collect();
    let suppliers: Vec<Uuid> = x.iter().map(|x| x.supplier.unwrap_or_default()).collect();
    let note: Vec<&str> = x.iter().map(|x| x.note.as_str()).collect();
    let at: Vec<DateTime<Utc>> = x.iter().map(|x| x.at).collect();
    sqlx::query!(
        "INSERT INTO expenses (id, category_id, amount_cents, spent_on, method, supplier_id, note, at, created_by)
         SELECT id, category, amount, day, method, NULLIF(supplier, '00000000-0000-0000-0000-000000000000'), note, at, $9
         FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::date[], $5::text[], $6::uuid[], $7::text[],
                     $8::timestamptz[]) AS u(id, category, amount, day, method, supplier, note, at)",
        &ids,
        &category,
        &amount,
        &day,
        &method as &[&str],
        &suppliers,
        &note as &[&str],
        &at,
        by
    )
    .execute(&mut *conn)
    .await?;
    let p = &book.purchases;
    let ids: Vec<Uuid> = p.iter().map(|p| p.id).collect();
    let invoice: Vec<&str> = p.iter().map(|p| p.invoice.as_str()).collect();
    let received: Vec<NaiveDate> = p.iter().map(|p| p.received_on).collect();
    let total: Vec<i64> = p.iter().map(|p| p.total).collect();
    let expense: Vec<Uuid> = p.iter().map(|p| p.expense).collect();
    let at: Vec<DateTime<Utc>> = p.iter().map(|p| p.at).collect();
    sqlx::query!(
        "INSERT INTO purchases (id, supplier_id, invoice_ref, received_on, total_cents, expense_id, created_by, created_at)
         SELECT id, $7, invoice, received, total, expense, $8, at
         FROM unnest($1::uuid[], $2::text[], $3::date[], $4::int8[], $5::uuid[], $6::timestamptz[])
              AS u(id, invoice, received, total, expense, at)",
        &ids,
        &invoice as &[&str],
        &received,
        &total,
        &expense,
        &at,
        supplier,
        by
    )
    .execute(&mut *conn)
    .await?;
    let s = &book.stock;
    let ids: Vec<Uuid> = s.iter().map(|_| Uuid::now_v7()).collect();
    let product: Vec<Uuid> = s.iter().map(|m| m.product).collect();
    let kind: Vec<&str> = s.iter().map(|m| m.kind).collect();
    let quantity: Vec<i32> = s.iter().map(|m| m.quantity).collect();
    let cost: Vec<i64> = s.iter().map(|m| m.unit_cost.unwrap_or(-1)).collect();
    let purchase: Vec<Uuid> = s.iter().map(|m| m.purchase.unwrap_or_default()).collect();
    let visit: Vec<Uuid> = s.iter().map(|m| m.visit.unwrap_or_default()).collect();
    let charge: Vec<Uuid> = s.iter().map(|m| m.charge.unwrap_or_default()).collect();
    let at: Vec<DateTime<Utc>> = s.iter().map(|m| m.at).collect();
    let who: Vec<Uuid> = s.iter().map(|m| m.by).collect();
    // Inserted in the array's order (time order): the trigger writes each movement's balance.
    sqlx::query!(
        "INSERT INTO stock_movements (id, product_id, kind, quantity, unit_cost_cents, purchase_id, supplier_id, visit_id,
                                      charge_id, at, created_by)
         SELECT id, product, kind, quantity, NULLIF(cost, -1), NULLIF(purchase, '00000000-0000-0000-0000-000000000000'),
                CASE WHEN kind = 'purchase' THEN $11::uuid END, NULLIF(visit, '00000000-0000-0000-0000-000000000000'),
                NULLIF(charge, '00000000-0000-0000-0000-000000000000'), at, who
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int4[], $5::int8[], $6::uuid[], $7::uuid[], $8::uuid[],
                     $9::timestamptz[], $10::uuid[]) WITH ORDINALITY
              AS u(id, product, kind, quantity, cost, purchase, visit, charge, at, who, n)
         ORDER BY n",
        &ids,
        &product,
        &kind as &[&str],
        &quantity,
        &cost,
        &purchase,
        &visit,
        &charge,
        &at,
        &who,
        supplier
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One day's drawer: the payments and cash expenses that went through it.
#[derive(Default)]
struct Drawer<'a> {
    payments: Vec<&'a PaymentRow>,
    expenses: Vec<&'a ExpenseRow>,
}

/// For every past day that had money: the session opened with its float before the first
/// patient, the day's payments and cash expenses in it, and the corte Z that evening. Most
/// drawers count exactly what was expected; now and then one is a few pesos short or over, and
/// the close says so. Returns how many cortes were closed.
async fn close_days(
    conn: &mut PgConnection,
    rng: &mut fastrand::Rng,
    tz: Tz,
    book: &Book,
    reception: Uuid,
) -> AppResult<usize> {
    let register = sqlx::query_scalar!("SELECT id FROM cash_registers WHERE active ORDER BY created_at, id LIMIT 1")
        .fetch_one(&mut *conn)
        .await?;
    let mut days: BTreeMap<NaiveDate, Drawer> = BTreeMap::new();
    for p in &book.payments {
        days.entry(time::local_date(tz, p.at)).or_default().payments.push(p);
    }
    for x in book.expenses.iter().filter(|x| x.method == "cash") {
        days.entry(x.day).or_default().expenses.push(x);
    }
    for (day, drawer) in &days {
        let session = Uuid::now_v7();
        let opened = time::at_minute(tz, *day, 525);
        sqlx::query!(
            "INSERT INTO cash_sessions (id, register_id, opened_at, opened_by, opening_float_cents) VALUES ($1, $2, $3, $4, $5)",
            session,
            register,
            opened,
            reception,
            FLOAT_CENTS
        )
        .execute(&mut *conn)
        .await?;
        insert_payments(conn, &drawer.payments, session, reception).await?;
        insert_cash_expenses(conn, &drawer.expenses, session, reception).await?;
        let sum = |method: &str| drawer.payments.iter().filter(|p| p.method == method).map(|p| p.amount).sum::<i64>();
        let spent: i64 = drawer.expenses.iter().map(|x| x.amount).sum();
        let expected = (FLOAT_CENTS + sum("cash") - spent, sum("card"), sum("transfer"));
        let (counted_cash, note) = match rng.u8(..12) {
            0 => (expected.0 - 50 * rng.i64(2..40), "Faltante en efectivo; se revisó con recepción."),
            1 => (expected.0 + 50 * rng.i64(2..20), "Sobrante en efectivo; cambio no entregado a un paciente."),
            _ => (expected.0, ""),
        };
        let last = drawer.payments.iter().map(|p| p.at).chain(drawer.expenses.iter().map(|x| x.at)).max();
        let evening = time::at_minute(tz, *day, if day.weekday() == Weekday::Sat { 870 } else { 1230 });
        let closed = last.map_or(evening, |l| evening.max(l + chrono::Duration::minutes(10)));
        sqlx::query!(
            "UPDATE cash_sessions SET closed_at = $2, closed_by = $3, expected_cash_cents = $4, expected_card_cents = $5,
                 expected_transfer_cents = $6, counted_cash_cents = $7, counted_card_cents = $5,
                 counted_transfer_cents = $6, close_note = $8
             WHERE id = $1",
            session,
            closed,
            reception,
            expected.0,
            expected.1,
            expected.2,
            counted_cash.max(0),
            note
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(days.len())
}

async fn insert_payments(conn: &mut PgConnection, payments: &[&PaymentRow], session: Uuid, by: Uuid) -> AppResult<()> {
    if payments.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
    let patient: Vec<Uuid> = payments.iter().map(|p| p.patient).collect();
    let charge: Vec<Uuid> = payments.iter().map(|p| p.charge).collect();
    let method: Vec<&str> = payments.iter().map(|p| p.method).collect();
    let amount: Vec<i64> = payments.iter().map(|p| p.amount).collect();
    let reference: Vec<&str> = payments.iter().map(|p| p.reference.as_str()).collect();
    let at: Vec<DateTime<Utc>> = payments.iter().map(|p| p.at).collect();
    sqlx::query!(
        "INSERT INTO payments (id, patient_id, charge_id, method, amount_cents, reference, session_id, at, created_by)
         SELECT id, patient, charge, method, amount, reference, $8, at, $9
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int8[], $6::text[], $7::timestamptz[])
              AS u(id, patient, charge, method, amount, reference, at)",
        &ids,
        &patient,
        &charge,
        &method as &[&str],
        &amount,
        &reference as &[&str],
        &at,
        session,
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_cash_expenses(
    conn: &mut PgConnection,
    expenses: &[&ExpenseRow],
    session: Uuid,
    by: Uuid,
) -> AppResult<()> {
    if expenses.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = expenses.iter().map(|x| x.id).collect();
    let category: Vec<Uuid> = expenses.iter().map(|x| x.category).collect();
    let amount: Vec<i64> = expenses.iter().map(|x| x.amount).collect();
    let day: Vec<NaiveDate> = expenses.iter().map(|x| x.day).collect();
    let note: Vec<&str> = expenses.iter().map(|x| x.note.as_str()).collect();
    let at: Vec<DateTime<Utc>> = expenses.iter().map(|x| x.at).collect();
    sqlx::query!(
        "INSERT INTO expenses (id, category_id, amount_cents, spent_on, method, note, session_id, at, created_by)
         SELECT id, category, amount, day, 'cash', note, $7, at, $8
         FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::date[], $5::text[], $6::timestamptz[])
              AS u(id, category, amount, day, note, at)",
        &ids,
        &category,
        &amount,
        &day,
        &note as &[&str],
        &at,
        session,
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
