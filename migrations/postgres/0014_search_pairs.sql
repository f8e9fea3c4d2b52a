-- Phrases of common words, found fast: each record's adjacent pairs of
-- folded words ("vu duc phuc" holds "vuduc" and "ducphuc"), across its
-- particulars and then its text, as `words` holds them in order. A phrase's
-- last pair narrows the candidates through a GIN index the planner can
-- estimate, before the phrase itself is checked on those few rows; without
-- it, PostgreSQL took a phrase of three common name syllables for thousands
-- of matches and walked every row (0.85 s at 100,000 records; 12 ms with).
-- Existing rows get their pairs here; new ones from the indexer (Rust).

ALTER TABLE record_search ADD COLUMN pairs TEXT NOT NULL DEFAULT '';
UPDATE record_search s SET pairs = coalesce((
    SELECT string_agg(w.a || w.b, ' ' ORDER BY w.i) FROM (
        SELECT t.w AS a, lead(t.w) OVER (ORDER BY t.i) AS b, t.i
        FROM unnest(regexp_split_to_array(trim(s.particulars || ' ' || s.body), '\s+'))
             WITH ORDINALITY AS t(w, i)
    ) w WHERE w.b IS NOT NULL AND w.a <> '' AND w.b <> ''), '');
ALTER TABLE record_search ADD COLUMN pair_words TSVECTOR
    GENERATED ALWAYS AS (to_tsvector('simple', pairs)) STORED;
CREATE INDEX record_search_pairs ON record_search USING GIN (pair_words);
