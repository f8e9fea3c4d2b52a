//! The writes to records: storing a checked upload (record, pages and its
//! digitisation job in one transaction), and the status changes an officer
//! or issuer makes, each conditional on the one status the domain allows it
//! from, so two concurrent decisions cannot both win.

use chrono::{DateTime, Utc};

use super::super::exec::{Pool, Sql};
use super::super::{DbError, jobs, search};
use crate::domain::{AgencyId, NewRecord, RecordMeta, RecordStatus, Review, TextSource};

/// The status a record must have for it to become `target`.
pub(super) fn source_of(target: RecordStatus) -> RecordStatus {
    RecordStatus::ALL
        .into_iter()
        .find(|s| s.can_become(target))
        .expect("every target status has a status it comes from")
}

/// Stores the record, its pages and its job; a `Conflict` when the same
/// pages are already on file for the owner and kind.
pub(super) async fn insert(pool: &Pool, new: &NewRecord, max_attempts: u32) -> Result<(), DbError> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    let m = &new.meta;
    tx.conn()
        .execute(
            Sql::new(
                "INSERT INTO records (id, subject_id, kind, status, dossier_code, \
                 procedure_code, document_number, issued_on, valid_until, officer, \
                 fingerprint, created_by, created_at, updated_at, owner_name, result_code, \
                 issuing_agency, signer, permanent, scope, origin) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, \
                 $15, $16, $17, $18, $19, $20)",
            )
            .bind(&new.id)
            .bind(new.subject_id.as_str())
            .bind(new.kind.code())
            .bind(RecordStatus::Processing.as_str())
            .bind(m.dossier_code.as_ref().map(ToString::to_string))
            .bind(&m.procedure_code)
            .bind(&m.document_number)
            .bind(m.issued_on)
            .bind(m.valid_until)
            .bind(&m.officer)
            .bind(new.fingerprint.to_hex())
            .bind(&new.created_by)
            .bind(now)
            .bind(&m.owner_name)
            .bind(&m.result_code)
            .bind(&m.issuing_agency)
            .bind(&m.signer)
            .bind(m.permanent)
            .bind(&m.scope)
            .bind(new.origin.as_str()),
        )
        .await?;
    for page in &new.pages {
        tx.conn()
            .execute(
                Sql::new(
                    "INSERT INTO pages (record_id, n, sha256, bytes, content_type, \
                     file_page, width, height, dpi, quality, ocr_text, text_source) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&new.id)
                .bind(page.n)
                .bind(page.sha256.to_hex())
                .bind(page.bytes)
                .bind(page.content_type)
                .bind(page.file_page)
                .bind(page.width)
                .bind(page.height)
                .bind(page.dpi)
                .bind(
                    page.quality
                        .as_ref()
                        .and_then(|q| serde_json::to_string(q).ok()),
                )
                .bind(&page.pdf_text)
                .bind(page.pdf_text.as_ref().map(|_| TextSource::Pdf.as_str())),
            )
            .await?;
    }
    let to_read: Vec<u32> = new
        .pages
        .iter()
        .filter(|p| p.pdf_text.is_none())
        .map(|p| p.n)
        .collect();
    jobs::queue_reading(&mut tx.conn(), &new.id, &to_read, max_attempts, now).await?;
    tx.commit().await
}

/// Moves record `id` to `target` with `set` (assignments from `$3` on, bound
/// by `bind`), only from the status the domain allows; false when it was in
/// any other.
async fn transition(
    pool: &Pool,
    id: &str,
    target: RecordStatus,
    set: &'static str,
    at: DateTime<Utc>,
    bind: impl FnOnce(Sql) -> Sql,
) -> Result<bool, DbError> {
    let sql = Sql::new(sqlx::AssertSqlSafe(format!(
        "UPDATE records SET status = $1, updated_at = $2, {set} WHERE id = $3 AND status = $4"
    )))
    .bind(target.as_str())
    .bind(at)
    .bind(id)
    .bind(source_of(target).as_str());
    Ok(pool.execute(bind(sql)).await? == 1)
}

pub(super) async fn conclude_review(
    pool: &Pool,
    id: &str,
    review: &Review,
    certificate: Option<(&str, &AgencyId)>,
    particulars: Option<&RecordMeta>,
) -> Result<bool, DbError> {
    let target = if certificate.is_some() {
        RecordStatus::Certified
    } else {
        RecordStatus::Rejected
    };
    let mut tx = pool.begin().await?;
    let sql = Sql::new(
        "UPDATE records SET status = $1, updated_at = $2, reviewed_by = $5, review_note = $6, \
         reviewed_at = $2, certificate = $7, certified_by = $8 WHERE id = $3 AND status = $4",
    )
    .bind(target.as_str())
    .bind(review.at)
    .bind(id)
    .bind(source_of(target).as_str())
    .bind(&review.officer)
    .bind(&review.note)
    .bind(certificate.map(|c| c.0))
    .bind(certificate.map(|c| c.1.as_str()));
    if tx.conn().execute(sql).await? != 1 {
        return Ok(false);
    }
    // What the officer confirmed becomes the record's particulars (the
    // certificate just signed covers them), and the index follows.
    if let Some(m) = particulars {
        tx.conn()
            .execute(
                Sql::new(
                    "UPDATE records SET document_number = $1, issued_on = $2, \
                     issuing_agency = $3, signer = $4, owner_name = $5 WHERE id = $6",
                )
                .bind(&m.document_number)
                .bind(m.issued_on)
                .bind(&m.issuing_agency)
                .bind(&m.signer)
                .bind(&m.owner_name)
                .bind(id),
            )
            .await?;
        search::index(&mut tx.conn(), id).await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn withdraw(
    pool: &Pool,
    id: &str,
    reason: &str,
    superseded_by: Option<&str>,
    by: &str,
) -> Result<bool, DbError> {
    let target = if superseded_by.is_some() {
        RecordStatus::Superseded
    } else {
        RecordStatus::Revoked
    };
    let set = "status_reason = $5, superseded_by = $6, withdrawn_by = $7, withdrawn_at = $2";
    transition(pool, id, target, set, Utc::now(), |sql| {
        sql.bind(reason).bind(superseded_by).bind(by)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_decision_starts_from_the_one_status_the_domain_allows() {
        assert_eq!(
            source_of(RecordStatus::Certified),
            RecordStatus::PendingReview
        );
        assert_eq!(
            source_of(RecordStatus::Rejected),
            RecordStatus::PendingReview
        );
        assert_eq!(source_of(RecordStatus::Revoked), RecordStatus::Certified);
        assert_eq!(source_of(RecordStatus::Superseded), RecordStatus::Certified);
        assert_eq!(
            source_of(RecordStatus::PendingReview),
            RecordStatus::Processing
        );
    }
}
