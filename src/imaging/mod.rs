//! Pixels: decoding each accepted format within limits (`decode`), judging a
//! page at the counter (`assess`: resolution, blank, skew), finding the paper
//! in a photo and flattening it (`page`), straightening a crooked scan
//! (`skew`), evening out the light (`light`), telling black print from red
//! seals and blue pens (`ink`), clearing dotted leaders and form rules
//! (`leaders`), clearing a seal's rings on a grey page (`seal`), reading a QR code (`qr`), and encoding page images for the
//! PDF (`encode`). Pure
//! functions on bytes and images; this module knows nothing of records.
//! Intake and the reading job both depend on it rather than on each other.

pub mod assess;
pub mod decode;
pub mod encode;
pub mod ink;
pub mod leaders;
pub mod light;
pub mod page;
pub mod qr;
pub mod seal;
pub mod skew;
pub mod strays;
