//! sohoa: digitise, sign and reuse the papers citizens hand in at Vietnam's
//! one-stop-shop counters. Read top-down; each layer depends only on those
//! below it:
//!
//! - `cli`, `http`, `desk`: adapters — parse, call an operation, render (the
//!   desk: the officers' pages in Vietnamese);
//! - `startup`, `config`, `telemetry`: wiring, settings, logs;
//! - `ops`: one function per thing a person or system does, with its rules;
//! - `jobs`: the durable queue's workers and the digitisation job;
//! - `reading`, `pdf`, `signing`, `ledger`: text recognition, the searchable
//!   PDF, the agency's signature, the access ledger's chain;
//! - `imaging`: pixels — decoding, the counter's gate, straightening;
//! - `storage`: bytes (`blobs`) and rows (`db`);
//! - `text`: Vietnamese — the syllable rules and the check of recognised words;
//! - `domain`, `error_code`: nouns and rules, and every error code, no I/O.

pub mod cli;
pub mod config;
pub mod desk;
pub mod domain;
pub mod error_code;
pub mod http;
pub mod imaging;
pub mod jobs;
pub mod ledger;
pub mod ops;
pub mod pdf;
pub mod reading;
pub mod signing;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod text;
