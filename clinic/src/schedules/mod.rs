//! Working hours: weekly blocks per podiatrist, time off, clinic holidays, and the availability
//! they add up to.

pub mod model;
pub mod repo;
pub mod service;
