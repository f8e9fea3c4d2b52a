//! Where bytes and records live. `blobs` holds original files (and later
//! renditions) by SHA-256; `db` holds records, pages, jobs and keys. Nothing
//! here knows about HTTP.

pub mod blobs;
pub mod db;
pub mod maintenance;
pub mod spool;
