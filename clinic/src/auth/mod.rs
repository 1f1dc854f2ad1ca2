//! Accounts, roles, permissions, sign-in and the context every service takes first.

mod ctx;
pub mod model;
pub mod password;
mod permission;
pub mod repo;
pub mod service;
pub mod session;
pub mod throttle;

pub use ctx::{Ctx, Desk, may_write_for};
pub use permission::Permission;
pub use session::{Session, SessionInfo};
