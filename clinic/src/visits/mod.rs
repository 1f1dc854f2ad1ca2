//! Visits (consultas) and their clinical notes (NOM-004's nota de evolución): findings per foot,
//! procedures done, diabetic-foot risk, the evolution, vital signs, diagnoses (with CIE-10 codes
//! from `cie10`), prognosis and plan. Signing freezes a note (the database refuses later changes); corrections
//! are addenda. Reading a note is audited.

pub mod cie10;
pub mod model;
pub mod repo;
pub mod service;
