//! Vietnamese text: whether a word can be a syllable (`syllable`), the
//! check of recognised words against the orthography and a dictionary
//! (`check`), surnames read with a mark lost (`names`), and folding for
//! matching (`fold`).

pub mod check;
pub mod fold;
pub mod names;
pub mod syllable;
