//! What is on file for one citizen or organisation, each paper with whether
//! it can be reused today and until when: the list the desk shows as soon as
//! an officer enters an ID, so that nobody is asked for a paper twice. It is
//! a listing of someone's papers, so it has the listing's roles and is
//! logged in the ledger, naming the officer, before anything is shown.

use super::Context;
use super::access::{AccessError, ListRequest, subject_records};
use super::links::{OwnRecord, own_records};
use crate::domain::role::Actor;

/// Most papers the list shows.
pub const SHOWN: u32 = 200;

/// The papers on file for `subject` (failed and rejected scans left out),
/// newest first, those reusable today first of all.
pub async fn on_file(
    cx: &Context,
    actor: &Actor,
    subject: &str,
    purpose: Option<&str>,
) -> Result<Vec<OwnRecord>, AccessError> {
    let listing = subject_records(
        cx,
        actor,
        subject,
        purpose,
        ListRequest {
            kind: None,
            before: None,
            limit: Some(SHOWN),
        },
    )
    .await?;
    let mut out = own_records(cx, listing.records).await?;
    out.sort_by_key(|r| !r.valid_today);
    Ok(out)
}
