//! The `sohoa` command's commands, one file per family. `main.rs` parses the
//! command line and dispatches here; each command opens the stores it needs
//! and calls the same operations (`crate::ops`) as the HTTP API.

pub mod audit;
pub mod ingest;
pub mod keys;
pub mod officers;
pub mod serve;
pub mod signing_key;
pub mod upkeep;
pub mod verify;
