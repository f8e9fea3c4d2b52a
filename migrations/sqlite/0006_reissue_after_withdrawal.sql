-- A revoked or superseded record no longer blocks the same files from being
-- recorded again (an agency re-issuing a withdrawn result, a citizen bringing
-- the paper again): like failed and rejected ones, it leaves the set of live
-- records that must be unique per owner, kind and files.
DROP INDEX records_same_pages;
CREATE UNIQUE INDEX records_same_pages
    ON records (subject_id, kind, fingerprint)
    WHERE status NOT IN ('failed', 'rejected', 'revoked', 'superseded');
