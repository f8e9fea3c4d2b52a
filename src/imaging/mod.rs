//! Pixels: decoding each accepted format within limits (`decode`), judging a
//! page at the counter (`assess`: resolution, blank, skew) and straightening
//! a crooked page for reading (`skew`). Pure functions on bytes and images;
//! this module knows nothing of records. Intake and the digitisation job both
//! depend on it rather than on each other.

pub mod assess;
pub mod decode;
pub mod encode;
pub mod skew;
