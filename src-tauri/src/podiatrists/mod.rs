//! Podiatrists (podólogos): name, cédula profesional, calendar colour, active, optional user link.

pub mod commands;
pub mod model;
pub mod repo;
