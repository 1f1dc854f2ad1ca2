//! The stats dashboard against a hand-computed fixture: every figure below is worked out by hand
//! from the rows this test writes.

use chrono::{Duration, Utc};
use podoclinic_clinic::billing::model::{ChargeInput, LineInput, PaymentInput};
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::expenses::model::ExpenseInput;
use podoclinic_clinic::money::Method;
use podoclinic_clinic::stats::model::Bucket;
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
    let actor = ctx_of(&pool, &admin).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    // Catalog: gauze costs $2.50; the cure uses two (margin 500.00 − 5.00), the cut uses none.
    let gauze = podoclinic_clinic::catalog::service::create_product(
        &actor,
        podoclinic_clinic::catalog::model::Product {
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
    let cure = podoclinic_clinic::catalog::service::create_treatment(
        &actor,
        podoclinic_clinic::catalog::model::Treatment {
            id: Uuid::now_v7(),
            name: "Curación".into(),
            duration_minutes: 30,
            price_cents: 50_000,
            active: true,
            consumables: vec![podoclinic_clinic::catalog::model::Consumable { product_id: gauze, quantity: 2 }],
            requires_consent: None,
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
        unit_price_cents: None,
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
    let today = podoclinic_clinic::profile::time::local_date(chrono_tz::America::Mexico_City, Utc::now());
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
        podoclinic_clinic::expenses::service::record(&ctx, input).await.unwrap();
    }

    let d = podoclinic_clinic::stats::service::dashboard(&ctx, today - Duration::days(6), today, Bucket::Day)
        .await
        .unwrap();
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
        podoclinic_clinic::stats::service::dashboard(&ctx, today, today - Duration::days(1), Bucket::Day)
            .await
            .unwrap_err(),
        podoclinic_clinic::error::AppError::validation("to", "time_order")
    );
}

/// Every rollup row, sorted, as text (zero counters left by moves are the same as no row).
async fn rollups(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT * FROM (
             SELECT 'income ' || day || ' ' || method || ' ' || amount_cents FROM stats_income_days WHERE amount_cents <> 0
             UNION ALL SELECT 'appt ' || day || ' ' || podiatrist_id || ' ' || status || ' ' || count
                 FROM stats_appointment_days WHERE count <> 0
             UNION ALL SELECT 'treatment ' || day || ' ' || treatment_id || ' ' || quantity || ' ' || revenue_cents
                 FROM stats_treatment_days
             UNION ALL SELECT 'first ' || patient_id || ' ' || first_day FROM stats_first_visits
             UNION ALL SELECT 'seen day ' || day || ' ' || (
                 SELECT string_agg(n.patient_id::text, ',' ORDER BY n.patient_id) FROM stats_patient_numbers n
                 WHERE n.n < length(seen) AND get_bit(seen, n.n) = 1) FROM stats_seen_days
             UNION ALL SELECT 'seen month ' || month || ' ' || (
                 SELECT string_agg(n.patient_id::text, ',' ORDER BY n.patient_id) FROM stats_patient_numbers n
                 WHERE n.n < length(seen) AND get_bit(seen, n.n) = 1) FROM stats_seen_months) r(line)
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_daily_rollups_follow_bookings_moves_status_changes_payments_and_refunds(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let cut = treatment(&pool, &admin, "Corte de uñas", 30_000).await;
    let (a, b) = (podiatrist(&pool, &admin, "Dra. A", None).await, podiatrist(&pool, &admin, "Dr. B", None).await);
    let (p1, p2) = (patient(&pool, &admin, "Ana", "Uno", "").await, patient(&pool, &admin, "Beto", "Dos", "").await);
    for (patient, pod, hours_ago, status) in
        [(p1, a, 30, "scheduled"), (p1, b, 2, "scheduled"), (p2, a, 24 * 45, "completed"), (p2, b, 5, "confirmed")]
    {
        appointment(&pool, patient, pod, hours_ago, status).await;
    }
    let before = rollups(&pool).await;
    assert!(before.iter().any(|l| l.starts_with("first ") && l.contains(&p2.to_string())), "{before:?}");

    // Through the workflow to completed, one statement per step; then a move to the other
    // podiatrist two days later; a patient renamed (every row rewritten, nothing counted);
    // and one statement that cancels several at once.
    for status in ["arrived", "in_consultation", "completed"] {
        sqlx::query(
            "UPDATE appointments SET status = $1 WHERE patient_id = $2 AND lower(during) > now() - interval '3 hours'",
        )
        .bind(status)
        .bind(p1)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "UPDATE appointments SET during = tstzrange(lower(during) + interval '2 days', upper(during) + interval '2 days'),
                                 podiatrist_id = $1 WHERE patient_id = $2 AND status = 'scheduled'",
    )
    .bind(b)
    .bind(p1)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE patients SET first_name = 'Ana María' WHERE id = $1").bind(p1).execute(&pool).await.unwrap();
    sqlx::query(
        "UPDATE appointments SET status = 'cancelled', cancel_reason = 'Lluvia' WHERE status IN ('scheduled', 'confirmed')",
    )
    .execute(&pool)
    .await
    .unwrap();

    open_drawer(&ctx, 0).await;
    let line = LineInput {
        treatment_id: Some(cut),
        product_id: None,
        quantity: 2,
        discount_cents: 0,
        discount_reason: String::new(),
        unit_price_cents: None,
    };
    let charge = billing::create_charge(
        &ctx,
        ChargeInput { id: Uuid::now_v7(), patient_id: p1, visit_id: None, lines: vec![line] },
    )
    .await
    .unwrap();
    let pay = |method, amount_cents| PaymentInput {
        id: Uuid::now_v7(),
        patient_id: p1,
        charge_id: Some(charge.id),
        method,
        amount_cents,
        reference: String::new(),
    };
    billing::take_payment(&ctx, pay(Method::Cash, 40_000)).await.unwrap();
    billing::take_payment(&ctx, pay(Method::Card, 20_000)).await.unwrap();
    let refund = podoclinic_clinic::billing::model::RefundInput {
        id: Uuid::now_v7(),
        patient_id: p1,
        charge_id: Some(charge.id),
        method: Method::Cash,
        amount_cents: 10_000,
        reason: "Cobro de más".into(),
    };
    billing::refund(&ctx, refund).await.unwrap();

    // What the triggers kept equals a rebuild from the source tables.
    let kept = rollups(&pool).await;
    assert!(kept.iter().any(|l| l.starts_with("income ") && l.ends_with(" cash 30000")), "{kept:?}");
    assert!(kept.iter().any(|l| l.starts_with("treatment ") && l.ends_with(" 2 60000")), "{kept:?}");
    assert_eq!(kept.iter().filter(|l| l.starts_with("first ")).count(), 2, "both patients have completed a visit");
    assert_eq!(kept.iter().filter(|l| l.starts_with("seen day ")).count(), 2, "{kept:?}");
    sqlx::query("SELECT stats_rebuild()").execute(&pool).await.unwrap();
    assert_eq!(kept, rollups(&pool).await);

    // Patients seen and new, for ranges with and without whole months, equal a distinct count.
    let tz = chrono_tz::America::Mexico_City;
    let today = podoclinic_clinic::profile::time::local_date(tz, Utc::now());
    for days in [0, 7, 40, 70, 400] {
        let from = today - Duration::days(days);
        let d = podoclinic_clinic::stats::service::dashboard(&ctx, from, today, Bucket::Month).await.unwrap();
        let (start, end) = (
            podoclinic_clinic::profile::time::day_bounds(tz, from).0,
            podoclinic_clinic::profile::time::day_bounds(tz, today).1,
        );
        let (seen, new): (i64, i64) = sqlx::query_as(
            "SELECT count(DISTINCT patient_id),
                    count(DISTINCT patient_id) FILTER (WHERE NOT EXISTS (
                        SELECT 1 FROM appointments e WHERE e.patient_id = a.patient_id AND e.status = 'completed'
                        AND lower(e.during) < $1))
             FROM appointments a WHERE status = 'completed' AND lower(during) >= $1 AND lower(during) < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((d.new_patients + d.returning_patients, d.new_patients), (seen, new), "{days} days back");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_the_clinic_time_zone_recounts_the_days(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. A", None).await;
    let ana = patient(&pool, &admin, "Ana", "Uno", "").await;
    // 06:30 UTC on 15 January: 00:30 that day in Mexico City, 22:30 the day before in Tijuana.
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, status)
         VALUES ($1, $2, $3, tstzrange('2027-01-15 06:30Z', '2027-01-15 07:00Z'), 'scheduled')",
    )
    .bind(Uuid::now_v7())
    .bind(ana)
    .bind(pod)
    .execute(&pool)
    .await
    .unwrap();
    let days = || {
        sqlx::query_scalar::<_, String>("SELECT day::text FROM stats_appointment_days WHERE count > 0").fetch_all(&pool)
    };
    assert_eq!(days().await.unwrap(), vec!["2027-01-15"]);
    sqlx::query("UPDATE clinic_profile SET timezone = 'America/Tijuana'").execute(&pool).await.unwrap();
    assert_eq!(days().await.unwrap(), vec!["2027-01-14"]);
}

/// Issue 19, item 1: bulk statements of completed appointments (an import, a seed) keep the
/// rollups exactly as a rebuild from the source tables would make them: a first statement of
/// 12,000 over 300 days and 2,000 patients, then a second over the same days (so every day's
/// and month's bitmap is OR-ed into an existing one), then single rows and a status change.
#[sqlx::test(migrations = "../migrations")]
async fn bulk_inserts_of_completed_visits_keep_the_rollups_equal_to_a_rebuild(pool: PgPool) {
    for statement in [
        "INSERT INTO podiatrists (id, name, color) SELECT gen_random_uuid(), 'Podóloga ' || i, '#0f766e' FROM generate_series(1, 2) i",
        "INSERT INTO patients (id, first_name, last_names) SELECT gen_random_uuid(), 'Paciente', 'Número ' || i FROM generate_series(1, 2000) i",
        "CREATE TABLE numbered AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM patients",
        "CREATE TABLE pods AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM podiatrists",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await.unwrap();
    }
    // Slot k of day d for podiatrist p; `first` picks which half of the day's slots.
    let bulk = |slots: &str| {
        format!(
            "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
             SELECT gen_random_uuid(), pt.id, pd.id,
                    tstzrange(date_trunc('day', now()) - d * interval '1 day' - interval '20 days' + k * interval '20 minutes',
                              date_trunc('day', now()) - d * interval '1 day' - interval '20 days' + (k + 1) * interval '20 minutes'),
                    'Revisión', 'completed'
             FROM generate_series(0, 299) d CROSS JOIN pods pd CROSS JOIN generate_series({slots}) k
             JOIN numbered pt ON pt.n = 1 + (d * 97 + pd.n * 31 + k * 7) % 2000"
        )
    };
    let started = std::time::Instant::now();
    sqlx::query(sqlx::AssertSqlSafe(bulk("0, 19"))).execute(&pool).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(bulk("20, 29"))).execute(&pool).await.unwrap();
    println!("18,000 completed visits in two statements: {} ms", started.elapsed().as_millis());
    let admin = first_admin(&pool).await;
    let (a, b) =
        (patient(&pool, &admin, "Ana", "Suelta", "").await, patient(&pool, &admin, "Beto", "Suelto", "").await);
    let pod: Uuid = sqlx::query_scalar("SELECT id FROM podiatrists LIMIT 1").fetch_one(&pool).await.unwrap();
    appointment(&pool, a, pod, 3, "completed").await;
    appointment(&pool, b, pod, 5, "in_consultation").await;
    sqlx::query("UPDATE appointments SET status = 'completed' WHERE patient_id = $1")
        .bind(b)
        .execute(&pool)
        .await
        .unwrap();

    let kept = rollups(&pool).await;
    let (days, seen): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT clinic_day(lower(during))), count(DISTINCT patient_id) FROM appointments WHERE status = 'completed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(days >= 301, "300 bulk days and the single rows' ({days})");
    assert_eq!(kept.iter().filter(|l| l.starts_with("seen day ")).count() as i64, days);
    assert_eq!(kept.iter().filter(|l| l.starts_with("first ")).count() as i64, seen);
    sqlx::query("SELECT stats_rebuild()").execute(&pool).await.unwrap();
    assert_eq!(kept, rollups(&pool).await);
    // The bitmaps have the same shape too (a length the per-bit function would have made).
    let odd: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT length(seen) AS l FROM stats_seen_days UNION ALL SELECT length(seen) FROM stats_seen_months) b
         WHERE l % 1024 <> 0",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(odd, 0);
}
