-- Find and fill: the particulars read off a record's text, and its search
-- index. The index holds ASCII words only (src/text/search.rs folds them in
-- Rust, the same for both backends): `particulars` and `body` folded (no
-- marks, đ → d), `exact` with each word's marks spelled as digits, so a
-- query typed with marks ranks the records that hold it so written first.

ALTER TABLE records ADD COLUMN suggestions TEXT;  -- JSON {field: {value, confidence}}; personal data

-- FTS5 rows are numbered; search_rows ties a number to its record (an
-- INTEGER PRIMARY KEY keeps its value through VACUUM).
CREATE TABLE search_rows (
    n         INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE REFERENCES records (id),
    issued_on TEXT    -- the confirmed issue date, else the suggested one: the date filter's
);
CREATE VIRTUAL TABLE record_search USING fts5 (
    particulars, body, exact,
    tokenize = 'unicode61 remove_diacritics 0'
);
