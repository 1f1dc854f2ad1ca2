//! Podiatrists (podólogos): name, cédula profesional, calendar colour, active, optional user link.

pub mod model;
pub mod repo;
pub mod service;
