//! The stats dashboard for a date range: income by period and method, expenses by category, net
//! result, appointments by podiatrist and status, no-show rate, top treatments, new vs returning
//! patients, margin per treatment, low stock. All sums in integer cents, computed in SQL.

pub mod model;
pub mod repo;
pub mod service;
