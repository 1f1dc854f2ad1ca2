//! Commands through tauri's real IPC path (mock runtime): argument decoding, the command handler,
//! the guard and the serialised error, exactly as the webview would see them.
//!
//! Everything here runs on tauri's own async runtime (where command handlers run), so each test
//! makes its fresh database and pool there rather than using `#[sqlx::test]`'s runtime.

pub use podoclinic_tests::FreshDb;
use serde_json::Value;
use tauri::Manager;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

/// A fresh database on tauri's own runtime (where command handlers run), so its pool serves them.
pub fn fresh_db() -> FreshDb {
    let tauri::async_runtime::RuntimeHandle::Tokio(handle) = tauri::async_runtime::handle();
    FreshDb::create_on(handle)
}

/// The real command set on the mock runtime, with a webview to send requests from.
pub struct MockApp {
    _app: tauri::App<MockRuntime>,
    webview: tauri::WebviewWindow<MockRuntime>,
}

impl MockApp {
    pub fn new(state: podoclinic_desk::state::AppState) -> Self {
        let specta = podoclinic::mock_specta_builder();
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        app.manage(state);
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
        Self { _app: app, webview }
    }

    /// The app's state, as the commands see it.
    pub fn state(&self) -> tauri::State<'_, podoclinic_desk::state::AppState> {
        self._app.state()
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

/// The benchmarks' patients: names drawn independently (hashed) from 40 common first names and 40
/// surnames (twice), 64,000 combinations, so common names repeat as they do in a real city; a
/// birth date and a phone each.
pub async fn seed_patients(pool: &sqlx::PgPool, n: i32) {
    sqlx::query(
        "INSERT INTO patients (id, first_name, last_names, birth_date, phone)
         SELECT gen_random_uuid(), f.names[1 + abs(hashint4(i)) % 40], s.names[1 + abs(hashint4(i + 1000000)) % 40] || ' ' || s.names[1 + abs(hashint4(i + 2000000)) % 40],
                date '1940-01-01' + (i * 37) % 25000,
                '55 ' || lpad(((i::bigint * 7919) % 100000000)::text, 8, '0')
         FROM generate_series(1, $1) i,
              (SELECT ARRAY['José','María','Juan','Guadalupe','Francisco','Ana','Luis','Verónica','Jesús','Patricia',
                            'Miguel Ángel','Rosa','Alejandro','Leticia','Sergio','Adriana','Ramón','Mónica','Raúl','Elena',
                            'Fernando','Gabriela','Jorge','Claudia','Ricardo','Silvia','Roberto','Teresa','Eduardo','Norma',
                            'Javier','Araceli','Óscar','Beatriz','Arturo','Isabel','Héctor','Lucía','Martín','Sofía'] AS names) f,
              (SELECT ARRAY['González','Hernández','García','Martínez','López','Pérez','Rodríguez','Sánchez','Ramírez','Cruz',
                            'Flores','Gómez','Morales','Vázquez','Jiménez','Reyes','Díaz','Torres','Gutiérrez','Ruiz',
                            'Núñez','Ortega','Salas','Peña','Ibáñez','Muñoz','Castillo','Romero','Herrera','Medina',
                            'Aguilar','Vargas','Castro','Ortiz','Rubio','Marín','Soto','Domínguez','Luna','Ríos'] AS names) s",
    )
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

/// What the benchmarks share (their databases, percentiles and turns), from the service tests.
pub use podoclinic_tests::bench;
