//! Cartas de consentimiento bajo información (NOM-004-SSA3-2012, 10.1): the clinic's templates in
//! versions, letters signed at the desk on a signature pad (or printed blank, signed on paper and
//! scanned), kept as written with their SHA-256 in the audit chain, revoked by addendum; and the
//! catalog treatments that need a letter in force before a note records them (migration 24).

pub mod kind;
pub mod model;
pub mod repo;
pub mod service;
