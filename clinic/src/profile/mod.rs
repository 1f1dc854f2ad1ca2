//! The clinic profile: name, tax id, time zone, currency and the idle-lock time, shared by all desks.

pub mod model;
pub mod repo;
pub mod service;
pub mod time;
