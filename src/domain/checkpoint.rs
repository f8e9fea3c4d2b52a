//! What the ledger's checkpoints and archive segments are: a subject chain's
//! head, a signed tree head over the chain heads (the claims the agency
//! signs), and a segment of old entries moved to the blob store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The JWS header `typ` of a ledger checkpoint.
pub const CHECKPOINT_TYP: &str = "sohoa-ledger-checkpoint+jws";
/// The JWS header `typ` of an archive segment's summary.
pub const SEGMENT_TYP: &str = "sohoa-ledger-segment+jws";

/// A subject chain's head, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub subject_id: String,
    /// The last entry's place in the chain (0 when empty).
    pub seq: i64,
    /// The last entry's hash.
    pub hash: String,
    /// The last entry a checkpoint holds.
    pub checkpointed_seq: i64,
    /// Entries up to here were archived; the chain in the hot table starts after.
    pub archived_seq: i64,
    pub archived_hash: String,
}

/// What a checkpoint's signature covers (the JWS payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointClaims {
    /// The agency whose ledger this is.
    pub agency: String,
    /// The checkpoint's number, from 1.
    pub checkpoint: i64,
    /// When it was made (RFC 3339).
    pub at: String,
    /// Leaves in the tree.
    pub tree_size: i64,
    /// The tree's root (hex), RFC 9162 hashing.
    pub root_hash: String,
}

/// A signed checkpoint, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub n: i64,
    pub at: DateTime<Utc>,
    pub tree_size: i64,
    pub root_hash: String,
    /// The signed claims, a compact JWS.
    pub jws: String,
}

/// A leaf of the tree as stored: its place, the checkpoint that added it,
/// and the chain head it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLeaf {
    pub idx: i64,
    pub checkpoint: i64,
    pub leaf: super::merkle::ChainLeaf,
}

/// Where a subject's chain continues after an archive segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentChain {
    pub subject_id: String,
    /// The first and last places of the chain's entries in the segment.
    pub first: i64,
    pub last: i64,
    /// The hash of entry `last`: the chain in the hot table follows it.
    pub last_hash: String,
}

/// What an archive segment's signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentClaims {
    pub agency: String,
    pub segment: i64,
    pub at: String,
    /// Entries written before this time were archived.
    pub cutoff: String,
    pub entries: i64,
    /// SHA-256 (hex) of the segment's file in the blob store.
    pub sha256: String,
    pub chains: Vec<SegmentChain>,
}

/// An archive segment, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub n: i64,
    pub at: DateTime<Utc>,
    pub cutoff: DateTime<Utc>,
    pub entries: i64,
    pub sha256: String,
    pub jws: String,
}
