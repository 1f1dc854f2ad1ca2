//! The demo clinic (issue 17, item 5): three months of history behind today, written by the
//! desk's own login through the ordinary tables, so every screen and the dashboard have
//! something to show and the database's walls and rollups hold over it.

use std::time::Instant;

use podoclinic_desk::demo;
use podoclinic_tests::*;
use sqlx::PgPool;

/// Every rollup table in key order (bitmaps bit for bit), money included.
const ALL_ROLLUPS: &str = "SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
    SELECT 'a ' || day || ' ' || podiatrist_id || ' ' || status || ' ' || count FROM stats_appointment_days WHERE count <> 0
    UNION ALL SELECT 'i ' || day || ' ' || method || ' ' || amount_cents FROM stats_income_days WHERE amount_cents <> 0
    UNION ALL SELECT 't ' || day || ' ' || treatment_id || ' ' || quantity || ' ' || revenue_cents FROM stats_treatment_days
        WHERE quantity <> 0
    UNION ALL SELECT 'f ' || patient_id || ' ' || first_day FROM stats_first_visits
    UNION ALL SELECT 'd ' || day || ' ' || seen::text FROM stats_seen_days
    UNION ALL SELECT 'm ' || month || ' ' || seen::text FROM stats_seen_months) r(line)";

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn the_demo_clinic_opens_with_three_months_of_history(pool: PgPool) {
    let desk = desk_login(&pool).await;
    first_admin(&pool).await;

    let started = Instant::now();
    demo::seed(&desk, "desk").await.expect("the desk login seeds the demo clinic with its history");
    let took = started.elapsed();

    let past_days = count(
        &pool,
        "SELECT count(DISTINCT clinic_day(lower(during))) FROM appointments WHERE clinic_day(lower(during)) < clinic_day(now())",
    )
    .await;
    let first_day_back =
        count(&pool, "SELECT (clinic_day(now()) - min(clinic_day(lower(during))))::bigint FROM appointments").await;
    assert!(
        past_days >= 70 && first_day_back >= 85,
        "about three months of working days: {past_days} days, from {first_day_back} back"
    );
    // The first screen of a new demo clinic is today's agenda: never empty, whatever the weekday
    // (a Sunday included, when the clinic is otherwise closed).
    let today =
        count(&pool, "SELECT count(*) FROM appointments WHERE clinic_day(lower(during)) = clinic_day(now())").await;
    assert!(today > 0, "today's agenda has patients");
    let future =
        count(&pool, "SELECT count(*) FROM appointments WHERE lower(during) > now() AND status = 'scheduled'").await;
    let next_week = count(
        &pool,
        "SELECT count(*) FROM appointments WHERE clinic_day(lower(during)) >= date_trunc('week', clinic_day(now()))::date + 7",
    )
    .await;
    assert!(
        future > 0 && next_week > 0,
        "the rest of this week and next week are booked ({future}, {next_week} next week)"
    );

    let appointments = count(&pool, "SELECT count(*) FROM appointments").await;
    let completed = count(&pool, "SELECT count(*) FROM appointments WHERE status = 'completed' AND clinic_day(lower(during)) < clinic_day(now())").await;
    let no_shows = count(&pool, "SELECT count(*) FROM appointments WHERE status = 'no_show'").await;
    let cancelled =
        count(&pool, "SELECT count(*) FROM appointments WHERE status = 'cancelled' AND cancel_reason <> ''").await;
    let past_total =
        count(&pool, "SELECT count(*) FROM appointments WHERE clinic_day(lower(during)) < clinic_day(now())").await;
    assert!(
        no_shows * 100 >= past_total * 4 && no_shows * 100 <= past_total * 13,
        "some no-shows: {no_shows} of {past_total}"
    );
    assert!(
        cancelled * 100 >= past_total * 2 && cancelled * 100 <= past_total * 10,
        "some cancellations: {cancelled} of {past_total}"
    );

    let unsigned = count(
        &pool,
        "SELECT count(*) FROM appointments a WHERE a.status = 'completed' AND clinic_day(lower(a.during)) < clinic_day(now())
           AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.appointment_id = a.id AND v.signed_at IS NOT NULL)",
    )
    .await;
    assert_eq!(unsigned, 0, "every completed visit before today has a signed note");
    let visits = count(&pool, "SELECT count(*) FROM visits WHERE signed_at IS NOT NULL").await;
    let uncharged = count(
        &pool,
        "SELECT count(*) FROM visits v WHERE NOT EXISTS (SELECT 1 FROM charges c WHERE c.visit_id = v.id)",
    )
    .await;
    assert_eq!((visits, uncharged), (completed, 0), "one signed note and one charge per completed visit");

    let methods: Vec<(String, i64)> =
        sqlx::query_as("SELECT method, count(*) FROM payments GROUP BY 1 ORDER BY 1").fetch_all(&pool).await.unwrap();
    assert_eq!(
        methods.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
        ["card", "cash", "transfer"],
        "payments by every method"
    );
    let sales = count(&pool, "SELECT count(*) FROM charges WHERE visit_id IS NULL").await;
    assert!(sales > 0, "products sold at the desk");

    let days_with_money = count(&pool, "SELECT count(DISTINCT clinic_day(at)) FROM payments").await;
    let without_corte = count(
        &pool,
        "SELECT count(*) FROM (SELECT DISTINCT session_id FROM payments UNION SELECT session_id FROM expenses
                               WHERE session_id IS NOT NULL) s
         JOIN cash_sessions c ON c.id = s.session_id WHERE c.closed_at IS NULL",
    )
    .await;
    let cortes = count(&pool, "SELECT count(*) FROM cash_sessions WHERE closed_at IS NOT NULL").await;
    let one_a_day = count(&pool, "SELECT count(DISTINCT clinic_day(opened_at)) FROM cash_sessions").await;
    assert_eq!(
        (without_corte, cortes, one_a_day),
        (0, days_with_money, days_with_money),
        "a corte Z for each day with money"
    );
    let off = count(
        &pool,
        "SELECT count(*) FROM cash_sessions s WHERE expected_card_cents <> coalesce((SELECT sum(amount_cents) FROM payments p
             WHERE p.session_id = s.id AND p.method = 'card'), 0)
           OR expected_cash_cents <> opening_float_cents
              + coalesce((SELECT sum(amount_cents) FROM payments p WHERE p.session_id = s.id AND p.method = 'cash'), 0)
              - coalesce((SELECT sum(amount_cents) FROM expenses x WHERE x.session_id = s.id), 0)",
    )
    .await;
    assert_eq!(off, 0, "each corte expected what its drawer took in");
    let differences = count(
        &pool,
        "SELECT count(*) FROM cash_sessions WHERE counted_cash_cents <> expected_cash_cents AND close_note <> ''",
    )
    .await;

    let expenses = count(&pool, "SELECT count(*) FROM expenses").await;
    let categories = count(&pool, "SELECT count(DISTINCT category_id) FROM expenses").await;
    assert!(expenses > 0 && categories >= 5, "expenses in several categories: {expenses} in {categories}");

    let kinds: Vec<(String, i64)> = sqlx::query_as("SELECT kind, count(*) FROM stock_movements GROUP BY 1 ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        kinds.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["consumption", "purchase", "sale"],
        "stock bought, used and sold"
    );
    let ledger_off = count(
        &pool,
        "SELECT count(*) FROM products p WHERE stock_on_hand <> (SELECT coalesce(sum(quantity), 0) FROM stock_movements m
             WHERE m.product_id = p.id)",
    )
    .await;
    let short = count(&pool, "SELECT count(*) FROM products WHERE stock_on_hand <= min_stock").await;
    assert_eq!((ledger_off, short), (0, 0), "the ledger is the stock, above every minimum");

    let templates: Vec<String> =
        sqlx::query_scalar("SELECT kind::text FROM consent_templates ORDER BY kind").fetch_all(&pool).await.unwrap();
    assert_eq!(templates, ["clinical_photos", "nail_surgery"], "consent letters ready to sign");

    let rollups: String = sqlx::query_scalar(ALL_ROLLUPS).fetch_one(&pool).await.unwrap();
    sqlx::query("SELECT stats_rebuild()").execute(&pool).await.unwrap();
    let rebuilt: String = sqlx::query_scalar(ALL_ROLLUPS).fetch_one(&pool).await.unwrap();
    assert_eq!(rollups, rebuilt, "the triggers kept the rollups as a rebuild makes them");

    let payments = methods.iter().map(|(m, n)| format!("{m} {n}")).collect::<Vec<_>>().join(", ");
    let movements = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ");
    eprintln!(
        "demo seed with history: {:.2} s; {appointments} appointments over {past_days} past days ({completed} completed, \
         {no_shows} no-shows, {cancelled} cancelled, {future} ahead); {visits} signed notes; {sales} desk sales; \
         payments: {payments}; {cortes} cortes Z ({differences} with a difference); {expenses} expenses; \
         stock movements: {movements}",
        took.as_secs_f64()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_history_waits_for_the_first_account_and_is_added_once(pool: PgPool) {
    let desk = desk_login(&pool).await;
    demo::seed(&desk, "desk").await.unwrap();
    let before = count(&pool, "SELECT count(*) FROM appointments").await;
    assert_eq!(
        count(
            &pool,
            "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM visits) + (SELECT count(*) FROM cash_sessions)"
        )
        .await,
        0,
        "no account, note or drawer before the first admin: the first start still asks for one"
    );
    assert!(before > 0, "the agenda is there from the start");

    first_admin(&pool).await;
    demo::seed(&desk, "desk").await.unwrap();
    let after = count(&pool, "SELECT count(*) FROM appointments").await;
    let cortes = count(&pool, "SELECT count(*) FROM cash_sessions WHERE closed_at IS NOT NULL").await;
    let logins = count(&pool, "SELECT count(*) FROM users WHERE active AND password_hash LIKE '$argon2%'").await;
    assert!(after > before && cortes > 0, "the next start, with an account, adds the history");
    assert_eq!(logins, 1, "the history's people cannot log in: only the admin can");

    demo::seed(&desk, "desk").await.unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments").await, after, "and adds it only once");
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE action = 'demo.seed'").await, 2);
}
