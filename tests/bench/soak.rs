//! The soak of the whole clinic, longer than the test's, on its own database (`podoclinic_soak`
//! on `DATABASE_URL`'s server, made afresh each run). Prints operations per second, p50/p95 per
//! kind of operation, and the deadlock and retry counts; exits non-zero if a fault or a broken
//! invariant was seen.

use std::time::Duration;

use podoclinic_tests::soak::{self, Plan};
use sqlx::{Connection, PgConnection};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL: a server where podoclinic_soak may be created");
    let plan = Plan {
        desks: env_or("SOAK_DESKS", 8),
        duration: Duration::from_secs(env_or("SOAK_SECONDS", 120)),
        retry: env_or("SOAK_RETRY", 0) == 1,
    };
    let mut admin = PgConnection::connect(&url).await.expect("connect");
    sqlx::query("DROP DATABASE IF EXISTS podoclinic_soak WITH (FORCE)").execute(&mut admin).await.unwrap();
    sqlx::query("CREATE DATABASE podoclinic_soak").execute(&mut admin).await.unwrap();
    let options: sqlx::postgres::PgConnectOptions = url.parse().expect("DATABASE_URL");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.database("podoclinic_soak"))
        .await
        .expect("connect podoclinic_soak");
    podoclinic_clinic::db::MIGRATOR.run(&pool).await.expect("migrations");
    println!(
        "soak: {} desks for {} s, retry {}",
        plan.desks,
        plan.duration.as_secs(),
        if plan.retry { "on" } else { "off" }
    );
    let report = soak::run(&pool, plan).await;
    print!("{}", report.render());
    for (op, e) in &report.faults {
        println!("fault in {op:?}: {e:?}");
    }
    for b in &report.broken {
        println!("broken: {b}");
    }
    if !report.faults.is_empty() || !report.broken.is_empty() {
        std::process::exit(1);
    }
}
