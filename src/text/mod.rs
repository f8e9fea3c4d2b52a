//! Vietnamese text: whether a word can be a syllable (`syllable`), the
//! check of recognised words against the orthography and a dictionary
//! (`check`), surnames read with a mark lost (`names`), folding for
//! matching (`fold`), what the search index holds and how a query is read
//! (`search`), and a paper's particulars read off its text (`particulars`).

pub mod check;
pub mod fold;
pub mod names;
pub mod particulars;
pub mod search;
pub mod syllable;
