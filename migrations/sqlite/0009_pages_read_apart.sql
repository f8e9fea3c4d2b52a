-- Every page is read on its own (one job per page, so every engine works on
-- every record) and the searchable PDF is assembled from the pages' parts
-- once the last page is read. priority_at spaces a record's pages in time, so
-- that a short record uploaded behind a long one is not kept waiting for it.

ALTER TABLE jobs ADD COLUMN priority_at TEXT;
UPDATE jobs SET priority_at = created_at;
CREATE INDEX jobs_by_priority ON jobs (state, priority_at);

ALTER TABLE pages ADD COLUMN reading TEXT;  -- lines and words with their boxes (JSON)
ALTER TABLE pages ADD COLUMN part TEXT;     -- the page image as the PDF embeds it (JSON)

-- Records still being digitised: their one job becomes one job per page to
-- read, or, when every page already has its text (a born-digital PDF), the
-- assembly itself.
INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, run_after,
                  priority_at, created_at, updated_at)
    SELECT 'read_page', p.record_id, p.n, 'queued', 0, j.max_attempts, j.run_after,
           j.created_at, j.created_at, j.created_at
    FROM pages p JOIN jobs j ON j.record_id = p.record_id
    WHERE j.kind = 'digitise' AND j.state IN ('queued', 'running') AND p.text_source IS NULL;
INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, run_after,
                  priority_at, created_at, updated_at)
    SELECT 'assemble', j.record_id, NULL, 'queued', 0, j.max_attempts, j.run_after,
           j.created_at, j.created_at, j.created_at
    FROM jobs j
    WHERE j.kind = 'digitise' AND j.state IN ('queued', 'running')
      AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.record_id = j.record_id AND p.text_source IS NULL);
DELETE FROM jobs WHERE kind = 'digitise' AND state IN ('queued', 'running');
