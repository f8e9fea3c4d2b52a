//! The nouns and rules of one-stop digitisation, with no I/O. Every type is
//! parsed once at the edge (`parse`) and is valid from then on; storage maps
//! its rows to these types, and every layer above speaks them.
//!
//! - `subject`, `dossier`, `kind`, `role`: identifiers and catalogues;
//! - `record`, `quality`, `status`: a digitised paper, its pages and its life;
//! - `validity`, `catalogue`, `reuse`: when a paper may be relied on, and
//!   whether a procedure must ask for it again;
//! - `access`: the access ledger's entries and their hash chains;
//! - `merkle`, `checkpoint`: the signed checkpoints over every chain's head;
//! - `link`, `key`, `job`: citizen links, API and signing keys, queued work;
//! - `particulars`: values read off a paper's text, suggested for review;
//! - `digest`, `text`: SHA-256 names and the rule for free text.

pub mod access;
pub mod catalogue;
pub mod checkpoint;
pub mod digest;
pub mod dossier;
pub mod job;
pub mod key;
pub mod kind;
pub mod link;
pub mod merkle;
pub mod officer;
pub mod particulars;
pub mod quality;
pub mod reading;
pub mod record;
pub mod reuse;
pub mod role;
pub mod status;
pub mod subject;
pub mod text;
pub mod validity;

pub use digest::Sha256Digest;
pub use dossier::{AgencyId, Dossier, DossierCode, ProcedureCode};
pub use kind::DocumentKind;
pub use record::{
    Certification, NewPage, NewRecord, Origin, Page, PagePart, PageRead, PartEncoding, PartSource,
    Record, RecordMeta, Rendition, Review, TextSource, Withdrawal,
};
pub use role::Role;
pub use status::RecordStatus;
pub use subject::SubjectId;
