//! Visits (consultas) and their clinical notes: findings per foot, procedures done, diabetic-foot
//! risk and free text. Signing freezes a note (the database refuses later changes); corrections
//! are addenda. Reading a note is audited.

pub mod model;
pub mod repo;
pub mod service;
