-- The access ledger as one chain per subject (a citizen's reads are one
-- chain, appended without waiting on anyone else's), and signed checkpoints:
-- a Merkle tree (RFC 9162) whose leaves are chain heads, its root signed with
-- the agency's key, which the database does not hold.
--
-- Entries written before this migration keep the single chain they were
-- written in (chain_seq NULL), verified as before against access_log_head,
-- which no longer moves. New entries carry chain_seq, their place in their
-- subject's chain; seq stays the order of writing.
ALTER TABLE access_log ADD COLUMN chain_seq INTEGER;
CREATE UNIQUE INDEX access_log_by_chain ON access_log (subject_id, chain_seq);

-- Each subject chain's head; checkpointed_seq is the last entry a checkpoint
-- holds; archived_seq/archived_hash where the entries still in access_log
-- start, the ones before having been moved to a signed archive segment.
CREATE TABLE ledger_chains (
    subject_id       TEXT PRIMARY KEY,
    seq              INTEGER NOT NULL,
    hash             TEXT NOT NULL,
    checkpointed_seq INTEGER NOT NULL DEFAULT 0,
    archived_seq     INTEGER NOT NULL DEFAULT 0,
    archived_hash    TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
);
CREATE INDEX ledger_chains_unsealed ON ledger_chains (seq, checkpointed_seq);

-- The Merkle tree's leaves, in order: each is a chain head (subject, seq,
-- hash) as a checkpoint saw it.
CREATE TABLE ledger_leaves (
    idx         INTEGER PRIMARY KEY,
    checkpoint  INTEGER NOT NULL,
    subject_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX ledger_leaves_by_subject ON ledger_leaves (subject_id, idx);

-- Signed tree heads, one per checkpoint, numbered from 1.
CREATE TABLE ledger_checkpoints (
    n          INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    tree_size  INTEGER NOT NULL,
    root_hash  TEXT NOT NULL,
    jws        TEXT NOT NULL
);

-- Serialises checkpoint makers (and archivers) across instances; frontier
-- holds the roots of the tree's complete subtrees, so that the next
-- checkpoint hashes only its new leaves.
CREATE TABLE ledger_tree (
    id          INTEGER PRIMARY KEY,
    checkpoints INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    segments    INTEGER NOT NULL,
    frontier    TEXT NOT NULL
);
INSERT INTO ledger_tree (id, checkpoints, size, segments, frontier) VALUES (1, 0, 0, 0, '[]');

-- Archive segments: entries moved out of access_log into the blob store,
-- each segment signed.
CREATE TABLE ledger_segments (
    n        INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    cutoff   TEXT NOT NULL,
    entries  INTEGER NOT NULL,
    sha256   TEXT NOT NULL,
    jws      TEXT NOT NULL
);
