//! The database's walls hold against the desks' own role. The migrations run as the owner; a desk
//! login that is only a member of `podoclinic_app` must be refused every way of taking a wall
//! down (a trigger, TRUNCATE, replication mode, a forged audit row, editing what is closed or
//! signed) and allowed every daily operation.

use podoclinic_clinic::appointments::model::Status;
use podoclinic_clinic::auth::{Ctx, service};
use podoclinic_clinic::inventory::model::{PurchaseInput, PurchaseLine};
use podoclinic_clinic::visits::model::{Procedure, VisitInput};
use podoclinic_tests::*;
use sqlx::{Connection, PgPool};
use uuid::Uuid;

/// A day's work done through the services on the desk login: a sign-in, a booking, a signed visit
/// whose treatment uses stock, a charge paid in cash and partly refunded, received stock, a corte
/// Z, a time-zone change. Returns (the visit, the closed session).
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
        requires_consent: None,
    };
    let cure = podoclinic_clinic::catalog::service::create_treatment(&owner_ctx, cure).await.unwrap().id;

    // Sign-in reads the one account's hash through the database's function, as the desk login.
    let desk_gate = desk_named(desk, "test-desk");
    let login = service::authenticate(&desk_gate, "admin", ADMIN_PASSWORD, service::Purpose::Login).await;
    assert_eq!(login.expect("sign in as the desk login").user_id, admin.id);
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
        ..podoclinic_tests::signable()
    };
    let charge = sign_and_charge(&ctx, pat, input, cure).await;
    podoclinic_clinic::billing::service::take_payment(
        &ctx,
        pay(pat, Some(charge), podoclinic_clinic::money::Method::Cash, 40_000),
    )
    .await
    .expect("pay");
    let refund = podoclinic_clinic::billing::model::RefundInput {
        id: Uuid::now_v7(),
        patient_id: pat,
        charge_id: Some(charge),
        method: podoclinic_clinic::money::Method::Cash,
        amount_cents: 10_000,
        reason: "Curación incompleta".into(),
    };
    podoclinic_clinic::billing::service::refund(&ctx, refund).await.expect("refund");
    podoclinic_clinic::cash::service::close(&ctx, close_input(session, 40_000, 0, 0)).await.expect("corte Z");
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
/// read: each table is the desks' to read, but the two only the owner may touch: the chain's lock,
/// and the secret behind the outbox keys (a desk gets one user's key through `outbox_key`, never
/// the secret: migration 20).
#[sqlx::test(migrations = "../migrations")]
async fn every_table_is_granted_to_the_desks_but_the_chains_lock_and_the_proof_secret(pool: PgPool) {
    let ungranted: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')
           AND NOT has_any_column_privilege('podoclinic_app', c.oid, 'SELECT') ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ungranted, ["audit_chain_lock", "desk_proof_secret"]);
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

/// The SQLSTATE a statement is refused with, or `None` when it went through.
async fn refusal(conn: &mut sqlx::PgConnection, sql: &str) -> Option<String> {
    let err = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *conn).await.err()?;
    Some(err.as_database_error().and_then(|e| e.code()).map(|c| c.to_string()).unwrap_or_else(|| format!("{err:?}")))
}

/// The constraint a statement is refused with.
async fn refused_by(conn: &mut sqlx::PgConnection, sql: &str) -> Option<String> {
    let err = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *conn).await.err()?;
    err.as_database_error().and_then(|e| e.constraint()).map(String::from)
}

/// Every PL/pgSQL function of the schema looks in the catalog, then the schema, its caller's
/// temporary schema last; the SQL functions without a search_path are the reviewed few whose
/// tables are schema-qualified (kept inlinable). A new function must join one or the other.
#[sqlx::test(migrations = "../migrations")]
async fn every_function_has_a_fixed_search_path_and_no_guard_trusts_the_trigger_depth(pool: PgPool) {
    let loose: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.proname::text, l.lanname::text FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
         WHERE n.nspname = 'public' AND l.lanname IN ('plpgsql', 'sql')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
           AND NOT coalesce('search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig), false)
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let reviewed = [
        "audit_log_content",
        "clinic_day",
        "f_unaccent",
        "stats_bitmap",
        "stats_padded",
        "stats_union",
        "stats_with_bit",
    ];
    assert_eq!(
        loose,
        reviewed.iter().map(|f| (f.to_string(), "sql".to_string())).collect::<Vec<_>>(),
        "a function without a fixed search_path"
    );
    let trusting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.prosrc LIKE '%pg_trigger_depth%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(trusting, 0);
}

/// The attacks of a desk login on the guards: fake tables, stock outside the ledger, a corte born
/// closed or forged, a charge that is not its lines. Each is refused; and with the temporary
/// privilege given back by mistake, the guards still read the real tables.
#[sqlx::test(migrations = "../migrations")]
async fn a_desk_login_cannot_fake_the_tables_a_guard_reads_nor_forge_a_corte(pool: PgPool) {
    let desk = desk_login(&pool).await;
    let (_visit, session) = a_day_as_the_desk(&pool, &desk).await;
    let admin = podoclinic_clinic::auth::repo::list_users(&pool).await.unwrap().remove(0);
    let mut conn = desk.acquire().await.unwrap();
    for sql in [
        "CREATE TEMP TABLE cash_sessions (id uuid, opened_at timestamptz, closed_at timestamptz)",
        "CREATE TEMP TABLE t (x int)",
        "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE TRIGGER deeper BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION refuse_change()",
        "UPDATE products SET stock_on_hand = 500",
    ] {
        let code = refusal(&mut conn, sql).await;
        assert!(matches!(code.as_deref(), Some("42501") | Some("23000")), "a desk could: {sql} ({code:?})");
    }
    assert_eq!(
        refused_by(
            &mut conn,
            "INSERT INTO products (id, sku, name, unit, cost_cents, price_cents, min_stock, stock_on_hand)
             VALUES (gen_random_uuid(), 'FALSO', 'Falso', 'pieza', 1, 1, 0, 99)"
        )
        .await
        .as_deref(),
        Some("products_stock_by_ledger"),
        "a product born with stock"
    );

    // A corte Z inserted already closed, anchored, or over a closed period: refused.
    let register: Uuid = sqlx::query_scalar("SELECT register_id FROM cash_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(&pool)
        .await
        .unwrap();
    let born_closed = format!(
        "INSERT INTO cash_sessions (id, register_id, opened_by, opening_float_cents, closed_at, closed_by,
             expected_cash_cents, expected_card_cents, expected_transfer_cents, counted_cash_cents,
             counted_card_cents, counted_transfer_cents, audit_rows, audit_head)
         VALUES (gen_random_uuid(), '{register}', '{id}', 0, now(), '{id}', 0, 0, 0, 0, 0, 0, 1, '\\x00')",
        id = admin.id
    );
    assert_eq!(refused_by(&mut conn, &born_closed).await.as_deref(), Some("cash_session_born_open"));
    let backdated = format!(
        "INSERT INTO cash_sessions (id, register_id, opened_by, opening_float_cents, opened_at)
         VALUES (gen_random_uuid(), '{register}', '{}', 0, now() - interval '2 days')",
        admin.id
    );
    assert_eq!(refused_by(&mut conn, &backdated).await.as_deref(), Some("cash_session_opening_fixed"));

    // A charge whose total is not its lines: refused at commit.
    let pat: Uuid = sqlx::query_scalar("SELECT id FROM patients LIMIT 1").fetch_one(&pool).await.unwrap();
    let forged = format!(
        "INSERT INTO charges (id, patient_id, total_cents, created_by) VALUES (gen_random_uuid(), '{pat}', 1, '{}')",
        admin.id
    );
    assert_eq!(refused_by(&mut conn, &forged).await.as_deref(), Some("charges_total_matches"));
    drop(conn);

    // Were TEMPORARY granted back, a fake table still answers no guard.
    let database: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(&pool).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("GRANT TEMPORARY ON DATABASE \"{database}\" TO podoclinic_app")))
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = desk.acquire().await.unwrap();
    sqlx::query("CREATE TEMP TABLE cash_sessions (id uuid, opened_at timestamptz, closed_at timestamptz)")
        .execute(&mut *conn)
        .await
        .expect("the temporary privilege given back");
    sqlx::query("INSERT INTO pg_temp.cash_sessions VALUES ($1, now() - interval '1 day', NULL)")
        .bind(session)
        .execute(&mut *conn)
        .await
        .unwrap();
    let withdrawal = format!(
        "INSERT INTO cash_movements (id, session_id, kind, amount_cents, reason, created_by)
         VALUES (gen_random_uuid(), '{session}', 'withdrawal', -5000, 'retiro', '{}')",
        admin.id
    );
    assert_eq!(refused_by(&mut conn, &withdrawal).await.as_deref(), Some("cash_session_closed"), "into a closed corte");
    sqlx::query(
        "CREATE TEMP TABLE charge_lines (charge_id uuid, quantity int, unit_price_cents bigint, discount_cents bigint)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    assert_eq!(refused_by(&mut conn, &forged).await.as_deref(), Some("charges_total_matches"), "with fake lines");
    let anchor: (i64, i64) = sqlx::query_as(
        "SELECT s.audit_rows, (SELECT count(*) FROM audit_log WHERE chain_seq <= s.audit_rows) FROM cash_sessions s WHERE id = $1",
    )
    .bind(session)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(anchor.0, anchor.1, "the corte's anchor is a place the chain holds");
    sqlx::query("DROP TABLE pg_temp.cash_sessions, pg_temp.charge_lines").execute(&mut *conn).await.unwrap();
    drop(conn);
    drop_login(&pool, desk).await;
}

/// Who may do what, and the backups: a desk login reads no password hash and sets no lockout by
/// hand; what it may change (accounts, roles, backup settings and records) leaves an audit row the
/// database writes itself, naming the login and the fields, never a hash; a backup's file name is
/// never a path; a forged "verified" record does not make the runner desk's dashboard green.
#[sqlx::test(migrations = "../migrations")]
async fn a_desk_login_reads_no_hash_and_its_changes_to_accounts_and_backups_leave_a_trace(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let clerk = staff(&pool, &admin, "mostrador", RECEPTION_ROLE).await;
    let desk = desk_login(&pool).await;
    let login: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&desk).await.unwrap();
    let mut conn = desk.acquire().await.unwrap();
    for sql in [
        "SELECT password_hash FROM users",
        "SELECT * FROM users",
        "UPDATE users SET locked_until = NULL, lockout_count = 0",
        "COPY users TO STDOUT",
    ] {
        assert_eq!(refusal(&mut conn, sql).await.as_deref(), Some("42501"), "a desk could: {sql}");
    }
    let one: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_credentials('mostrador')")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(one, 1, "sign-in reads one account at a time");

    // What the design keeps possible leaves the database's own trace.
    let admin_role = podoclinic_clinic::auth::repo::admin_role_id(&pool).await.unwrap();
    for sql in [
        format!("UPDATE users SET role_id = '{admin_role}', password_hash = 'x' WHERE id = '{}'", clerk.id),
        "UPDATE roles SET permissions = array_append(permissions, 'users.manage') WHERE builtin = 'reception'".into(),
        "UPDATE backup_settings SET enabled = false, recipient = 'age1falsa', sealed_key = '\\x01'".into(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await.unwrap();
    }
    let traces: Vec<(String, String, Option<String>, serde_json::Value, String)> = sqlx::query_as(
        "SELECT action, entity, entity_id, after, db_login FROM audit_log WHERE action LIKE 'db.%' AND db_login = $1 ORDER BY id",
    )
    .bind(&login)
    .fetch_all(&pool)
    .await
    .unwrap();
    let tables: Vec<&str> = traces.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(tables, ["users", "roles", "backup_settings"]);
    let user_change = &traces[0].3;
    assert_eq!(traces[0].2.as_deref(), Some(clerk.id.to_string().as_str()));
    assert_eq!(user_change["role_id"], serde_json::json!(admin_role));
    assert_eq!(user_change["password_hash"], serde_json::json!("secreto (cambió)"), "named, never shown");
    let audited_text: String =
        sqlx::query_scalar("SELECT string_agg(coalesce(before::text, '') || after::text, ' ') FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!audited_text.contains("argon2") && !audited_text.contains("\\\\x01"), "a hash or key in the audit");
    assert_eq!(traces[2].3["enabled"], serde_json::json!(false));
    assert_eq!(traces[2].3["sealed_key"], serde_json::json!("secreto (cambió)"));

    // The audit screen lists them, and the chain holds them.
    let admin_ctx = ctx_of(&pool, &admin).await;
    let shown = podoclinic_clinic::audit::service::recent(&admin_ctx, 50).await.unwrap();
    assert!(shown.iter().filter(|r| r.action == "db.update").count() >= 3);
    assert_eq!(podoclinic_clinic::audit::service::verify(&admin_ctx).await.unwrap().first_break, None);

    // A backup's file name is a plain name; a forged verified record is named but not believed.
    let path_name = "INSERT INTO backups (id, desk, started_at, finished_at, outcome, file_name, folder, sha256, row_counts, verified_at)
         VALUES (gen_random_uuid(), 'd', now(), now(), 'verified', '../../.ssh/id_rsa', '/tmp', repeat('a', 64), '{}', now())";
    assert_eq!(refused_by(&mut conn, path_name).await.as_deref(), Some("backups_file_name_plain"));
    let folder = temp_paths().data_dir.join("respaldos");
    std::fs::create_dir_all(&folder).unwrap();
    sqlx::query("UPDATE backup_settings SET runner_desk = 'caja-1', folder = $1")
        .bind(folder.display().to_string())
        .execute(&mut *conn)
        .await
        .unwrap();
    let forged = "INSERT INTO backups (id, desk, started_at, finished_at, outcome, file_name, folder, sha256, row_counts, verified_at)
         SELECT gen_random_uuid(), 'caja-1', now(), now(), 'verified', 'podoclinic-20261206-120000.backup.age', folder,
                repeat('a', 64), '{}', now() FROM backup_settings";
    sqlx::query(forged).execute(&mut *conn).await.expect("a desk records its backups");
    let runner = podoclinic_desk::backup::service::health(&pool, "caja-1", chrono::Utc::now()).await.unwrap();
    assert!(runner.file_differs && runner.stale, "no such file: not green on the desk that writes them");
    std::fs::write(folder.join("podoclinic-20261206-120000.backup.age"), b"not the backup").unwrap();
    let runner = podoclinic_desk::backup::service::health(&pool, "caja-1", chrono::Utc::now()).await.unwrap();
    assert!(runner.file_differs, "another file under the name: not green either");
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'db.insert' AND entity = 'backups' AND db_login = $1",
    )
    .bind(&login)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recorded, 1, "the forged record is in the audit");
    drop(conn);
    drop_login(&pool, desk).await;
}

/// Who wrote a row is part of the row: the owner, with the audit's triggers off, changing one
/// row's login breaks the chain at that row.
#[sqlx::test(migrations = "../migrations")]
async fn the_owner_s_edit_of_a_row_s_login_is_named_by_the_verifier(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    patient(&pool, &admin, "Rosa", "Cruz", "").await;
    patient(&pool, &admin, "Ana", "Ruiz", "").await;
    let (target, version): (i64, Option<i16>) =
        sqlx::query_as("SELECT id, chain_version FROM audit_log ORDER BY chain_seq DESC OFFSET 1 LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(version, Some(2), "new rows hash their login");
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_log SET db_login = 'otra_caja' WHERE id = $1")
        .bind(target)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER USER").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let check = podoclinic_clinic::audit::service::verify(&ctx).await.unwrap();
    let found = check.first_break.expect("the edit is found");
    assert_eq!((found.audit_id, found.reason), (Some(target), podoclinic_clinic::audit::service::BreakReason::Changed));
}

/// No power from `users.manage` beyond one's own: a manager without `clinical.read` cannot take a
/// podiatrist's account (reset its password, change its role, deactivate it) and so read notes as
/// them; each refusal is audited. Accounts within their own permissions stay theirs to manage.
#[sqlx::test(migrations = "../migrations")]
async fn a_users_manager_cannot_take_an_account_that_holds_more_than_they_do(pool: PgPool) {
    use podoclinic_clinic::auth::Permission;
    use podoclinic_clinic::auth::model::{RoleInput, UserUpdateInput};
    use podoclinic_clinic::error::AppError;
    let admin = first_admin(&pool).await;
    let admin_ctx = ctx_of(&pool, &admin).await;
    let role = RoleInput {
        id: Uuid::now_v7(),
        name: "Gerencia".into(),
        permissions: vec![Permission::UsersManage, Permission::PatientsRead, Permission::AppointmentsRead],
    };
    let manager_role = service::create_role(&admin_ctx, role).await.unwrap();
    let manager = staff(&pool, &admin, "gerente", manager_role.id).await;
    let doctor = staff(&pool, &admin, "podologa", PODIATRIST_ROLE).await;
    let ctx = ctx_of(&pool, &manager).await;

    let reset = service::reset_password(&ctx, doctor.id, "ahora es mía 2026".into()).await;
    assert_eq!(reset.unwrap_err(), AppError::validation("password", "holds_more"));
    let deactivate = UserUpdateInput {
        id: doctor.id,
        display_name: doctor.display_name.clone(),
        role_id: PODIATRIST_ROLE,
        active: false,
    };
    assert_eq!(service::update_user(&ctx, deactivate).await.unwrap_err(), AppError::validation("active", "holds_more"));
    let narrowed = UserUpdateInput {
        id: doctor.id,
        display_name: doctor.display_name.clone(),
        role_id: manager_role.id,
        active: true,
    };
    assert_eq!(service::update_user(&ctx, narrowed).await.unwrap_err(), AppError::validation("roleId", "holds_more"));
    // The podiatrist's password is still theirs.
    ctx_for(&pool, "podologa", STAFF_PASSWORD).await;
    let refusals: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'access.refused' AND entity = 'user' AND entity_id = $1 ORDER BY id",
    )
    .bind(doctor.id.to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(refusals.len(), 3, "each refusal is audited");
    assert!(refusals[0]["missing"].as_array().unwrap().contains(&serde_json::json!("clinical.read")));

    // An account within the manager's own permissions is theirs to manage.
    let peer = staff(&pool, &admin, "otro.gerente", manager_role.id).await;
    service::reset_password(&ctx, peer.id, "una clave nueva 2026".into()).await.expect("within their own");
    ctx_for(&pool, "otro.gerente", "una clave nueva 2026").await;
}

/// The admin's tools as the desk login: backups set up, taken (the programs run as the owner's
/// login, the record and audit written by the desk), restored beside the clinic's database with the
/// walls in place (no temporary tables, no password hash for the desks), and a CSV imported.
#[sqlx::test(migrations = "../migrations")]
async fn a_desk_login_backs_up_restores_and_imports_and_the_restored_database_keeps_the_walls(pool: PgPool) {
    use podoclinic_desk::backup::{dump::Conn, model::BackupSettingsInput, model::Outcome, service as backups};
    let desk = desk_login(&pool).await;
    let admin = first_admin(&pool).await;
    let ctx = Ctx::for_user(&desk, admin.id, "test-desk").await.unwrap();
    patient(&pool, &admin, "Rosa", "Cruz", "").await;

    let work = temp_paths();
    let folder = work.data_dir.join("respaldos");
    std::fs::create_dir_all(&folder).unwrap();
    let passphrase = "pasos firmes en la arena";
    let settings = BackupSettingsInput {
        runner_desk: ctx.actor.desk.clone(),
        folder: folder.display().to_string(),
        daily_at: "21:00".into(),
        enabled: true,
        passphrase: Some(passphrase.into()),
        passphrase_again: Some(passphrase.into()),
    };
    backups::save_settings(&ctx, settings).await.expect("backup settings as the desk");
    let server = Conn::from_url(&std::env::var("DATABASE_URL").expect("DATABASE_URL")).expect("a URL");
    let owner = server.on(pool.connect_options().get_database().expect("a database"));
    let taken = backups::run(&work.data_dir, &desk, &ctx.actor, &owner).await.expect("a backup");
    assert_eq!(taken.outcome, Outcome::Verified);
    let health = backups::health(&desk, &ctx.actor.desk, chrono::Utc::now()).await.unwrap();
    assert!(!health.stale && !health.file_differs, "the real file is on disk as written");

    let path = folder.join(taken.file_name.unwrap());
    let preview = backups::restore(&work.data_dir, &ctx, &path, passphrase, &owner).await.expect("restore");
    let mut restored = sqlx::PgConnection::connect_with(&owner.on(&preview.database).options()).await.unwrap();
    let walls: (bool, bool, bool) = sqlx::query_as(
        "SELECT has_database_privilege('podoclinic_app', current_database(), 'TEMPORARY'),
                has_column_privilege('podoclinic_app', 'users', 'password_hash', 'SELECT'),
                has_function_privilege('podoclinic_app', 'sign_in_credentials(text)', 'EXECUTE')",
    )
    .fetch_one(&mut restored)
    .await
    .unwrap();
    assert_eq!(walls, (false, false, true), "the restored database keeps the walls");
    restored.close().await.unwrap();
    backups::discard(&preview.database, &owner).await.unwrap();

    let dir = temp_paths().data_dir;
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("pacientes.csv");
    std::fs::write(&csv, "Nombre;Apellidos;Teléfono\nLuz;Campos Ortiz;55 1234 5678\nSol;Mena Ríos;55 8765 4321\n")
        .unwrap();
    let sheet = podoclinic_clinic::import::service::preview(&csv).await.unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mapping = podoclinic_clinic::import::model::ImportMapping::Patients(sheet.suggested);
    let done = podoclinic_clinic::import::service::import(&ctx, &dir, &csv, &mapping, &cancel, |_| {}).await;
    assert_eq!(done.expect("an import as the desk").imported, 2);
    drop(ctx);
    drop_login(&pool, desk).await;
}
