//! The catalog: treatments (name, duration, price, the consumables they use) and products.

pub mod model;
pub mod repo;
pub mod service;
