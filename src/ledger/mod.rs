//! The access ledger: every read of someone's papers, one hash chain per
//! subject, appended by group commit ([`appender`]), sealed by signed
//! checkpoints over every chain's head ([`checkpoint`]), archived to the
//! blob store past its retention period ([`archive`]) and checked whole by
//! `sohoa audit verify` ([`verify`]). What an entry is and what its hash
//! covers is the domain's ([`crate::domain::access`],
//! [`crate::domain::merkle`]); the tables are storage's
//! ([`crate::storage::db::LedgerRepo`]).

pub mod appender;
pub mod archive;
pub mod checkpoint;
pub mod verify;

pub use appender::Appender;
