//! The clinic's rules: every domain's models, repositories and services, the audit, documents,
//! import, money and validation, the pool handle and its migrations. It knows nothing of desks,
//! clusters, files on the desk, Tauri or the UI: the desk (`podoclinic-desk`) runs these rules,
//! and the shell (`src-tauri`) wraps each service in a thin command.
//!
//! Every domain has the same layers: `model.rs` (types and validation), `repo.rs` (SQL and only
//! SQL, each function taking an executor), `service.rs` (the rules: it owns the transaction and
//! writes the audit entry, and takes `&Ctx` first).

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod cash;
pub mod catalog;
pub mod consents;
pub mod db;
pub mod documents;
pub mod error;
pub mod expenses;
pub mod history;
pub mod import;
pub mod inventory;
pub mod limits;
pub mod money;
pub mod patients;
pub mod podiatrists;
pub mod privacy;
pub mod profile;
pub mod reminders;
pub mod schedules;
pub mod stats;
pub mod suppliers;
pub mod validate;
pub mod visits;
