//! The stores' upkeep: `sohoa scrub` re-reads every original and rendition a
//! record names and checks its SHA-256 (bit rot, a lost blob); `sohoa gc`
//! removes blobs no record names, once older than a grace period, so that an
//! upload still in flight (its files written, its record not yet) is never
//! touched.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};

use super::blobs::{BlobError, BlobStore};
use super::db::{DbError, Repo};
use crate::domain::Sha256Digest;

#[derive(Debug, thiserror::Error)]
pub enum UpkeepError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// What a scrub found.
#[derive(Debug, Default)]
pub struct ScrubReport {
    /// Distinct files read back.
    pub checked: usize,
    /// One line per file missing or changed, naming the records holding it.
    pub problems: Vec<String>,
}

/// Reads back every file a record names, checking each against its digest.
pub async fn scrub(repo: &dyn Repo, blobs: &BlobStore) -> Result<ScrubReport, UpkeepError> {
    let mut report = ScrubReport::default();
    let mut after: Option<(String, String)> = None;
    // Files in digest order: one digest's records arrive together.
    let mut current: Option<(String, String, Vec<String>)> = None;
    loop {
        let page = repo
            .named_files(after.as_ref().map(|(s, r)| (s.as_str(), r.as_str())), 1000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.sha256.clone(), last.record_id.clone()));
        for file in page {
            match &mut current {
                Some((sha, what, records)) if *sha == file.sha256 && *what == file.what => {
                    records.push(file.record_id)
                }
                _ => {
                    if let Some(done) = current.take() {
                        check(blobs, done, &mut report).await?;
                    }
                    current = Some((file.sha256, file.what, vec![file.record_id]));
                }
            }
        }
    }
    if let Some(done) = current.take() {
        check(blobs, done, &mut report).await?;
    }
    Ok(report)
}

async fn check(
    blobs: &BlobStore,
    (sha, what, records): (String, String, Vec<String>),
    report: &mut ScrubReport,
) -> Result<(), UpkeepError> {
    report.checked += 1;
    let Some(digest) = Sha256Digest::parse(&sha) else {
        report.problems.push(format!(
            "records {} name a file by {sha:?}, which is not a SHA-256",
            records.join(", ")
        ));
        return Ok(());
    };
    let read = if what == "rendition" {
        blobs.get_rendition(&digest).await
    } else {
        blobs.get_original(&digest).await
    };
    let problem = match read {
        Ok(_) => return Ok(()),
        Err(BlobError::NotFound(_)) => "is missing from the blob store".to_owned(),
        Err(BlobError::Corrupt { actual, .. }) => {
            format!("has changed: its bytes now hash to {actual}")
        }
        Err(e) => return Err(e.into()),
    };
    report.problems.push(format!(
        "the {what} {sha} of record{} {} {problem}",
        if records.len() > 1 { "s" } else { "" },
        records.join(", ")
    ));
    Ok(())
}

/// What a collection removed.
#[derive(Debug, Default)]
pub struct GcReport {
    pub examined: usize,
    pub removed: Vec<(String, Sha256Digest)>,
}

/// Removes originals and renditions no record names and written more than
/// `grace` ago; with `dry_run`, only lists them.
pub async fn gc(
    repo: &dyn Repo,
    blobs: &BlobStore,
    grace: Duration,
    dry_run: bool,
) -> Result<GcReport, UpkeepError> {
    let cutoff = Utc::now() - grace;
    let mut report = GcReport::default();
    let mut unnamed: BTreeMap<String, Vec<Sha256Digest>> = BTreeMap::new();
    for folder in ["originals", "renditions"] {
        for (digest, written) in blobs.list_files(folder).await? {
            report.examined += 1;
            if written < cutoff && !repo.file_named(&digest.to_hex()).await? {
                unnamed.entry(folder.to_owned()).or_default().push(digest);
            }
        }
    }
    for (folder, digests) in unnamed {
        for digest in digests {
            if !dry_run {
                // Named again since it was listed (the same page uploaded
                // anew)? Then it stays.
                if repo.file_named(&digest.to_hex()).await? {
                    continue;
                }
                blobs.delete_file(&folder, &digest).await?;
            }
            report.removed.push((folder.clone(), digest));
        }
    }
    Ok(report)
}
