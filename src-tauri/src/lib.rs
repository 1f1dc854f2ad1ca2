//! Podoclinic's desktop shell: the Tauri app around the desk (`podoclinic-desk`), which runs the
//! clinic's rules (`podoclinic-clinic`). It holds only what is Tauri's: one thin command per
//! service (`commands/`, a file per domain), the events forwarded to the webview, the windows and
//! the app's start and exit.

pub mod commands;
pub mod events;
pub mod logging;
pub mod tasks;

use std::path::PathBuf;

use tauri::{Manager, RunEvent};
use tauri_specta::{collect_commands, collect_events};

use podoclinic_desk::state::{AppState, Paths};
use podoclinic_desk::{db, demo, startup};

/// The one list of commands, spelled once and expanded for each runtime (the real one, and tauri's
/// mock runtime in tests): tauri-specta needs generic commands named with a concrete runtime.
macro_rules! app_builder {
    ($runtime:ty) => {
        tauri_specta::Builder::<$runtime>::new()
            .commands(collect_commands![
                commands::desk::get_db_status,
                commands::desk::get_desk_config,
                commands::desk::save_desk_config,
                commands::desk::test_connection,
                commands::desk::provide_db_password,
                commands::desk::upgrade_database,
                commands::desk::restart_app::<$runtime>,
                commands::desk::open_admin_window::<$runtime>,
                commands::files::pick_file::<$runtime>,
                commands::desk::export_diagnostics,
                commands::desk::get_postgres_upgrade,
                commands::desk::upgrade_postgres,
                commands::drafts::save_draft,
                commands::drafts::get_draft,
                commands::drafts::clear_draft,
                commands::outbox::get_desk_store,
                commands::outbox::list_outbox,
                commands::outbox::retry_outbox,
                commands::outbox::discard_outbox,
                commands::auth::needs_first_admin,
                commands::auth::create_first_admin,
                commands::auth::login,
                commands::auth::logout,
                commands::auth::current_session,
                commands::auth::keep_alive,
                commands::auth::lock_session,
                commands::auth::unlock_session,
                commands::auth::confirm_password,
                commands::auth::change_own_password,
                commands::auth::list_users,
                commands::auth::create_user,
                commands::auth::update_user,
                commands::auth::reset_user_password,
                commands::auth::unlock_user,
                commands::auth::list_roles,
                commands::auth::list_permissions,
                commands::auth::create_role,
                commands::auth::update_role,
                commands::backups::get_backup_settings,
                commands::backups::save_backup_settings,
                commands::backups::list_backups,
                commands::backups::get_backup_health,
                commands::backups::run_backup_now,
                commands::backups::prove_backup_key,
                commands::backups::restore_backup,
                commands::backups::switch_to_restored,
                commands::backups::discard_restored,
                commands::backups::list_kept_databases,
                commands::backups::drop_kept_database,
                commands::backups::save_backup_login,
                commands::import::preview_import,
                commands::import::dry_run_import,
                commands::import::run_import,
                commands::import::cancel_import,
                commands::clinic::get_clinic_profile,
                commands::clinic::update_clinic_profile,
                commands::audit::list_audit_log,
                commands::audit::verify_audit_log,
                commands::podiatrists::list_podiatrists,
                commands::podiatrists::create_podiatrist,
                commands::podiatrists::update_podiatrist,
                commands::patients::search_patients,
                commands::patients::get_patient,
                commands::patients::create_patient,
                commands::patients::update_patient,
                commands::patients::archive_patient,
                commands::schedules::get_schedule,
                commands::schedules::set_weekly_schedule,
                commands::schedules::add_schedule_exception,
                commands::schedules::remove_schedule_exception,
                commands::appointments::list_agenda,
                commands::appointments::get_appointment,
                commands::appointments::list_today,
                commands::appointments::list_patient_appointments,
                commands::appointments::find_slots,
                commands::appointments::book_appointment,
                commands::appointments::book_series,
                commands::appointments::reschedule_appointment,
                commands::reminders::list_reminders,
                commands::reminders::mark_reminder,
                commands::reminders::open_reminder,
                commands::reminders::set_reminders_opt_out,
                commands::reminders::get_patient_attendance,
                commands::appointments::set_appointment_status,
                commands::appointments::cancel_appointment,
                commands::catalog::list_treatments,
                commands::catalog::create_treatment,
                commands::catalog::update_treatment,
                commands::catalog::list_products,
                commands::catalog::create_product,
                commands::catalog::update_product,
                commands::visits::open_visit,
                commands::visits::save_visit,
                commands::visits::sign_visit,
                commands::visits::add_visit_addendum,
                commands::visits::list_patient_visits,
                commands::visits::search_cie10,
                commands::visits::refer_patient,
                commands::visits::get_patient_history,
                commands::visits::record_patient_history,
                commands::billing::get_checkout,
                commands::billing::get_charge,
                commands::billing::create_charge,
                commands::billing::take_payment,
                commands::billing::refund_payment,
                commands::billing::get_patient_account,
                commands::cash::get_desk_cash,
                commands::cash::open_cash_session,
                commands::cash::get_cash_report,
                commands::cash::add_cash_movement,
                commands::cash::close_cash_session,
                commands::cash::list_cash_sessions,
                commands::cash::list_cash_registers,
                commands::cash::create_cash_register,
                commands::cash::update_cash_register,
                commands::expenses::list_expense_categories,
                commands::expenses::save_expense_category,
                commands::expenses::list_expenses,
                commands::expenses::record_expense,
                commands::suppliers::list_suppliers,
                commands::suppliers::get_supplier,
                commands::suppliers::create_supplier,
                commands::suppliers::update_supplier,
                commands::inventory::get_stock,
                commands::inventory::get_stock_card,
                commands::inventory::record_stock_movement,
                commands::inventory::receive_purchase,
                commands::inventory::pay_purchase,
                commands::stats::get_dashboard,
                commands::documents::export_receipt,
                commands::documents::export_clinical_document,
                commands::documents::export_patient_data,
                commands::documents::export_blocked_record,
                commands::privacy::get_privacy_notice,
                commands::privacy::publish_privacy_notice,
                commands::privacy::get_privacy_consent,
                commands::privacy::record_privacy_consent,
                commands::privacy::set_privacy_purposes,
                commands::privacy::list_arco_requests,
                commands::privacy::receive_arco_request,
                commands::privacy::answer_arco_request,
                commands::privacy::purge_patient_record,
                commands::consents::list_consent_templates,
                commands::consents::publish_consent_template,
                commands::consents::list_consent_letters,
                commands::consents::sign_consent_letter,
                commands::consents::attach_consent_scan,
                commands::consents::revoke_consent_letter,
                commands::consents::export_consent_letter,
                commands::consents::export_blank_consent,
                commands::documents::export_cash_report,
                commands::documents::open_document,
                commands::documents::export_csv,
            ])
            .events(collect_events![
                events::DbStatusChanged,
                events::AgendaChanged,
                events::DataChanged,
                events::OutboxChanged,
                events::ImportProgressed,
                events::SessionChanged
            ])
            // The closed lists the forms offer, in their order: the UI's options come from here.
            .constant("TEXT_LIMITS", text_limits())
            .constant("SEXES", podoclinic_clinic::patients::model::Sex::ALL)
            .constant("DIABETES_TYPES", podoclinic_clinic::patients::model::Diabetes::ALL)
            .constant("IMPORT_FIELDS", podoclinic_clinic::import::model::PatientField::ALL)
            .constant("APPOINTMENT_IMPORT_FIELDS", podoclinic_clinic::import::model::AppointmentField::ALL)
            .constant("EXCEPTION_KINDS", podoclinic_clinic::schedules::model::ExceptionKind::ALL)
            .constant("PAYMENT_METHODS", podoclinic_clinic::money::Method::ALL)
            .constant("ARCO_KINDS", podoclinic_clinic::privacy::model::ArcoKind::ALL)
            .constant("CONSENT_KINDS", podoclinic_clinic::consents::model::ConsentKind::ALL)
            // The calendar row's flags (see `AgendaRow`).
            .constant("AGENDA_AT_RISK", podoclinic_clinic::appointments::model::AT_RISK)
            .constant("AGENDA_OUTSIDE_SCHEDULE", podoclinic_clinic::appointments::model::OUTSIDE_SCHEDULE)
            .constant("AGENDA_PENDING", podoclinic_clinic::appointments::model::PENDING)
            .constant("AGENDA_NO_ANSWER", podoclinic_clinic::appointments::model::NO_ANSWER)
            .constant("REMINDER_PLACEHOLDERS", podoclinic_clinic::reminders::model::PLACEHOLDERS)
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

/// The longest text of each form field, keyed `table.field` (`patients.firstName`): the UI's
/// `maxLength`, from the numbers the Rust checks and the database's CHECKs use.
fn text_limits() -> std::collections::BTreeMap<String, usize> {
    podoclinic_clinic::limits::LIMITS.iter().map(|l| (format!("{}.{}", l.table, l.field), l.max)).collect()
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

/// The name one desk's app holds on the session bus: the app's identifier, and for a desk whose
/// folders are set by `PODOCLINIC_DATA_DIR` (several desks on one machine, as in the tests), one
/// per folder.
fn single_instance_id() -> String {
    match std::env::var_os("PODOCLINIC_DATA_DIR") {
        Some(dir) => {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut hasher);
            format!("mx.podoclinic.desk.d{:016x}", hasher.finish())
        }
        None => "mx.podoclinic.desk".into(),
    }
}

/// Starts the desktop app.
pub fn run() {
    let specta = specta_builder();
    let app = tauri::Builder::default()
        // First of all plugins: a second launch for the same desk hands over to this one (its
        // window comes to the front) and exits before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(single_instance_id())
                .callback(|app, _args, _cwd| {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            let resolver = app.path();
            let paths = Paths {
                config_dir: dir_from_env("PODOCLINIC_CONFIG_DIR", resolver.app_config_dir())?,
                data_dir: dir_from_env("PODOCLINIC_DATA_DIR", resolver.app_data_dir())?,
                log_dir: dir_from_env("PODOCLINIC_LOG_DIR", resolver.app_log_dir())?,
            };
            logging::init(&paths.log_dir);
            // The desk's folder, held for the process's life: where the hand-over above cannot
            // work (no session bus), a second process still never runs beside the first.
            match startup::lock_desk(&paths.data_dir)? {
                Some(lock) => {
                    app.manage(lock);
                }
                None => {
                    // Said on stderr as well: the log's writer is not flushed by an exit from here.
                    eprintln!(
                        "Podoclinic: this desk is already open in another process ({})",
                        paths.data_dir.display()
                    );
                    tracing::warn!(data = %paths.data_dir.display(), "this desk is already open in another process");
                    std::process::exit(0);
                }
            }
            tracing::info!(version = env!("CARGO_PKG_VERSION"), data = %paths.data_dir.display(), "starting");
            // What the desk writes for its user only: the documents it makes (receipts name
            // patients), and no plain dump a crash left in the backups' work folder.
            if let Err(e) = podoclinic_desk::platform::private_dir(&podoclinic_desk::documents::folder(&paths)) {
                tracing::warn!(error = %e, "documents folder not made private");
            }
            podoclinic_desk::backup::service::clear_work(&paths.data_dir);
            specta.mount_events(app);
            let desk = db::connection::DeskConfig::load(&paths.config_dir).map(|c| c.desk_name).unwrap_or_default();
            app.manage(AppState::new(paths, desk));

            tasks::start(app.handle(), demo::enabled());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the app could not be built");
    app.run(|app, event| {
        if let RunEvent::Exit = event
            && let Some(cluster) = app.try_state::<AppState>().and_then(|s| s.cluster.get().cloned())
        {
            cluster.stop_blocking();
        }
    });
}
