//! Pure types and rules of the one-stop digitisation domain. Nothing here does
//! I/O: every type is parsed once at the edge (`parse`) and is valid from then on.

pub mod digest;
pub mod dossier;
pub mod kind;
pub mod role;
pub mod status;
pub mod subject;
pub mod text;
pub mod validity;

pub use digest::Sha256Digest;
pub use dossier::{AgencyId, DossierCode};
pub use kind::DocumentKind;
pub use role::Role;
pub use status::RecordStatus;
pub use subject::SubjectId;
