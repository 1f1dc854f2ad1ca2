//! The stats dashboard against a hand-computed fixture: every figure below is worked out by hand
//! from the rows this test writes.

use chrono::{Duration, Utc};
use podoclinic::audit::Actor;
use podoclinic::billing::model::{ChargeInput, LineInput, PaymentInput};
use podoclinic::billing::service as billing;
use podoclinic::expenses::model::ExpenseInput;
use podoclinic::money::Method;
use podoclinic::stats::model::Bucket;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

async fn appointment(pool: &PgPool, patient: Uuid, pod: Uuid, hours_ago: i64, status: &str) {
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, status, cancel_reason)
         VALUES ($1, $2, $3, tstzrange(now() - make_interval(hours => $4), now() - make_interval(hours => $4) + interval '30 minutes'),
                 $5, CASE WHEN $5 = 'cancelled' THEN 'Se cambió de ciudad' END)",
    )
    .bind(Uuid::now_v7())
    .bind(patient)
    .bind(pod)
    .bind(hours_ago as i32)
    .bind(status)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_equals_a_hand_computed_fixture(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = Actor::user(admin.id, &admin.username, "test-desk");
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    // Catalog: gauze costs $2.50; the cure uses two (margin 500.00 − 5.00), the cut uses none.
    let gauze = podoclinic::catalog::repo::create_product(
        &pool,
        &actor,
        podoclinic::catalog::model::Product {
            id: Uuid::now_v7(),
            sku: "GASA-10".into(),
            name: "Gasa".into(),
            unit: "pieza".into(),
            cost_cents: 250,
            price_cents: 0,
            min_stock: 5,
            active: true,
        },
    )
    .await
    .unwrap()
    .id;
    let cure = podoclinic::catalog::repo::create_treatment(
        &pool,
        &actor,
        podoclinic::catalog::model::Treatment {
            id: Uuid::now_v7(),
            name: "Curación".into(),
            duration_minutes: 30,
            price_cents: 50_000,
            active: true,
            consumables: vec![podoclinic::catalog::model::Consumable { product_id: gauze, quantity: 2 }],
        },
    )
    .await
    .unwrap()
    .id;
    let cut = treatment(&pool, &admin, "Corte de uñas", 30_000).await;

    let (a, b) = (podiatrist(&pool, &admin, "Dra. A", None).await, podiatrist(&pool, &admin, "Dr. B", None).await);
    let (p1, p2, p3) = (
        patient(&pool, &admin, "Ana", "Uno", "").await,
        patient(&pool, &admin, "Beto", "Dos", "").await,
        patient(&pool, &admin, "Cata", "Tres", "").await,
    );
    appointment(&pool, p1, a, 1, "completed").await; // first visit ever: new
    appointment(&pool, p2, b, 24 * 30, "completed").await; // a month ago, outside the range
    appointment(&pool, p2, b, 2, "completed").await; // returning
    appointment(&pool, p3, a, 3, "no_show").await;
    appointment(&pool, p1, b, 4, "cancelled").await;

    // Money today: P1 the cure, paid cash; P2 two cuts with $50 off, paid by card and transfer.
    open_drawer(&ctx, 0).await;
    let charge = |patient, lines| ChargeInput { id: Uuid::now_v7(), patient_id: patient, visit_id: None, lines };
    let line = |t, quantity, discount_cents| LineInput {
        treatment_id: Some(t),
        product_id: None,
        quantity,
        discount_cents,
        discount_reason: if discount_cents > 0 { "promoción".into() } else { String::new() },
    };
    let c1 = billing::create_charge(&ctx, charge(p1, vec![line(cure, 1, 0)])).await.unwrap();
    let c2 = billing::create_charge(&ctx, charge(p2, vec![line(cut, 2, 5_000)])).await.unwrap();
    for (patient, charge, method, amount) in
        [(p1, c1.id, Method::Cash, 50_000), (p2, c2.id, Method::Card, 30_000), (p2, c2.id, Method::Transfer, 25_000)]
    {
        let input = PaymentInput {
            id: Uuid::now_v7(),
            patient_id: patient,
            charge_id: Some(charge),
            method,
            amount_cents: amount,
            reference: String::new(),
        };
        billing::take_payment(&ctx, input).await.unwrap();
    }
    let today = podoclinic::clinic::time::local_date(chrono_tz::America::Mexico_City, Utc::now());
    for (category, amount, method) in [(0x102, 80_000, Method::Transfer), (0x104, 4_550, Method::Cash)] {
        let input = ExpenseInput {
            id: Uuid::now_v7(),
            category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000000 + category),
            amount_cents: amount,
            spent_on: today,
            method,
            supplier_id: None,
            note: String::new(),
        };
        podoclinic::expenses::repo::record(&pool, &ctx.actor, input).await.unwrap();
    }

    let d = podoclinic::stats::repo::dashboard(&pool, today - Duration::days(6), today, Bucket::Day).await.unwrap();
    let income: Vec<_> = d.income.iter().map(|p| (p.period, p.method, p.amount_cents)).collect();
    assert_eq!(
        income,
        vec![(today, Method::Cash, 50_000), (today, Method::Card, 30_000), (today, Method::Transfer, 25_000)]
    );
    assert_eq!((d.income_cents, d.expenses_cents, d.net_cents), (105_000, 84_550, 20_450));
    let expenses: Vec<_> = d.expenses.iter().map(|c| (c.category.as_str(), c.amount_cents)).collect();
    assert_eq!(expenses, vec![("Renta", 80_000), ("Limpieza", 4_550)]);
    let counts: Vec<_> =
        d.appointments.iter().map(|c| (c.podiatrist_name.as_str(), c.status.as_str(), c.count)).collect();
    assert_eq!(
        counts,
        vec![
            ("Dr. B", "cancelled", 1),
            ("Dr. B", "completed", 1),
            ("Dra. A", "completed", 1),
            ("Dra. A", "no_show", 1)
        ]
    );
    assert_eq!(d.no_show_per_mille, Some(333), "one no-show against two completed");
    let top: Vec<_> = d.top_treatments.iter().map(|t| (t.name.as_str(), t.quantity, t.revenue_cents)).collect();
    assert_eq!(top, vec![("Corte de uñas", 2, 55_000), ("Curación", 1, 50_000)]);
    assert_eq!((d.new_patients, d.returning_patients), (1, 1));
    let margins: Vec<_> =
        d.margins.iter().map(|m| (m.name.as_str(), m.consumables_cost_cents, m.margin_cents)).collect();
    assert_eq!(margins, vec![("Curación", 500, 49_500), ("Corte de uñas", 0, 30_000)]);
    assert_eq!(d.low_stock.len(), 1, "gauze: 0 in stock, minimum 5");
    assert_eq!(
        podoclinic::stats::repo::dashboard(&pool, today, today - Duration::days(1), Bucket::Day).await.unwrap_err(),
        podoclinic::error::AppError::validation("to", "time_order")
    );
}

#[tokio::test]
async fn a_table_exported_as_csv_keeps_accents_commas_and_quotes() {
    let dir = std::env::temp_dir().join(format!("podoclinic-csv-{}", Uuid::now_v7()));
    let header = vec!["Tratamiento".to_string(), "Ingreso".to_string()];
    let rows = vec![vec!["Curación, con \"fresado\"".to_string(), "500.00".to_string()]];
    let saved = podoclinic::documents::csv_table(&dir, "top-tratamientos", header, rows).await.unwrap();
    assert!(saved.name.starts_with("top-tratamientos-") && saved.name.ends_with(".csv"));
    let bytes = std::fs::read(&saved.path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM for spreadsheet apps");
    assert_eq!(
        String::from_utf8(bytes[3..].to_vec()).unwrap(),
        "Tratamiento,Ingreso\n\"Curación, con \"\"fresado\"\"\",500.00\n"
    );
    assert!(podoclinic::documents::csv_table(&dir, "../..", vec![], vec![]).await.is_err(), "no path in the name");
    std::fs::remove_dir_all(dir).ok();
}
