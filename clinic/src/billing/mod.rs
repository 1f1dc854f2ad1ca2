//! Charges (what a visit or a sale costs, at the prices of that moment), payments by method,
//! refunds as negative payments, and each patient's balance.

pub mod model;
pub mod repo;
pub mod service;
