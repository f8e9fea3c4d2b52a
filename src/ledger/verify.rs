//! `sohoa audit verify`: every chain walked entry by entry, every checkpoint's
//! signature checked and its root recomputed from the stored leaves, every
//! leaf compared with the entry it names, every archive segment's signature
//! and bytes checked. The hash chains alone catch an edit by someone who does
//! not recompute the hashes after it; the signed checkpoints catch the one
//! who does, naming the first checkpoint the rewrite breaks.

use std::collections::{BTreeMap, HashMap};

use crate::domain::Sha256Digest;
use crate::domain::access::{AccessEntry, Break, ChainCheck, GENESIS};
use crate::domain::checkpoint::ChainHead;
use crate::domain::checkpoint::{CheckpointClaims, SegmentClaims, StoredLeaf};
use crate::domain::key::PublishedKey;
use crate::domain::merkle::Frontier;
use crate::storage::blobs::BlobStore;
use crate::storage::db::{DbError, Repo};

use super::archive;
use super::checkpoint::blob_name;

/// What a full check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Entries of the single chain written before per-subject chains.
    pub legacy_entries: i64,
    pub chains: usize,
    pub entries: i64,
    pub checkpoints: usize,
    pub segments: usize,
    /// Every break found; empty when the ledger is intact.
    pub problems: Vec<String>,
}

const PAGE: u32 = 2000;

/// Checks the whole ledger.
pub async fn verify(repo: &dyn Repo, blobs: &BlobStore) -> Result<Report, DbError> {
    let mut report = Report::default();
    legacy(repo, &mut report).await?;
    let keys = repo.signing_keys().await?;

    let mut leaves: Vec<StoredLeaf> = Vec::new();
    loop {
        let page = repo
            .leaves(leaves.last().map_or(-1, |l| l.idx), PAGE * 5)
            .await?;
        if page.is_empty() {
            break;
        }
        leaves.extend(page);
    }
    // The chain heads the checkpoints signed, by (subject, place).
    let mut signed: HashMap<(String, i64), (i64, String)> = leaves
        .iter()
        .map(|l| {
            let key = (l.leaf.subject_id.clone(), l.leaf.seq);
            (key, (l.checkpoint, l.leaf.hash.clone()))
        })
        .collect();
    // Per subject, the first checkpoint a rewrite breaks and the entry.
    let mut rewritten: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut compare = |entry: &AccessEntry| {
        let key = (entry.subject_id.clone(), entry.place());
        if let Some((checkpoint, hash)) = signed.remove(&key)
            && hash != entry.hash
        {
            let first = rewritten
                .entry(entry.subject_id.clone())
                .or_insert((checkpoint, entry.place()));
            if checkpoint < first.0 {
                *first = (checkpoint, entry.place());
            }
        }
    };

    let bases = segments(repo, blobs, &keys, &mut report, &mut compare).await?;
    chains(repo, &bases, &mut report, &mut compare).await?;
    for ((subject, seq), (checkpoint, _)) in &signed {
        let first = rewritten
            .entry(subject.clone())
            .or_insert((*checkpoint, *seq));
        if *checkpoint < first.0 {
            *first = (*checkpoint, *seq);
        }
    }
    for (subject, (checkpoint, seq)) in rewritten {
        report.problems.push(format!(
            "the chain of subject {subject} differs from what checkpoint {checkpoint} signed: \
             its entry {seq} was changed or removed and the chain rewritten after it \
             (the first checkpoint this breaks is {checkpoint})"
        ));
    }
    checkpoints(repo, blobs, &keys, &leaves, &mut report).await?;
    Ok(report)
}

/// The single chain written before per-subject chains, against its head.
async fn legacy(repo: &dyn Repo, report: &mut Report) -> Result<(), DbError> {
    let (head_seq, head_hash) = repo.access_log_head().await?;
    let mut check = ChainCheck::default();
    let mut after = 0;
    loop {
        let batch = repo.legacy_page(after, PAGE).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            if let Err(broken) = check.next(entry) {
                report.legacy_entries = check.checked();
                report.problems.push(format!(
                    "the ledger's older single chain is broken: {broken}"
                ));
                return Ok(());
            }
        }
    }
    report.legacy_entries = check.checked();
    if let Err(broken) = check.finish(head_seq, &head_hash) {
        report.problems.push(format!(
            "the ledger's older single chain is broken: {broken}"
        ));
    }
    Ok(())
}

/// Every subject chain in the database, from where its archive ends.
async fn chains(
    repo: &dyn Repo,
    bases: &HashMap<String, (i64, String)>,
    report: &mut Report,
    compare: &mut impl FnMut(&AccessEntry),
) -> Result<(), DbError> {
    let mut heads = BTreeMap::new();
    loop {
        let after = heads.keys().next_back().cloned();
        let page = repo.chain_heads(after.as_deref(), PAGE).await?;
        if page.is_empty() {
            break;
        }
        heads.extend(page.into_iter().map(|h| (h.subject_id.clone(), h)));
    }
    report.chains = heads.len();
    for (subject, head) in &heads {
        let signed = bases
            .get(subject)
            .cloned()
            .unwrap_or((0, GENESIS.to_owned()));
        if (head.archived_seq, &head.archived_hash) != (signed.0, &signed.1) {
            report.problems.push(format!(
                "the chain of subject {subject} says its archive ends at entry {} but the \
                 signed archive segments end it at entry {}",
                head.archived_seq, signed.0
            ));
        }
    }
    let mut walking: Option<Walk> = None;
    let mut after: Option<(String, i64)> = None;
    loop {
        let page = repo
            .chain_page(after.as_ref().map(|(s, p)| (s.as_str(), *p)), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.subject_id.clone(), last.place()));
        for entry in &page {
            report.entries += 1;
            compare(entry);
            if walking.as_ref().is_none_or(|w| w.0 != entry.subject_id) {
                finish(walking.take(), &mut heads, report);
                let start = heads
                    .get(&entry.subject_id)
                    .map_or((0, GENESIS.to_owned()), |h| {
                        (h.archived_seq, h.archived_hash.clone())
                    });
                walking = Some((
                    entry.subject_id.clone(),
                    ChainCheck::after(start.0, &start.1),
                    None,
                ));
            }
            if let Some((_, check, broken @ None)) = walking.as_mut() {
                *broken = check.next(entry).err();
            }
        }
    }
    finish(walking.take(), &mut heads, report);
    // Chains whose every entry in the database is gone.
    let empty: Vec<String> = heads.keys().cloned().collect();
    for subject in empty {
        let h = &heads[&subject];
        let check = ChainCheck::after(h.archived_seq, &h.archived_hash);
        if let Err(broken) = check.finish(h.seq, &h.hash) {
            report.problems.push(format!(
                "the chain of subject {subject} is broken: {broken}"
            ));
        }
    }
    Ok(())
}

/// A subject chain being walked: its subject, its check, its first break.
type Walk = (String, ChainCheck, Option<Break>);

/// The end of a chain's walk: it must end at its head.
fn finish(walk: Option<Walk>, heads: &mut BTreeMap<String, ChainHead>, report: &mut Report) {
    let Some((subject, check, broken)) = walk else {
        return;
    };
    let broken = broken.or_else(|| match heads.get(&subject) {
        Some(h) => check.finish(h.seq, &h.hash).err(),
        None => Some(Break::HeadMismatch),
    });
    if let Some(broken) = broken {
        report.problems.push(format!(
            "the chain of subject {subject} is broken: {broken}"
        ));
    }
    heads.remove(&subject);
}

/// Every checkpoint: signed by a published key, claims as stored, root as
/// the stored leaves give it, numbers and sizes only growing, and the blob
/// store's copy the same.
async fn checkpoints(
    repo: &dyn Repo,
    blobs: &BlobStore,
    keys: &[PublishedKey],
    leaves: &[StoredLeaf],
    report: &mut Report,
) -> Result<(), DbError> {
    let mut frontier = Frontier::default();
    let mut next_leaf = 0usize;
    let mut since = 0;
    let mut last_size = 0;
    loop {
        let page = repo.checkpoints(since, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for cp in page {
            report.checkpoints += 1;
            let n = cp.n;
            if n != since + 1 {
                report.problems.push(format!(
                    "checkpoints {}–{} are missing from the database",
                    since + 1,
                    n - 1
                ));
            }
            since = n;
            match crate::signing::verify(&cp.jws, keys) {
                Err(e) => report
                    .problems
                    .push(format!("checkpoint {n}'s signature does not hold: {e}")),
                Ok(verified) => {
                    match serde_json::from_value::<CheckpointClaims>(verified.payload) {
                        Ok(claims)
                            if claims.checkpoint == n
                                && claims.tree_size == cp.tree_size
                                && claims.root_hash == cp.root_hash => {}
                        _ => report.problems.push(format!(
                            "checkpoint {n}'s stored tree differs from the one its signature covers"
                        )),
                    }
                }
            }
            if cp.tree_size < last_size {
                report.problems.push(format!(
                    "checkpoint {n} has fewer leaves than the one before it: the tree shrank"
                ));
            }
            last_size = cp.tree_size;
            while next_leaf < leaves.len() && (next_leaf as i64) < cp.tree_size {
                let leaf = &leaves[next_leaf];
                if leaf.idx != next_leaf as i64 {
                    break;
                }
                frontier.push(leaf.leaf.leaf_hash());
                next_leaf += 1;
            }
            if frontier.size() as i64 != cp.tree_size
                || hex::encode(frontier.root()) != cp.root_hash
            {
                report.problems.push(format!(
                    "the leaves stored for checkpoint {n} do not give its signed root: \
                     the chain heads it holds were changed or removed"
                ));
            }
            match blobs.get_ledger(&blob_name(n)).await {
                Ok(Some(copy)) if copy.as_ref() == cp.jws.as_bytes() => {}
                Ok(Some(_)) => report.problems.push(format!(
                    "checkpoint {n} in the database differs from its copy in the blob store"
                )),
                Ok(None) => report.problems.push(format!(
                    "checkpoint {n} has no copy in the blob store (ledger/{})",
                    blob_name(n)
                )),
                Err(e) => return Err(DbError::Unavailable(e.to_string())),
            }
        }
    }
    match blobs.get_ledger(&blob_name(since + 1)).await {
        Ok(Some(_)) => report.problems.push(format!(
            "checkpoint {} is in the blob store but not in the database: checkpoints were removed",
            since + 1
        )),
        Ok(None) => {}
        Err(e) => return Err(DbError::Unavailable(e.to_string())),
    }
    Ok(())
}

/// Every archive segment: signed, its file intact, its chains continuing
/// from the segment before. Returns where each archived chain now starts.
async fn segments(
    repo: &dyn Repo,
    blobs: &BlobStore,
    keys: &[PublishedKey],
    report: &mut Report,
    compare: &mut impl FnMut(&AccessEntry),
) -> Result<HashMap<String, (i64, String)>, DbError> {
    let mut bases: HashMap<String, (i64, String)> = HashMap::new();
    for segment in repo.segments().await? {
        report.segments += 1;
        let n = segment.n;
        let claims = match crate::signing::verify(&segment.jws, keys) {
            Ok(v) => match serde_json::from_value::<SegmentClaims>(v.payload) {
                Ok(c) if c.segment == n && c.sha256 == segment.sha256 => c,
                _ => {
                    report.problems.push(format!(
                        "archive segment {n}'s stored summary differs from the signed one"
                    ));
                    continue;
                }
            },
            Err(e) => {
                report.problems.push(format!(
                    "archive segment {n}'s signature does not hold: {e}"
                ));
                continue;
            }
        };
        let file = match blobs.get_ledger(&archive::blob_name(n)).await {
            Ok(Some(file)) => file,
            Ok(None) => {
                report.problems.push(format!(
                    "archive segment {n}'s file is missing from the blob store"
                ));
                continue;
            }
            Err(e) => return Err(DbError::Unavailable(e.to_string())),
        };
        if Sha256Digest::of(&file).to_hex() != claims.sha256 {
            report.problems.push(format!(
                "archive segment {n}'s file was changed: it no longer has its signed SHA-256"
            ));
            continue;
        }
        let entries = match archive::parse(&file) {
            Ok(entries) => entries,
            Err(e) => {
                report
                    .problems
                    .push(format!("archive segment {n}'s file cannot be read: {e}"));
                continue;
            }
        };
        let mut checks: HashMap<String, (ChainCheck, Option<Break>)> = HashMap::new();
        for entry in &entries {
            compare(entry);
            let (check, broken) = checks.entry(entry.subject_id.clone()).or_insert_with(|| {
                let (seq, hash) = bases
                    .get(&entry.subject_id)
                    .cloned()
                    .unwrap_or((0, GENESIS.to_owned()));
                (ChainCheck::after(seq, &hash), None)
            });
            if broken.is_none() {
                *broken = check.next(entry).err();
            }
        }
        for chain in &claims.chains {
            match checks.get(&chain.subject_id) {
                Some((check, None))
                    if check.checked() == chain.last && check.last_hash() == chain.last_hash =>
                {
                    bases.insert(chain.subject_id.clone(), (chain.last, chain.last_hash.clone()));
                }
                Some((_, Some(broken))) => report.problems.push(format!(
                    "archive segment {n}: the chain of subject {} is broken: {broken}",
                    chain.subject_id
                )),
                _ => report.problems.push(format!(
                    "archive segment {n}: the chain of subject {} does not end where its summary says",
                    chain.subject_id
                )),
            }
        }
    }
    Ok(bases)
}
