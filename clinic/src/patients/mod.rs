//! Patients: records, accent-insensitive search as you type, duplicate warnings, archiving.

pub mod model;
pub mod repo;
pub mod service;
