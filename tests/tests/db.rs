//! The pool's life: migrations and the newer-schema guard, the embedded cluster, and recovering
//! from a database that goes away and comes back.

use std::time::{Duration, Instant};

use podoclinic_core::db::local::{LocalCluster, find_binaries};
use podoclinic_core::db::monitor::{self, DbStatus, Health};
use podoclinic_core::db::{self, Schema};
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn an_empty_database_is_migrated_and_a_second_prepare_changes_nothing(pool: PgPool) {
    assert_eq!(db::prepare(&pool).await.unwrap(), Schema::Current);
    assert_eq!(
        db::database_schema_version(&mut pool.acquire().await.unwrap()).await.unwrap(),
        db::app_schema_version()
    );
    assert_eq!(db::prepare(&pool).await.unwrap(), Schema::Current);
    let roles: i64 =
        sqlx::query_scalar("SELECT count(*) FROM roles WHERE builtin IS NOT NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(roles, 3);
}

#[sqlx::test(migrations = false)]
async fn a_database_migrated_by_a_newer_app_is_left_untouched(pool: PgPool) {
    db::prepare(&pool).await.unwrap();
    let newer = db::app_schema_version() + 1;
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

    assert_eq!(db::prepare(&pool).await.unwrap(), Schema::TooNew { database: newer, app: db::app_schema_version() });

    let tables_after: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables_before, tables_after);
    let state = podoclinic_tests::state_on(pool.clone(), "old-desk");
    state.health.set(DbStatus::UpdateRequired { database_version: newer, app_version: db::app_schema_version() });
    assert_eq!(state.db().err(), Some(podoclinic_core::error::AppError::UpdateRequired));
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

/// The acceptance scenario: stop PostgreSQL under a running desk, see "offline" within 5 s, start
/// it again, see "online" and run a query on the same pool without restarting anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_cluster_starts_and_a_lost_database_is_noticed_and_recovered() {
    let Some(bin) = find_binaries() else {
        panic!("PostgreSQL server binaries are required for this test (apt-get install postgresql)");
    };
    let data = std::env::temp_dir().join(format!("podoclinic-cluster-{}", uuid::Uuid::now_v7().simple()));
    let cluster = LocalCluster::plan(bin, &data).expect("cluster plan");
    let t0 = Instant::now();
    let options = cluster.start().await.expect("cluster start");
    println!("embedded cluster: initdb + start in {:.1} s", t0.elapsed().as_secs_f64());

    let pool = db::pool(options);
    assert_eq!(db::prepare(&pool).await.unwrap(), Schema::Current);
    let health = Health::default();
    health.set(DbStatus::Online);
    let watcher = tokio::spawn(monitor::run(pool.clone(), health.clone()));

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
    pool.close().await;
    let root = cluster.root.clone();
    tokio::task::spawn_blocking(move || cluster.stop_blocking()).await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&data);
}

/// Found by CI: the UI calls commands the moment it hears "online", so the pool must be in place
/// before that status is published.
#[sqlx::test(migrations = false)]
async fn the_pool_is_installed_before_the_desk_is_told_it_is_online(pool: PgPool) {
    let options = (*pool.connect_options()).clone();
    let state = std::sync::Arc::new(podoclinic_core::state::AppState::new(podoclinic_tests::temp_paths(), "d".into()));
    let mut status = state.health.status.subscribe();
    let starting = state.clone();
    let startup = tokio::spawn(async move { podoclinic_core::startup::connect(&starting, options, true).await });
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
