//! The machinery that runs a reception desk on the clinic's rules (`podoclinic_clinic`): the
//! command runner and its guard, start-up, the database's connection (embedded cluster, LAN
//! profile, TLS tunnel, health, live updates), the desk store kept for outages (outbox, drafts,
//! offline sign-in), backups, files picked in the system dialog, the demo clinic, diagnostics and
//! what differs between platforms.
//! It knows nothing of Tauri: the shell (`src-tauri`) forwards its events and calls its runner.

pub mod backup;
pub mod db;
pub mod demo;
pub mod diagnostics;
pub mod documents;
pub mod guard;
pub mod picked;
pub mod platform;
pub mod search;
pub mod session;
pub mod startup;
pub mod state;
pub mod store;
