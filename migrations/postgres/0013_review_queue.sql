-- The desk's review queue: records waiting in one status, oldest first.
CREATE INDEX records_by_status ON records (status, id);
