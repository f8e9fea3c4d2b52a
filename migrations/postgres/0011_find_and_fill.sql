-- Find and fill: the particulars read off a record's text, and its search
-- index. The index holds ASCII words only (src/text/search.rs folds them in
-- Rust, the same for both backends): `particulars` and `body` folded (no
-- marks, đ → d), `exact` with each word's marks spelled as digits, so a
-- query typed with marks ranks the records that hold it so written first.
-- Full-text search of PostgreSQL itself, `simple` configuration, GIN indexes.

ALTER TABLE records ADD COLUMN suggestions TEXT;  -- JSON {field: {value, confidence}}; personal data

CREATE TABLE record_search (
    record_id   TEXT PRIMARY KEY REFERENCES records (id),
    issued_on   DATE,  -- the confirmed issue date, else the suggested one: the date filter's
    particulars TEXT NOT NULL,
    body        TEXT NOT NULL,
    exact       TEXT NOT NULL,
    words       TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', particulars), 'A')
                    || setweight(to_tsvector('simple', body), 'B')) STORED,
    exact_words TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', exact)) STORED
);
CREATE INDEX record_search_words ON record_search USING GIN (words);
CREATE INDEX record_search_exact ON record_search USING GIN (exact_words);
