//! Suppliers (proveedores): contact data, a validated RFC, what they supply, their purchases.

pub mod model;
pub mod repo;
pub mod service;
