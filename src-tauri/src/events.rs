//! What the shell tells the webview without being asked, each forwarded by a task of `run()` from
//! a channel the desk publishes on: the database's status (`DbStatusChanged`), the desk's session
//! signed in, out or locked (`SessionChanged`), the agenda changes any desk makes
//! (`AgendaChanged`), any other data a desk changed (`DataChanged`), what the outbox holds
//! (`OutboxChanged`) and how far a spreadsheet import has got (`ImportProgressed`).

use podoclinic_desk::db::{health::DbStatus, live::Change};
use serde::Serialize;
use uuid::Uuid;

/// The desk's view of its database changed (online, offline, update required…).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct DbStatusChanged(pub DbStatus);

/// The desk's session was started, locked, unlocked or ended: every window follows at once.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct SessionChanged(pub podoclinic_desk::session::SessionState);

/// What another desk (or this one) changed in the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct AgendaChanged {
    /// The podiatrist whose agenda changed; `null` after a reconnect: refresh everything.
    pub podiatrist_id: Option<Uuid>,
}

impl AgendaChanged {
    /// The agenda's share of a change, if it has one.
    pub fn of(change: Change) -> Option<Self> {
        match change {
            Change::Everything => Some(Self { podiatrist_id: None }),
            Change::Agenda(id) => Some(Self { podiatrist_id: Some(id) }),
            _ => None,
        }
    }
}

/// Anything another desk (or this one) changed: a patient, an account, a cash session, stock, an
/// agenda, or "everything" after a reconnect. The views showing it re-read.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct DataChanged(pub Change);

/// What the outbox holds: writes kept while the server was away and not sent yet, and those the
/// server refused (the conflicts tray). The banner counts them.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct OutboxChanged(pub podoclinic_desk::store::outbox::OutboxCount);

/// How far the spreadsheet import under way has come (the admin window's progress bar).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct ImportProgressed(pub podoclinic_clinic::import::model::ImportProgress);
