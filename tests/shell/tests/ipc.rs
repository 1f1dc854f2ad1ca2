//! Commands through the real IPC path (tauri mock runtime), as the webview calls them.

use podoclinic_clinic::auth::service::{self, Purpose};
use podoclinic_shell_tests::{FreshDb, MockApp, fresh_db};
use podoclinic_tests::*;
use serde_json::json;

fn signed_in_app(db: &FreshDb, username: &str, password: &str) -> MockApp {
    let app = MockApp::new(state_on(db.pool.clone(), "ipc-desk"));
    let info = app.invoke("login", json!({ "input": { "username": username, "password": password } })).expect("login");
    assert_eq!(info["username"], username);
    app
}

fn setup_clinic(db: &FreshDb) {
    tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        staff(&db.pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    });
}

#[test]
fn reception_asking_for_the_user_list_is_refused_with_the_permission_named() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = signed_in_app(&db, "recepcion1", STAFF_PASSWORD);

    let err = app.invoke("list_users", json!({})).unwrap_err();
    assert_eq!(err, json!({ "kind": "forbidden", "permission": "users.manage" }));
    let err = app
        .invoke(
            "update_clinic_profile",
            json!({ "profile": {
        "name": "X", "address": "", "phone": "", "rfc": "", "timezone": "America/Mexico_City",
        "currency": "MXN", "idleLockMinutes": 5, "reminderTemplate": "Hola {nombre}", "offlineSignInDays": 7 } }),
        )
        .unwrap_err();
    assert_eq!(err, json!({ "kind": "forbidden", "permission": "settings.manage" }));
}

#[test]
fn a_command_without_a_session_is_unauthorized() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = MockApp::new(state_on(db.pool.clone(), "ipc-desk"));
    assert_eq!(app.invoke("list_users", json!({})).unwrap_err(), json!({ "kind": "unauthorized" }));
    assert_eq!(app.invoke("current_session", json!({})).unwrap(), json!(null));
}

#[test]
fn a_user_with_a_short_password_is_refused_naming_the_field_and_nothing_changes() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let before = app.invoke("list_users", json!({})).unwrap();

    let err = app
        .invoke(
            "create_user",
            json!({ "input": {
            "id": uuid::Uuid::now_v7(), "username": "nueva", "displayName": "Nueva",
            "password": "corta", "roleId": RECEPTION_ROLE } }),
        )
        .unwrap_err();

    assert_eq!(err, json!({ "kind": "validation", "field": "password", "key": "password_too_short" }));
    assert_eq!(app.invoke("list_users", json!({})).unwrap(), before);
    let audit = tauri::async_runtime::block_on(audit_actions(&db.pool));
    assert_eq!(audit.iter().filter(|a| *a == "user.create").count(), 1, "only the setup's own user was created");
}

#[test]
fn an_admin_creates_a_user_who_can_then_sign_in() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let id = uuid::Uuid::now_v7();
    let created = app
        .invoke(
            "create_user",
            json!({ "input": {
            "id": id, "username": "Podologo.Luis", "displayName": "Luis Pérez",
            "password": "uñas sanas siempre", "roleId": PODIATRIST_ROLE } }),
        )
        .unwrap();
    assert_eq!(created["username"], "podologo.luis");
    assert_eq!(created["roleName"], "podólogo");
    app.invoke("logout", json!({})).unwrap();
    let session = tauri::async_runtime::block_on(service::authenticate(
        &desk_named(&db.pool, "d"),
        "podologo.luis",
        "uñas sanas siempre",
        Purpose::Login,
    ))
    .unwrap();
    assert_eq!(session.user_id, id);
}

#[test]
fn a_wrong_password_over_ipc_says_invalid_credentials_and_the_fifth_locks_out_quietly() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = MockApp::new(state_on(db.pool.clone(), "ipc-desk"));
    let attempt =
        |password: &str| app.invoke("login", json!({ "input": { "username": "recepcion1", "password": password } }));
    for _ in 0..5 {
        assert_eq!(attempt("no es esta").unwrap_err(), json!({ "kind": "invalidCredentials" }));
    }
    // Locked now; only the right password is told so.
    assert_eq!(attempt("no es esta").unwrap_err(), json!({ "kind": "invalidCredentials" }));
    let locked = attempt(podoclinic_tests::STAFF_PASSWORD).unwrap_err();
    assert_eq!(locked["kind"], "lockedOut");
    assert!(locked["until"].as_str().is_some_and(|u| u.contains('T')));
}

#[test]
fn a_podiatrist_cannot_cancel_another_podiatrist_s_appointment_without_the_permission() {
    let db = fresh_db();
    let (mine, theirs) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        let luis = staff(&db.pool, &admin, "podologo.luis", PODIATRIST_ROLE).await;
        let own_pod = podiatrist(&db.pool, &admin, "Luis", Some(luis.id)).await;
        let other_pod = podiatrist(&db.pool, &admin, "Sofía", None).await;
        let ana = patient(&db.pool, &admin, "Ana", "Pérez", "").await;
        let ctx = ctx_for(&db.pool, "admin", ADMIN_PASSWORD).await;
        let mine = podoclinic_clinic::appointments::service::book(&ctx, booking(ana, own_pod, future(0, 16, 0), 30))
            .await
            .unwrap();
        let theirs =
            podoclinic_clinic::appointments::service::book(&ctx, booking(ana, other_pod, future(0, 16, 0), 30))
                .await
                .unwrap();
        (mine.id, theirs.id)
    });
    let app = signed_in_app(&db, "podologo.luis", STAFF_PASSWORD);

    let err = app.invoke("cancel_appointment", json!({ "id": theirs, "reason": "no" })).unwrap_err();
    assert_eq!(err, json!({ "kind": "forbidden", "permission": "appointments.write_others" }));
    let cancelled = app.invoke("cancel_appointment", json!({ "id": mine, "reason": "Se cambió de ciudad" })).unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    // Reading the shared agenda is fine.
    let agenda = app
        .invoke("list_agenda", json!({ "from": future(0, 0, 0), "to": future(1, 0, 0), "podiatristIds": null }))
        .unwrap();
    assert_eq!(agenda["rows"].as_array().map(Vec::len), Some(1), "cancelled appointments leave the calendar");
    assert_eq!(agenda["rows"][0][0], json!(theirs));
    assert_eq!(app.invoke("get_appointment", json!({ "id": mine })).unwrap()["status"], "cancelled");
}

#[test]
fn documents_need_the_permission_that_made_them() {
    let db = fresh_db();
    tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        staff(&db.pool, &admin, "podologo.luis", PODIATRIST_ROLE).await;
    });
    let app = signed_in_app(&db, "podologo.luis", STAFF_PASSWORD);
    let refused = |cmd: &str, args: serde_json::Value, permission: &str| {
        assert_eq!(app.invoke(cmd, args).unwrap_err(), json!({ "kind": "forbidden", "permission": permission }));
    };
    refused("open_document", json!({ "name": "recibo-000001.pdf" }), "payments.read");
    refused("open_document", json!({ "name": "corte-z-0a1b2c3d-20261128.pdf" }), "cash.operate");
    refused("open_document", json!({ "name": "ingresos-20261128.csv" }), "stats.read");
    refused("export_csv", json!({ "name": "ingresos", "header": ["Periodo"], "rows": [] }), "stats.read");

    // The role that holds the permission is served: the table is saved, and asking to show a
    // document gets past the guard (to "not found" for a name that was never saved).
    let admin = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let saved = admin
        .invoke("export_csv", json!({ "name": "ingresos", "header": ["Periodo"], "rows": [["2026-11"]] }))
        .expect("a stats.read role gets its table");
    let path = saved["path"].as_str().expect("a path");
    assert!(std::fs::read_to_string(path).unwrap().contains("2026-11"));
    assert_eq!(
        admin.invoke("open_document", json!({ "name": "recibo-999999.pdf" })).unwrap_err(),
        json!({ "kind": "notFound", "entity": "document" })
    );
}

#[test]
fn a_clash_over_ipc_is_slot_taken_naming_the_appointment() {
    let db = fresh_db();
    let (pod, ana, first) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        let pod = podiatrist(&db.pool, &admin, "Sofía", None).await;
        let ana = patient(&db.pool, &admin, "Ana", "Pérez", "").await;
        let ctx = ctx_for(&db.pool, "admin", ADMIN_PASSWORD).await;
        let first = podoclinic_clinic::appointments::service::book(&ctx, booking(ana, pod, future(0, 16, 0), 30))
            .await
            .unwrap();
        (pod, ana, first)
    });
    let app = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let err = app.invoke("book_appointment", json!({ "input": booking(ana, pod, future(0, 16, 15), 30) })).unwrap_err();
    assert_eq!(err["kind"], "slotTaken");
    assert_eq!(err["appointmentId"], json!(first.id));
    assert_eq!(err["patientName"], "Ana Pérez");
}

#[test]
fn a_payment_replayed_with_the_same_id_is_stored_once() {
    let db = fresh_db();
    let patient_id = tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        patient(&db.pool, &admin, "Guadalupe", "Reyes", "").await
    });
    let app = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    app.invoke(
        "open_cash_session",
        json!({ "input": { "id": uuid::Uuid::now_v7(), "registerId": DEFAULT_REGISTER, "openingFloatCents": 0 } }),
    )
    .expect("open drawer");
    let payment = json!({ "input": {
        "id": uuid::Uuid::now_v7(), "patientId": patient_id, "chargeId": null, "method": "cash",
        "amountCents": 45_000, "reference": "" } });
    let first = app.invoke("take_payment", payment.clone()).expect("payment");
    // The desk lost the answer and sends it again (a retry after a network hiccup).
    let again = app.invoke("take_payment", payment.clone()).expect("replay");
    assert_eq!(first, again);
    let mut changed = payment;
    changed["input"]["amountCents"] = json!(46_000);
    assert_eq!(
        app.invoke("take_payment", changed).unwrap_err(),
        json!({ "kind": "conflict", "key": "id_reused", "field": null })
    );
    let (count, sum): (i64, i64) = tauri::async_runtime::block_on(
        sqlx::query_as("SELECT count(*), sum(amount_cents)::bigint FROM payments").fetch_one(&db.pool),
    )
    .unwrap();
    assert_eq!((count, sum), (1, 45_000));
    let account = app.invoke("get_patient_account", json!({ "patientId": patient_id })).unwrap();
    assert_eq!(account["balanceCents"], json!(-45_000), "paid in advance: the patient has credit");
}

#[test]
fn reception_cannot_open_a_clinical_note_but_sees_what_to_charge() {
    let db = fresh_db();
    let appointment = tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        staff(&db.pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        let pod = podiatrist(&db.pool, &admin, "Dra. Uno", None).await;
        let pat = patient(&db.pool, &admin, "Ramón", "Ortiz", "").await;
        let nails = treatment(&db.pool, &admin, "Corte de uñas", 30_000).await;
        let ctx = ctx_for(&db.pool, "admin", ADMIN_PASSWORD).await;
        let appointment = arrived(&ctx, pat, pod, 0).await;
        let visit = podoclinic_clinic::visits::service::open(&ctx, appointment).await.unwrap();
        let input = podoclinic_clinic::visits::model::VisitInput {
            id: visit.id,
            findings: Default::default(),
            risk_category: Some(1),
            notes: "Paciente con dolor".into(),
            procedures: vec![podoclinic_clinic::visits::model::Procedure { treatment_id: nails, quantity: 1 }],
            ..podoclinic_tests::signable()
        };
        podoclinic_clinic::visits::service::save(&ctx, input).await.unwrap();
        appointment
    });
    let app = signed_in_app(&db, "recepcion1", STAFF_PASSWORD);
    assert_eq!(
        app.invoke("open_visit", json!({ "appointmentId": appointment })).unwrap_err(),
        json!({ "kind": "forbidden", "permission": "clinical.read" })
    );
    let checkout = app.invoke("get_checkout", json!({ "appointmentId": appointment })).unwrap();
    assert_eq!(checkout["proposed"][0]["description"], "Corte de uñas");
    assert!(!checkout.to_string().contains("dolor"), "checkout carries no clinical text");
}

/// An argument of the wrong JSON type, or a missing one, never reaches the command, and the answer
/// is the typed error every other failure uses: a validation error naming the argument.
#[test]
fn an_argument_that_cannot_be_decoded_is_a_validation_error_naming_it() {
    let db = fresh_db();
    setup_clinic(&db);
    let app = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let invalid = |field: &str| json!({ "kind": "validation", "field": field, "key": "invalid_value" });
    assert_eq!(app.invoke("get_patient", json!({ "id": 12 })).unwrap_err(), invalid("id"));
    assert_eq!(app.invoke("get_patient", json!({})).unwrap_err(), invalid("id"));
    let discount = json!({ "input": { "id": uuid::Uuid::now_v7(), "patientId": uuid::Uuid::now_v7(), "visitId": null,
        "lines": [{ "treatmentId": null, "productId": null, "quantity": 1, "discountCents": "1e3", "discountReason": "" }] } });
    assert_eq!(app.invoke("create_charge", discount).unwrap_err(), invalid("input"));
    assert_eq!(
        app.invoke("archive_patient", json!({ "id": uuid::Uuid::now_v7(), "archived": "sí" })).unwrap_err(),
        invalid("archived")
    );
}

#[test]
fn diagnostics_hold_the_recent_logs_the_versions_and_the_settings_and_no_secret_or_patient() {
    use std::io::Read;
    let db = fresh_db();
    tauri::async_runtime::block_on(async {
        let admin = first_admin(&db.pool).await;
        staff(&db.pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        patient(&db.pool, &admin, "Zacarías", "Únicopie", "5511112222").await;
    });
    let app = MockApp::new(state_on(db.pool.clone(), "ipc-desk"));
    let paths = app.state().paths.clone();
    let profile = json!({ "deskName": "Recepción Norte", "connection": { "kind": "server", "host": "servidor.clinica.lan",
        "port": 5432, "database": "clinic", "user": "podoclinic_desk", "sslMode": "verify-full", "sslRootCert": "/etc/clinica/ca.pem" } });
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    std::fs::write(paths.config_dir.join("desk.json"), profile.to_string()).unwrap();
    std::fs::create_dir_all(&paths.log_dir).unwrap();
    std::fs::write(paths.log_dir.join("podoclinic.log.today"), "INFO starting\n").unwrap();
    let old = paths.log_dir.join("podoclinic.log.old");
    std::fs::write(&old, "INFO long ago\n").unwrap();
    let ten_days = std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86_400);
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(ten_days).unwrap();

    // While the desk is connected, only whoever may see its settings exports them.
    assert_eq!(app.invoke("export_diagnostics", json!({})).unwrap_err(), json!({ "kind": "unauthorized" }));
    app.invoke("login", json!({ "input": { "username": "recepcion1", "password": STAFF_PASSWORD } })).unwrap();
    assert_eq!(app.invoke("export_diagnostics", json!({})).unwrap_err()["kind"], "forbidden");
    app.invoke("logout", json!({})).unwrap();
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let saved = app.invoke("export_diagnostics", json!({})).unwrap();

    let mut zip = zip::ZipArchive::new(std::fs::File::open(saved["path"].as_str().unwrap()).unwrap()).unwrap();
    let mut entries = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        entries.insert(entry.name().unwrap().to_string(), text);
    }
    assert_eq!(entries.keys().collect::<Vec<_>>(), ["logs/podoclinic.log.today", "settings.json", "versions.json"]);
    let versions: serde_json::Value = serde_json::from_str(&entries["versions.json"]).unwrap();
    let schema = podoclinic_clinic::db::app_schema_version();
    assert_eq!((versions["appSchema"].as_i64(), versions["databaseSchema"].as_i64()), (Some(schema), Some(schema)));
    assert!(versions["server"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(
        entries["settings.json"].contains("Recepción Norte")
            && entries["settings.json"].contains("servidor.clinica.lan")
    );
    for (name, text) in &entries {
        for secret in [ADMIN_PASSWORD, STAFF_PASSWORD, "Zacarías", "Únicopie", "5511112222"] {
            assert!(!text.contains(secret), "{name} holds {secret:?}");
        }
    }
}

#[test]
fn backups_are_an_admins_and_every_refusal_is_audited_but_the_dashboard_sees_their_health() {
    let db = fresh_db();
    setup_clinic(&db);
    let reception = signed_in_app(&db, "recepcion1", STAFF_PASSWORD);
    for (cmd, args) in [
        ("get_backup_settings", json!({})),
        ("run_backup_now", json!({})),
        ("list_backups", json!({})),
        ("pick_file", json!({ "what": "backup", "title": "Elegir respaldo" })),
        ("pick_file", json!({ "what": "spreadsheet", "title": "Elegir hoja" })),
        (
            "restore_backup",
            json!({ "source": { "kind": "picked", "token": uuid::Uuid::now_v7() }, "passphrase": "una frase cualquiera", "login": null }),
        ),
        ("switch_to_restored", json!({ "database": "clinic_restaurada_20260101_000000", "login": null })),
        ("drop_kept_database", json!({ "name": "clinic_antes_20260101_000000", "login": null })),
        ("upgrade_postgres", json!({})),
    ] {
        let err = reception.invoke(cmd, args).unwrap_err();
        assert_eq!(err, json!({ "kind": "forbidden", "permission": "settings.manage" }), "{cmd}");
    }
    let refused: i64 = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'access.refused'").fetch_one(&db.pool),
    )
    .unwrap();
    assert!(refused >= 7, "each refusal is audited ({refused})");
    // Whoever sees the dashboard sees "último respaldo verificado": none yet, so red.
    let health = reception.invoke("get_backup_health", json!({})).unwrap();
    assert_eq!((health["configured"].as_bool(), health["stale"].as_bool()), (Some(false), Some(true)));

    // The admin sees the settings, with the server's major and whether pg_dump of it is here.
    let admin = signed_in_app(&db, "admin", ADMIN_PASSWORD);
    let settings = admin.invoke("get_backup_settings", json!({})).unwrap();
    assert_eq!(settings["hasKey"], false);
    assert!(settings["serverMajor"].as_u64().unwrap() >= 14);
    assert_eq!(settings["toolsReady"], true, "this machine has the server's pg_dump");
    // Not set up yet: a backup asked for is refused by what is missing, and nothing is recorded.
    let err = admin.invoke("run_backup_now", json!({})).unwrap_err();
    assert_eq!(err, json!({ "kind": "conflict", "key": "backup_not_configured", "field": null }));
}
