//! The historia clínica's interrogatorio (NOM-004-SSA3-2012, 6.1), adapted to podiatry: what the
//! patient tells at their first visit about their family, their conditions, medications and habits.
//! Recorded again when it changes (each version kept); reading it is reading the clinical record.

pub mod model;
pub mod repo;
pub mod service;
