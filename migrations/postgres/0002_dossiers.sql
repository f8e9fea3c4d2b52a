-- Dossiers (hồ sơ) and their codes: {agency}-{yyMMdd}-{NNNN}, the sequence
-- counted per agency per (Viet Nam) day and allocated atomically by an upsert.

CREATE TABLE dossier_sequences (
    agency_id  TEXT NOT NULL,
    day        TEXT NOT NULL,   -- YYYY-MM-DD, Viet Nam's date
    last       BIGINT NOT NULL,
    PRIMARY KEY (agency_id, day)
);

CREATE TABLE dossiers (
    code            TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    procedure_code  TEXT NOT NULL,
    opened_by       TEXT NOT NULL,   -- name of the API key that opened it
    opened_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX dossiers_by_subject ON dossiers (subject_id);
