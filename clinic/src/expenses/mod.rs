//! Expenses (gastos): money out by category and method; a cash expense comes out of the open
//! cash session of the desk that records it.

pub mod model;
pub mod repo;
pub mod service;
