//! Accounts, roles, sessions and the permission guard every command goes through.

mod guard;
pub mod model;
pub mod password;
mod permission;
pub mod repo;
pub mod service;
pub mod session;
pub mod throttle;

pub use guard::{Ctx, may_write_for, offline_session, require, signed_in};
pub use permission::Permission;
pub use session::{Session, SessionInfo, SessionStore};
