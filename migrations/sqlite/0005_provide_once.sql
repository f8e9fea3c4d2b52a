-- Provide once: results registered by their issuers, validity per kind,
-- revocation, reuse for dossiers, the hash-chained access ledger, and the
-- links citizens use to read their own records.

ALTER TABLE records ADD COLUMN origin TEXT NOT NULL DEFAULT 'scanned';  -- scanned | issued
ALTER TABLE records ADD COLUMN superseded_by TEXT;
ALTER TABLE records ADD COLUMN withdrawn_by TEXT;                       -- key that revoked it
ALTER TABLE records ADD COLUMN withdrawn_at TEXT;

-- Where a page's text came from: ocr, or pdf (a born-digital PDF's own text).
ALTER TABLE pages ADD COLUMN text_source TEXT;

-- Default validity of each kind (decree107.md), editable by admins.
--   no_expiry          valid until revoked or replaced
--   months_from_issue  valid for `months` from issued_on
--   date_on_paper      valid until the date printed on it (valid_until)
CREATE TABLE kind_validity (
    kind        TEXT PRIMARY KEY,
    rule        TEXT NOT NULL,
    months      INTEGER,
    note        TEXT NOT NULL,
    updated_by  TEXT,
    updated_at  TEXT
);
INSERT INTO kind_validity (kind, rule, months, note) VALUES
    ('cccd', 'date_on_paper', NULL, 'until the next change age (14, 25, 40, 60), printed on the card; from 60 no expiry'),
    ('birth_certificate', 'no_expiry', NULL, 'civil-status extracts do not expire'),
    ('marriage_status_certificate', 'months_from_issue', 6, '6 months from issue'),
    ('criminal_record_certificate', 'no_expiry', NULL, 'no statutory expiry; procedures commonly ask for one issued within 6 months'),
    ('health_certificate', 'months_from_issue', 12, '12 months from the signed conclusion'),
    ('residence_confirmation', 'no_expiry', NULL, 'not in the domain notes: set the applicable period'),
    ('business_registration', 'no_expiry', NULL, 'until replaced or revoked'),
    ('land_use_certificate', 'no_expiry', NULL, 'until replaced or revoked'),
    ('diploma', 'no_expiry', NULL, 'does not expire'),
    ('other', 'no_expiry', NULL, 'unknown paper: procedures may demand freshness');

-- Papers a dossier did not have to ask for, because they were on file.
CREATE TABLE reuses (
    dossier_code    TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    agency_id       TEXT NOT NULL,   -- the reusing agency (the dossier code's)
    procedure_code  TEXT,
    reused_by       TEXT NOT NULL,   -- key name
    reused_at       TEXT NOT NULL,
    PRIMARY KEY (dossier_code, record_id)
);
CREATE INDEX reuses_by_time ON reuses (reused_at);

-- Every read of a subject's records, append-only and hash-chained: each
-- entry's hash covers its fields and the previous entry's hash. The head row
-- holds the last sequence number and hash; appending updates it first, which
-- serialises appenders on both backends. Times are RFC 3339 text so that the
-- hashed value is exactly the stored one.
CREATE TABLE access_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    key_name    TEXT NOT NULL,
    role        TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    record_id   TEXT,
    purpose     TEXT,
    action      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX access_log_by_subject ON access_log (subject_id, seq);
CREATE TABLE access_log_head (
    id    INTEGER PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO access_log_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Links that let a citizen read their own records and access log.
CREATE TABLE citizen_links (
    id          TEXT PRIMARY KEY,
    subject_id  TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,   -- SHA-256 of the token; the token itself is never stored
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX citizen_links_by_subject ON citizen_links (subject_id);
