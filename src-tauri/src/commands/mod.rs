//! One file per domain: each command is the guard, one service call, and the answer. No SQL, no
//! rules, no formatting here; `AppState::run` checks the session and permission and keeps the
//! desk's offline status up to date.

pub mod appointments;
pub mod arg;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod billing;
pub mod cash;
pub mod catalog;
pub mod clinic;
pub mod consents;
pub mod desk;
pub mod documents;
pub mod drafts;
pub mod expenses;
pub mod files;
pub mod import;
pub mod inventory;
pub mod outbox;
pub mod patients;
pub mod podiatrists;
pub mod privacy;
pub mod reminders;
pub mod schedules;
pub mod stats;
pub mod suppliers;
pub mod visits;
