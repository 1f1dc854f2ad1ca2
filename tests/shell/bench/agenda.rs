//! Benchmark: 100,000 patients and 1,000,000 appointments over 20 podiatrists and 5 years, with a
//! charge and a payment for every completed one (about 800,000 each) and three expenses a day.
//! Prints p50/p95 of patient search, of the week agenda and of the one-year stats dashboard through
//! the real command path (tauri IPC on the mock runtime, guard included), the same work run
//! directly on a connection, and their ratio. A command's round trip ends when its JSON reply is
//! handed to the webview; parsing it there is the webview's work, timed on neither side. Figures,
//! not pass/fail: run it with `--release` on a quiet machine.
//!
//! `DATABASE_URL` names the server; the data goes to database `podoclinic_bench`, seeded once and
//! reused (pass `--reseed` to start over).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use podoclinic_shell_tests::MockApp;
use podoclinic_shell_tests::bench::{in_turns, ms, percentile};
use podoclinic_tests::*;
use serde_json::json;
use sqlx::{Connection, PgConnection, PgPool};

const RUNS: usize = 300;

fn report_guarded(name: &str, guarded: &mut [Duration], sql: &mut [Duration]) {
    let (g50, g95) = (percentile(guarded, 0.5), percentile(guarded, 0.95));
    println!(
        "{name:<22} guard + service on the app pool, no IPC: p50 {:>6.2} ms  p95 {:>6.2} ms | ratio to SQL p50 {:.2}",
        ms(g50),
        ms(g95),
        g50.as_secs_f64() / percentile(sql, 0.5).as_secs_f64()
    );
}

fn report(name: &str, ipc: &mut [Duration], sql: &mut [Duration]) {
    let (i50, i95) = (percentile(ipc, 0.5), percentile(ipc, 0.95));
    let (s50, s95) = (percentile(sql, 0.5), percentile(sql, 0.95));
    println!(
        "{name:<22} command p50 {:>6.2} ms  p95 {:>6.2} ms | direct SQL p50 {:>6.2} ms  p95 {:>6.2} ms | ratio p50 {:.2}",
        ms(i50),
        ms(i95),
        ms(s50),
        ms(s95),
        i50.as_secs_f64() / s50.as_secs_f64()
    );
}

async fn seed(pool: &PgPool) {
    let t = Instant::now();
    sqlx::query(
        "INSERT INTO podiatrists (id, name, color)
         SELECT gen_random_uuid(), 'Podólogo ' || i, '#0f766e' FROM generate_series(1, 20) i",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO schedule_blocks (id, podiatrist_id, weekday, start_minute, end_minute)
         SELECT gen_random_uuid(), p.id, d, 480, 1200 FROM podiatrists p, generate_series(1, 6) d",
    )
    .execute(pool)
    .await
    .unwrap();
    podoclinic_shell_tests::seed_patients(pool, 100_000).await;
    // 20 podiatrists × ~1,565 working days × 32 twenty-minute appointments = 1,001,600.
    sqlx::query("CREATE TABLE bench_patient_numbers AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM patients")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("CREATE UNIQUE INDEX ON bench_patient_numbers (n)").execute(pool).await.unwrap();
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
         SELECT gen_random_uuid(), pt.id, pd.id,
                tstzrange(d + interval '14 hours' + k * interval '20 minutes',
                          d + interval '14 hours' + (k + 1) * interval '20 minutes'),
                'Revisión', CASE WHEN d < now() THEN 'completed' ELSE 'scheduled' END
         FROM (SELECT d, row_number() OVER (ORDER BY d) AS dn
               FROM generate_series(date_trunc('day', now()) - interval '4 years',
                                    date_trunc('day', now()) + interval '1 year', interval '1 day') d
               WHERE extract(isodow FROM d) < 7) days
         CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM podiatrists) pd
         CROSS JOIN generate_series(0, 31) k
         JOIN bench_patient_numbers pt ON pt.n = 1 + (days.dn * 640 + pd.n * 32 + k) % 100000",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    let (p, a): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM appointments)")
            .fetch_one(pool)
            .await
            .unwrap();
    println!("seeded {p} patients and {a} appointments in {:.0} s", t.elapsed().as_secs_f64());
}

/// Money for the data set: every completed appointment charged one of eight treatments at its
/// end and paid in full then (cash, card or transfer), and three expenses a day. Bulk-loaded with
/// triggers off (`session_replication_role = replica`), then the stats rollups rebuilt from it.
async fn seed_money(url: &str) {
    let t = Instant::now();
    let mut conn = PgConnection::connect(url).await.unwrap();
    for statement in [
        "SET session_replication_role = replica",
        "INSERT INTO products (id, sku, name, cost_cents, min_stock)
         SELECT gen_random_uuid(), 'BENCH-' || i, 'Insumo ' || i, 100 * i, 10 FROM generate_series(1, 5) i",
        "CREATE TABLE bench_treatments AS
         SELECT gen_random_uuid() AS id, i AS n, 'Tratamiento ' || i AS name, 25000 + 5000 * i AS price_cents
         FROM generate_series(1, 8) i",
        "INSERT INTO treatments (id, name, duration_minutes, price_cents)
         SELECT id, name, 20, price_cents FROM bench_treatments",
        "INSERT INTO treatment_consumables (treatment_id, product_id, quantity)
         SELECT t.id, p.id, 1 + t.n % 3 FROM bench_treatments t, products p WHERE p.sku = 'BENCH-' || (1 + t.n % 5)",
        "INSERT INTO cash_sessions (id, register_id, opened_by, opened_at, opening_float_cents)
         SELECT gen_random_uuid(), (SELECT id FROM cash_registers ORDER BY created_at LIMIT 1),
                (SELECT id FROM users ORDER BY created_at LIMIT 1), now() - interval '5 years', 0",
        "CREATE TABLE bench_charges AS
         SELECT a.id, a.patient_id, upper(a.during) AS at, t.id AS treatment_id, t.name, t.price_cents,
                (ARRAY['cash', 'cash', 'cash', 'card', 'card', 'transfer'])[1 + abs(hashtext(a.id::text)) % 6] AS method
         FROM appointments a JOIN bench_treatments t ON t.n = 1 + abs(hashtext(a.id::text)) % 8
         WHERE a.status = 'completed'",
        "INSERT INTO charges (id, patient_id, total_cents, created_by, created_at)
         SELECT id, patient_id, price_cents, (SELECT id FROM users ORDER BY created_at LIMIT 1), at FROM bench_charges",
        "INSERT INTO charge_lines (charge_id, position, treatment_id, description, quantity, unit_price_cents)
         SELECT id, 0, treatment_id, name, 1, price_cents FROM bench_charges",
        "INSERT INTO payments (id, patient_id, charge_id, method, amount_cents, session_id, at, created_by)
         SELECT gen_random_uuid(), patient_id, id, method, price_cents, (SELECT id FROM cash_sessions LIMIT 1), at,
                (SELECT id FROM users ORDER BY created_at LIMIT 1)
         FROM bench_charges",
        "INSERT INTO expenses (id, category_id, amount_cents, spent_on, method, at, created_by)
         SELECT gen_random_uuid(), c.ids[1 + abs(hashint4(k * 7 + d::date - date '2000-01-01')) % array_length(c.ids, 1)],
                5000 + abs(hashint4(k + (d::date - date '2000-01-01') * 3)) % 300000, d::date, 'transfer', d,
                (SELECT id FROM users ORDER BY created_at LIMIT 1)
         FROM generate_series(date_trunc('day', now()) - interval '4 years', date_trunc('day', now()), interval '1 day') d,
              generate_series(1, 3) k, (SELECT array_agg(id ORDER BY id) AS ids FROM expense_categories) c",
        "SET session_replication_role = DEFAULT",
        "SELECT stats_rebuild()",
        "VACUUM ANALYZE",
    ] {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    let (c, p): (i64, i64) = sqlx::query_as("SELECT (SELECT count(*) FROM charges), (SELECT count(*) FROM payments)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    println!("seeded {c} charges and {p} payments in {:.0} s", t.elapsed().as_secs_f64());
}

fn main() {
    let reseed = std::env::args().any(|a| a == "--reseed");
    let (pool, url) = tauri::async_runtime::block_on(async {
        let (pool, url) = podoclinic_shell_tests::bench::Database::Agenda.open(reseed).await;
        let seeded: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM appointments)").fetch_one(&pool).await.unwrap();
        if !seeded {
            seed(&pool).await;
            first_admin(&pool).await;
        }
        let paid: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payments)").fetch_one(&pool).await.unwrap();
        if !paid {
            seed_money(&url).await;
        }
        (pool, url)
    });

    let app = MockApp::new(state_on(pool.clone(), "bench"));
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).expect("login");
    let direct_options = podoclinic_clinic::db::tuned(url.parse().unwrap());
    let mut conn = tauri::async_runtime::block_on(PgConnection::connect_with(&direct_options)).unwrap();
    // The search service runs one to a few queries; "direct" runs the same service on a pool of
    // one connection, without the IPC path, the guard or JSON.
    let direct_pool =
        tauri::async_runtime::block_on(sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&url)).unwrap();
    let admin_id: uuid::Uuid = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(&pool),
    )
    .unwrap();
    let direct_ctx =
        tauri::async_runtime::block_on(podoclinic_clinic::auth::Ctx::for_user(&direct_pool, admin_id, "bench"))
            .unwrap();

    let queries = [
        "jose gonz",
        "maria lopez",
        "guadalupe",
        "hernandez nunez",
        "munoz",
        "gonzales",
        "55 1234",
        "ramirez ortiz",
        "veronica",
        "ibanez",
    ];
    let (mut ipc, mut sql) = (Vec::new(), Vec::new());
    for i in 0..RUNS + 20 {
        let q = queries[i % queries.len()];
        let (mut found, mut direct) = (String::new(), Vec::new());
        let [a, b] = in_turns(
            i,
            [&mut || found = app.invoke_json("search_patients", json!({ "query": q })).unwrap(), &mut || {
                direct = tauri::async_runtime::block_on(podoclinic_clinic::patients::service::search(&direct_ctx, q))
                    .unwrap()
            }],
        );
        let found: serde_json::Value = serde_json::from_str(&found).unwrap();
        assert_eq!(found.as_array().map(Vec::len), Some(direct.len()));
        if i >= 20 {
            ipc.push(a);
            sql.push(b);
        }
    }
    report("patient search", &mut ipc, &mut sql);

    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap();
    let one_pod: uuid::Uuid =
        tauri::async_runtime::block_on(sqlx::query_scalar("SELECT id FROM podiatrists LIMIT 1").fetch_one(&pool))
            .unwrap();
    // A second desk state on the same pool, to time the guard and service without the IPC layer.
    let bare = state_on(pool.clone(), "bench-bare");
    tauri::async_runtime::block_on(async {
        let session = podoclinic_clinic::auth::service::authenticate(
            &desk_named(&pool, "bench-bare"),
            "admin",
            ADMIN_PASSWORD,
            podoclinic_clinic::auth::service::Purpose::Login,
        )
        .await
        .unwrap();
        bare.sessions.start(session);
    });
    // What the IPC path costs by itself: a command that touches no database.
    let mut fixed = Vec::new();
    for i in 0..RUNS + 20 {
        let t = Instant::now();
        app.invoke_json("current_session", json!({})).unwrap();
        if i >= 20 {
            fixed.push(t.elapsed());
        }
    }
    println!(
        "IPC round trip of a command without SQL (current_session): p50 {:.3} ms  p95 {:.3} ms",
        ms(percentile(&mut fixed, 0.5)),
        ms(percentile(&mut fixed, 0.95))
    );
    for (name, pods) in [("week agenda, 1 pod.", Some(vec![one_pod])), ("week agenda, all 20", None)] {
        let (mut ipc, mut sql, mut guarded) = (Vec::new(), Vec::new(), Vec::new());
        let mut rows = 0;
        for i in 0..RUNS + 10 {
            let from = monday - chrono::Duration::weeks((i % 150) as i64);
            let to = from + chrono::Duration::days(7);
            let (mut reply, mut direct) = (String::new(), 0);
            let [a, b, c] = in_turns(
                i,
                [
                    &mut || {
                        reply = app
                            .invoke_json("list_agenda", json!({ "from": from, "to": to, "podiatristIds": pods }))
                            .unwrap()
                    },
                    &mut || {
                        direct = tauri::async_runtime::block_on(podoclinic_clinic::appointments::repo::calendar(
                            &mut conn,
                            from,
                            to,
                            pods.as_deref(),
                        ))
                        .unwrap()
                        .len()
                    },
                    &mut || {
                        tauri::async_runtime::block_on(async {
                            let ctx = podoclinic_desk::guard::require(
                                &bare,
                                podoclinic_clinic::auth::Permission::AppointmentsRead,
                                None,
                            )
                            .await
                            .unwrap();
                            podoclinic_clinic::appointments::service::agenda(&ctx, from, to, pods.clone())
                                .await
                                .unwrap()
                        });
                    },
                ],
            );
            let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
            let listed = reply["rows"].as_array().map(Vec::len).unwrap();
            assert_eq!(listed, direct);
            rows = direct;
            if i >= 10 {
                ipc.push(a);
                sql.push(b);
                guarded.push(c);
            }
        }
        report(&format!("{name} ({rows} rows)"), &mut ipc, &mut sql);
        report_guarded(&format!("{name} ({rows} rows)"), &mut guarded, &mut sql);
        // The JSON part of the round trip: the page made of the entries (checked as JSON), then the reply written.
        let week = tauri::async_runtime::block_on(podoclinic_clinic::appointments::repo::calendar(
            &mut conn,
            monday,
            monday + chrono::Duration::days(7),
            pods.as_deref(),
        ))
        .unwrap();
        let (mut page_t, mut write_t, mut bytes) = (Vec::new(), Vec::new(), 0);
        for _ in 0..50 {
            let t = Instant::now();
            let page = podoclinic_clinic::appointments::model::AgendaPage::from_entries(&week).unwrap();
            page_t.push(t.elapsed());
            let t = Instant::now();
            bytes = serde_json::to_string(&page).unwrap().len();
            write_t.push(t.elapsed());
        }
        println!(
            "{:<22} page from entries p50 {:.2} ms, reply written p50 {:.2} ms, {} bytes",
            name,
            ms(percentile(&mut page_t, 0.5)),
            ms(percentile(&mut write_t, 0.5)),
            bytes
        );
    }

    let ctx = tauri::async_runtime::block_on(podoclinic_clinic::auth::Ctx::for_user(&pool, admin_id, "bench")).unwrap();
    dashboard(&app, &ctx);
}

/// The one-year dashboard (monthly income) through the command path and on the pool directly.
fn dashboard(app: &MockApp, ctx: &podoclinic_clinic::auth::Ctx) {
    let today = chrono::Utc::now().date_naive();
    for bucket in ["month", "day"] {
        let (mut ipc, mut direct) = (Vec::new(), Vec::new());
        for i in 0..RUNS / 3 + 10 {
            let to = today - chrono::Duration::days((i % 60) as i64);
            let from = to - chrono::Duration::days(364);
            let b: podoclinic_clinic::stats::model::Bucket = serde_json::from_value(json!(bucket)).unwrap();
            let (mut reply, mut stored) = (String::new(), None);
            let [a, c] = in_turns(
                i,
                [
                    &mut || {
                        reply = app
                            .invoke_json("get_dashboard", json!({ "from": from, "to": to, "bucket": bucket }))
                            .unwrap()
                    },
                    &mut || {
                        stored = Some(
                            tauri::async_runtime::block_on(podoclinic_clinic::stats::service::dashboard(
                                ctx, from, to, b,
                            ))
                            .unwrap(),
                        )
                    },
                ],
            );
            let d: serde_json::Value = serde_json::from_str(&reply).unwrap();
            let stored = stored.unwrap();
            assert_eq!(d["incomeCents"].as_i64(), Some(stored.income_cents));
            if i == 0 {
                println!(
                    "one-year dashboard: income {} cents, {} appointment groups, {} new / {} returning patients",
                    stored.income_cents,
                    stored.appointments.len(),
                    stored.new_patients,
                    stored.returning_patients
                );
            }
            if i >= 10 {
                ipc.push(a);
                direct.push(c);
            }
        }
        report(&format!("dashboard, 1 year by {bucket}"), &mut ipc, &mut direct);
    }
}
