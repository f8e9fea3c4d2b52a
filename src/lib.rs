//! sohoa: digitise, sign and reuse the papers citizens hand in at Vietnam's
//! one-stop-shop counters. Read top-down: `domain` (pure rules, validity
//! included) → `storage` (bytes and rows) → `intake` (what happens while the
//! citizen waits) → `ocr`, `pdfa` and `jobs` (slow work: text and the
//! searchable PDF) → `signing` and `certificate` (the agency's signature),
//! `catalogue` (validity applied), `verification`, `ledger` (the access
//! ledger's chain) → `http` (the API) → `startup` (wiring).

pub mod catalogue;
pub mod certificate;
pub mod config;
pub mod domain;
pub mod http;
pub mod intake;
pub mod jobs;
pub mod ledger;
pub mod ocr;
pub mod pdfa;
pub mod signing;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod verification;
