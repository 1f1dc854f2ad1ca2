//! Cash registers (cajas), their sessions from opening float to the counted close (corte Z), the
//! interim report (corte X), withdrawals, deposits and adjusting entries.

pub mod model;
pub mod repo;
pub mod service;
