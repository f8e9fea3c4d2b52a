-- Core tables: API keys, records, their pages, and the durable job queue.
-- Timestamps are written by the application as RFC 3339 UTC text, so that
-- text order is time order.

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,   -- SHA-256 hex of the secret; the secret itself is never stored
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE records (
    id              TEXT PRIMARY KEY,   -- UUID v7
    subject_id      TEXT NOT NULL,      -- personal ID number or tax code, canonical form
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT,
    dossier_code    TEXT,
    procedure_code  TEXT,
    document_number TEXT,
    issued_on       TEXT,               -- YYYY-MM-DD
    valid_until     TEXT,               -- YYYY-MM-DD
    officer         TEXT,
    fingerprint     TEXT NOT NULL,      -- SHA-256 over the ordered original-file digests
    created_by      TEXT NOT NULL,      -- name of the API key (or "cli") that uploaded it
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- The same files for the same owner and kind are one record, unless the
-- earlier one failed or was rejected (then a rescan may be submitted again).
CREATE UNIQUE INDEX records_same_pages
    ON records (subject_id, kind, fingerprint)
    WHERE status NOT IN ('failed', 'rejected');
CREATE INDEX records_by_subject ON records (subject_id, created_at);
CREATE INDEX records_by_dossier ON records (dossier_code);

CREATE TABLE pages (
    record_id       TEXT NOT NULL REFERENCES records (id),
    n               INTEGER NOT NULL,   -- 1-based page number within the record
    sha256          TEXT NOT NULL,      -- digest of the original file holding this page
    bytes           INTEGER NOT NULL,   -- size of that file
    content_type    TEXT NOT NULL,
    file_page       INTEGER NOT NULL,   -- 1-based page within that file (multi-page TIFF/PDF)
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    dpi             INTEGER,            -- as stated by the file; NULL when it states none
    ocr_text        TEXT,
    ocr_confidence  INTEGER,            -- Tesseract's mean word confidence, 0-100
    ocr_done_at     TEXT,
    PRIMARY KEY (record_id, n)
);
CREATE INDEX pages_by_sha256 ON pages (sha256);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,        -- e.g. ocr_page
    record_id     TEXT NOT NULL REFERENCES records (id),
    page_n        INTEGER,
    state         TEXT NOT NULL,        -- queued | running | done | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_after     TEXT NOT NULL,
    lease_owner   TEXT,
    lease_until   TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_by_record ON jobs (record_id);
