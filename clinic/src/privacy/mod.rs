//! The patient's rights over their data (LFPDPPP 2025): the clinic's privacy notice in versions,
//! each patient's express consent for health data and their voluntary purposes (asked at the first
//! check-in), and the register of ARCO requests. Access is one export of everything the database
//! holds about a patient (`patient_data`, migration 22); cancellation blocks the record (migration
//! 23), read afterwards only through the request.

pub mod model;
pub mod repo;
pub mod service;
