//! A fresh database per test, for tests that drive their own runtime (property tests, IPC tests on
//! tauri's runtime) rather than `#[sqlx::test]`'s.

use std::sync::OnceLock;

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

/// One multi-threaded runtime for the tests of this crate that block on async work.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime"))
}

/// A fresh database with the migrations applied, dropped when this value is dropped.
pub struct FreshDb {
    pub pool: PgPool,
    name: String,
    admin_url: String,
    /// The runtime the pool lives on (a pool's connections serve only the runtime that made them).
    runtime: tokio::runtime::Handle,
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL the tests may create databases in")
}

impl FreshDb {
    /// Creates the database now on this crate's shared runtime (see `runtime`).
    pub fn create() -> Self {
        Self::create_on(runtime().handle().clone())
    }

    /// Creates the database now, its pool on `runtime`.
    pub fn create_on(runtime: tokio::runtime::Handle) -> Self {
        let admin_url = admin_url();
        let name = format!("podoclinic_fresh_{}", uuid::Uuid::now_v7().simple());
        let pool = runtime.block_on(async {
            let mut admin = PgConnection::connect(&admin_url).await.expect("connect to DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
            let url = replace_database(&admin_url, &name);
            let pool = PgPoolOptions::new().max_connections(4).connect(&url).await.expect("connect test db");
            podoclinic_clinic::db::MIGRATOR.run(&pool).await.expect("migrations");
            pool
        });
        Self { pool, name, admin_url, runtime }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let pool = self.pool.clone();
        let (name, url) = (self.name.clone(), self.admin_url.clone());
        self.runtime.block_on(async move {
            pool.close().await;
            if let Ok(mut admin) = PgConnection::connect(&url).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut admin)
                    .await;
            }
        });
    }
}

fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base.rfind('/').filter(|i| base[..*i].ends_with(|c: char| c != '/')).unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(replace_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            replace_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
    }
}
