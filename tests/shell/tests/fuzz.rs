//! Hostile arguments through the real IPC path (issue 14, item 8; first part: the commands that
//! take text, numbers and ids from forms). Each command starts from a request the UI could send;
//! every leaf of it (and the whole argument) is then replaced, one at a time, by hostile values of
//! its own kind and of the wrong JSON type. Every answer must be a success, a typed `AppError` other
//! than `internal` (an argument that cannot be decoded is a validation error naming it);
//! afterwards the books still hold: stock equals its ledger, the closed corte
//! is unchanged, the audit chain verifies. `FUZZ_ROUNDS` repeats the run with fresh ids (default 1).

use podoclinic_shell_tests::{MockApp, fresh_db};
use podoclinic_tests::*;
use serde_json::{Value, json};
use uuid::Uuid;

/// What a string becomes: control characters, a flood, marks and direction overrides, SQL and HTML.
fn hostile_strings() -> Vec<Value> {
    [
        "\0".to_string(),
        "a\u{1b}[2Jb".into(),
        "x".repeat(100_000),
        "🦶e\u{301}\u{200f}\u{202e}ʇxǝʇ".into(),
        "'; DROP TABLE patients; --".into(),
        "<img src=x onerror=alert(1)>".into(),
        String::new(),
        "   ".into(),
        "0001-01-01".into(),
        "9999-12-31T23:59:59Z".into(),
    ]
    .into_iter()
    .map(Value::from)
    .collect()
}

/// What a number becomes: bounds of the integer types, negatives, zero, a fraction.
fn hostile_numbers() -> Vec<Value> {
    vec![
        json!(i64::MAX),
        json!(i64::MIN),
        json!(i64::from(i32::MAX) + 1),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e300),
    ]
}

/// Values of the wrong JSON type for any leaf.
fn wrong_types() -> Vec<Value> {
    vec![Value::Null, json!(true), json!([]), json!({}), json!("texto"), json!(7)]
}

/// Every variant of `args` with one leaf (or the whole of one argument) replaced.
fn variants(args: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut paths = Vec::new();
    leaves(args, &mut Vec::new(), &mut paths);
    for path in paths {
        let original = at(args, &path).clone();
        let mut replacements = wrong_types();
        match original {
            Value::String(ref s) if Uuid::parse_str(s).is_ok() => replacements.push(json!(Uuid::now_v7())),
            Value::String(_) => replacements.extend(hostile_strings()),
            Value::Number(_) => replacements.extend(hostile_numbers()),
            _ => {}
        }
        for r in replacements {
            let mut v = args.clone();
            *at_mut(&mut v, &path) = r;
            out.push(v);
        }
    }
    out
}

fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(map) => {
            if !path.is_empty() {
                out.push(path.clone());
            }
            for (k, child) in map {
                path.push(k.clone());
                leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            out.push(path.clone());
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                leaves(child, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn at<'a>(v: &'a Value, path: &[String]) -> &'a Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &a[k.parse::<usize>().unwrap()],
        _ => &v[k.as_str()],
    })
}

fn at_mut<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        _ => &mut v[k.as_str()],
    })
}

/// Ids the requests point at.
#[derive(Default)]
struct Clinic {
    patient: Uuid,
    podiatrist: Uuid,
    treatment: Uuid,
    product: Uuid,
    supplier: Uuid,
    category: Uuid,
    appointment: Uuid,
    closed_session: Uuid,
    /// An arrived appointment (a visit may be opened on it).
    arrived: Uuid,
    /// A signed visit, its appointment, and a charge for it.
    visit: Uuid,
    visited: Uuid,
    charge: Uuid,
    /// A staff account.
    user: Uuid,
    /// An ARCO request's id (received, then answered, by the requests themselves).
    arco_request: Uuid,
    /// The nail-surgery consent template (admin's podiatrist signs with the patient).
    template: Uuid,
}

fn to(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap()
}

/// A template as Admin → Documentos sends it.
fn consent_template(id: Uuid) -> Value {
    json!({
        "id": id, "kind": "nail_surgery", "title": "Carta de consentimiento", "act": "Avulsión de uña",
        "risksBenefits": "Dolor, sangrado; alivio.", "contingencies": "Autorizo atender urgencias.",
        "body": "{{establecimiento}}\n{{titulo}}\n{{lugar_y_fecha}}\n{{acto}}\n{{riesgos_y_beneficios}}\n{{contingencias}}\n{{firmas}}",
        "witnesses": 0,
    })
}

/// A letter as the signing view sends it: a signature of a few strokes.
fn letter(id: Uuid, patient: Uuid, template: Uuid) -> Value {
    let stroke: Vec<Value> = (0..20).map(|i| json!({ "x": 10 + i * 5, "y": 40 + (i % 7) * 3, "t": i * 16 })).collect();
    json!({
        "id": id, "patientId": patient, "templateId": template, "detail": "", "signer": "patient",
        "representative": "", "relationship": "", "witnesses": [],
        "signature": { "width": 400, "height": 150, "strokes": [stroke] },
    })
}

/// One request per command, as the UI would send it (fresh client ids each call).
fn requests(c: &Clinic) -> Vec<(&'static str, Value)> {
    let patient = new_patient("Rosa", "Cruz", "5512345678");
    let mut existing = new_patient("Ana", "Pérez", "5598765432");
    existing.id = c.patient;
    let podiatrist = json!({ "id": Uuid::now_v7(), "name": "Dra. Fuzz", "license": "", "titleInstitution": "", "color": "#336699", "active": true, "userId": null });
    let supplier = json!({ "id": c.supplier, "name": "Distribuidora", "rfc": "", "contact": "", "phone": "", "email": "", "address": "", "notes": "", "active": true });
    let product = json!({ "id": c.product, "sku": "GASA", "name": "Gasa", "unit": "pieza", "costCents": 250, "priceCents": 500, "minStock": 1, "active": true });
    let treatment = json!({ "id": c.treatment, "name": "Curación", "durationMinutes": 30, "priceCents": 40000, "active": true, "consumables": [] });
    let mut book = booking(c.patient, c.podiatrist, future(3, 10, 0), 30);
    book.reason = "Revisión".into();
    vec![
        ("search_patients", json!({ "query": "rosa" })),
        ("get_patient", json!({ "id": c.patient })),
        ("create_patient", json!({ "patient": to(patient), "allowDuplicate": true })),
        ("update_patient", json!({ "patient": to(existing) })),
        ("archive_patient", json!({ "id": c.patient, "archived": false })),
        ("list_patient_appointments", json!({ "patientId": c.patient })),
        ("get_patient_account", json!({ "patientId": c.patient })),
        ("create_podiatrist", json!({ "podiatrist": podiatrist })),
        (
            "update_podiatrist",
            json!({ "podiatrist": { "id": c.podiatrist, "name": "Dra. Ana", "license": "", "color": "#aa3366", "active": true, "userId": null } }),
        ),
        ("get_schedule", json!({ "podiatristId": c.podiatrist })),
        (
            "create_supplier",
            json!({ "supplier": { "id": Uuid::now_v7(), "name": "Otra", "rfc": "", "contact": "", "phone": "", "email": "", "address": "", "notes": "", "active": true } }),
        ),
        ("update_supplier", json!({ "supplier": supplier })),
        ("get_supplier", json!({ "id": c.supplier })),
        (
            "create_product",
            json!({ "product": { "id": Uuid::now_v7(), "sku": "VENDA", "name": "Venda", "unit": "pieza", "costCents": 100, "priceCents": 200, "minStock": 0, "active": true } }),
        ),
        ("update_product", json!({ "product": product })),
        ("get_stock_card", json!({ "productId": c.product })),
        (
            "create_treatment",
            json!({ "treatment": { "id": Uuid::now_v7(), "name": "Masaje", "durationMinutes": 20, "priceCents": 30000, "active": true, "consumables": [] } }),
        ),
        ("update_treatment", json!({ "treatment": treatment })),
        ("book_appointment", json!({ "input": to(book) })),
        ("get_appointment", json!({ "id": c.appointment })),
        ("cancel_appointment", json!({ "id": c.appointment, "reason": "Se cambió de ciudad" })),
        ("list_agenda", json!({ "from": future(0, 0, 0), "to": future(7, 0, 0), "podiatristIds": [c.podiatrist] })),
        ("list_reminders", json!({ "day": "2030-01-07" })),
        ("mark_reminder", json!({ "id": c.appointment, "outcome": "no_answer" })),
        ("set_reminders_opt_out", json!({ "patientId": c.patient, "optOut": true })),
        ("get_patient_attendance", json!({ "patientId": c.patient })),
        ("save_expense_category", json!({ "category": { "id": c.category, "name": "Papelería", "active": true } })),
        ("list_expenses", json!({ "from": "2030-01-01", "to": "2030-01-31" })),
        ("get_dashboard", json!({ "from": "2030-01-01", "to": "2030-01-31", "bucket": "day" })),
        ("get_cash_report", json!({ "sessionId": c.closed_session })),
        ("list_audit_log", json!({ "limit": 50 })),
        (
            "update_clinic_profile",
            json!({ "profile": { "name": "Clínica", "address": "", "phone": "", "rfc": "", "timezone": "America/Mexico_City", "currency": "MXN", "idleLockMinutes": 15, "reminderTemplate": "Hola {nombre}", "offlineSignInDays": 7 } }),
        ),
        (
            "export_csv",
            json!({ "name": "ingresos", "header": ["Periodo", "Monto"], "rows": [["2030-01", "-1,234.50"]] }),
        ),
        (
            "create_role",
            json!({ "input": { "id": Uuid::now_v7(), "name": "Consulta", "permissions": ["patients.read"] } }),
        ),
        // The day's money, stock and clinical work.
        (
            "take_payment",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "chargeId": c.charge, "method": "cash", "amountCents": 100, "reference": "" } }),
        ),
        (
            "refund_payment",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "chargeId": c.charge, "method": "cash", "amountCents": 50, "reason": "Cobro de más" } }),
        ),
        (
            "create_charge",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "visitId": null, "lines": [{ "treatmentId": c.treatment, "productId": null, "quantity": 1, "discountCents": 0, "discountReason": "" }] } }),
        ),
        ("get_charge", json!({ "id": c.charge })),
        ("get_checkout", json!({ "appointmentId": c.visited })),
        (
            "add_cash_movement",
            json!({ "input": { "id": Uuid::now_v7(), "kind": "deposit", "method": "cash", "amountCents": 1000, "reason": "Cambio" } }),
        ),
        (
            "record_expense",
            json!({ "input": { "id": Uuid::now_v7(), "categoryId": c.category, "amountCents": 1000, "spentOn": "2030-01-07", "method": "card", "supplierId": null, "note": "" } }),
        ),
        (
            "record_stock_movement",
            json!({ "input": { "id": Uuid::now_v7(), "productId": c.product, "kind": "loss", "quantity": -1, "reason": "Se rompió", "supplierId": null } }),
        ),
        (
            "receive_purchase",
            json!({ "input": { "id": Uuid::now_v7(), "supplierId": c.supplier, "invoiceRef": "F-1", "receivedOn": "2030-01-07", "lines": [{ "productId": c.product, "quantity": 5, "unitCostCents": 250 }] } }),
        ),
        ("create_cash_register", json!({ "register": { "id": Uuid::now_v7(), "name": "Caja 2", "active": true } })),
        ("list_cash_sessions", json!({ "registerId": DEFAULT_REGISTER })),
        (
            "add_schedule_exception",
            json!({ "input": { "id": Uuid::now_v7(), "podiatristId": c.podiatrist, "kind": "course", "fromDate": "2030-02-01", "toDate": "2030-02-02", "startMinute": null, "endMinute": null, "note": "Congreso" } }),
        ),
        (
            "set_weekly_schedule",
            json!({ "podiatristId": c.podiatrist, "blocks": [{ "weekday": 1, "startMinute": 540, "endMinute": 840 }] }),
        ),
        (
            "find_slots",
            json!({ "query": { "podiatristId": c.podiatrist, "durationMinutes": 30, "from": future(0, 0, 0), "to": future(7, 0, 0), "limit": 5 } }),
        ),
        (
            "reschedule_appointment",
            json!({ "input": { "id": c.appointment, "podiatristId": c.podiatrist, "startsAt": future(2, 11, 0), "endsAt": future(2, 11, 30), "overrideSchedule": true } }),
        ),
        ("set_appointment_status", json!({ "id": c.arrived, "status": "arrived" })),
        ("open_visit", json!({ "appointmentId": c.arrived })),
        (
            "save_visit",
            json!({ "input": { "id": c.visit, "findings": {}, "riskCategory": 0, "notes": "Revisión", "procedures": [] } }),
        ),
        ("sign_visit", json!({ "id": c.visit, "overrideStock": false })),
        ("add_visit_addendum", json!({ "visitId": c.visit, "id": Uuid::now_v7(), "text": "Revisión de seguimiento" })),
        ("list_patient_visits", json!({ "patientId": c.patient })),
        ("search_cie10", json!({ "query": "uña" })),
        ("export_clinical_document", json!({ "kind": "note", "id": c.visit, "lang": "es" })),
        ("export_patient_data", json!({ "patientId": c.patient, "format": "json", "lang": "es" })),
        ("export_patient_data", json!({ "patientId": c.patient, "format": "pdf", "lang": "en" })),
        ("get_privacy_notice", json!({})),
        (
            "publish_privacy_notice",
            json!({ "input": { "id": Uuid::now_v7(), "simplified": "Sus datos se usan para atenderle.", "integral": "Aviso integral." } }),
        ),
        ("get_privacy_consent", json!({ "patientId": c.patient })),
        (
            "record_privacy_consent",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "noticeVersion": 1, "healthData": true, "signature": { "width": 400.0, "height": 150.0, "strokes": [[{ "x": 10.0, "y": 10.0, "t": 0 }, { "x": 20.0, "y": 12.0, "t": 16 }, { "x": 30.0, "y": 14.0, "t": 32 }, { "x": 40.0, "y": 16.0, "t": 48 }, { "x": 50.0, "y": 18.0, "t": 64 }, { "x": 60.0, "y": 20.0, "t": 80 }, { "x": 70.0, "y": 22.0, "t": 96 }, { "x": 80.0, "y": 24.0, "t": 112 }]] }, "purposes": { "teachingPhotos": false, "promotions": false, "reminders": true } } }),
        ),
        (
            "set_privacy_purposes",
            json!({ "patientId": c.patient, "purposes": { "teachingPhotos": false, "promotions": true, "reminders": true } }),
        ),
        ("list_arco_requests", json!({})),
        (
            "receive_arco_request",
            json!({ "input": { "id": c.arco_request, "patientId": c.patient, "kind": "access", "requester": "La paciente", "details": "", "receivedOn": "2026-12-01" } }),
        ),
        (
            "answer_arco_request",
            json!({ "input": { "requestId": c.arco_request, "outcome": "granted", "answer": "" } }),
        ),
        ("export_blocked_record", json!({ "requestId": c.arco_request })),
        ("purge_patient_record", json!({ "requestId": c.arco_request, "password": ADMIN_PASSWORD })),
        ("list_consent_templates", json!({})),
        ("list_consent_letters", json!({ "patientId": c.patient })),
        (
            "sign_consent_letter",
            json!({ "input": letter(Uuid::now_v7(), c.patient, c.template), "password": ADMIN_PASSWORD, "lang": "es" }),
        ),
        (
            "attach_consent_scan",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "templateId": c.template, "detail": "", "signer": "patient", "representative": "", "relationship": "", "witnesses": [], "signedOn": "2026-12-01", "file": Uuid::new_v4() } }),
        ),
        ("revoke_consent_letter", json!({ "input": { "letterId": Uuid::now_v7(), "reason": "La paciente lo pide" } })),
        ("export_consent_letter", json!({ "letterId": Uuid::now_v7() })),
        (
            "export_blank_consent",
            json!({ "patientId": c.patient, "templateId": c.template, "signer": "representative", "lang": "en" }),
        ),
        // Last of the consents: a new version supersedes the template the requests above sign on.
        ("publish_consent_template", json!({ "input": consent_template(Uuid::now_v7()) })),
        ("get_patient_history", json!({ "patientId": c.patient })),
        (
            "record_patient_history",
            json!({ "input": { "id": Uuid::now_v7(), "patientId": c.patient, "content": { "family": "Madre con diabetes", "tobacco": "never" } } }),
        ),
        (
            "refer_patient",
            json!({ "input": { "id": Uuid::now_v7(), "visitId": c.visit, "receiving": "Hospital General", "reason": "Valoración vascular", "impression": "Úlcera", "treatment": "" } }),
        ),
        ("export_receipt", json!({ "chargeId": c.charge, "lang": "es" })),
        ("export_cash_report", json!({ "sessionId": c.closed_session, "lang": "es" })),
        ("open_document", json!({ "name": "recibo-000001.pdf" })),
        (
            "create_user",
            json!({ "input": { "id": Uuid::now_v7(), "username": "recepcion9", "displayName": "Recepción", "password": "una clave larga 123", "roleId": RECEPTION_ROLE } }),
        ),
        (
            "update_user",
            json!({ "input": { "id": c.user, "displayName": "Recepción Uno", "roleId": RECEPTION_ROLE, "active": true } }),
        ),
        ("reset_user_password", json!({ "userId": c.user, "password": "otra clave larga 456" })),
        ("unlock_user", json!({ "userId": c.user })),
        (
            "update_role",
            json!({ "input": { "id": RECEPTION_ROLE, "name": "Recepción", "permissions": ["patients.read", "patients.write"] } }),
        ),
        ("update_cash_register", json!({ "register": { "id": DEFAULT_REGISTER, "name": "Caja 1", "active": true } })),
        (
            "book_series",
            json!({ "input": { "first": to(booking(c.patient, c.podiatrist, future(8, 9, 0), 30)), "everyWeeks": 1, "count": 3 } }),
        ),
        ("pay_purchase", json!({ "purchaseId": Uuid::now_v7(), "expenseId": Uuid::now_v7(), "method": "transfer" })),
        ("close_cash_session", json!({ "input": to(close_input(c.closed_session, 10_000, 0, 0)) })),
        // Sign-in and the session (the fuzz signs back in after those that end or lock it).
        ("needs_first_admin", json!({})),
        (
            "create_first_admin",
            json!({ "input": { "id": Uuid::now_v7(), "username": "otra", "displayName": "Otra", "password": "una clave larga 123" } }),
        ),
        ("current_session", json!({})),
        ("keep_alive", json!({})),
        ("change_own_password", json!({ "current": "no es la mía", "newPassword": "una clave larga 123" })),
        ("login", json!({ "input": { "username": "nadie", "password": "tampoco" } })),
        ("unlock_session", json!({ "password": "no es la mía" })),
        ("confirm_password", json!({ "password": "no es la mía" })),
        ("lock_session", json!({})),
        ("logout", json!({})),
        // What the desk kept while its server was away (its store is open, its outbox empty).
        ("get_desk_store", json!({})),
        ("save_draft", json!({ "form": "visit", "subject": c.visit, "body": { "notes": "Revisión" } })),
        ("get_draft", json!({ "form": "visit", "subject": c.visit })),
        ("clear_draft", json!({ "form": "visit", "subject": c.visit })),
        ("list_outbox", json!({})),
        (
            "retry_outbox",
            json!({ "id": Uuid::now_v7(), "write": { "kind": "book", "input": to(booking(c.patient, c.podiatrist, future(9, 9, 0), 30)) } }),
        ),
        ("discard_outbox", json!({ "id": Uuid::now_v7(), "reason": "Ya no aplica" })),
        // The desk and its connection (the embedded profile; nothing here reaches a server).
        ("get_db_status", json!({})),
        ("get_desk_config", json!({})),
        ("provide_db_password", json!({ "password": "x" })),
        ("upgrade_database", json!({ "owner": "podoclinic", "password": "x" })),
        (
            "test_connection",
            json!({ "server": { "host": "127.0.0.1", "port": 1, "database": "clinic", "user": "desk", "sslMode": "disable", "sslRootCert": null }, "password": "x" }),
        ),
        (
            "save_desk_config",
            json!({ "config": { "deskName": "Recepción fuzz", "connection": { "kind": "local" } }, "password": null, "currentPassword": null }),
        ),
        // Lists and reads without arguments.
        ("list_users", json!({})),
        ("list_roles", json!({})),
        ("get_clinic_profile", json!({})),
        ("verify_audit_log", json!({})),
        ("list_podiatrists", json!({})),
        ("list_today", json!({})),
        ("list_treatments", json!({})),
        ("list_products", json!({})),
        ("get_desk_cash", json!({})),
        ("list_cash_registers", json!({})),
        ("list_expense_categories", json!({})),
        ("list_suppliers", json!({})),
        ("get_stock", json!({})),
        ("open_admin_window", json!({})),
        ("export_diagnostics", json!({})),
        ("get_postgres_upgrade", json!({})),
        // Imports: a file nobody picked, and a mapping of the wrong shape, are refused by name.
        ("preview_import", json!({ "file": Uuid::now_v7() })),
        (
            "dry_run_import",
            json!({ "file": Uuid::now_v7(), "mapping": { "kind": "patients", "columns": ["fullName", null] } }),
        ),
        (
            "dry_run_import",
            json!({ "file": Uuid::now_v7(), "mapping": { "kind": "appointments", "columns": ["date", "podiatrist", "patientKey"] } }),
        ),
        (
            "run_import",
            json!({ "file": Uuid::now_v7(), "mapping": { "kind": "patients", "columns": ["fullName", "phone"] } }),
        ),
        (
            "run_import",
            json!({ "file": Uuid::now_v7(), "mapping": { "kind": "appointments", "columns": ["date", "podiatrist", "patientKey"] } }),
        ),
        ("cancel_import", json!({})),
        ("upgrade_postgres", json!({})),
        // Backups: not set up here (no key), so nothing reaches pg_dump; the arguments still must
        // be refused by name.
        (
            "save_backup_settings",
            json!({ "settings": { "runnerDesk": "Recepción", "folder": "/tmp/respaldos", "dailyAt": "21:00", "enabled": true, "passphrase": null, "passphraseAgain": null } }),
        ),
        ("get_backup_settings", json!({})),
        ("list_backups", json!({})),
        ("get_backup_health", json!({})),
        ("run_backup_now", json!({})),
        ("prove_backup_key", json!({ "passphrase": "frase de prueba larga" })),
        (
            "restore_backup",
            json!({ "source": { "kind": "picked", "token": Uuid::now_v7() }, "passphrase": "frase de prueba larga", "login": { "user": "clinic", "password": "x" } }),
        ),
        (
            "restore_backup",
            json!({ "source": { "kind": "listed", "id": Uuid::now_v7() }, "passphrase": "frase de prueba larga", "login": null }),
        ),
        ("switch_to_restored", json!({ "database": "clinic_restaurada_20260101_000000", "login": null })),
        ("discard_restored", json!({ "database": "clinic_restaurada_20260101_000000", "login": null })),
        ("list_kept_databases", json!({ "login": null })),
        ("drop_kept_database", json!({ "name": "clinic_antes_20260101_000000", "login": null })),
        ("save_backup_login", json!({ "user": "respaldo", "password": "x" })),
        ("list_permissions", json!({})),
        ("remove_schedule_exception", json!({ "id": Uuid::now_v7() })),
        (
            "open_cash_session",
            json!({ "input": { "id": Uuid::now_v7(), "registerId": DEFAULT_REGISTER, "openingFloatCents": 50_000 } }),
        ),
    ]
}

/// Commands the fuzz does not send, and why. Every other command must have a request above: a
/// command added without one fails `every_command_is_fuzzed`.
const NOT_FUZZED: &[(&str, &str)] = &[
    ("restart_app", "restarts the process under test"),
    // Refused without settings.manage like every admin command (tests/shell/tests/ipc.rs); with
    // it, it opens the system's file dialog, which needs a person.
    ("pick_file", "opens the system's file dialog"),
    // Its link is built by `reminders::service::link`, tested with hostile phones and templates in
    // tests/tests/reminders.rs; the command only hands that link to the system's browser.
    ("open_reminder", "opens the system's browser"),
];

/// The commands the app registers (tauri-specta's builder, as the bindings see them).
fn registered_commands() -> Vec<String> {
    struct Names(std::cell::RefCell<Vec<String>>);
    impl tauri_specta::LanguageExt for &Names {
        type Error = std::io::Error;
        fn export(self, cfg: &tauri_specta::BuilderConfiguration, _: &std::path::Path) -> Result<(), Self::Error> {
            *self.0.borrow_mut() = cfg.commands.iter().map(|f| f.name().to_string()).collect();
            Ok(())
        }
    }
    let names = Names(Default::default());
    podoclinic::mock_specta_builder().export(&names, std::path::Path::new("unused")).unwrap();
    names.0.into_inner()
}

#[test]
fn hostile_arguments_get_typed_answers_and_leave_the_books_whole() {
    // A fault's cause is in the log under its id: shown with the test's output when it fails.
    let _ = tracing_subscriber::fmt().with_env_filter("error").with_test_writer().try_init();
    let db = fresh_db();
    let pool = db.pool.clone();
    let clinic = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let podiatrist = podiatrist(&pool, &admin, "Dra. Ana", Some(admin.id)).await;
        let patient = patient(&pool, &admin, "Ana", "Pérez", "5598765432").await;
        let treatment = treatment(&pool, &admin, "Curación", 40_000).await;
        let product = product(&ctx, "GASA", 250, 1).await;
        let supplier = supplier(&pool).await;
        let category: Uuid =
            sqlx::query_scalar("SELECT id FROM expense_categories LIMIT 1").fetch_one(&pool).await.unwrap();
        let appointment =
            podoclinic_clinic::appointments::service::book(&ctx, booking(patient, podiatrist, future(1, 9, 0), 30))
                .await
                .unwrap()
                .id;
        let session = open_drawer(&ctx, 10_000).await;
        podoclinic_clinic::cash::service::close(&ctx, close_input(session, 10_000, 0, 0)).await.unwrap();
        let arrived = arrived(&ctx, patient, podiatrist, 4).await;
        let visited = arrived_at(&ctx, patient, podiatrist, 5).await;
        let visit = podoclinic_clinic::visits::service::open(&ctx, visited).await.unwrap().id;
        let charge = podoclinic_clinic::billing::service::create_charge(
            &ctx,
            podoclinic_clinic::billing::model::ChargeInput {
                id: Uuid::now_v7(),
                patient_id: patient,
                visit_id: None,
                lines: vec![line(treatment, 1, 0)],
            },
        )
        .await
        .unwrap()
        .id;
        let user = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await.id;
        let template: podoclinic_clinic::consents::model::TemplateInput =
            serde_json::from_value(consent_template(Uuid::now_v7())).unwrap();
        let template = podoclinic_clinic::consents::service::publish_template(&ctx, template).await.unwrap().id;
        Clinic {
            patient,
            podiatrist,
            treatment,
            product,
            supplier,
            category,
            appointment,
            closed_session: session,
            arrived,
            visit,
            visited,
            charge,
            user,
            arco_request: Uuid::now_v7(),
            template,
        }
    });
    let closed_before = closed_session(&pool, clinic.closed_session);
    let mut state = state_on(pool.clone(), "fuzz-desk");
    state.login_throttle = std::sync::Arc::new(quick_throttle());
    let store = temp_paths().data_dir.join("store");
    let offline =
        tauri::async_runtime::block_on(podoclinic_desk::store::DeskStore::open(&store, &store_key())).unwrap();
    let _ = state.store.set(std::sync::Arc::new(offline));
    let app = MockApp::new(state);
    sign_in(&app);
    let drawer =
        json!({ "input": { "id": Uuid::now_v7(), "registerId": DEFAULT_REGISTER, "openingFloatCents": 50_000 } });
    app.invoke("open_cash_session", drawer).expect("this desk's drawer");

    let rounds: usize = std::env::var("FUZZ_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    let (mut tried, mut commands, mut bad) = (0usize, std::collections::BTreeSet::new(), Vec::new());
    for _ in 0..rounds {
        for (command, args) in requests(&clinic) {
            commands.insert(command);
            for variant in std::iter::once(args.clone()).chain(variants(&args)) {
                tried += 1;
                let answer = app.invoke(command, variant.clone());
                if matches!(
                    command,
                    "lock_session" | "logout" | "login" | "unlock_session" | "confirm_password" | "change_own_password"
                ) {
                    sign_in(&app);
                }
                match answer {
                    Ok(_) => {}
                    Err(Value::Object(e)) if e.get("kind").is_some_and(|k| k != "internal") => {}
                    Err(other) => {
                        let shown: String = variant.to_string().chars().take(200).collect();
                        bad.push(format!("{command} {shown} -> {other}"));
                    }
                }
            }
        }
    }
    println!("fuzz: {} commands, {tried} requests", commands.len());
    assert!(bad.is_empty(), "{} untyped answers:\n{}", bad.len(), bad.join("\n"));

    // The books still hold.
    let drift: i64 = tauri::async_runtime::block_on(
        sqlx::query_scalar(
            "SELECT count(*) FROM products p
             WHERE stock_on_hand <> (SELECT coalesce(sum(quantity), 0) FROM stock_movements WHERE product_id = p.id)",
        )
        .fetch_one(&pool),
    )
    .unwrap();
    assert_eq!(drift, 0, "stock equals its ledger");
    let overlaps: i64 = tauri::async_runtime::block_on(
        sqlx::query_scalar(
            "SELECT count(*) FROM appointments a JOIN appointments b
               ON a.podiatrist_id = b.podiatrist_id AND a.id < b.id AND a.during && b.during
             WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')",
        )
        .fetch_one(&pool),
    )
    .unwrap();
    assert_eq!(overlaps, 0, "no podiatrist has two live appointments at once");
    assert_eq!(closed_session(&pool, clinic.closed_session), closed_before, "the closed corte is unchanged");
    let check = tauri::async_runtime::block_on(async {
        let admin = podoclinic_clinic::auth::repo::list_users(&pool).await.unwrap().remove(0);
        podoclinic_clinic::audit::service::verify(&ctx_of(&pool, &admin).await).await.unwrap()
    });
    assert_eq!(check.first_break, None, "the audit chain verifies");
}

/// Signs the admin (back) in on the fuzz's desk.
fn sign_in(app: &MockApp) {
    let _ = app.invoke("logout", json!({}));
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).expect("login");
}

#[test]
fn every_command_is_fuzzed() {
    let clinic = Clinic::default();
    let fuzzed: std::collections::BTreeSet<&str> =
        requests(&clinic).iter().map(|(c, _)| *c).chain(NOT_FUZZED.iter().map(|(c, _)| *c)).collect();
    let missing: Vec<String> = registered_commands().into_iter().filter(|c| !fuzzed.contains(c.as_str())).collect();
    assert!(missing.is_empty(), "commands without a fuzz request: {missing:?}");
}

/// An arrived appointment on another hour than `arrived` books (two on one day would clash).
async fn arrived_at(ctx: &podoclinic_clinic::auth::Ctx, patient: Uuid, podiatrist: Uuid, days: i64) -> Uuid {
    use podoclinic_clinic::appointments::{model::Status, service};
    let a = service::book(ctx, booking(patient, podiatrist, future(days, 12, 0), 30)).await.expect("booking");
    service::set_status(ctx, a.id, Status::Arrived).await.expect("arrived");
    a.id
}

fn closed_session(pool: &sqlx::PgPool, id: Uuid) -> String {
    tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT row_to_json(s)::text FROM cash_sessions s WHERE id = $1").bind(id).fetch_one(pool),
    )
    .unwrap()
}
