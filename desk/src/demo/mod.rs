//! The demo clinic the README's run command shows. Seeded once, only into a fresh database; its
//! three months of history (`history`, in builds with the `demo-history` feature) follow as soon
//! as the clinic has an account to sign them.

#[cfg(feature = "demo-history")]
mod clinical;
#[cfg(feature = "demo-history")]
mod history;

use chrono::{Datelike, Days, Utc};
use serde_json::json;
use sqlx::postgres::types::PgRange;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use podoclinic_clinic::audit::{self, Action, Actor, Entry};
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::profile::time;

/// Turns on the demo clinic (the README's run command sets it).
pub const DEMO_ENV: &str = "PODOCLINIC_DEMO";

pub fn enabled() -> bool {
    std::env::var(DEMO_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Fills a database that still has the default profile with a demo clinic. Accounts are not
/// seeded: the first start shows the create-admin screen, as it will in a real clinic.
///
/// The past three months (signed notes, charges, payments, cortes) need someone to have written
/// them, and the schema names a user for each; so they are added by the first call that finds an
/// account, in the same transaction as the rest when the account already exists. Calling this
/// again is harmless: each part is added only while it is missing.
#[tracing::instrument(skip_all)]
pub async fn seed(pool: &PgPool, desk: &str) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let fresh: bool = sqlx::query_scalar!(r#"SELECT name = 'Mi clínica' AS "fresh!" FROM clinic_profile FOR UPDATE"#)
        .fetch_one(&mut *tx)
        .await?;
    // A demo database made by an earlier version may have the profile but not the agenda yet.
    let no_agenda: bool =
        sqlx::query_scalar!(r#"SELECT NOT EXISTS (SELECT 1 FROM podiatrists) AS "none!""#).fetch_one(&mut *tx).await?;
    let was_demo: bool =
        sqlx::query_scalar!(r#"SELECT name = 'Clínica Podológica Demo' AS "demo!" FROM clinic_profile"#)
            .fetch_one(&mut *tx)
            .await?;
    // A demo database made by an earlier version may lack the newer parts: add what is missing.
    let no_catalog: bool =
        sqlx::query_scalar!(r#"SELECT NOT EXISTS (SELECT 1 FROM treatments) AS "none!""#).fetch_one(&mut *tx).await?;
    if !fresh {
        if was_demo {
            if no_agenda {
                seed_agenda(&mut tx).await?;
            }
            if no_catalog {
                seed_catalog(&mut tx).await?;
            }
            add_history_if_due(&mut tx, desk).await?;
            tx.commit().await?;
        }
        return Ok(());
    }
    let profile = json!({
        "name": "Clínica Podológica Demo",
        "address": "Av. Insurgentes Sur 1234, Col. Del Valle, CDMX",
        "phone": "55 5555 0100",
    });
    sqlx::query!(
        "UPDATE clinic_profile SET name = $1, address = $2, phone = $3, updated_at = now()",
        profile["name"].as_str(),
        profile["address"].as_str(),
        profile["phone"].as_str()
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &Actor::system(desk),
        Entry::new(Action::DemoSeed, "clinic_profile", "clinic").after(&profile),
    )
    .await?;
    seed_agenda(&mut tx).await?;
    seed_catalog(&mut tx).await?;
    add_history_if_due(&mut tx, desk).await?;
    tx.commit().await?;
    tracing::info!("demo clinic seeded");
    Ok(())
}

/// Name, cédula, colour and the institution that issued the title.
const PODIATRISTS: &[(&str, &str, &str, &str)] = &[
    ("Dra. Lucía Hernández Ruiz", "8123456", "#0f766e", "Instituto Politécnico Nacional"),
    ("Dr. Martín Ortega Salas", "7234561", "#b45309", "Universidad Autónoma de Nuevo León"),
    ("Dra. Sofía Núñez Peña", "9345612", "#7c3aed", "Instituto Politécnico Nacional"),
];

const FIRST: &[&str] = &[
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Francisco",
    "Ana",
    "Luis",
    "Verónica",
    "Jesús",
    "Patricia",
    "Miguel Ángel",
    "Rosa",
    "Alejandro",
    "Leticia",
    "Sergio",
    "Adriana",
    "Ramón",
    "Mónica",
    "Raúl",
    "Elena",
];
const LAST: &[&str] = &[
    "González",
    "Hernández",
    "García",
    "Martínez",
    "López",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Jiménez",
    "Reyes",
    "Díaz",
    "Torres",
    "Gutiérrez",
    "Ruiz",
];
/// The three months behind today, when this build carries them (the `demo-history` feature).
#[cfg(feature = "demo-history")]
async fn add_history_if_due(conn: &mut PgConnection, desk: &str) -> AppResult<()> {
    history::add_if_due(conn, desk).await
}

/// Without the `demo-history` feature (a clinic's release build) the demo has no past.
#[cfg(not(feature = "demo-history"))]
async fn add_history_if_due(_conn: &mut PgConnection, _desk: &str) -> AppResult<()> {
    Ok(())
}

/// What patients book for; `history` maps each to the treatment it ends in.
const REASONS: &[&str] = &[
    "Onicocriptosis",
    "Revisión pie diabético",
    "Quiropodia",
    "Retiro de callosidades",
    "Uña encarnada",
    "Valoración de pisada",
    "Curación",
    "Onicomicosis",
];

/// Three podiatrists with weekly hours, 60 patients, and this week's and next week's appointments.
async fn seed_agenda(conn: &mut PgConnection) -> AppResult<()> {
    let mut rng = fastrand::Rng::with_seed(2026);
    let tz = time::zone(&mut *conn).await?;
    let today = time::local_date(tz, Utc::now());
    // The clinic works Monday to Saturday. A demo first opened on a Sunday is open that morning
    // too, so the first screen shows the day's patients rather than "No hay citas hoy".
    let open_sunday = today.weekday() == chrono::Weekday::Sun;
    let mut pods = Vec::new();
    for (name, license, color, institution) in PODIATRISTS {
        let id = Uuid::now_v7();
        sqlx::query!(
            "INSERT INTO podiatrists (id, name, license, color, title_institution) VALUES ($1, $2, $3, $4, $5)",
            id,
            name,
            license,
            color,
            institution
        )
        .execute(&mut *conn)
        .await?;
        // Monday to Friday 9–14 and 16–20, Saturday (and a first Sunday) 9–14.
        for weekday in 1..=(if open_sunday { 7_i16 } else { 6 }) {
            let blocks: &[(i32, i32)] = if weekday >= 6 { &[(540, 840)] } else { &[(540, 840), (960, 1200)] };
            for (start, end) in blocks {
                sqlx::query!("INSERT INTO schedule_blocks (id, podiatrist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)", Uuid::now_v7(), id, weekday, start, end)
                .execute(&mut *conn)
                .await?;
            }
        }
        pods.push(id);
    }
    let mut patients = Vec::new();
    for i in 0..60 {
        let id = Uuid::now_v7();
        let first = FIRST[i % FIRST.len()];
        let last = format!("{} {}", LAST[rng.usize(..LAST.len())], LAST[rng.usize(..LAST.len())]);
        let birth = chrono::NaiveDate::from_ymd_opt(1940 + rng.i32(0..65), rng.u32(1..13), rng.u32(1..29));
        let diabetes = ["none", "none", "none", "type2", "type1"][rng.usize(..5)];
        sqlx::query!(
            "INSERT INTO patients (id, first_name, last_names, birth_date, sex, phone, diabetes, anticoagulants)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            id,
            first,
            &last,
            birth,
            if i % 2 == 0 { "male" } else { "female" },
            format!("55 {:04} {:04}", rng.u32(1000..10000), rng.u32(0..10000)),
            diabetes,
            rng.u8(..10) == 0
        )
        .execute(&mut *conn)
        .await?;
        patients.push(id);
    }
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    for offset in (0..13).filter(|d| d % 7 != 6 || (open_sunday && *d == 6)) {
        let day = monday + Days::new(offset);
        for pod in &pods {
            let mut minute = 540;
            while minute < 1200 {
                if (840..960).contains(&minute) {
                    minute = 960;
                }
                let length = [30, 45, 60][rng.usize(..3)];
                let limit = if minute < 840 { 840 } else { 1200 };
                if offset % 7 >= 5 && minute >= 840 {
                    break;
                }
                if minute + length <= limit && rng.u8(..10) < 6 {
                    let start = time::at_minute(tz, day, minute);
                    let end = time::at_minute(tz, day, minute + length);
                    let status = if end < Utc::now() {
                        ["completed", "completed", "completed", "no_show"][rng.usize(..4)]
                    } else {
                        "scheduled"
                    };
                    sqlx::query!(
                        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        Uuid::now_v7(),
                        patients[rng.usize(..patients.len())],
                        pod,
                        PgRange::from(start..end),
                        REASONS[rng.usize(..REASONS.len())],
                        status
                    )
                    .execute(&mut *conn)
                    .await?;
                }
                minute += length + [0, 0, 15, 30][rng.usize(..4)];
            }
        }
    }
    Ok(())
}

/// A demo treatment: name, minutes, price in cents, consumables as (SKU, quantity).
type DemoTreatment = (&'static str, i32, i64, &'static [(&'static str, i32)]);

const TREATMENTS: &[DemoTreatment] = &[
    ("Consulta de valoración", 30, 40_000, &[]),
    ("Corte y limado de uñas", 30, 35_000, &[("GASA-10", 2)]),
    ("Quiropodia (callosidades)", 45, 50_000, &[("GASA-10", 2), ("ANTISEP-ML", 10)]),
    ("Tratamiento de uña encarnada", 45, 80_000, &[("GASA-10", 4), ("ANTISEP-ML", 20)]),
    ("Curación de úlcera", 30, 45_000, &[("GASA-10", 6), ("ANTISEP-ML", 30)]),
    ("Revisión de pie diabético", 40, 60_000, &[]),
];

/// (SKU, name, unit, cost, price, minimum stock).
const PRODUCTS: &[(&str, &str, &str, i64, i64, i32)] = &[
    ("GASA-10", "Gasa estéril 10×10", "pieza", 250, 0, 100),
    ("ANTISEP-ML", "Antiséptico de clorhexidina", "ml", 2, 0, 500),
    ("PLANTILLA-01", "Plantilla ortopédica", "par", 35_000, 89_000, 4),
    ("CREMA-UREA", "Crema de urea al 20 %", "pieza", 9_000, 18_500, 6),
];

/// The treatment catalog with prices and consumables, and the products reception sells.
async fn seed_catalog(conn: &mut PgConnection) -> AppResult<()> {
    let mut product_ids = std::collections::HashMap::new();
    for (sku, name, unit, cost, price, min) in PRODUCTS {
        let id = Uuid::now_v7();
        sqlx::query!("INSERT INTO products (id, sku, name, unit, cost_cents, price_cents, min_stock) VALUES ($1, $2, $3, $4, $5, $6, $7)", id, sku, name, unit, cost, price, min)
        .execute(&mut *conn)
        .await?;
        product_ids.insert(*sku, id);
    }
    // A first delivery from the clinic's usual supplier, so the demo has stock to use and sell.
    let supplier = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO suppliers (id, name, rfc, contact, phone) VALUES ($1, 'Distribuidora Médica del Centro',
             'DMC900101AB1', 'Laura Medina', '55 5555 0199')",
        supplier
    )
    .execute(&mut *conn)
    .await?;
    let purchase = Uuid::now_v7();
    let total: i64 = PRODUCTS.iter().map(|(_, _, _, cost, _, min)| cost * i64::from(min * 5)).sum();
    sqlx::query!("INSERT INTO purchases (id, supplier_id, invoice_ref, received_on, total_cents) VALUES ($1, $2, 'A-1001', current_date, $3)", purchase, supplier, total)
    .execute(&mut *conn)
    .await?;
    for (sku, _, _, cost, _, min) in PRODUCTS {
        sqlx::query!(
            "INSERT INTO stock_movements (id, product_id, kind, quantity, unit_cost_cents, purchase_id, supplier_id)
             VALUES ($1, $2, 'purchase', $3, $4, $5, $6)",
            Uuid::now_v7(),
            product_ids[sku],
            min * 5,
            cost,
            purchase,
            supplier
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            "INSERT INTO supplier_products (supplier_id, product_id, last_cost_cents) VALUES ($1, $2, $3)",
            supplier,
            product_ids[sku],
            cost
        )
        .execute(&mut *conn)
        .await?;
    }
    for (name, minutes, price, consumables) in TREATMENTS {
        let id = Uuid::now_v7();
        sqlx::query!(
            "INSERT INTO treatments (id, name, duration_minutes, price_cents) VALUES ($1, $2, $3, $4)",
            id,
            name,
            minutes,
            price
        )
        .execute(&mut *conn)
        .await?;
        for (sku, quantity) in *consumables {
            sqlx::query!(
                "INSERT INTO treatment_consumables (treatment_id, product_id, quantity) VALUES ($1, $2, $3)",
                id,
                product_ids[sku],
                quantity
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
