-- Core tables: API keys, records, their pages, and the durable job queue.
-- Same shape as migrations/sqlite/0001_core.sql, in PostgreSQL's types.
-- Integers are BIGINT throughout, so that one set of Rust row types (i64)
-- decodes rows from either backend.

CREATE TABLE api_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,   -- SHA-256 hex of the secret; the secret itself is never stored
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
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
    issued_on       DATE,
    valid_until     DATE,
    officer         TEXT,
    fingerprint     TEXT NOT NULL,      -- SHA-256 over the ordered original-file digests
    created_by      TEXT NOT NULL,      -- name of the API key (or "cli") that uploaded it
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX records_same_pages
    ON records (subject_id, kind, fingerprint)
    WHERE status NOT IN ('failed', 'rejected');
CREATE INDEX records_by_subject ON records (subject_id, created_at);
CREATE INDEX records_by_dossier ON records (dossier_code);

CREATE TABLE pages (
    record_id       TEXT NOT NULL REFERENCES records (id),
    n               BIGINT  NOT NULL,
    sha256          TEXT NOT NULL,
    bytes           BIGINT NOT NULL,
    content_type    TEXT NOT NULL,
    file_page       BIGINT  NOT NULL,
    width           BIGINT  NOT NULL,
    height          BIGINT  NOT NULL,
    dpi             BIGINT ,
    ocr_text        TEXT,
    ocr_confidence  BIGINT ,
    ocr_done_at     TIMESTAMPTZ,
    PRIMARY KEY (record_id, n)
);
CREATE INDEX pages_by_sha256 ON pages (sha256);

CREATE TABLE jobs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL REFERENCES records (id),
    page_n        BIGINT ,
    state         TEXT NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    max_attempts  BIGINT  NOT NULL,
    run_after     TIMESTAMPTZ NOT NULL,
    lease_owner   TEXT,
    lease_until   TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_by_record ON jobs (record_id);
