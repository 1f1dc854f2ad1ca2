//! Podoclinic: a desktop app for podiatry clinics. This file wires the Tauri shell to the modules;
//! each module keeps its rules and SQL to itself and its `commands.rs` is the only Tauri-aware part.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod cash;
pub mod catalog;
pub mod clinic;
pub mod db;
pub mod demo;
pub mod desk;
pub mod documents;
pub mod error;
pub mod expenses;
pub mod inventory;
pub mod logging;
pub mod money;
pub mod patients;
pub mod podiatrists;
pub mod schedules;
pub mod state;
pub mod stats;
pub mod suppliers;
pub mod validate;
pub mod visits;

use std::path::PathBuf;

use tauri::{Manager, RunEvent};
use tauri_specta::{collect_commands, collect_events};

use crate::db::monitor::DbStatus;
use crate::state::{AppState, Paths};

/// The one list of commands, spelled once and expanded for each runtime (the real one, and tauri's
/// mock runtime in tests): tauri-specta needs generic commands named with a concrete runtime.
macro_rules! app_builder {
    ($runtime:ty) => {
        tauri_specta::Builder::<$runtime>::new()
            .commands(collect_commands![
                desk::commands::get_db_status,
                desk::commands::get_desk_config,
                desk::commands::save_desk_config,
                desk::commands::test_connection,
                desk::commands::provide_db_password,
                desk::commands::restart_app::<$runtime>,
                desk::commands::open_admin_window::<$runtime>,
                auth::commands::needs_first_admin,
                auth::commands::create_first_admin,
                auth::commands::login,
                auth::commands::logout,
                auth::commands::current_session,
                auth::commands::keep_alive,
                auth::commands::lock_session,
                auth::commands::unlock_session,
                auth::commands::change_own_password,
                auth::commands::list_users,
                auth::commands::create_user,
                auth::commands::update_user,
                auth::commands::reset_user_password,
                auth::commands::unlock_user,
                auth::commands::list_roles,
                auth::commands::list_permissions,
                auth::commands::create_role,
                auth::commands::update_role,
                clinic::commands::get_clinic_profile,
                clinic::commands::update_clinic_profile,
                audit::commands::list_audit_log,
                podiatrists::commands::list_podiatrists,
                podiatrists::commands::create_podiatrist,
                podiatrists::commands::update_podiatrist,
                patients::commands::search_patients,
                patients::commands::get_patient,
                patients::commands::create_patient,
                patients::commands::update_patient,
                patients::commands::archive_patient,
                schedules::commands::get_schedule,
                schedules::commands::set_weekly_schedule,
                schedules::commands::add_schedule_exception,
                schedules::commands::remove_schedule_exception,
                appointments::commands::list_agenda,
                appointments::commands::get_appointment,
                appointments::commands::list_today,
                appointments::commands::list_patient_appointments,
                appointments::commands::find_slots,
                appointments::commands::book_appointment,
                appointments::commands::book_series,
                appointments::commands::reschedule_appointment,
                appointments::commands::set_appointment_status,
                appointments::commands::cancel_appointment,
                catalog::commands::list_treatments,
                catalog::commands::create_treatment,
                catalog::commands::update_treatment,
                catalog::commands::list_products,
                catalog::commands::create_product,
                catalog::commands::update_product,
                visits::commands::open_visit,
                visits::commands::save_visit,
                visits::commands::sign_visit,
                visits::commands::add_visit_addendum,
                visits::commands::list_patient_visits,
                billing::commands::get_checkout,
                billing::commands::get_charge,
                billing::commands::create_charge,
                billing::commands::take_payment,
                billing::commands::refund_payment,
                billing::commands::get_patient_account,
                cash::commands::get_desk_cash,
                cash::commands::open_cash_session,
                cash::commands::get_cash_report,
                cash::commands::add_cash_movement,
                cash::commands::close_cash_session,
                cash::commands::list_cash_sessions,
                cash::commands::list_cash_registers,
                cash::commands::create_cash_register,
                cash::commands::update_cash_register,
                expenses::commands::list_expense_categories,
                expenses::commands::save_expense_category,
                expenses::commands::list_expenses,
                expenses::commands::record_expense,
                suppliers::commands::list_suppliers,
                suppliers::commands::get_supplier,
                suppliers::commands::create_supplier,
                suppliers::commands::update_supplier,
                inventory::commands::get_stock,
                inventory::commands::get_stock_card,
                inventory::commands::record_stock_movement,
                inventory::commands::receive_purchase,
                inventory::commands::pay_purchase,
                stats::commands::get_dashboard,
                documents::export_receipt,
                documents::export_cash_report,
                documents::open_document,
                documents::export_csv,
            ])
            .events(collect_events![DbStatus, db::live::AgendaChanged])
            // i64 values (money in cents, audit ids, schema versions) are exported as TypeScript
            // `number`: all of them stay far below 2^53, where a JavaScript number is exact.
            .dangerously_cast_bigints_to_number()
            // Every exported type reads and writes the same shape: one TypeScript name each.
            .disable_serde_phases()
    };
}

/// The commands and events of the app. It serves `run()` and the bindings export.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    app_builder!(tauri::Wry)
}

/// The same commands on tauri's mock runtime, for tests through the real IPC path.
#[cfg(feature = "test")]
pub fn mock_specta_builder() -> tauri_specta::Builder<tauri::test::MockRuntime> {
    app_builder!(tauri::test::MockRuntime)
}

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/bindings.ts";

/// Writes the TypeScript bindings for `specta_builder` to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), specta_typescript::Error> {
    specta_builder().export(specta_typescript::Typescript::default().header("/* eslint-disable */"), path)
}

fn dir_from_env(var: &str, default: tauri::Result<PathBuf>) -> tauri::Result<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => default,
    }
}

/// Starts the desktop app.
pub fn run() {
    let specta = specta_builder();
    let app = tauri::Builder::default()
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            let resolver = app.path();
            let paths = Paths {
                config_dir: dir_from_env("PODOCLINIC_CONFIG_DIR", resolver.app_config_dir())?,
                data_dir: dir_from_env("PODOCLINIC_DATA_DIR", resolver.app_data_dir())?,
                log_dir: dir_from_env("PODOCLINIC_LOG_DIR", resolver.app_log_dir())?,
            };
            logging::init(&paths.log_dir);
            tracing::info!(version = env!("CARGO_PKG_VERSION"), data = %paths.data_dir.display(), "starting");
            specta.mount_events(app);
            let desk = db::profile::DeskConfig::load(&paths.config_dir).map(|c| c.desk_name).unwrap_or_default();
            app.manage(AppState::new(paths, desk));

            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                use tauri_specta::Event;
                let mut changes = handle.state::<AppState>().health.status.subscribe();
                while changes.changed().await.is_ok() {
                    let status = changes.borrow_and_update().clone();
                    if let Err(e) = status.emit(&handle) {
                        tracing::warn!(error = %e, "status event not delivered");
                    }
                }
            });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                use tauri_specta::Event;
                let mut changes = handle.state::<AppState>().live.subscribe();
                loop {
                    match changes.recv().await {
                        Ok(change) => {
                            let _ = change.emit(&handle);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            let _ = db::live::AgendaChanged { podiatrist_id: None }.emit(&handle);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<AppState>();
                desk::startup::start(&state, demo::enabled()).await;
            });
            // A desk shut down by the system (SIGTERM) or Ctrl+C still stops its local cluster.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
                else {
                    return;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                tracing::info!("shutdown signal received");
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the app could not be built");
    app.run(|app, event| {
        if let RunEvent::Exit = event
            && let Some(cluster) = app.try_state::<AppState>().and_then(|s| s.local.get().cloned())
        {
            cluster.stop_blocking();
        }
    });
}
