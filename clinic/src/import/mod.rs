//! Bringing a clinic's history in from a spreadsheet (CSV, XLSX): the file read into text cells
//! (`sheet`), its columns mapped to fields, every row checked by the form's own rules, a dry run
//! that counts what would happen, then the import in batches (`batch`): patients (`patients`) or
//! appointments (`appointments`).

pub mod appointments;
pub mod batch;
pub mod bounds;
pub mod model;
pub mod patients;
pub mod repo;
pub mod service;
pub mod sheet;

use std::sync::atomic::AtomicBool;

/// The import under way at a desk (one at a time): whether one runs, its cancel flag, and its
/// progress for the window's bar.
pub struct Running {
    pub busy: tokio::sync::Mutex<()>,
    pub cancel: AtomicBool,
    pub progress: tokio::sync::watch::Sender<model::ImportProgress>,
}

impl Default for Running {
    fn default() -> Self {
        Self {
            busy: tokio::sync::Mutex::new(()),
            cancel: AtomicBool::new(false),
            progress: tokio::sync::watch::Sender::new(model::ImportProgress::default()),
        }
    }
}
