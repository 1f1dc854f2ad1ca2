//! The database's walls hold against the desks' own role. The migrations run as the owner; a desk
//! login that is only a member of `podoclinic_app` must be refused every way of taking a wall
//! down (a trigger, TRUNCATE, replication mode, a forged audit row, editing what is closed or
//! signed) and allowed every daily operation.

use podoclinic_clinic::appointments::model::Status;
use podoclinic_clinic::auth::Ctx;
use podoclinic_clinic::inventory::model::{PurchaseInput, PurchaseLine};
use podoclinic_clinic::visits::model::{Procedure, VisitInput};
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

/// A day's work done through the services on the desk login: a booking, a signed visit whose
/// treatment uses stock, a charge paid in cash, received stock, a corte Z. Returns (the visit, the
/// closed session).
async fn a_day_as_the_desk(pool: &PgPool, desk: &PgPool) -> (Uuid, Uuid) {
    let admin = first_admin(pool).await;
    let pod = podiatrist(pool, &admin, "Dra. Pies", None).await;
    let pat = patient(pool, &admin, "Rosa", "Cruz", "").await;
    let owner_ctx = ctx_of(pool, &admin).await;
    let gauze = product(&owner_ctx, "GASA", 250, 1).await;
    let supplier = supplier(pool).await;
    let cure = podoclinic_clinic::catalog::model::Treatment {
        id: Uuid::now_v7(),
        name: "Curación".into(),
        duration_minutes: 30,
        price_cents: 40_000,
        active: true,
        consumables: vec![podoclinic_clinic::catalog::model::Consumable { product_id: gauze, quantity: 2 }],
    };
    let cure = podoclinic_clinic::catalog::service::create_treatment(&owner_ctx, cure).await.unwrap().id;

    let ctx = Ctx::for_user(desk, admin.id, "test-desk").await.unwrap();
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: supplier,
        invoice_ref: "F-1".into(),
        received_on: chrono::Utc::now().date_naive(),
        lines: vec![PurchaseLine { product_id: gauze, quantity: 10, unit_cost_cents: 250 }],
    };
    podoclinic_clinic::inventory::service::receive(&ctx, delivery).await.expect("receive stock");
    let session = open_drawer(&ctx, 10_000).await;
    let appointment = podoclinic_clinic::appointments::service::book(&ctx, booking(pat, pod, future(0, 16, 0), 30))
        .await
        .expect("book");
    podoclinic_clinic::appointments::service::set_status(&ctx, appointment.id, Status::Arrived).await.unwrap();
    let visit = podoclinic_clinic::visits::service::open(&ctx, appointment.id).await.expect("open the visit");
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(1),
        notes: "Revisión".into(),
        procedures: vec![Procedure { treatment_id: cure, quantity: 1 }],
    };
    podoclinic_clinic::visits::service::save(&ctx, input).await.expect("save the note");
    podoclinic_clinic::visits::service::sign(&ctx, visit.id, false).await.expect("sign");
    let charge = podoclinic_clinic::billing::service::create_charge(
        &ctx,
        podoclinic_clinic::billing::model::ChargeInput {
            id: Uuid::now_v7(),
            patient_id: pat,
            visit_id: Some(visit.id),
            lines: vec![line(cure, 1, 0)],
        },
    )
    .await
    .expect("charge");
    podoclinic_clinic::billing::service::take_payment(
        &ctx,
        pay(pat, Some(charge.id), podoclinic_clinic::money::Method::Cash, 40_000),
    )
    .await
    .expect("pay");
    podoclinic_clinic::cash::service::close(&ctx, close_input(session, 50_000, 0, 0)).await.expect("corte Z");
    // A time-zone change rebuilds the rollups (a TRUNCATE the desks may not do themselves).
    let mut profile = podoclinic_clinic::profile::service::get(&ctx).await.unwrap();
    profile.timezone = "America/Tijuana".into();
    podoclinic_clinic::profile::service::update(&ctx, profile).await.expect("time zone change");
    (visit.id, session)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_desk_login_does_a_whole_day_and_the_audit_chain_holds(pool: PgPool) {
    let desk = desk_login(&pool).await;
    a_day_as_the_desk(&pool, &desk).await;
    let admin = podoclinic_clinic::auth::repo::list_users(&pool).await.unwrap().remove(0);
    let check = podoclinic_clinic::audit::service::verify(&ctx_of(&pool, &admin).await).await.unwrap();
    assert_eq!(check.first_break, None);
    let unchained: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE chain_seq IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(unchained, 0, "the desk's audit rows joined the chain");
    // Beside who the app says acted, each row names the database login that wrote it.
    let login: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&desk).await.unwrap();
    let (by_desk, unnamed): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE db_login = $1), count(*) FILTER (WHERE db_login IS NULL) FROM audit_log",
    )
    .bind(&login)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(by_desk >= 8, "the day's rows name the desk's login ({by_desk})");
    assert_eq!(unnamed, 0);
    drop_login(&pool, desk).await;
}

/// The test's desk login goes when the test does (roles belong to the whole server).
async fn drop_login(pool: &PgPool, desk: PgPool) {
    let login: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&desk).await.unwrap();
    desk.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE {login}"))).execute(pool).await.unwrap();
}

/// A table a migration adds without granting it to the desks would fail every desk at its first
/// read: each table is the desks' to read, but the one only the owner may touch.
#[sqlx::test(migrations = "../migrations")]
async fn every_table_is_granted_to_the_desks_but_the_chains_lock(pool: PgPool) {
    let ungranted: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
           AND NOT has_table_privilege('podoclinic_app', c.oid, 'SELECT') ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ungranted, vec!["audit_chain_lock".to_string()]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_desk_login_cannot_take_any_wall_down(pool: PgPool) {
    let desk = desk_login(&pool).await;
    let (visit, session) = a_day_as_the_desk(&pool, &desk).await;
    let mut conn = desk.acquire().await.unwrap();
    // Refused by privilege (42501) or by ownership (42501 as well: "must be owner").
    let refused = [
        ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only_row", "disable the audit's guard"),
        ("ALTER TABLE visits DISABLE TRIGGER visits_guard", "disable a signed note's guard"),
        ("DROP TRIGGER audit_log_chain ON audit_log", "drop the chain"),
        ("TRUNCATE audit_log", "truncate the audit"),
        ("TRUNCATE stats_income_days", "truncate a rollup"),
        ("SET session_replication_role = replica", "switch every trigger off"),
        ("UPDATE audit_log SET desk = 'otra'", "edit the audit"),
        ("DELETE FROM audit_log", "delete the audit"),
        (
            "INSERT INTO audit_log (id, desk, action, entity) OVERRIDING SYSTEM VALUE VALUES (987654321, 'd', 'x', 'y')",
            "forge an audit row's id",
        ),
        (
            "INSERT INTO audit_log (desk, action, entity, chain_seq) VALUES ('d', 'x', 'y', 987654321)",
            "forge a chain place",
        ),
        (
            "INSERT INTO audit_log (desk, action, entity, at) VALUES ('d', 'x', 'y', '2001-01-01')",
            "back-date an audit row",
        ),
        ("UPDATE payments SET amount_cents = 1", "edit a payment"),
        ("DELETE FROM stock_movements", "delete the stock ledger"),
        ("CREATE TABLE desk_table (x int)", "create a table"),
        (
            "CREATE FUNCTION public.quote_nullable(bigint) RETURNS text LANGUAGE sql AS 'SELECT 1::text'",
            "shadow a built-in",
        ),
        ("COPY audit_log TO PROGRAM 'true'", "run a program"),
        ("ALTER ROLE podoclinic_app SUPERUSER", "raise its own role"),
        ("SELECT pg_advisory_lock(1) FROM audit_chain_lock", "touch the chain's lock row"),
        ("SELECT stats_rebuild()", "rebuild the rollups itself"),
        ("SELECT audit_log_link(1)", "link audit rows itself"),
        (
            "INSERT INTO audit_log (desk, action, entity, db_login) VALUES ('d', 'patient.create', 'patient', 'otro')",
            "name another database login on an audit row",
        ),
    ];
    for (sql, what) in refused {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await.err();
        let code = err.as_ref().and_then(|e| e.as_database_error()).and_then(|e| e.code()).map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "a desk could {what} ({sql}): {err:?}");
    }
    let guarded = [
        ("UPDATE visits SET notes = 'cambiada' WHERE id = $1", visit, "visits_signed"),
        ("UPDATE cash_sessions SET counted_cash_cents = 1 WHERE id = $1", session, "cash_session_closed"),
    ];
    // (A desk may update visits and cash sessions: the triggers are what refuse these.)
    for (sql, id, constraint) in guarded {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *conn).await.unwrap_err();
        assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some(constraint), "{sql}");
    }
    drop(conn);
    drop_login(&pool, desk).await;
}
