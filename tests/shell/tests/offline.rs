//! The desk without its server, through the real command path: what it shows comes from its own
//! copy and is what the server showed.

use std::sync::Arc;

use chrono::{Duration, Utc};
use podoclinic_core::db::monitor::DbStatus;
use podoclinic_core::offline::{Offline, sync};
use podoclinic_shell_tests::{MockApp, fresh_db};
use podoclinic_tests::*;
use serde_json::{Value, json};

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
        let book = |days: i64| {
            let start = Utc::now() + Duration::days(days) + Duration::hours(1);
            let start = start - Duration::seconds(start.timestamp() % 60);
            podoclinic_core::appointments::service::book(&ctx, booking(ana, pod, start, 30))
        };
        let soon = book(0).await.unwrap();
        let later = book(10).await.unwrap();
        (pod, ana, soon, later)
    });
    let state = state_on(pool.clone(), "test-desk");
    let dir = temp_paths().data_dir.join("store");
    let offline = tauri::async_runtime::block_on(async {
        let offline = Offline::open(&dir).await.unwrap();
        sync::refresh(&pool, &offline, "test-desk").await.unwrap();
        offline
    });
    let _ = state.offline.set(Arc::new(offline));
    let app = MockApp::new(state);
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
