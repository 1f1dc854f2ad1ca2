//! Podoclinic's core: every domain's models, repositories and services, the one pool and its
//! migrations, auth, audit, money and documents. It knows nothing of Tauri; the desktop shell
//! (`src-tauri`) wraps each service in a thin command.
//!
//! Every domain has the same layers: `model.rs` (types and validation), `repo.rs` (SQL and only
//! SQL, each function taking an executor), `service.rs` (the rules: it owns the transaction and
//! writes the audit entry, and takes `&Ctx` first).

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod billing;
pub mod cash;
pub mod catalog;
pub mod clinic;
pub mod db;
pub mod demo;
pub mod diagnostics;
pub mod documents;
pub mod error;
pub mod expenses;
pub mod import;
pub mod inventory;
pub mod limits;
pub mod money;
pub mod offline;
pub mod patients;
pub mod platform;
pub mod podiatrists;
pub mod reminders;
pub mod schedules;
pub mod startup;
pub mod state;
pub mod stats;
pub mod suppliers;
pub mod validate;
pub mod visits;
