//! PDFs: the searchable PDF made archival (`archival`: PDF/A-2b metadata and
//! output intent), and the text of born-digital PDFs an agency issued
//! (`born_digital`), which are kept byte for byte.

pub mod archival;
pub mod born_digital;
