//! The catalog: treatments (name, duration, price, the consumables they use) and products.

pub mod commands;
pub mod model;
pub mod repo;
