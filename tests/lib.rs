//! Shared helpers for the service tests: an app state over a test database, users in each
//! built-in role and their contexts, and the records most tests start from. The core alone: no
//! Tauri is compiled for these tests.

use std::path::PathBuf;

use podoclinic_clinic::auth::Desk;
use podoclinic_clinic::auth::model::{FirstAdminInput, NewUserInput, User};
use podoclinic_clinic::auth::{Ctx, service};
use podoclinic_desk::state::{AppState, Paths};
use sqlx::PgPool;
use uuid::Uuid;

mod fresh_db;
pub mod soak;
pub use fresh_db::{FreshDb, runtime};

pub const ADMIN_PASSWORD: &str = "pies firmes 2026";
pub const STAFF_PASSWORD: &str = "recepcion soleada 77";

/// A note that may be signed once it has a risk grade: a diagnosis (with its CIE-10 code) and a
/// plan, the rest empty. Tests fill in what they are about: `VisitInput { id, .., ..signable() }`.
pub fn signable() -> podoclinic_clinic::visits::model::VisitInput {
    use podoclinic_clinic::visits::model::{Diagnosis, VisitInput};
    VisitInput {
        diagnoses: vec![Diagnosis { text: "Onicocriptosis".into(), code: Some("L60.0".into()) }],
        plan: "Curación con antiséptico; revisión en 7 días.".into(),
        ..VisitInput::default()
    }
}

/// Paths for a state that never touches the user's real folders.
pub fn temp_paths() -> Paths {
    let root: PathBuf = std::env::temp_dir().join(format!("podoclinic-test-{}", Uuid::now_v7()));
    Paths { config_dir: root.join("config"), data_dir: root.join("data"), log_dir: root.join("logs") }
}

/// An app state connected to `pool`, as a desk named `desk`.
pub fn state_on(pool: PgPool, desk: &str) -> AppState {
    AppState::with_pool(pool, temp_paths(), desk)
}

/// The clinic's first admin, `admin`.
pub async fn first_admin(pool: &PgPool) -> User {
    let input = FirstAdminInput {
        id: Uuid::now_v7(),
        username: "admin".into(),
        display_name: "Dra. Admin".into(),
        password: ADMIN_PASSWORD.into(),
    };
    service::create_first_admin(&desk(pool), input).await.expect("first admin")
}

/// The test desk, as the commands that come before a session see it.
pub fn desk(pool: &PgPool) -> Desk {
    desk_named(pool, "test-desk")
}

/// What a command run by `user` at the test desk would get from the guard.
pub async fn ctx_of(pool: &PgPool, user: &User) -> Ctx {
    Ctx::for_user(pool, user.id, "test-desk").await.expect("an active user")
}

/// Built-in role ids (fixed by the first migration).
pub const RECEPTION_ROLE: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000002);
pub const PODIATRIST_ROLE: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000003);

/// A user with the given role, created by `admin`.
pub async fn staff(pool: &PgPool, admin: &User, username: &str, role_id: Uuid) -> User {
    let input = NewUserInput {
        id: Uuid::now_v7(),
        username: username.into(),
        display_name: format!("Staff {username}"),
        password: STAFF_PASSWORD.into(),
        role_id,
    };
    service::create_user(&ctx_of(pool, admin).await, input).await.expect("staff user")
}

/// The app's audit actions recorded so far, oldest first (without the rows the database writes
/// itself for changes to accounts, roles and backups, `db.*`: tests/tests/privileges.rs has those).
pub async fn audit_actions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE action NOT LIKE 'db.%' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// A signed-in context, as a command would get it from the guard.
pub async fn ctx_for(pool: &PgPool, username: &str, password: &str) -> Ctx {
    let state = state_on(pool.clone(), "test-desk");
    let session = service::authenticate(&desk(pool), username, password, service::Purpose::Login).await.expect("login");
    state.sessions.start(session);
    podoclinic_desk::guard::signed_in(&state).await.expect("session")
}

/// A podiatrist working every day, all day (so schedule rules do not get in the way), unless
/// `blocks` says otherwise.
pub async fn podiatrist(pool: &PgPool, admin: &User, name: &str, user_id: Option<Uuid>) -> Uuid {
    use podoclinic_clinic::podiatrists::model::Podiatrist;
    let ctx = ctx_of(pool, admin).await;
    let p = Podiatrist {
        id: Uuid::now_v7(),
        name: name.into(),
        license: String::new(),
        title_institution: String::new(),
        color: "#336699".into(),
        active: true,
        user_id,
    };
    let p = podoclinic_clinic::podiatrists::service::create(&ctx, p).await.expect("podiatrist");
    let all_day: Vec<_> = (1..=7)
        .map(|weekday| podoclinic_clinic::schedules::model::ScheduleBlock {
            weekday,
            start_minute: 0,
            end_minute: 1440,
        })
        .collect();
    podoclinic_clinic::schedules::service::set_weekly(&ctx, p.id, all_day).await.expect("schedule");
    p.id
}

/// A patient with just a name (and optional phone).
pub async fn patient(pool: &PgPool, admin: &User, first: &str, last: &str, phone: &str) -> Uuid {
    let outcome =
        podoclinic_clinic::patients::service::create(&ctx_of(pool, admin).await, new_patient(first, last, phone), true)
            .await
            .expect("patient");
    outcome.created.expect("created").id
}

pub fn new_patient(first: &str, last: &str, phone: &str) -> podoclinic_clinic::patients::model::Patient {
    podoclinic_clinic::patients::model::Patient {
        id: Uuid::now_v7(),
        first_name: first.into(),
        last_names: last.into(),
        phone: phone.into(),
        ..Default::default()
    }
}

/// A booking request for [start, start + minutes).
pub fn booking(
    patient: Uuid,
    podiatrist: Uuid,
    start: chrono::DateTime<chrono::Utc>,
    minutes: i64,
) -> podoclinic_clinic::appointments::model::BookInput {
    podoclinic_clinic::appointments::model::BookInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        podiatrist_id: podiatrist,
        starts_at: start,
        ends_at: start + chrono::Duration::minutes(minutes),
        reason: "Revisión".into(),
        override_schedule: false,
    }
}

/// A moment well in the future at `hour:minute` UTC on 2030-01-07 (a Monday) plus `days`.
pub fn future(days: i64, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2030, 1, 7, hour, minute, 0).unwrap() + chrono::Duration::days(days)
}

/// A treatment in the catalog at `price_cents`.
pub async fn treatment(pool: &PgPool, admin: &User, name: &str, price_cents: i64) -> Uuid {
    let t = podoclinic_clinic::catalog::model::Treatment {
        id: Uuid::now_v7(),
        name: name.into(),
        duration_minutes: 30,
        price_cents,
        active: true,
        consumables: vec![],
        requires_consent: None,
    };
    podoclinic_clinic::catalog::service::create_treatment(&ctx_of(pool, admin).await, t).await.expect("treatment").id
}

/// An appointment of `patient` with `podiatrist` (booked by `ctx`) whose patient has arrived.
pub async fn arrived(ctx: &podoclinic_clinic::auth::Ctx, patient: Uuid, podiatrist: Uuid, days: i64) -> Uuid {
    use podoclinic_clinic::appointments::{model::Status, service};
    let a = service::book(ctx, booking(patient, podiatrist, future(days, 16, 0), 30)).await.expect("booking");
    service::set_status(ctx, a.id, Status::Arrived).await.expect("arrived");
    a.id
}

/// Opens a cash session with `float_cents` on the default register, for `ctx`'s desk.
pub async fn open_drawer(ctx: &podoclinic_clinic::auth::Ctx, float_cents: i64) -> Uuid {
    let input = podoclinic_clinic::cash::model::OpenSessionInput {
        id: Uuid::now_v7(),
        register_id: DEFAULT_REGISTER,
        opening_float_cents: float_cents,
    };
    podoclinic_clinic::cash::service::open(ctx, input).await.expect("open drawer").session.expect("session").id
}

/// The register the third migration creates ("Caja 1").
pub const DEFAULT_REGISTER: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000201);

/// A desk's login throttle with waits short enough for tests (the real ones are seconds).
pub fn quick_throttle() -> podoclinic_clinic::auth::throttle::LoginThrottle {
    podoclinic_clinic::auth::throttle::LoginThrottle::new(
        std::time::Duration::from_millis(5),
        std::time::Duration::from_millis(20),
    )
}

/// A desk with another name, as the commands that come before a session see it.
pub fn desk_named(pool: &PgPool, name: &str) -> Desk {
    Desk { pool: pool.clone(), name: name.into(), throttle: std::sync::Arc::new(quick_throttle()) }
}

/// A charge line of a catalog treatment (a discount gets a reason).
pub fn line(treatment: Uuid, quantity: i32, discount: i64) -> podoclinic_clinic::billing::model::LineInput {
    podoclinic_clinic::billing::model::LineInput {
        treatment_id: Some(treatment),
        product_id: None,
        quantity,
        discount_cents: discount,
        discount_reason: if discount > 0 { "Paciente frecuente".into() } else { String::new() },
        unit_price_cents: None,
    }
}

/// Saves and signs the note `input` (its visit open), then charges one `treatment` on it to the
/// patient; answers the charge's id.
pub async fn sign_and_charge(
    ctx: &Ctx,
    patient: Uuid,
    input: podoclinic_clinic::visits::model::VisitInput,
    treatment: Uuid,
) -> Uuid {
    use podoclinic_clinic::visits::service as visits;
    let visit = input.id;
    visits::save(ctx, input).await.expect("save the note");
    visits::sign(ctx, visit, false).await.expect("sign");
    let charge = podoclinic_clinic::billing::model::ChargeInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        visit_id: Some(visit),
        lines: vec![line(treatment, 1, 0)],
    };
    podoclinic_clinic::billing::service::create_charge(ctx, charge).await.expect("charge").id
}

/// A payment of `amount` cents by `method`, on a charge or on the patient's account.
pub fn pay(
    patient: Uuid,
    charge: Option<Uuid>,
    method: podoclinic_clinic::money::Method,
    amount: i64,
) -> podoclinic_clinic::billing::model::PaymentInput {
    podoclinic_clinic::billing::model::PaymentInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        charge_id: charge,
        method,
        amount_cents: amount,
        reference: String::new(),
    }
}

/// A corte Z with these counted amounts.
pub fn close_input(session: Uuid, cash: i64, card: i64, transfer: i64) -> podoclinic_clinic::cash::model::CloseInput {
    podoclinic_clinic::cash::model::CloseInput {
        session_id: session,
        counted_cash_cents: Some(cash),
        denominations: None,
        counted_card_cents: card,
        counted_transfer_cents: transfer,
        note: String::new(),
    }
}

/// Ends a process at once, as a crash or the task manager would: no signal it can catch (SIGKILL;
/// on Windows, TerminateProcess through `taskkill /F`).
pub fn kill_outright(pid: &str) {
    let status = if cfg!(windows) {
        std::process::Command::new("taskkill").args(["/F", "/PID", pid]).status()
    } else {
        std::process::Command::new("kill").args(["-9", pid]).status()
    };
    assert!(status.expect("the kill command runs").success(), "process {pid} was not killed");
}

/// Text of a PDF, through poppler's pdftotext (installed by the test script).
pub fn pdf_text(path: &str) -> String {
    let out = std::process::Command::new("pdftotext").args(["-layout", path, "-"]).output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed on {path}");
    String::from_utf8(out.stdout).unwrap()
}

/// A supplier in the directory (added straight to the table: the supplier screens have tests of
/// their own).
pub async fn supplier(pool: &PgPool) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO suppliers (id, name, rfc) VALUES ($1, 'Distribuidora Médica del Centro', 'DMC900101AB1')")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    id
}

/// A product in the catalog, sold at twice its cost.
pub async fn product(ctx: &Ctx, sku: &str, cost: i64, min_stock: i32) -> Uuid {
    let p = podoclinic_clinic::catalog::model::Product {
        id: Uuid::now_v7(),
        sku: sku.into(),
        name: format!("Producto {sku}"),
        unit: "pieza".into(),
        cost_cents: cost,
        price_cents: cost * 2,
        min_stock,
        active: true,
    };
    podoclinic_clinic::catalog::service::create_product(ctx, p).await.unwrap().id
}

/// The tests' key for a desk store (a desk draws its own and keeps it in the OS keyring).
pub fn store_key() -> podoclinic_store::StoreKey {
    podoclinic_store::StoreKey::from_bytes([42; 32])
}

/// Runs `sql` on the desk store in `dir` with `key`, as someone at the desk's OS account could
/// (its keyring holds the key), and answers what it found as the sqlite3 tool prints it: a row a
/// line, columns joined by `|`, NULL empty.
pub async fn store_sql(dir: &std::path::Path, key: &podoclinic_store::StoreKey, sql: &str) -> String {
    use sqlx::{ConnectOptions, Connection, Row};
    let file = dir.join(podoclinic_store::FILE_NAME);
    let mut conn = podoclinic_store::connect_options(&file, key).connect().await.expect("the store opens with its key");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.expect("closed");
    let lines: Vec<String> = rows
        .iter()
        .map(|row| {
            (0..row.len())
                // As sqlite3 prints a value: SQLite's own conversion to text.
                .map(|i| row.try_get_unchecked::<Option<String>, _>(i).expect("a value").unwrap_or_default())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    lines.join("\n")
}

/// What the benchmarks share: their databases, percentiles and turns.
pub mod bench {
    use std::time::{Duration, Instant};

    use sqlx::{Connection, PgConnection};

    /// A benchmark's database, kept between runs (its name is fixed, so its SQL is static text).
    #[derive(Clone, Copy)]
    pub enum Database {
        Agenda,
        Search,
        Rollups,
        Import,
    }

    impl Database {
        fn name(self) -> &'static str {
            match self {
                Database::Agenda => "podoclinic_bench",
                Database::Search => "podoclinic_bench_search",
                Database::Rollups => "podoclinic_bench_rollups",
                Database::Import => "podoclinic_bench_import",
            }
        }

        /// Makes the database on `DATABASE_URL`'s server if it is not there (or anew with
        /// `reseed`), migrates it, and returns its pool and URL.
        pub async fn open(self, reseed: bool) -> (sqlx::PgPool, String) {
            let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
            let server = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
            let url = format!("{server}/{}", self.name());
            let mut admin = PgConnection::connect(&admin_url).await.unwrap();
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(self.name())
                .fetch_one(&mut admin)
                .await
                .unwrap();
            let (drop, create) = match self {
                Database::Agenda => ("DROP DATABASE podoclinic_bench WITH (FORCE)", "CREATE DATABASE podoclinic_bench"),
                Database::Search => {
                    ("DROP DATABASE podoclinic_bench_search WITH (FORCE)", "CREATE DATABASE podoclinic_bench_search")
                }
                Database::Rollups => {
                    ("DROP DATABASE podoclinic_bench_rollups WITH (FORCE)", "CREATE DATABASE podoclinic_bench_rollups")
                }
                Database::Import => {
                    ("DROP DATABASE podoclinic_bench_import WITH (FORCE)", "CREATE DATABASE podoclinic_bench_import")
                }
            };
            if reseed && exists {
                sqlx::query(drop).execute(&mut admin).await.unwrap();
            }
            if reseed || !exists {
                sqlx::query(create).execute(&mut admin).await.unwrap();
            }
            let pool = podoclinic_clinic::db::pool(url.parse().unwrap());
            podoclinic_desk::db::prepare(&podoclinic_desk::db::Target::single((*pool.connect_options()).clone()))
                .await
                .unwrap();
            (pool, url)
        }
    }

    /// A digest of every rollup table, in key order (the bitmaps compared bit for bit): equal
    /// before and after `stats_rebuild()` when the triggers kept the rollups right.
    pub const ROLLUP_DIGEST: &str = "SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
        SELECT 'a ' || day || ' ' || podiatrist_id || ' ' || status || ' ' || count FROM stats_appointment_days WHERE count <> 0
        UNION ALL SELECT 'f ' || patient_id || ' ' || first_day FROM stats_first_visits
        UNION ALL SELECT 'd ' || day || ' ' || seen::text FROM stats_seen_days
        UNION ALL SELECT 'm ' || month || ' ' || seen::text FROM stats_seen_months) r(line)";

    /// The process's peak resident memory so far, in MiB (Linux).
    pub fn peak_rss_mib() -> f64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
            .map_or(0.0, |kb| kb / 1024.0)
    }

    pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
        samples.sort();
        samples[((samples.len() as f64 - 1.0) * p).round() as usize]
    }

    pub fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    /// Runs each way once, a different one first on each `turn`, and returns each way's time in the
    /// order given: no way always pays for cold caches or gets the ones the way before it warmed.
    pub fn in_turns<const N: usize>(turn: usize, ways: [&mut dyn FnMut(); N]) -> [Duration; N] {
        let mut times = [Duration::ZERO; N];
        for k in 0..N {
            let way = (k + turn) % N;
            let t = Instant::now();
            ways[way]();
            times[way] = t.elapsed();
        }
        times
    }
}

/// A login of the desks' group (`podoclinic_app`, what a desk connects as) on this test's
/// database; its pool. Checked to be that login and no owner.
pub async fn desk_login(pool: &PgPool) -> PgPool {
    let name = format!("desk_{}", uuid::Uuid::now_v7().simple());
    let password = format!("clave-{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE podoclinic_app")))
        .execute(pool)
        .await
        .unwrap();
    let options = (*pool.connect_options()).clone().username(&name).password(&password);
    let desk = sqlx::postgres::PgPoolOptions::new()
        .max_connections(3)
        .connect_with(options)
        .await
        .expect("the desk login connects");
    let (user, superuser): (String, bool) =
        sqlx::query_as("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&desk)
            .await
            .unwrap();
    assert_eq!((user, superuser), (name, false), "the test works as the desk's login, not as an owner");
    desk
}
