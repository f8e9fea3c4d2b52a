-- The digitisation result (Decree 107): the paper's own particulars, the
-- searchable PDF rendition, the officer's review and the agency's signature.

ALTER TABLE records ADD COLUMN owner_name TEXT;         -- personal data: never logged
ALTER TABLE records ADD COLUMN result_code TEXT;        -- catalogue code, e.g. KQ.G15.000031
ALTER TABLE records ADD COLUMN issuing_agency TEXT;     -- who issued the paper
ALTER TABLE records ADD COLUMN signer TEXT;             -- who signed the paper
ALTER TABLE records ADD COLUMN permanent BOOLEAN NOT NULL DEFAULT FALSE;            -- valid without an end date
ALTER TABLE records ADD COLUMN scope TEXT;              -- where the paper is valid, e.g. nationwide
ALTER TABLE records ADD COLUMN rendition_sha256 TEXT;   -- searchable PDF, stored apart from the originals
ALTER TABLE records ADD COLUMN rendition_bytes BIGINT;
ALTER TABLE records ADD COLUMN reviewed_by TEXT;        -- the officer who compared scan and paper
ALTER TABLE records ADD COLUMN review_note TEXT;
ALTER TABLE records ADD COLUMN reviewed_at TIMESTAMPTZ;
ALTER TABLE records ADD COLUMN certificate TEXT;        -- JWS compact serialisation
ALTER TABLE records ADD COLUMN certified_by TEXT;       -- agency ID that signed it
CREATE INDEX records_by_rendition ON records (rendition_sha256);

-- Public halves of the agency's signing keys, every one ever used, so that
-- old certificates stay verifiable after a rotation and every instance
-- publishes every instance's keys. Private keys never enter the database.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,   -- RFC 7638 thumbprint of the public key
    alg         TEXT NOT NULL,      -- EdDSA
    public_jwk  TEXT NOT NULL,      -- JSON
    agency_id   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- One job per record now reads every page and writes the PDF in one pass;
-- it replaces the per-page OCR jobs of records still in processing.
INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, run_after, created_at, updated_at)
    SELECT 'digitise', id, NULL, 'queued', 0, 5, created_at, created_at, created_at
    FROM records WHERE status = 'processing';
DELETE FROM jobs WHERE kind = 'ocr_page' AND state IN ('queued', 'running');
