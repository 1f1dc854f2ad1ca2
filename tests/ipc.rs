//! Commands through tauri's real IPC path (mock runtime): argument decoding, the command handler,
//! the guard and the serialised error, exactly as the webview would see them.
//!
//! Everything here runs on tauri's own async runtime (where command handlers run), so each test
//! makes its fresh database and pool there rather than using `#[sqlx::test]`'s runtime.

use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tauri::Manager;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

/// A fresh database with the migrations applied, dropped when this value is dropped.
pub struct FreshDb {
    pub pool: PgPool,
    name: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL the tests may create databases in")
}

impl FreshDb {
    /// Creates the database now (named `create` rather than `new`: it does I/O).
    pub fn create() -> Self {
        let admin_url = admin_url();
        let name = format!("podoclinic_ipc_{}", uuid::Uuid::now_v7().simple());
        let pool = tauri::async_runtime::block_on(async {
            let mut admin = PgConnection::connect(&admin_url).await.expect("connect to DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
            let url = replace_database(&admin_url, &name);
            let pool = PgPoolOptions::new().max_connections(4).connect(&url).await.expect("connect test db");
            podoclinic::db::MIGRATOR.run(&pool).await.expect("migrations");
            pool
        });
        Self { pool, name, admin_url }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let pool = self.pool.clone();
        let (name, url) = (self.name.clone(), self.admin_url.clone());
        tauri::async_runtime::block_on(async move {
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

/// The real command set on the mock runtime, with a webview to send requests from.
pub struct MockApp {
    _app: tauri::App<MockRuntime>,
    webview: tauri::WebviewWindow<MockRuntime>,
}

impl MockApp {
    pub fn new(state: podoclinic::state::AppState) -> Self {
        let specta = podoclinic::mock_specta_builder();
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        app.manage(state);
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
        Self { _app: app, webview }
    }

    /// Sends one command with camelCase arguments; `Err` holds the serialised `AppError`.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke_json(cmd, args).map(|text| serde_json::from_str(&text).unwrap())
    }

    /// Like `invoke`, but returns the reply's JSON text as the webview receives it (unparsed: the
    /// benchmark times the round trip up to the webview, whose own JSON.parse is not tauri's).
    pub fn invoke_json(&self, cmd: &str, args: Value) -> Result<String, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|b| match b {
            tauri::ipc::InvokeResponseBody::Json(text) => text,
            tauri::ipc::InvokeResponseBody::Raw(bytes) => String::from_utf8(bytes).expect("a JSON reply"),
        })
    }
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
