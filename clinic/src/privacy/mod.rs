//! The patient's rights over their data (LFPDPPP, "derechos ARCO"). Access: one export of
//! everything the database holds about a patient (`patient_data`, migration 22), written for the
//! patient's request and audited.

pub mod service;
