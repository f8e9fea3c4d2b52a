//! PDFs: the searchable PDF sohoa writes (`searchable`) from each page's part
//! (`parts`: which image, encoded how), declared PDF/A-2b (`archival`); and
//! the text of born-digital PDFs an agency issued (`born_digital`), which are
//! kept byte for byte.

pub mod archival;
pub mod born_digital;
pub mod parts;
pub mod searchable;
