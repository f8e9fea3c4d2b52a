//! Everything that must happen before the citizen leaves the desk: check the
//! owner ID and kind, decode every page within limits, hash, write originals
//! durably, record them, and queue the slow work. Shared by the HTTP upload
//! and `sohoa ingest`.

pub mod born_digital;
pub mod decode;
pub mod pipeline;
pub mod quality;
pub mod skew;

pub use pipeline::{Intake, IntakeError, Submitted, UploadMeta, UploadedFile};
