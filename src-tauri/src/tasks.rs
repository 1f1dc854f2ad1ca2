//! What the app does in the background, one named task each, started by `run()` once the desk's
//! state is managed: forwarding what the desk publishes to the webview as events, starting the desk
//! (its store, the outbox's replay, the database), the scheduled backup, and stopping on the
//! system's request. Every event goes out through `emit`, the one place a failed delivery is
//! handled (logged, with the event's name).

use podoclinic_desk::db::live::Change;
use podoclinic_desk::state::AppState;
use podoclinic_desk::store::outbox;
use podoclinic_desk::{backup, platform, startup};
use serde::Serialize;
use tauri::async_runtime::spawn;
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::{broadcast, watch};

use crate::events;

/// Starts every background task of a desk.
pub fn start<R: Runtime>(app: &AppHandle<R>, demo: bool) {
    let state = app.state::<AppState>();
    spawn(forward_changes(app.clone(), state.health.status.subscribe(), "db status", events::DbStatusChanged));
    spawn(forward_changes(app.clone(), state.sessions.changes.subscribe(), "session", events::SessionChanged));
    spawn(forward_changes(app.clone(), state.import.progress.subscribe(), "import progress", events::ImportProgressed));
    spawn(forward_data_changes(app.clone(), state.live.subscribe()));
    spawn(start_desk(app.clone(), demo));
    spawn(scheduled_backup(app.clone()));
    spawn(stop_on_shutdown_signal(app.clone()));
}

/// Sends `event` to every window; a failure is logged, never dropped silently.
fn emit<R: Runtime, E: tauri_specta::Event + Serialize + Clone>(app: &AppHandle<R>, event: E, name: &'static str) {
    if let Err(e) = event.emit(app) {
        tracing::warn!(error = %e, event = name, "event not delivered");
    }
}

/// Each new value of a watched channel, as an event.
async fn forward_changes<R: Runtime, T: Clone, E: tauri_specta::Event + Serialize + Clone>(
    app: AppHandle<R>,
    mut changes: watch::Receiver<T>,
    name: &'static str,
    event: impl Fn(T) -> E,
) {
    while changes.changed().await.is_ok() {
        let value = changes.borrow_and_update().clone();
        emit(&app, event(value), name);
    }
}

/// What the database announced (any desk's writes): the agenda's changes for the calendars and
/// every change for the lists. Missed announcements (the channel lagged) become "everything".
async fn forward_data_changes<R: Runtime>(app: AppHandle<R>, mut changes: broadcast::Receiver<Change>) {
    loop {
        let change = match changes.recv().await {
            Ok(change) => change,
            Err(broadcast::error::RecvError::Lagged(_)) => Change::Everything,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if let Some(agenda) = events::AgendaChanged::of(change) {
            emit(&app, agenda, "agenda changed");
        }
        emit(&app, events::DataChanged(change), "data changed");
    }
}

/// The desk's store first, so what was kept offline is sent (and counted on the banner) whether or
/// not the server answers at start; then the database (the embedded cluster or the LAN server).
async fn start_desk<R: Runtime>(app: AppHandle<R>, demo: bool) {
    let state = app.state::<AppState>();
    startup::open_store(&state).await;
    if let Some(store) = state.store.get() {
        let counts = store.outbox.subscribe();
        let replayer = app.clone();
        spawn(async move { outbox::run(&replayer.state::<AppState>()).await });
        spawn(forward_outbox(app.clone(), counts));
    }
    startup::start(&state, demo).await;
}

/// What the outbox holds (the banner's count), now and at each change.
async fn forward_outbox<R: Runtime>(app: AppHandle<R>, mut counts: watch::Receiver<outbox::OutboxCount>) {
    emit(&app, events::OutboxChanged(*counts.borrow_and_update()), "outbox");
    forward_changes(app, counts, "outbox", events::OutboxChanged).await;
}

/// The scheduled backup, taken by the desk the clinic chose.
async fn scheduled_backup<R: Runtime>(app: AppHandle<R>) {
    backup::service::schedule(&app.state::<AppState>()).await;
}

/// A desk shut down by the system (SIGTERM; on Windows the session ending) or Ctrl+C still stops
/// its embedded cluster: the app exits as if closed.
async fn stop_on_shutdown_signal<R: Runtime>(app: AppHandle<R>) {
    platform::shutdown_requested().await;
    tracing::info!("shutdown signal received");
    app.exit(0);
}
