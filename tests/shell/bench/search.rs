//! Benchmark: patient search as you type over 100,000 patients, per keystroke, through the real
//! command path (tauri IPC on the mock runtime, guard included) reading the desk's directory,
//! against the same search asking the server (the search service on a connection of its own, no
//! IPC). Also prints what the directory costs: a full refresh from the server, and loading it
//! from the desk's store at start. Figures, not pass/fail: run it with `--release`.
//!
//! `DATABASE_URL` names the server; the patients go to database `podoclinic_bench_search`, seeded
//! once and reused (`--reseed` starts over).

use std::sync::Arc;
use std::time::Instant;

use podoclinic_desk::store::{DeskStore, sync};
use podoclinic_shell_tests::MockApp;
use podoclinic_shell_tests::bench::{in_turns, ms, percentile};
use podoclinic_tests::*;
use serde_json::json;
use tauri::async_runtime::block_on;

const ROUNDS: usize = 20;

/// What reception types, one keystroke at a time.
const TYPED: &[&str] = &[
    "jose gonzalez",
    "maria lopez perez",
    "guadalupe hernandez",
    "gonzales",
    "55 1234",
    "ramirez ortiz",
    "veronica",
    "ibanez munoz",
    "miguel angel",
    "sofia rios",
];

fn main() {
    let reseed = std::env::args().any(|a| a == "--reseed");
    let (pool, url) = block_on(async {
        let (pool, url) = podoclinic_shell_tests::bench::Database::Search.open(reseed).await;
        if !sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM patients)").fetch_one(&pool).await.unwrap() {
            let t = Instant::now();
            podoclinic_shell_tests::seed_patients(&pool, 100_000).await;
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
            first_admin(&pool).await;
            println!("seeded 100,000 patients in {:.1} s", t.elapsed().as_secs_f64());
        }
        (pool, url)
    });

    let dir = temp_paths().data_dir.join("store");
    let offline = block_on(async {
        let offline = DeskStore::open(&dir, &store_key()).await.unwrap();
        let t = Instant::now();
        sync::refresh(&pool, &offline, "bench").await.unwrap();
        println!("directory: full refresh from the server {:.0} ms", ms(t.elapsed()));
        offline.store.close().await;
        let t = Instant::now();
        let offline = DeskStore::open(&dir, &store_key()).await.unwrap();
        println!(
            "directory: loaded from the desk's store at start {:.0} ms ({} patients)",
            ms(t.elapsed()),
            offline.directory.read().await.len()
        );
        offline
    });

    let state = state_on(pool.clone(), "bench");
    let _ = state.store.set(Arc::new(offline));
    let app = MockApp::new(state);
    app.invoke("login", json!({ "input": { "username": "admin", "password": ADMIN_PASSWORD } })).expect("login");
    let server_pool = block_on(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(podoclinic_clinic::db::tuned(url.parse().unwrap())),
    )
    .unwrap();
    let admin_id: uuid::Uuid =
        block_on(sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(&pool)).unwrap();
    let server_ctx = block_on(podoclinic_clinic::auth::Ctx::for_user(&server_pool, admin_id, "bench")).unwrap();

    let keystrokes: Vec<String> = TYPED
        .iter()
        .flat_map(|typed| (1..=typed.chars().count()).map(|n| typed.chars().take(n).collect::<String>()))
        .collect();
    let (mut desk, mut server) = (Vec::new(), Vec::new());
    let (mut same, mut compared) = (0, 0);
    for round in 0..ROUNDS + 1 {
        for (i, q) in keystrokes.iter().enumerate() {
            let (mut found, mut asked) = (String::new(), Vec::new());
            let [a, b] = in_turns(
                round + i,
                [&mut || found = app.invoke_json("search_patients", json!({ "query": q })).unwrap(), &mut || {
                    asked = block_on(podoclinic_clinic::patients::service::search(&server_ctx, q)).unwrap()
                }],
            );
            if round == 0 {
                // A warm-up round, and a check that both answered alike.
                let found: Vec<serde_json::Value> = serde_json::from_str(&found).unwrap();
                compared += 1;
                same += usize::from(found.len() == asked.len());
                continue;
            }
            desk.push(a);
            server.push(b);
        }
    }
    let (d50, d95) = (percentile(&mut desk, 0.5), percentile(&mut desk, 0.95));
    let (s50, s95) = (percentile(&mut server, 0.5), percentile(&mut server, 0.95));
    println!("{} keystrokes x {ROUNDS} rounds; {same} of {compared} answered with as many patients", keystrokes.len());
    println!("search, directory through IPC: p50 {:>6.3} ms  p95 {:>6.3} ms", ms(d50), ms(d95));
    println!("search, server (no IPC):       p50 {:>6.3} ms  p95 {:>6.3} ms", ms(s50), ms(s95));
    println!("ratio server/directory: p50 {:.1}x  p95 {:.1}x", ms(s50) / ms(d50), ms(s95) / ms(d95));
}
