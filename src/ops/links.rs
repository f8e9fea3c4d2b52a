//! Citizens read their own records and who looked at them. A counter issues
//! a link (valid 30 days by default), printed as a QR code; opening it shows
//! that subject's records, with status and validity, and the access ledger's
//! entries for them: when, which system, for which dossier. The link shows
//! nothing else and stops working when revoked or expired. Only the token's
//! SHA-256 is stored; the opening itself is logged too.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;

use super::{Context, Forbidden, StoreError, authorize, catalogue};
use crate::domain::access::{AccessEntry, Action, Reader};
use crate::domain::dossier::vietnam_today;
use crate::domain::link::{CitizenLink, LinkRefusal, token_hash};
use crate::domain::role::{Actor, Role};
use crate::domain::subject::SubjectIdError;
use crate::domain::{Record, RecordStatus, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::{DbError, RecordQuery};

/// Roles that issue and revoke citizen links.
pub const ROLES: &[Role] = &[Role::Intake, Role::Admin];
pub const DEFAULT_DAYS: u32 = 30;
pub const MAX_DAYS: u32 = 366;
/// Most records and accesses a citizen's page shows.
const SHOWN: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("valid_days must be between 1 and {MAX_DAYS}")]
    InvalidDays,
    #[error("live citizen link not found")]
    NotLive,
    #[error(
        "Không tìm thấy liên kết này. Hãy kiểm tra lại đường dẫn hoặc hỏi cán bộ Bộ phận Một cửa."
    )]
    Unknown,
    #[error("Liên kết này đã bị thu hồi. Hãy đề nghị Bộ phận Một cửa cấp liên kết mới.")]
    Revoked,
    #[error("Liên kết này đã hết hạn. Hãy đề nghị Bộ phận Một cửa cấp liên kết mới.")]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for LinkError {
    fn from(e: DbError) -> Self {
        LinkError::Store(e.into())
    }
}

impl Coded for LinkError {
    fn code(&self) -> ErrorCode {
        match self {
            LinkError::Forbidden(e) => e.code(),
            LinkError::InvalidSubject(_) => ErrorCode::InvalidSubjectId,
            LinkError::InvalidDays => ErrorCode::InvalidJson,
            LinkError::NotLive => ErrorCode::NotFound,
            LinkError::Unknown => ErrorCode::LinkNotFound,
            LinkError::Revoked => ErrorCode::LinkRevoked,
            LinkError::Expired => ErrorCode::LinkExpired,
            LinkError::Store(e) => e.code(),
        }
    }
}

/// A new link and its token (shown once: only its hash is kept).
#[derive(Debug)]
pub struct Issued {
    pub link: CitizenLink,
    pub token: String,
}

/// Issues a link for `subject`, working for `valid_days` (default 30).
pub async fn create(
    cx: &Context,
    actor: &Actor,
    subject: &str,
    valid_days: Option<u32>,
) -> Result<Issued, LinkError> {
    authorize(actor, ROLES)?;
    let subject = SubjectId::parse(subject)?;
    let days = valid_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(LinkError::InvalidDays);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = Utc::now();
    let link = CitizenLink {
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject,
        created_by: actor.name.clone(),
        created_at: now,
        expires_at: now + Duration::days(days.into()),
        revoked_at: None,
    };
    cx.repo
        .create_citizen_link(&link, &token_hash(&token))
        .await?;
    tracing::info!(link = %link.id, days, "citizen link issued");
    Ok(Issued { link, token })
}

/// Revokes link `id`: it stops working at once.
pub async fn revoke(cx: &Context, actor: &Actor, id: &str) -> Result<CitizenLink, LinkError> {
    authorize(actor, ROLES)?;
    if !cx.repo.revoke_citizen_link(id).await? {
        return Err(LinkError::NotLive);
    }
    let link = cx.repo.citizen_link(id).await?.ok_or(LinkError::NotLive)?;
    tracing::info!(link = %id, "citizen link revoked");
    Ok(link)
}

/// A record as its owner sees it.
#[derive(Debug)]
pub struct OwnRecord {
    pub record: Record,
    /// Last day of validity; none when it does not expire or cannot be known.
    pub valid_until: Option<NaiveDate>,
    /// Whether it can be reused today.
    pub valid_today: bool,
}

/// The records worth showing their owner or an officer (failed and
/// rejected scans left out), each with whether it can be reused today and
/// until when.
pub async fn own_records(
    cx: &Context,
    records: Vec<Record>,
) -> Result<Vec<OwnRecord>, crate::storage::db::DbError> {
    let catalogue = catalogue::load(cx).await?;
    let today = vietnam_today();
    Ok(records
        .into_iter()
        .filter(|r| !matches!(r.status, RecordStatus::Failed | RecordStatus::Rejected))
        .map(|record| OwnRecord {
            valid_today: catalogue.is_valid_on(&record, today),
            valid_until: catalogue.valid_until(&record),
            record,
        })
        .collect())
}

/// What a citizen's link shows.
#[derive(Debug)]
pub struct CitizenView {
    pub link: CitizenLink,
    pub records: Vec<OwnRecord>,
    /// Who read the papers, newest first (the citizen's own views left out).
    pub accesses: Vec<AccessEntry>,
    /// The head of the citizen's chain in the access ledger.
    pub chain: Option<crate::domain::checkpoint::ChainHead>,
    /// That the head, as last checkpointed, is in the latest signed checkpoint.
    pub proof: Option<crate::ledger::checkpoint::InclusionProof>,
}

/// Opens the link with `token` at `now`: the owner's records and who looked
/// at them. The opening is logged before anything is shown.
pub async fn open(cx: &Context, token: &str, now: DateTime<Utc>) -> Result<CitizenView, LinkError> {
    let link = cx
        .repo
        .citizen_link_by_token_hash(&token_hash(token))
        .await?
        .ok_or(LinkError::Unknown)?;
    link.usable_at(now).map_err(|refusal| match refusal {
        LinkRefusal::Revoked => LinkError::Revoked,
        LinkRefusal::Expired => LinkError::Expired,
    })?;
    let citizen = Reader {
        name: format!("citizen-link {}", link.id),
        role: "citizen".into(),
    };
    super::access::log(
        cx,
        citizen,
        &link.subject_id,
        None,
        None,
        Action::CitizenView,
    )
    .await?;
    let query = RecordQuery {
        kind: None,
        before: None,
        limit: SHOWN,
    };
    let records = own_records(cx, cx.repo.subject_records(&link.subject_id, &query).await?).await?;
    let accesses = cx
        .repo
        .subject_access_log(link.subject_id.as_str(), SHOWN)
        .await?
        .into_iter()
        .filter(|e| e.action != Action::CitizenView)
        .collect();
    let chain = cx.repo.chain_head(link.subject_id.as_str()).await?;
    let proof =
        crate::ledger::checkpoint::inclusion(cx.repo.as_ref(), link.subject_id.as_str()).await?;
    Ok(CitizenView {
        link,
        records,
        accesses,
        chain,
        proof,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[tokio::test]
    async fn a_link_opens_until_revoked_and_an_unknown_token_never() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let err = create(&cx, &desk, testing::SUBJECT, Some(0))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson);
        let issued = create(&cx, &desk, testing::SUBJECT, None).await.unwrap();
        let view = open(&cx, &issued.token, Utc::now()).await.unwrap();
        assert_eq!(view.link.id, issued.link.id);
        let later = Utc::now() + Duration::days(31);
        let err = open(&cx, &issued.token, later).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::LinkExpired);
        revoke(&cx, &desk, &issued.link.id).await.unwrap();
        let err = open(&cx, &issued.token, Utc::now()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::LinkRevoked);
        let err = revoke(&cx, &desk, &issued.link.id).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let err = open(&cx, "not-a-token", Utc::now()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::LinkNotFound);
    }
}
