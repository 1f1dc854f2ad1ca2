//! Appointments (citas): booking without double-booking, the status workflow, the slot finder and
//! recurring series.

pub mod model;
pub mod repo;
pub mod service;
