//! Inventory: stock on hand is the sum of an append-only movement ledger (purchases, consumption in
//! visits, sales, adjustments, losses, returns) and the database never lets it go below zero.

pub mod model;
pub mod repo;
pub mod service;
