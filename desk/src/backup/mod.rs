//! Backups the clinic can trust: `pg_dump` of the clinic's database in custom format, taken in one
//! snapshot with the row count of every table and the audit chain's head (`dump`), encrypted with
//! age to the clinic's recovery key (`file`, `key`), and proven by restoring it into a scratch
//! database and counting again (`dump::verify`).

pub mod dump;
pub mod file;
pub mod key;
pub mod model;
pub mod repo;
pub mod retention;
pub mod service;
pub mod source;
