//! The desk without its server, through the real command path: what it shows comes from its own
//! copy and is what the server showed.

use std::sync::Arc;

use chrono::{Duration, Utc};
use podoclinic_desk::db::health::DbStatus;
use podoclinic_desk::store::{DeskStore, sync};
use podoclinic_shell_tests::{MockApp, fresh_db};
use podoclinic_tests::*;
use serde_json::{Value, json};

/// The desk `test-desk` on `pool` with its own store in `dir`, refreshed from the server first
/// when `refresh` (as after a connect), its login throttle quick.
fn desk(pool: &sqlx::PgPool, dir: &std::path::Path, refresh: bool) -> MockApp {
    let mut state = state_on(pool.clone(), "test-desk");
    state.login_throttle = Arc::new(quick_throttle());
    let offline = tauri::async_runtime::block_on(async {
        let offline = DeskStore::open(dir, &store_key()).await.unwrap();
        if refresh {
            sync::refresh(pool, &offline, "test-desk").await.unwrap();
        }
        offline
    });
    let _ = state.store.set(Arc::new(offline));
    MockApp::new(state)
}

#[test]
fn without_the_server_the_desk_shows_what_it_kept_as_the_server_showed_it() {
    let db = fresh_db();
    let pool = db.pool.clone();
    let (pod, ana, soon, later) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "Quiñones", "5512345678").await;
        treatment(&pool, &admin, "Quiropodia", 45_000).await;
        open_drawer(&ctx, 50_000).await;
        let now = Utc::now() + Duration::hours(1);
        let base = now - Duration::seconds(now.timestamp() % 60);
        let book = |days: i64| {
            let start = base + Duration::days(days);
            podoclinic_clinic::appointments::service::book(&ctx, booking(ana, pod, start, 30))
        };
        let soon = book(0).await.unwrap();
        let later = book(10).await.unwrap();
        (pod, ana, soon, later)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();

    let week =
        json!({ "from": Utc::now() - Duration::hours(2), "to": Utc::now() + Duration::days(7), "podiatristIds": null });
    let asks: Vec<(&str, Value)> = vec![
        ("list_agenda", week.clone()),
        ("list_agenda", json!({ "from": week["from"], "to": week["to"], "podiatristIds": [pod] })),
        ("list_today", json!({})),
        ("get_appointment", json!({ "id": soon.id })),
        ("list_podiatrists", json!({})),
        ("get_schedule", json!({ "podiatristId": pod })),
        ("list_treatments", json!({})),
        ("list_products", json!({})),
        ("get_desk_cash", json!({})),
        ("search_patients", json!({ "query": "quinones" })),
    ];
    let online: Vec<Value> = asks.iter().map(|(cmd, args)| app.invoke(cmd, args.clone()).unwrap()).collect();
    assert_eq!(online[0]["rows"].as_array().unwrap().len(), 1, "the week holds the booking of today");
    assert_eq!(online[9][0]["id"], json!(ana));

    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    for ((cmd, args), online) in asks.iter().zip(&online) {
        assert_eq!(&app.invoke(cmd, args.clone()).unwrap(), online, "{cmd} answers as the server did");
    }
    // What the desk never kept is not made up: an appointment beyond the week, a patient's record.
    assert_eq!(
        app.invoke("get_appointment", json!({ "id": later.id })).unwrap_err(),
        json!({ "kind": "notFound", "entity": "appointment" })
    );
    assert_eq!(app.invoke("get_patient", json!({ "id": ana })).unwrap_err(), json!({ "kind": "offline" }));
    // The session's grants still decide: signed out, nothing is shown.
    app.invoke("logout", json!({})).unwrap();
    assert_eq!(app.invoke("list_agenda", week).unwrap_err(), json!({ "kind": "unauthorized" }));
}

/// Runs `sql` on the desk's store as someone at the desk's OS account could (its keyring holds
/// the store's key), and answers what it found as the sqlite3 tool prints it.
fn sqlite(store: &std::path::Path, sql: &str) -> String {
    tauri::async_runtime::block_on(store_sql(store, &store_key(), sql))
}

/// The server's count of rows matching `sql` (one bound id, or none).
fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
    tauri::async_runtime::block_on(sqlx::query_scalar::<_, i64>(sql).fetch_one(pool)).unwrap()
}

#[test]
fn writes_kept_without_the_server_land_once_and_a_slot_taken_meanwhile_waits_in_the_tray() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    // Tomorrow's midnight (UTC), read once: a test that runs across midnight keeps its hours.
    let day = Utc::now() + Duration::days(1);
    let day = day - Duration::seconds(day.timestamp() % 86_400);
    let at = |hour: i64| day + Duration::hours(hour);
    let (pod, ana, other_desk, arrived_id) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "5512345678").await;
        open_drawer(&ctx, 50_000).await;
        let booked = podoclinic_clinic::appointments::service::book(&ctx, booking(ana, pod, at(8), 30)).await.unwrap();
        (pod, ana, ctx, booked.id)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    app.state().health.set(DbStatus::Offline { since: Utc::now() });

    // Offline: two bookings, a new patient and their booking, an arrival, a cash payment.
    let book = |id: uuid::Uuid, patient: Value, hour: i64| {
        app.invoke("book_appointment", json!({ "input": {
            "id": id, "patientId": patient, "podiatristId": pod, "startsAt": at(hour), "endsAt": at(hour) + Duration::minutes(30),
            "reason": "Revisión", "overrideSchedule": false } }))
    };
    let (ten, eleven, noon) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    book(ten, json!(ana), 10).unwrap();
    book(eleven, json!(ana), 11).unwrap();
    let clash = book(uuid::Uuid::now_v7(), json!(ana), 10).unwrap_err();
    assert_eq!(clash["kind"], "slotTaken", "the desk's copy already holds 10:00");
    let luis = uuid::Uuid::now_v7();
    let mut luis_record = serde_json::to_value(new_patient("Luis", "Nuevo", "5587654321")).unwrap();
    luis_record["id"] = json!(luis);
    let created = app.invoke("create_patient", json!({ "patient": luis_record, "allowDuplicate": false })).unwrap();
    assert_eq!(created["created"]["id"], json!(luis));
    assert_eq!(app.invoke("search_patients", json!({ "query": "luis nuevo" })).unwrap()[0]["id"], json!(luis));
    book(noon, json!(luis), 12).unwrap();
    app.invoke("set_appointment_status", json!({ "id": arrived_id, "status": "arrived" })).unwrap();
    let payment = uuid::Uuid::now_v7();
    app.invoke("take_payment", json!({ "input": {
        "id": payment, "patientId": ana, "chargeId": null, "method": "cash", "amountCents": 20_000, "reference": "" } }))
        .unwrap();
    let day = json!({ "from": at(0), "to": at(24), "podiatristIds": null });
    let rows = app.invoke("list_agenda", day.clone()).unwrap()["rows"].as_array().unwrap().clone();
    let pending: Vec<&Value> = rows.iter().filter(|r| r[7].as_u64().unwrap() & 4 != 0).collect();
    assert_eq!(pending.len(), 4, "three bookings and the arrival show as pending: {rows:?}");
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 6, "conflicts": 0 }));
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments"), 1, "nothing reached the server yet");

    // Meanwhile another desk books 11:00 for someone else.
    tauri::async_runtime::block_on(async {
        let marta =
            podoclinic_clinic::patients::service::create(&other_desk, new_patient("Marta", "Ruiz", ""), true).await;
        let marta = marta.unwrap().created.unwrap().id;
        podoclinic_clinic::appointments::service::book(&other_desk, booking(marta, pod, at(11), 30)).await.unwrap();
    });

    // The server is back: everything lands once, in order; 11:00 waits in the tray.
    app.state().health.set(DbStatus::Online);
    let landed = tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(landed, 5);
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    assert_eq!(tray.as_array().unwrap().len(), 1);
    assert_eq!(
        (tray[0]["write"]["kind"].as_str(), tray[0]["refusal"]["kind"].as_str()),
        (Some("book"), Some("slotTaken"))
    );
    assert_eq!(tray[0]["write"]["input"]["id"], json!(eleven));
    assert_eq!(count(&pool, "SELECT count(*) FROM patients WHERE first_name = 'Luis'"), 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM appointments WHERE status <> 'cancelled'"),
        4,
        "8:00, 10:00, 12:00 and the other desk's 11:00"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments WHERE status = 'arrived'"), 1);
    assert_eq!(count(&pool, "SELECT coalesce(sum(amount_cents), 0)::bigint FROM payments"), 20_000);
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 0, "conflicts": 1 }));

    // Sent again (a crash between sending and noting it): nothing lands twice.
    let again = tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(again, 0);

    // The person moves the refused booking to the next free slot; it lands.
    let mut write = tray[0]["write"].clone();
    write["input"]["startsAt"] = json!(at(13));
    write["input"]["endsAt"] = json!(at(13) + Duration::minutes(30));
    app.invoke("retry_outbox", json!({ "id": tray[0]["id"], "write": write })).unwrap();
    assert_eq!(tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(), 1);
    assert_eq!(app.invoke("list_outbox", json!({})).unwrap(), json!([]));
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments WHERE status <> 'cancelled'"), 5);
    let rows = app.invoke("list_agenda", day).unwrap()["rows"].as_array().unwrap().clone();
    assert!(rows.iter().all(|r| r[7].as_u64().unwrap() & 4 == 0), "nothing pending any more: {rows:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE action = 'appointment.book'"), 5);
}

#[test]
fn a_counter_sale_and_an_expense_made_offline_land_at_the_prices_shown_and_a_price_changed_meanwhile_waits() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let supplies = "00000000-0000-7000-8000-000000000101";
    let (ana, quiro, plantilla, other_desk) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let ana = patient(&pool, &admin, "Ana", "López", "5512345678").await;
        let quiro = treatment(&pool, &admin, "Quiropodia", 45_000).await;
        let plantilla = treatment(&pool, &admin, "Plantilla", 10_000).await;
        open_drawer(&ctx, 50_000).await;
        (ana, quiro, plantilla, ctx)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let categories = app.invoke("list_expense_categories", json!({})).unwrap();
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    assert_eq!(app.invoke("list_expense_categories", json!({})).unwrap(), categories, "kept as the server gave them");

    // A counter sale at the desk's copy of the catalog, paid in two parts; never more than owed.
    let line = |t: uuid::Uuid, q: i32| json!({ "treatmentId": t, "productId": null, "quantity": q, "discountCents": 0, "discountReason": "", "unitPriceCents": null });
    let sale = uuid::Uuid::now_v7();
    let charge = app
        .invoke(
            "create_charge",
            json!({ "input": { "id": sale, "patientId": ana, "visitId": null, "lines": [line(quiro, 1)] } }),
        )
        .unwrap();
    assert_eq!((charge["folio"].as_i64(), charge["totalCents"].as_i64()), (Some(0), Some(45_000)));
    assert_eq!(charge["lines"][0]["description"], "Quiropodia");
    let pay = |id: uuid::Uuid, charge: uuid::Uuid, method: &str, cents: i64| {
        app.invoke("take_payment", json!({ "input": {
            "id": id, "patientId": ana, "chargeId": charge, "method": method, "amountCents": cents, "reference": if method == "cash" { "" } else { "4321" } } }))
    };
    let first = uuid::Uuid::now_v7();
    pay(first, sale, "cash", 30_000).unwrap();
    pay(first, sale, "cash", 30_000).unwrap();
    assert_eq!(app.invoke("get_charge", json!({ "id": sale })).unwrap()["paidCents"], 30_000, "a retry is one payment");
    assert_eq!(
        pay(uuid::Uuid::now_v7(), sale, "card", 20_000).unwrap_err(),
        json!({ "kind": "validation", "field": "amountCents", "key": "exceeds_balance" })
    );
    pay(uuid::Uuid::now_v7(), sale, "card", 15_000).unwrap();
    assert_eq!(app.invoke("get_charge", json!({ "id": sale })).unwrap()["paidCents"], 45_000);
    // A second sale whose price another desk changes before this one is sent.
    let second = uuid::Uuid::now_v7();
    app.invoke(
        "create_charge",
        json!({ "input": { "id": second, "patientId": ana, "visitId": null, "lines": [line(plantilla, 2)] } }),
    )
    .unwrap();
    pay(uuid::Uuid::now_v7(), second, "cash", 20_000).unwrap();

    // Cash expenses come out of today's drawer; what cannot be checked here is refused as online.
    let spend = |id: uuid::Uuid, category: &str, on: chrono::NaiveDate, cents: i64| {
        app.invoke("record_expense", json!({ "input": {
            "id": id, "categoryId": category, "amountCents": cents, "spentOn": on, "method": "cash", "supplierId": null, "note": "Gasas" } }))
    };
    let local_today: chrono::NaiveDate = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT (now() AT TIME ZONE 'America/Mexico_City')::date").fetch_one(&pool),
    )
    .unwrap();
    let expense = uuid::Uuid::now_v7();
    let kept = spend(expense, supplies, local_today, 5_000).unwrap();
    assert_eq!((kept["categoryName"].as_str(), kept["amountCents"].as_i64()), (Some("Insumos"), Some(5_000)));
    assert_eq!(
        spend(uuid::Uuid::now_v7(), supplies, local_today - Duration::days(1), 5_000).unwrap_err(),
        json!({ "kind": "validation", "field": "spentOn", "key": "cash_is_today" })
    );
    assert_eq!(
        spend(uuid::Uuid::now_v7(), &uuid::Uuid::now_v7().to_string(), local_today, 5_000).unwrap_err(),
        json!({ "kind": "validation", "field": "categoryId", "key": "unknown_category" })
    );
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 6, "conflicts": 0 }));
    assert_eq!(count(&pool, "SELECT count(*) FROM charges"), 0, "nothing reached the server yet");

    tauri::async_runtime::block_on(async {
        let mut t = podoclinic_clinic::catalog::service::treatments(&other_desk).await.unwrap();
        let mut t = t.remove(t.iter().position(|t| t.id == plantilla).unwrap());
        t.price_cents = 12_000;
        podoclinic_clinic::catalog::service::update_treatment(&other_desk, t).await.unwrap();
    });

    // Back: the first sale, its payments and the expense land at what the desk showed; the sale
    // whose price changed, and its payment, wait in the tray.
    app.state().health.set(DbStatus::Online);
    assert_eq!(tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(), 4);
    let stored = app.invoke("get_charge", json!({ "id": sale })).unwrap();
    assert!(stored["folio"].as_i64().unwrap() > 0, "numbered on the server: {stored}");
    assert_eq!((stored["totalCents"].as_i64(), stored["paidCents"].as_i64()), (Some(45_000), Some(45_000)));
    assert_eq!(count(&pool, "SELECT count(*) FROM expenses WHERE session_id IS NOT NULL"), 1);
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    let refusals: Vec<(&str, &str)> = tray
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["write"]["kind"].as_str().unwrap(), k["refusal"]["key"].as_str().unwrap()))
        .collect();
    assert_eq!(refusals, [("charge", "price_changed"), ("payment", "unknown_charge")]);

    // Charged at today's price, then the payment sent again: the patient owes the difference.
    let mut write = tray[0]["write"].clone();
    write["input"]["lines"][0]["unitPriceCents"] = json!(null);
    app.invoke("retry_outbox", json!({ "id": tray[0]["id"], "write": write })).unwrap();
    app.invoke("retry_outbox", json!({ "id": tray[1]["id"], "write": tray[1]["write"] })).unwrap();
    assert_eq!(tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(), 2);
    let stored = app.invoke("get_charge", json!({ "id": second })).unwrap();
    assert_eq!((stored["totalCents"].as_i64(), stored["paidCents"].as_i64()), (Some(24_000), Some(20_000)));
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE action = 'charge.create'"), 2);
    assert_eq!(count(&pool, "SELECT coalesce(sum(amount_cents), 0)::bigint FROM payments"), 65_000);
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 0, "conflicts": 0 }));
}

#[test]
fn a_refused_write_given_up_is_audited_with_its_reason() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let start = Utc::now() + Duration::days(2);
    let start = start - Duration::seconds(start.timestamp() % 3_600);
    let (pod, ana, ctx) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "").await;
        (pod, ana, ctx)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let mine = booking(ana, pod, start, 30);
    app.invoke("book_appointment", json!({ "input": mine })).unwrap();
    assert_eq!(
        app.invoke("discard_outbox", json!({ "id": mine.id, "reason": "duplicada" })).unwrap_err(),
        json!({ "kind": "offline" })
    );
    tauri::async_runtime::block_on(podoclinic_clinic::appointments::service::book(&ctx, booking(ana, pod, start, 30)))
        .unwrap();
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    let err = app.invoke("discard_outbox", json!({ "id": mine.id, "reason": "  " })).unwrap_err();
    assert_eq!(err, json!({ "kind": "validation", "field": "reason", "key": "required" }));
    app.invoke("discard_outbox", json!({ "id": mine.id, "reason": "la paciente ya tenía cita" })).unwrap();
    assert_eq!(app.invoke("list_outbox", json!({})).unwrap(), json!([]));
    let audited: serde_json::Value = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'outbox.discard'").fetch_one(&pool),
    )
    .unwrap();
    assert_eq!(audited["reason"], "la paciente ya tenía cita");
    assert_eq!(audited["write"]["input"]["id"], json!(mine.id));
    assert_eq!(audited["refusal"].as_str().map(|r| r.contains("slotTaken")), Some(true));
}

#[test]
fn without_the_server_only_those_who_signed_in_here_may_sign_in_and_unlock() {
    let db = fresh_db();
    let pool = db.pool.clone();
    let (admin_ctx, clerk) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let clerk = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        staff(&pool, &admin, "recepcion2", RECEPTION_ROLE).await;
        (ctx_of(&pool, &admin).await, clerk)
    });
    let store = temp_paths().data_dir.join("store");
    let app = desk(&pool, &store, false);
    let login = |user: &str, password: &str| {
        app.invoke("login", json!({ "input": { "username": user, "password": password } }))
    };
    login("recepcion1", STAFF_PASSWORD).unwrap();
    app.invoke("logout", json!({})).unwrap();

    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let refused = json!({ "kind": "invalidCredentials" });
    assert_eq!(login("recepcion1", "no es la mía").unwrap_err(), refused);
    assert_eq!(login("recepcion2", STAFF_PASSWORD).unwrap_err(), refused, "never signed in at this desk");
    let info = login("RECEPCION1", STAFF_PASSWORD).unwrap();
    assert_eq!((&info["username"], &info["withoutServer"]), (&json!("recepcion1"), &json!(true)));
    assert!(info["permissions"].as_array().unwrap().contains(&json!("appointments.write")));
    app.invoke("lock_session", json!({})).unwrap();
    assert_eq!(app.invoke("unlock_session", json!({ "password": "no es la mía" })).unwrap_err(), refused);
    assert_eq!(app.invoke("unlock_session", json!({ "password": STAFF_PASSWORD })).unwrap()["locked"], false);
    assert_eq!(
        app.invoke("get_desk_store", json!({})).unwrap()["outbox"],
        json!({ "pending": 0, "conflicts": 0 }),
        "nothing for a person to send"
    );
    app.invoke("logout", json!({})).unwrap();

    // The server is back: the three failures reach its audit as the desk's reports; her sign-in and
    // unlock wait for her, signed out before the server heard her password (a restart would not
    // send them either).
    app.state().health.set(DbStatus::Online);
    let audited = "SELECT count(*) FROM audit_log WHERE action IN ('login.success', 'session.unlock')
                     AND user_id = (SELECT id FROM users WHERE username = 'recepcion1') AND after ->> 'withoutServer' = 'true'";
    let reported = "SELECT count(*) FROM audit_log WHERE action IN ('login.failure', 'session.unlock_failure')
                     AND user_id IS NULL AND after ->> 'reportedBy' = 'desk'";
    let sent = tauri::async_runtime::block_on(podoclinic_desk::store::outbox::replay(&app.state())).unwrap();
    assert_eq!((sent, count(&pool, audited), count(&pool, reported)), (3, 0, 3));

    // She signs in with the server: both are in its audit, as hers, once each, even sent again (a
    // crash before the desk noted them sent).
    login("recepcion1", STAFF_PASSWORD).unwrap();
    app.invoke("logout", json!({})).unwrap();
    sqlite(&store, "CREATE TABLE kept AS SELECT * FROM outbox");
    for round in 0..2 {
        let sent = tauri::async_runtime::block_on(podoclinic_desk::store::outbox::replay(&app.state())).unwrap();
        assert_eq!((sent, count(&pool, audited), count(&pool, reported)), (2, 2, 3), "round {round}");
        assert_eq!(sqlite(&store, "SELECT count(*) FROM outbox"), "0", "what landed leaves the desk's disk");
        sqlite(&store, "INSERT INTO outbox SELECT * FROM kept");
    }
    sqlite(&store, "DELETE FROM outbox");

    // Deactivated on the server while the desk is away from it: she still signs in here (the
    // desk cannot know), and she never will confirm that session. Once the server is back, her
    // sign-in is audited as a deactivated user's and shown in the tray to who manages users, not
    // left waiting for her; the next refresh forgets her.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    tauri::async_runtime::block_on(async {
        let update = podoclinic_clinic::auth::model::UserUpdateInput {
            id: clerk.id,
            display_name: clerk.display_name.clone(),
            role_id: RECEPTION_ROLE,
            active: false,
        };
        podoclinic_clinic::auth::service::update_user(&admin_ctx, update).await.unwrap();
    });
    assert_eq!(login("recepcion1", STAFF_PASSWORD).unwrap()["withoutServer"], true);
    app.invoke("logout", json!({})).unwrap();
    app.state().health.set(DbStatus::Online);
    let inactive = "SELECT count(*) FROM audit_log WHERE action = 'login.success'
                      AND user_id = (SELECT id FROM users WHERE username = 'recepcion1') AND after ->> 'inactive' = 'true'";
    assert_eq!(count(&pool, inactive), 0);
    tauri::async_runtime::block_on(podoclinic_desk::store::outbox::replay(&app.state())).unwrap();
    assert_eq!(count(&pool, inactive), 1, "audited as a deactivated user's sign-in");
    login("admin", ADMIN_PASSWORD).unwrap();
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    let tray = tray.as_array().unwrap();
    assert_eq!(tray.len(), 1, "{tray:?}");
    assert_eq!((&tray[0]["userId"], &tray[0]["refusal"]["key"]), (&json!(clerk.id), &json!("user_inactive")));
    app.invoke("logout", json!({})).unwrap();
    tauri::async_runtime::block_on(async {
        let offline = app.state().store.get().unwrap().clone();
        sync::refresh(&pool, &offline, "test-desk").await.unwrap();
    });
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    assert_eq!(login("recepcion1", STAFF_PASSWORD).unwrap_err(), refused);
}

#[test]
fn a_draft_comes_back_to_its_user_after_a_lock_a_sign_out_and_a_restart_and_to_no_one_else() {
    let db = fresh_db();
    let pool = db.pool.clone();
    tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    });
    let dir = temp_paths().data_dir.join("store");
    let app = desk(&pool, &dir, false);
    let login = |app: &MockApp, user: &str, password: &str| {
        app.invoke("login", json!({ "input": { "username": user, "password": password } })).unwrap();
    };
    login(&app, "admin", ADMIN_PASSWORD);
    let note = json!({ "notes": "Uña encarnada en el primer dedo; se retira espícula.", "riskCategory": 1 });
    let visit = uuid::Uuid::now_v7().to_string();
    app.invoke("save_draft", json!({ "form": "visit", "subject": visit, "body": note })).unwrap();
    let unknown = app.invoke("save_draft", json!({ "form": "recipes", "subject": "", "body": {} })).unwrap_err();
    assert_eq!(unknown, json!({ "kind": "validation", "field": "form", "key": "unknown_form" }));

    // Locked: nothing is shown until the same user unlocks; the server being away changes nothing.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    app.invoke("lock_session", json!({})).unwrap();
    let asked = json!({ "form": "visit", "subject": visit });
    assert_eq!(app.invoke("get_draft", asked.clone()).unwrap_err(), json!({ "kind": "sessionLocked" }));
    app.state().health.set(DbStatus::Online);
    app.invoke("unlock_session", json!({ "password": ADMIN_PASSWORD })).unwrap();
    assert_eq!(app.invoke("get_draft", asked.clone()).unwrap()["body"], note);

    // Another user at the same desk does not see it.
    app.invoke("logout", json!({})).unwrap();
    login(&app, "recepcion1", STAFF_PASSWORD);
    assert_eq!(app.invoke("get_draft", asked.clone()).unwrap(), json!(null));
    app.invoke("logout", json!({})).unwrap();

    // The app restarts (the store reopened from its file): the draft is still the admin's.
    let store = app.state().store.get().unwrap().clone();
    drop(app);
    tauri::async_runtime::block_on(store.store.close());
    let app = desk(&pool, &dir, false);
    login(&app, "admin", ADMIN_PASSWORD);
    assert_eq!(app.invoke("get_draft", asked.clone()).unwrap()["body"], note);
    app.invoke("clear_draft", asked.clone()).unwrap();
    assert_eq!(app.invoke("get_draft", asked).unwrap(), json!(null));
}

/// One booking request of `patient` with `pod`, `hours` from now (on the minute).
fn book_args(patient: uuid::Uuid, pod: uuid::Uuid, hours: i64) -> (uuid::Uuid, Value) {
    let start = (Utc::now() + Duration::hours(hours)).timestamp();
    let start = chrono::DateTime::from_timestamp(start - start % 3_600, 0).unwrap();
    let input = booking(patient, pod, start, 30);
    (input.id, json!({ "input": input }))
}

fn refusal_keys(app: &MockApp) -> Vec<String> {
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    let keys = tray.as_array().unwrap().iter().map(|k| k["refusal"]["key"].as_str().unwrap_or("").to_string());
    keys.collect()
}

#[test]
fn a_sign_in_forged_into_the_desks_file_or_a_row_written_there_by_hand_speaks_for_nobody() {
    use podoclinic_desk::store::outbox;
    use podoclinic_desk::store::proof::OutboxKey;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (admin, pod, ana) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "").await;
        (admin, pod, ana)
    });
    let store = temp_paths().data_dir.join("store");
    let app = desk(&pool, &store, true);
    let login = |user: &str, password: &str| {
        app.invoke("login", json!({ "input": { "username": user, "password": password } }))
    };
    login("recepcion1", STAFF_PASSWORD).unwrap();
    app.invoke("logout", json!({})).unwrap();
    login("admin", ADMIN_PASSWORD).unwrap();
    app.invoke("logout", json!({})).unwrap();
    let refused = json!({ "kind": "invalidCredentials" });

    // The clerk's seal copied into the admin's row opens for nobody: it is bound to its user.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    sqlite(
        &store,
        "UPDATE sign_ins SET salt = (SELECT salt FROM sign_ins WHERE username = 'recepcion1'),
                             sealed_key = (SELECT sealed_key FROM sign_ins WHERE username = 'recepcion1'),
                             generation = (SELECT generation FROM sign_ins WHERE username = 'recepcion1')
         WHERE username = 'admin'",
    );
    assert_eq!(login("admin", STAFF_PASSWORD).unwrap_err(), refused);

    // A seal made from scratch for the admin, with a password of the intruder's and a key of their
    // own, lets them in at this desk without the server, limited, and no further.
    let forged = "la del intruso 1";
    tauri::async_runtime::block_on(async {
        let key = OutboxKey::from_server(admin.id, 1, &[42u8; 32]).unwrap();
        let sealed = key.seal(forged).await.unwrap();
        let offline = app.state().store.get().unwrap().clone();
        let mut row = podoclinic_store::sign_ins::find(&offline.store, "admin").await.unwrap().unwrap();
        (row.salt, row.sealed_key, row.generation) = (sealed.salt, sealed.sealed, 1);
        podoclinic_store::sign_ins::remember(&offline.store, &row).await.unwrap();
    });
    assert_eq!(login("admin", forged).unwrap()["withoutServer"], true);
    let (booked, args) = book_args(ana, pod, 30);
    app.invoke("book_appointment", args).unwrap();

    // The server is back: nothing is done or sent in the admin's name until the server has heard
    // the admin's password, which the intruder does not have.
    app.state().health.set(DbStatus::Online);
    assert_eq!(app.invoke("list_podiatrists", json!({})).unwrap_err(), json!({ "kind": "confirmPassword" }));
    assert_eq!(app.invoke("current_session", json!({})).unwrap()["withoutServer"], true);
    assert_eq!(
        tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(),
        0,
        "the limited session's writes wait"
    );
    assert_eq!(app.invoke("confirm_password", json!({ "password": forged })).unwrap_err(), refused);
    let failures = "SELECT count(*) FROM audit_log WHERE action = 'login.failure' AND user_id = (SELECT id FROM users WHERE username = 'admin')";
    assert_eq!(count(&pool, failures), 1, "the server counted the failed confirmation");
    app.invoke("logout", json!({})).unwrap();

    // Rows written into the outbox by hand: with no proof, or a made-up one.
    let (by_hand, by_hand_args) = book_args(ana, pod, 32);
    let (made_up, made_up_args) = book_args(ana, pod, 34);
    tauri::async_runtime::block_on(async {
        let offline = app.state().store.get().unwrap().clone();
        for (id, args, proof) in [
            (by_hand, &by_hand_args, None),
            (made_up, &made_up_args, Some(podoclinic_store::outbox::Proof { generation: 1, mac: vec![1; 32] })),
        ] {
            let payload = json!({ "kind": "book", "input": args["input"] }).to_string();
            let new = podoclinic_store::outbox::New {
                id,
                user_id: admin.id,
                kind: "book",
                payload: &payload,
                at: Utc::now(),
                proof: proof.as_ref(),
                confirmed: true,
            };
            podoclinic_store::outbox::push(&offline.store, new).await.unwrap();
        }
    });
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    // The admin's own sign-in with the server confirms what was kept in "their" session: sent, and
    // refused, as the rows written by hand were.
    login("admin", ADMIN_PASSWORD).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    let ids = [booked, by_hand, made_up];
    let on_server = tauri::async_runtime::block_on(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM appointments WHERE id = ANY($1)")
            .bind(&ids[..])
            .fetch_one(&pool),
    )
    .unwrap();
    assert_eq!(on_server, 0, "nothing forged reached the server");
    assert_eq!(refusal_keys(&app), ["not_authentic"; 4], "the sign-in and the three bookings, in the tray");
    let signed_in =
        "SELECT count(*) FROM audit_log WHERE action = 'login.success' AND after ->> 'withoutServer' = 'true'";
    assert_eq!(count(&pool, signed_in), 0, "the forged sign-in is not in the audit as the admin's");
}

#[test]
fn an_offline_sign_in_follows_what_the_server_says_of_its_user() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (admin_ctx, clerk, pod, ana) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let clerk = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        for name in ["recepcion2", "recepcion3"] {
            staff(&pool, &admin, name, RECEPTION_ROLE).await;
        }
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "").await;
        (ctx_of(&pool, &admin).await, clerk, pod, ana)
    });
    let store = temp_paths().data_dir.join("store");
    let app = desk(&pool, &store, true);
    let login = |user: &str, password: &str| {
        app.invoke("login", json!({ "input": { "username": user, "password": password } }))
    };
    for name in ["recepcion1", "recepcion2", "recepcion3"] {
        login(name, STAFF_PASSWORD).unwrap();
        app.invoke("logout", json!({})).unwrap();
    }
    let refresh = || {
        tauri::async_runtime::block_on(async {
            let offline = app.state().store.get().unwrap().clone();
            sync::refresh(&pool, &offline, "test-desk").await.unwrap();
        })
    };
    let refused = json!({ "kind": "invalidCredentials" });

    // recepcion1 books without the server; meanwhile an admin changes her role on the server.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    login("recepcion1", STAFF_PASSWORD).unwrap();
    let (booked, args) = book_args(ana, pod, 30);
    app.invoke("book_appointment", args).unwrap();
    app.invoke("logout", json!({})).unwrap();
    tauri::async_runtime::block_on(async {
        let update = podoclinic_clinic::auth::model::UserUpdateInput {
            id: clerk.id,
            display_name: clerk.display_name.clone(),
            role_id: PODIATRIST_ROLE,
            active: true,
        };
        podoclinic_clinic::auth::service::update_user(&admin_ctx, update).await.unwrap();
        podoclinic_clinic::auth::service::update_user(
            &admin_ctx,
            podoclinic_clinic::auth::model::UserUpdateInput { role_id: RECEPTION_ROLE, ..update_of(&clerk) },
        )
        .await
        .unwrap();
    });

    // Back online: her booking, typed in a session the server never confirmed, waits for her; once
    // she signs in with the server it is checked, and proved under credentials changed since, it
    // is not sent in her name until a person sends it as theirs from the tray.
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    login("admin", ADMIN_PASSWORD).unwrap();
    assert_eq!(refusal_keys(&app), [""], "waiting for her, refused for nothing yet");
    app.invoke("logout", json!({})).unwrap();
    login("recepcion1", STAFF_PASSWORD).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(refusal_keys(&app), ["author_must_confirm"]);
    assert_eq!(count_id(&pool, "SELECT count(*) FROM appointments WHERE id = $1", booked), 0, "not by itself");
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    app.invoke("retry_outbox", json!({ "id": booked, "write": tray[0]["write"] })).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(count_id(&pool, "SELECT count(*) FROM appointments WHERE id = $1", booked), 1);
    app.invoke("logout", json!({})).unwrap();

    // A reset password: the server announces it at once ('account:<id>'), and the desk, online
    // all along, drops her offline sign-in without waiting for a refresh; the old password no
    // longer opens the desk when the server goes away.
    let kept = || sqlite(&store, "SELECT count(*) FROM sign_ins WHERE username = 'recepcion1'");
    assert_eq!(kept(), "1");
    tauri::async_runtime::block_on(async {
        use podoclinic_desk::db::live::{self, Change};
        use tokio::time::{Duration as Wait, timeout};
        let mut heard = app.state().live.subscribe();
        let listening = tauri::async_runtime::spawn(live::run(pool.clone(), app.state().live.clone()));
        assert_eq!(timeout(Wait::from_secs(10), heard.recv()).await.unwrap().unwrap(), Change::Everything);
        // Only the announcement is handed to the desk store's follower: a full refresh would
        // drop her sign-in too and hide whether the announcement did.
        let (announce, announced) = tokio::sync::broadcast::channel(4);
        let offline = app.state().store.get().unwrap().clone();
        let following = tauri::async_runtime::spawn(sync::run(pool.clone(), offline, "test-desk".into(), announced));
        podoclinic_clinic::auth::service::reset_password(&admin_ctx, clerk.id, "otra clave muy larga".into())
            .await
            .unwrap();
        let change = timeout(Wait::from_secs(10), async {
            loop {
                match heard.recv().await.unwrap() {
                    Change::Account(id) => return Change::Account(id),
                    _ => continue,
                }
            }
        })
        .await
        .expect("the server announces the account's change");
        assert_eq!(change, Change::Account(clerk.id));
        announce.send(change).unwrap();
        let forgotten = timeout(Wait::from_secs(10), async {
            while store_sql(&store, &store_key(), "SELECT count(*) FROM sign_ins WHERE username = 'recepcion1'").await
                != "0"
            {
                tokio::time::sleep(Wait::from_millis(50)).await;
            }
        })
        .await;
        listening.abort();
        following.abort();
        forgotten.expect("her offline sign-in is dropped on the announcement");
    });
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    assert_eq!(login("recepcion1", STAFF_PASSWORD).unwrap_err(), refused);
    assert_eq!(login("recepcion1", "otra clave muy larga").unwrap_err(), refused, "never given to this desk");

    // Five wrong passwords lock the sign-in here as at the server: then even the right one waits,
    // 15 minutes; locked again before a good sign-in, twice as long.
    let locked_for = || {
        let said = login("recepcion2", STAFF_PASSWORD).unwrap_err();
        assert_eq!(said["kind"], "lockedOut");
        let until = chrono::DateTime::parse_from_rfc3339(said["until"].as_str().unwrap()).unwrap();
        (until.with_timezone(&Utc) - Utc::now()).num_minutes()
    };
    for _ in 0..5 {
        assert_eq!(login("recepcion2", "no es la mía").unwrap_err(), refused);
    }
    assert!((14..=15).contains(&locked_for()));
    sqlite(&store, "UPDATE sign_ins SET locked_until = '2020-01-01T00:00:00Z' WHERE username = 'recepcion2'");
    for _ in 0..5 {
        assert_eq!(login("recepcion2", "no es la mía").unwrap_err(), refused);
    }
    assert!((29..=30).contains(&locked_for()), "a repeat doubles, as at the server");

    // The clinic's limit in days: a sign-in two days old opens the desk under the default (7),
    // and no longer once the clinic says 1.
    let two_days_ago = (Utc::now() - chrono::Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let age_sign_in = || {
        sqlite(&store, &format!("UPDATE sign_ins SET saved_at = '{two_days_ago}' WHERE username = 'recepcion3'"));
    };
    age_sign_in();
    assert_eq!(login("recepcion3", STAFF_PASSWORD).unwrap()["withoutServer"], true);
    app.invoke("logout", json!({})).unwrap();
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(sqlx::query("UPDATE clinic_profile SET offline_sign_in_days = 1").execute(&pool))
        .unwrap();
    refresh();
    age_sign_in();
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    assert_eq!(login("recepcion3", STAFF_PASSWORD).unwrap_err(), refused);

    // Back online, every failure made here is in the server's audit, reported by the desk.
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    let reported = "SELECT count(*) FROM audit_log WHERE action = 'login.failure' AND after ->> 'reportedBy' = 'desk'";
    assert_eq!(count(&pool, reported), 2 + 6 + 6 + 1);
    let locked =
        "SELECT count(*) FROM audit_log WHERE after ->> 'reportedBy' = 'desk' AND after ->> 'reason' = 'locked_out'";
    assert_eq!(count(&pool, locked), 2);
}

#[test]
fn a_refused_write_amended_by_another_user_is_theirs() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (ctx, pod, other_pod, ana) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let other_pod = podiatrist(&pool, &admin, "Dr. Dos", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "").await;
        (ctx_of(&pool, &admin).await, pod, other_pod, ana)
    });
    let store = temp_paths().data_dir.join("store");
    let app = desk(&pool, &store, true);
    let login = |user: &str, password: &str| {
        app.invoke("login", json!({ "input": { "username": user, "password": password } })).unwrap();
    };
    login("recepcion1", STAFF_PASSWORD);
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let (booked, args) = book_args(ana, pod, 30);
    app.invoke("book_appointment", args.clone()).unwrap();
    let mut taken: podoclinic_clinic::appointments::model::BookInput =
        serde_json::from_value(args["input"].clone()).unwrap();
    taken.id = uuid::Uuid::now_v7();
    tauri::async_runtime::block_on(podoclinic_clinic::appointments::service::book(&ctx, taken)).unwrap();
    app.invoke("logout", json!({})).unwrap();
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();

    login("admin", ADMIN_PASSWORD);
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    assert_eq!((&tray[0]["authorName"], &tray[0]["typedByName"]), (&json!("Staff recepcion1"), &json!(null)));
    let mut write = tray[0]["write"].clone();
    write["input"]["podiatristId"] = json!(other_pod);
    app.invoke("retry_outbox", json!({ "id": booked, "write": write })).unwrap();
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    assert_eq!((&tray[0]["authorName"], &tray[0]["typedByName"]), (&json!("Dra. Admin"), &json!("Staff recepcion1")));
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    let booked_by: String = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT username FROM audit_log WHERE action = 'appointment.book' AND entity_id = $1")
            .bind(booked.to_string())
            .fetch_one(&pool),
    )
    .unwrap();
    assert_eq!(booked_by, "admin", "sent as the amender's write");
}

fn count_id(pool: &sqlx::PgPool, sql: &'static str, id: uuid::Uuid) -> i64 {
    tauri::async_runtime::block_on(sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(pool)).unwrap()
}

fn update_of(user: &podoclinic_clinic::auth::model::User) -> podoclinic_clinic::auth::model::UserUpdateInput {
    podoclinic_clinic::auth::model::UserUpdateInput {
        id: user.id,
        display_name: user.display_name.clone(),
        role_id: user.role_id,
        active: user.active,
    }
}

#[test]
fn a_kept_write_lands_in_the_desks_past_or_in_the_tray_never_over_what_changed_since() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (ctx, ana, drawer) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let ana = patient(&pool, &admin, "Ana", "López", "5512345678").await;
        let drawer = open_drawer(&ctx, 50_000).await;
        staff(&pool, &admin, "podologo1", PODIATRIST_ROLE).await;
        (ctx, ana, drawer)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let opened = app.invoke("get_patient", json!({ "id": ana })).unwrap();
    assert!(opened["updatedAt"].is_string(), "the record carries its version");

    // Without the server: a cash payment into the drawer open then, and two edits of Ana's record.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let paid = uuid::Uuid::now_v7();
    app.invoke(
        "take_payment",
        json!({ "input": {
        "id": paid, "patientId": ana, "chargeId": null, "method": "cash", "amountCents": 12_000, "reference": "" } }),
    )
    .unwrap();
    let mut typed = opened.clone();
    typed["allergies"] = json!("Penicilina");
    app.invoke("update_patient", json!({ "patient": typed })).unwrap();
    typed["phone"] = json!("5599990000");
    app.invoke("update_patient", json!({ "patient": typed })).unwrap();
    assert_eq!(
        app.invoke("get_desk_store", json!({})).unwrap()["outbox"],
        json!({ "pending": 2, "conflicts": 0 }),
        "two edits of one record by one user are one update"
    );

    // Meanwhile the drawer's corte is made, and another desk records Ana's allergies.
    tauri::async_runtime::block_on(async {
        podoclinic_clinic::cash::service::close(&ctx, close_input(drawer, 50_000, 0, 0)).await.unwrap();
        let mut other: podoclinic_clinic::patients::model::Patient = serde_json::from_value(opened.clone()).unwrap();
        other.allergies = "Látex".into();
        podoclinic_clinic::patients::service::update(&ctx, other).await.unwrap();
    });

    // Back online: neither lands where it was not meant to. Both wait in the tray.
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(refusal_keys(&app), ["cash_session_changed", "patient_changed"]);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments"), 0, "no money in another drawer");
    let now = app.invoke("get_patient", json!({ "id": ana })).unwrap();
    assert_eq!((&now["allergies"], &now["phone"]), (&json!("Látex"), &json!("5512345678")), "the newer record stands");

    // A podiatrist, who may not take payments, neither sees the refused payment nor can send it
    // as theirs: an amendment is checked with the amender's permissions.
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    app.invoke("logout", json!({})).unwrap();
    app.invoke("login", json!({ "input": { "username": "podologo1", "password": STAFF_PASSWORD } })).unwrap();
    let theirs = app.invoke("list_outbox", json!({})).unwrap();
    assert!(theirs.as_array().unwrap().iter().all(|k| k["write"]["kind"] != "payment"), "{theirs}");
    let refused = app.invoke("retry_outbox", json!({ "id": paid, "write": tray[0]["write"] })).unwrap_err();
    assert_eq!(refused, json!({ "kind": "forbidden", "permission": "payments.write" }));
    app.invoke("logout", json!({})).unwrap();
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    assert_eq!(refusal_keys(&app), ["cash_session_changed", "patient_changed"], "nothing changed");

    // A person decides: the payment into the drawer open now, the typed record over the newer one.
    let second = tauri::async_runtime::block_on(open_drawer(&ctx, 10_000));
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    let mut payment = tray[0]["write"].clone();
    assert_eq!(payment["drawer"], json!(drawer), "the write names the drawer it was taken at");
    payment["drawer"] = json!(null);
    app.invoke("retry_outbox", json!({ "id": paid, "write": payment })).unwrap();
    let mut update = tray[1]["write"].clone();
    assert_eq!(update["patient"]["allergies"], "Penicilina");
    update["patient"]["updatedAt"] = now["updatedAt"].clone();
    app.invoke("retry_outbox", json!({ "id": tray[1]["id"], "write": update })).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(app.invoke("list_outbox", json!({})).unwrap(), json!([]));
    assert_eq!(count_id(&pool, "SELECT count(*) FROM payments WHERE session_id = $1", second), 1);
    let now = app.invoke("get_patient", json!({ "id": ana })).unwrap();
    assert_eq!((&now["allergies"], &now["phone"]), (&json!("Penicilina"), &json!("5599990000")));
}

/// Issue 32: a change to an appointment kept through an outage carries the appointment as the desk
/// showed it; one another desk moved or marked meanwhile is not overwritten but waits in the tray,
/// and the same status reached at another desk is no conflict.
#[test]
fn a_kept_change_to_an_appointment_changed_meanwhile_waits_in_the_tray() {
    use podoclinic_clinic::appointments::model::{RescheduleInput, Status};
    use podoclinic_clinic::appointments::service as appointments;
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    // Whole hours from one instant read once: a clock read per call would move every time by an
    // hour when the test runs across the top of an hour (it did, at 17:59:59).
    let now = Utc::now().timestamp();
    let base = chrono::DateTime::from_timestamp(now - now % 3_600, 0).unwrap();
    let hour = |h: i64| base + Duration::hours(h);
    let (ctx, pod, [a, b, c]) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let ctx = ctx_of(&pool, &admin).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let mut ids = [uuid::Uuid::nil(); 3];
        for (i, name) in ["Ana", "Bea", "Carla"].into_iter().enumerate() {
            let who = patient(&pool, &admin, name, "López", "").await;
            let input = podoclinic_clinic::appointments::model::BookInput {
                override_schedule: true,
                ..booking(who, pod, hour(30 + i as i64), 30)
            };
            ids[i] = appointments::book(&ctx, input).await.unwrap().id;
        }
        (ctx, pod, ids)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let moved = |id: uuid::Uuid, h: i64| RescheduleInput {
        id,
        podiatrist_id: pod,
        starts_at: hour(h),
        ends_at: hour(h) + Duration::minutes(30),
        override_schedule: true,
    };

    // Without the server: Ana's appointment moved to +40 h, Bea's cancelled, Carla's confirmed,
    // then Ana's confirmed at its new time.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    app.invoke("reschedule_appointment", json!({ "input": moved(a, 40) })).unwrap();
    app.invoke("cancel_appointment", json!({ "id": b, "reason": "Llamó para cancelar" })).unwrap();
    app.invoke("set_appointment_status", json!({ "id": c, "status": "confirmed" })).unwrap();
    app.invoke("set_appointment_status", json!({ "id": a, "status": "confirmed" })).unwrap();

    // Meanwhile another desk moves Ana's to +45 h, moves Bea's to +46 h and confirms Carla's.
    tauri::async_runtime::block_on(async {
        appointments::reschedule(&ctx, moved(a, 45)).await.unwrap();
        appointments::reschedule(&ctx, moved(b, 46)).await.unwrap();
        appointments::set_status(&ctx, c, Status::Confirmed).await.unwrap();
    });

    // Back online: the move and the cancellation wait in the tray, and Ana's confirmation waits
    // behind her move (not checked against a time it was never typed on); what the other desk did
    // stands.
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(refusal_keys(&app), ["appointment_changed", "appointment_changed", ""]);
    let server =
        |id: uuid::Uuid| tauri::async_runtime::block_on(podoclinic_clinic::appointments::repo::find(&pool, id));
    let now_a = server(a).unwrap().unwrap();
    assert_eq!(now_a.starts_at, hour(45), "the other desk's move stands");
    let now_b = server(b).unwrap().unwrap();
    assert_eq!((now_b.status, now_b.starts_at), (Status::Scheduled, hour(46)), "not cancelled behind its back");
    assert_eq!(server(c).unwrap().unwrap().status, Status::Confirmed);

    // A person who has seen both sends Ana's move anyway: it is made over what is there now, and
    // her confirmation follows it.
    let tray = app.invoke("list_outbox", json!({})).unwrap();
    assert_eq!(tray[0]["write"]["seen"]["startsAt"], json!(hour(30)), "the kept move says what it was made on");
    app.invoke("retry_outbox", json!({ "id": tray[0]["id"], "write": tray[0]["write"] })).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(refusal_keys(&app), ["appointment_changed"], "Bea's cancellation still waits for a person");
    let now_a = server(a).unwrap().unwrap();
    assert_eq!((now_a.starts_at, now_a.status), (hour(40), Status::Confirmed));
}

#[test]
fn a_kept_write_the_server_took_is_never_made_again_even_put_back_into_the_desks_file() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (ctx, pod, ana) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        let ana = patient(&pool, &admin, "Ana", "López", "").await;
        (ctx_of(&pool, &admin).await, pod, ana)
    });
    let store = temp_paths().data_dir.join("store");
    let (booked, args) = book_args(ana, pod, 30);
    tauri::async_runtime::block_on(podoclinic_clinic::appointments::service::book(
        &ctx,
        serde_json::from_value(args["input"].clone()).unwrap(),
    ))
    .unwrap();
    let app = desk(&pool, &store, true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();

    // Moved an hour later without the server; the row is copied out of the file before it is sent.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let start = |hours: i64| {
        args["input"]["startsAt"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap() + Duration::hours(hours)
    };
    let moved = |hours: i64| json!({ "input": { "id": booked, "podiatristId": pod, "startsAt": start(hours), "endsAt": start(hours) + Duration::minutes(30), "overrideSchedule": false } });
    app.invoke("reschedule_appointment", moved(1)).unwrap();
    sqlite(&store, "CREATE TABLE copied AS SELECT * FROM outbox");
    app.state().health.set(DbStatus::Online);
    assert_eq!(tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(), 1);

    // Another desk moves it again; then the copied row is put back and the outbox runs.
    let again: podoclinic_clinic::appointments::model::RescheduleInput =
        serde_json::from_value(moved(2)["input"].clone()).unwrap();
    tauri::async_runtime::block_on(podoclinic_clinic::appointments::service::reschedule(&ctx, again)).unwrap();
    sqlite(&store, "INSERT INTO outbox SELECT * FROM copied");
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    let now = app.invoke("get_appointment", json!({ "id": booked })).unwrap();
    assert_eq!(now["startsAt"].as_str().unwrap().parse::<chrono::DateTime<Utc>>().unwrap(), start(2), "not moved back");
    assert_eq!(sqlite(&store, "SELECT count(*) FROM outbox"), "0", "recognised, and gone from the desk");
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE action = 'appointment.reschedule'"), 2);
}

#[test]
fn a_desk_pointed_at_another_clinic_keeps_nothing_of_this_one_and_loses_nothing_unsent() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (pod, ana) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
        (pod, patient(&pool, &admin, "Ana", "López", "5512345678").await)
    });
    let store = temp_paths().data_dir.join("store");
    let app = desk(&pool, &store, true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let other_clinic = json!({
        "config": { "deskName": "Recepción", "backupUser": null, "connection": { "kind": "server",
            "host": "otra-clinica.lan", "port": 5432, "database": "podoclinic", "user": "recepcion",
            "sslMode": "require", "sslRootCert": null } },
        "password": null, "currentPassword": null,
    });

    // A booking kept without the server belongs to this clinic: the desk may not be re-pointed yet.
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    let (_, args) = book_args(ana, pod, 30);
    app.invoke("book_appointment", args).unwrap();
    app.state().health.set(DbStatus::Online);
    let refused = app.invoke("save_desk_config", other_clinic.clone()).unwrap_err();
    assert_eq!(refused, json!({ "kind": "conflict", "key": "outbox_not_empty", "field": null }));
    assert_eq!(sqlite(&store, "SELECT count(*) FROM outbox"), "1", "nothing lost");

    // Sent: now the desk's disk is emptied of this clinic before it serves the other.
    assert_eq!(tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap(), 1);
    assert_ne!(sqlite(&store, "SELECT count(*) FROM directory"), "0");
    app.invoke("save_draft", json!({ "form": "patient", "subject": "", "body": { "firstName": "Ana" } })).unwrap();
    app.invoke("save_desk_config", other_clinic).unwrap();
    let left = sqlite(
        &store,
        "SELECT (SELECT count(*) FROM directory) + (SELECT count(*) FROM agenda) + (SELECT count(*) FROM views)
              + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM drafts) + (SELECT count(*) FROM sign_ins)",
    );
    assert_eq!(left, "0", "no patient, appointment, draft or sign-in of this clinic stays");
}

/// A consent letter signed while the server is away: the podiatrist's password opens their key on
/// this desk, the letter is checked against the templates the desk keeps and waits in the outbox;
/// when the server is back it lands once, made into its PDF/A then, dated when it was signed.
#[test]
fn a_consent_letter_signed_without_the_server_lands_once_dated_when_it_was_signed() {
    use podoclinic_desk::store::outbox;
    let db = fresh_db();
    let pool = db.pool.clone();
    let (rosa, template) = tauri::async_runtime::block_on(async {
        let admin = first_admin(&pool).await;
        podiatrist(&pool, &admin, "Dra. Ana Ruiz", Some(admin.id)).await;
        let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;
        let input = serde_json::from_value(json!({
            "id": uuid::Uuid::now_v7(), "kind": "nail_surgery", "title": "Carta de consentimiento", "act": "Avulsión de uña",
            "risksBenefits": "Dolor; alivio.", "contingencies": "Autorizo atender urgencias.", "witnesses": 0,
            "body": "{{establecimiento}}\n{{titulo}}\n{{lugar_y_fecha}}\n{{acto}}\n{{riesgos_y_beneficios}}\n{{contingencias}}\n{{firmas}}",
        }))
        .unwrap();
        let template =
            podoclinic_clinic::consents::service::publish_template(&ctx_of(&pool, &admin).await, input).await;
        (rosa, template.unwrap().id)
    });
    let app = desk(&pool, &temp_paths().data_dir.join("store"), true);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).unwrap();
    let templates = app.invoke("list_consent_templates", json!({})).unwrap();
    app.state().health.set(DbStatus::Offline { since: Utc::now() });
    assert_eq!(app.invoke("list_consent_templates", json!({})).unwrap(), templates, "the letter to read, kept here");

    let id = uuid::Uuid::now_v7();
    let stroke: Vec<Value> = (0..30).map(|i| json!({ "x": 10 + i * 10, "y": 60 + (i % 5) * 8, "t": i * 15 })).collect();
    let sign = |password: &str| {
        app.invoke(
            "sign_consent_letter",
            json!({ "input": {
            "id": id, "patientId": rosa, "templateId": template, "detail": "", "signer": "patient",
            "representative": "", "relationship": "", "witnesses": [],
            "signature": { "width": 400, "height": 150, "strokes": [stroke] } }, "password": password, "lang": "es" }),
        )
    };
    assert_eq!(
        sign("no es la clave").unwrap_err(),
        json!({ "kind": "validation", "field": "password", "key": "wrong_password" })
    );
    let before = Utc::now();
    assert_eq!(sign(ADMIN_PASSWORD).unwrap(), json!({ "kind": "kept", "id": id }));
    assert_eq!(sign(ADMIN_PASSWORD).unwrap(), json!({ "kind": "kept", "id": id }), "signed twice, kept once");
    let signed_here = Utc::now();
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 1, "conflicts": 0 }));
    assert_eq!(count(&pool, "SELECT count(*) FROM consent_letters"), 0, "nothing reached the server yet");

    std::thread::sleep(std::time::Duration::from_millis(1_100));
    app.state().health.set(DbStatus::Online);
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    tauri::async_runtime::block_on(outbox::replay(&app.state())).unwrap();
    assert_eq!(count_id(&pool, "SELECT count(*) FROM consent_letters WHERE id = $1", id), 1);
    let signed_at: chrono::DateTime<Utc> = tauri::async_runtime::block_on(
        sqlx::query_scalar("SELECT signed_at FROM consent_letters WHERE id = $1").bind(id).fetch_one(&pool),
    )
    .unwrap();
    assert!(before <= signed_at && signed_at <= signed_here, "dated when the desk took the signature: {signed_at}");
    let letters = app.invoke("list_consent_letters", json!({ "patientId": rosa })).unwrap();
    assert_eq!(
        (letters[0]["id"].as_str(), letters[0]["inForce"].as_bool()),
        (Some(id.to_string().as_str()), Some(true))
    );
    assert_eq!(
        count_id(&pool, "SELECT count(*) FROM audit_log WHERE action = 'consent.sign' AND entity_id = $1::text", id),
        1
    );
    // The same signing sent again with the server: the letter it already is.
    assert_eq!(sign(ADMIN_PASSWORD).unwrap()["letter"]["id"], json!(id));
    assert_eq!(app.invoke("get_desk_store", json!({})).unwrap()["outbox"], json!({ "pending": 0, "conflicts": 0 }));
}
