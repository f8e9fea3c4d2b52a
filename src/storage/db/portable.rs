//! The SQL both backends share, written once. [`portable_repository!`]
//! implements [`Repository`](super::Repository) for a backend type with a
//! `pool` field; the backend's own module supplies its dialect:
//!
//! - `fn ts(DateTime<Utc>) -> T` and `fn later(Duration) -> T`: how a
//!   timestamp is bound (text on SQLite, `timestamptz` on PostgreSQL);
//! - `const CLAIM_JOB_SQL: &str`: how a worker claims the next job (row locks
//!   with `SKIP LOCKED` on PostgreSQL; SQLite serialises writers instead).
//!
//! Placeholders are `$1`-style, which both accept.

macro_rules! portable_repository {
    ($repo:ident) => {
        // A block of its own, so the shared code brings its own imports.
        const _: () = {
        use std::time::Duration;

        use chrono::Utc;
        // Composed SQL only joins the constant column lists; values are always bound.
        use sqlx::AssertSqlSafe;

        use $crate::domain::{AgencyId, DocumentKind, DossierCode, RecordStatus, Role, Sha256Digest, SubjectId};
        use $crate::domain::validity::ValidityRule;
        use $crate::storage::db::rows::{
            ACCESS_COLUMNS, AccessRow, DossierRow, JobRow, KeyRow, KindValidityRow, LINK_COLUMNS, LinkRow,
            PAGE_COLUMNS, PageRow, RECORD_COLUMNS, RecordRow, SigningKeyRow,
        };
        use $crate::storage::db::{
            AccessEntry, ApiKey, Certification, CitizenLink, DbError, Dossier, Inserted, Job, JobKind,
            KindValidity, NewAccess, NewRecord, Page, PageText, PublishedKey, Record, RecordQuery, Rendition,
            Reuse, ReuseStats, Review,
        };

        impl $repo {
            async fn pages_of(&self, record_id: &str) -> Result<Vec<Page>, DbError> {
                let rows: Vec<PageRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{PAGE_COLUMNS} WHERE record_id = $1 ORDER BY n"
                )))
                .bind(record_id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(PageRow::into_page).collect()
            }
        }

        #[async_trait::async_trait]
                impl $crate::storage::db::Repository for $repo {
            async fn ping(&self) -> Result<(), DbError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_api_key(
                &self,
                name: &str,
                role: Role,
                key_hash: &str,
            ) -> Result<ApiKey, DbError> {
                let row: KeyRow = sqlx::query_as(
                    "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, name, role, created_at, revoked_at",
                )
                .bind(name)
                .bind(role.as_str())
                .bind(key_hash)
                .bind(ts(Utc::now()))
                .fetch_one(&self.pool)
                .await
                .map_err(|e| match DbError::from(e) {
                    DbError::Conflict(_) => {
                        DbError::Conflict(format!("a key named {name:?} already exists"))
                    }
                    other => other,
                })?;
                row.into_key()
            }

            async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, DbError> {
                let row: Option<KeyRow> = sqlx::query_as(
                    "SELECT id, name, role, created_at, revoked_at FROM api_keys \
                     WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(KeyRow::into_key).transpose()
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>, DbError> {
                let rows: Vec<KeyRow> = sqlx::query_as(
                    "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(KeyRow::into_key).collect()
            }

            async fn revoke_api_key(&self, name: &str) -> Result<bool, DbError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                )
                .bind(ts(Utc::now()))
                .bind(name)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn find_same_pages(
                &self,
                subject: &SubjectId,
                kind: DocumentKind,
                fingerprint: &Sha256Digest,
            ) -> Result<Option<Record>, DbError> {
                let id: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM records WHERE subject_id = $1 AND kind = $2 AND fingerprint = $3 \
                     AND status NOT IN ('failed', 'rejected', 'revoked', 'superseded')",
                )
                .bind(subject.as_str())
                .bind(kind.code())
                .bind(fingerprint.to_hex())
                .fetch_optional(&self.pool)
                .await?;
                match id {
                    Some(id) => self.record(&id).await,
                    None => Ok(None),
                }
            }

            async fn insert_record(&self, new: NewRecord, max_attempts: u32) -> Result<Inserted, DbError> {
                let now = ts(Utc::now());
                let mut tx = self.pool.begin().await?;
                let inserted = sqlx::query(
                    "INSERT INTO records (id, subject_id, kind, status, dossier_code, procedure_code, \
                     document_number, issued_on, valid_until, officer, fingerprint, created_by, \
                     created_at, updated_at, owner_name, result_code, issuing_agency, signer, permanent, scope, origin) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17, $18, $19, $20)",
                )
                .bind(&new.id)
                .bind(new.subject_id.as_str())
                .bind(new.kind.code())
                .bind(RecordStatus::Processing.as_str())
                .bind(&new.meta.dossier_code)
                .bind(&new.meta.procedure_code)
                .bind(&new.meta.document_number)
                .bind(new.meta.issued_on)
                .bind(new.meta.valid_until)
                .bind(&new.meta.officer)
                .bind(new.fingerprint.to_hex())
                .bind(&new.created_by)
                .bind(&now)
                .bind(&new.meta.owner_name)
                .bind(&new.meta.result_code)
                .bind(&new.meta.issuing_agency)
                .bind(&new.meta.signer)
                .bind(new.meta.permanent)
                .bind(&new.meta.scope)
                .bind(new.origin.as_str())
                .execute(&mut *tx)
                .await;
                if let Err(e) = inserted {
                    let err = DbError::from(e);
                    if matches!(err, DbError::Conflict(_)) {
                        // Another upload of the same pages won the race: answer with it.
                        drop(tx);
                        return match self
                            .find_same_pages(&new.subject_id, new.kind, &new.fingerprint)
                            .await?
                        {
                            Some(existing) => Ok(Inserted::Duplicate(existing)),
                            None => Err(err),
                        };
                    }
                    return Err(err);
                }
                for page in &new.pages {
                    sqlx::query(
                        "INSERT INTO pages (record_id, n, sha256, bytes, content_type, file_page, width, \
                         height, dpi, quality, ocr_text, text_source) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(&new.id)
                    .bind(page.n as i64)
                    .bind(page.sha256.to_hex())
                    .bind(page.bytes as i64)
                    .bind(page.content_type)
                    .bind(page.file_page as i64)
                    .bind(page.width as i64)
                    .bind(page.height as i64)
                    .bind(page.dpi.map(|d| d as i64))
                    .bind(page.quality.as_ref().and_then(|q| serde_json::to_string(q).ok()))
                    .bind(&page.pdf_text)
                    .bind(page.pdf_text.as_ref().map(|_| "pdf"))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, \
                     run_after, created_at, updated_at) \
                     VALUES ($1, $2, NULL, 'queued', 0, $3, $4, $4, $4)",
                )
                .bind(JobKind::Digitise.as_str())
                .bind(&new.id)
                .bind(max_attempts as i64)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                let record = self
                    .record(&new.id)
                    .await?
                    .ok_or_else(|| DbError::Corrupt("record vanished after insert".into()))?;
                Ok(Inserted::Created(record))
            }

            async fn record(&self, id: &str) -> Result<Option<Record>, DbError> {
                let row: Option<RecordRow> =
                    sqlx::query_as(AssertSqlSafe(format!("{RECORD_COLUMNS} WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                match row {
                    Some(row) => {
                        let pages = self.pages_of(&row.id).await?;
                        row.into_record(pages).map(Some)
                    }
                    None => Ok(None),
                }
            }

            async fn subject_records(
                &self,
                subject: &SubjectId,
                query: &RecordQuery,
            ) -> Result<Vec<Record>, DbError> {
                let rows: Vec<RecordRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{RECORD_COLUMNS} WHERE subject_id = $1 AND ($2 IS NULL OR kind = $2) \
                     AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
                )))
                .bind(subject.as_str())
                .bind(query.kind.map(|k| k.code()))
                .bind(&query.before)
                .bind(query.limit as i64)
                .fetch_all(&self.pool)
                .await?;
                let Some(oldest) = rows.last().map(|r| r.id.clone()) else {
                    return Ok(Vec::new());
                };
                // One query for all pages of the listed records, text left out.
                let page_rows: Vec<PageRow> = sqlx::query_as(
                    "SELECT p.record_id, p.n, p.sha256, p.bytes, p.content_type, p.file_page, p.width, \
                     p.height, p.dpi, NULL AS ocr_text, p.ocr_confidence, p.quality, p.text_source \
                     FROM pages p JOIN records r ON r.id = p.record_id \
                     WHERE r.subject_id = $1 AND ($2 IS NULL OR r.kind = $2) AND r.id >= $3 \
                     AND ($4 IS NULL OR r.id < $4) ORDER BY p.record_id, p.n",
                )
                .bind(subject.as_str())
                .bind(query.kind.map(|k| k.code()))
                .bind(&oldest)
                .bind(&query.before)
                .fetch_all(&self.pool)
                .await?;
                let mut pages: std::collections::HashMap<String, Vec<Page>> = Default::default();
                for row in page_rows {
                    let id = row.record_id.clone();
                    pages.entry(id).or_default().push(row.into_page()?);
                }
                rows.into_iter()
                    .map(|row| {
                        let p = pages.remove(&row.id).unwrap_or_default();
                        row.into_record(p)
                    })
                    .collect()
            }

            async fn claim_job(
                &self,
                worker: &str,
                lease: Duration,
                only_record: Option<&str>,
            ) -> Result<Option<Job>, DbError> {
                let now = ts(Utc::now());
                let row: Option<JobRow> = sqlx::query_as(CLAIM_JOB_SQL)
                .bind(worker)
                .bind(later(lease))
                .bind(&now)
                .bind(only_record)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Job::from))
            }

            async fn renew_lease(
                &self,
                job_id: i64,
                worker: &str,
                lease: Duration,
            ) -> Result<bool, DbError> {
                let done = sqlx::query(
                    "UPDATE jobs SET lease_until = $1, updated_at = $2 \
                     WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
                )
                .bind(later(lease))
                .bind(ts(Utc::now()))
                .bind(job_id)
                .bind(worker)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_digitise(
                &self,
                job: &Job,
                worker: &str,
                texts: &[PageText],
                rendition: Rendition,
                certification: Option<&Certification>,
            ) -> Result<(), DbError> {
                let now = ts(Utc::now());
                let mut tx = self.pool.begin().await?;
                let owned = sqlx::query(
                    "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, \
                     last_error = NULL, updated_at = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
                )
                .bind(&now)
                .bind(job.id)
                .bind(worker)
                .execute(&mut *tx)
                .await?;
                if owned.rows_affected() != 1 {
                    // The lease ran out and another worker owns the job now: its result wins.
                    return Err(DbError::Conflict(format!(
                        "job {} is no longer ours",
                        job.id
                    )));
                }
                for (i, text) in texts.iter().enumerate() {
                    sqlx::query(
                        "UPDATE pages SET ocr_text = $1, ocr_confidence = $2, ocr_done_at = $3, \
                         text_source = $4 WHERE record_id = $5 AND n = $6",
                    )
                    .bind(&text.text)
                    .bind(text.confidence.map(|c| c as i64))
                    .bind(&now)
                    .bind(text.source)
                    .bind(&job.record_id)
                    .bind(i as i64 + 1)
                    .execute(&mut *tx)
                    .await?;
                }
                let status = if certification.is_some() { "certified" } else { "pending_review" };
                sqlx::query(
                    "UPDATE records SET status = $1, rendition_sha256 = $2, rendition_bytes = $3, \
                     reviewed_by = $4, review_note = $5, reviewed_at = $6, certificate = $7, \
                     certified_by = $8, updated_at = $9 WHERE id = $10 AND status = 'processing'",
                )
                .bind(status)
                .bind(rendition.sha256.to_hex())
                .bind(rendition.bytes as i64)
                .bind(certification.map(|c| c.review.officer.clone()))
                .bind(certification.and_then(|c| c.review.note.clone()))
                .bind(certification.map(|c| ts(c.review.at)))
                .bind(certification.map(|c| c.jws.clone()))
                .bind(certification.map(|c| c.agency_id.clone()))
                .bind(&now)
                .bind(&job.record_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retry_job(
                &self,
                job: &Job,
                worker: &str,
                error: &str,
                delay: Duration,
            ) -> Result<(), DbError> {
                sqlx::query(
                    "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, \
                     last_error = $1, run_after = $2, updated_at = $3 \
                     WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
                )
                .bind(error)
                .bind(later(delay))
                .bind(ts(Utc::now()))
                .bind(job.id)
                .bind(worker)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError> {
                let now = ts(Utc::now());
                let mut tx = self.pool.begin().await?;
                let owned = sqlx::query(
                    "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, \
                     last_error = $1, updated_at = $2 WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
                )
                .bind(error)
                .bind(&now)
                .bind(job.id)
                .bind(worker)
                .execute(&mut *tx)
                .await?;
                if owned.rows_affected() == 1 {
                    sqlx::query(
                        "UPDATE records SET status = 'failed', status_reason = $1, updated_at = $2 \
                         WHERE id = $3 AND status = 'processing'",
                    )
                    .bind(error)
                    .bind(&now)
                    .bind(&job.record_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn page(&self, record_id: &str, n: u32) -> Result<Option<Page>, DbError> {
                let row: Option<PageRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{PAGE_COLUMNS} WHERE record_id = $1 AND n = $2"
                )))
                .bind(record_id)
                .bind(n as i64)
                .fetch_optional(&self.pool)
                .await?;
                row.map(PageRow::into_page).transpose()
            }

            async fn open_dossier(
                &self,
                agency: &AgencyId,
                day: chrono::NaiveDate,
                subject: &SubjectId,
                procedure_code: &str,
                opened_by: &str,
            ) -> Result<Dossier, DbError> {
                let mut tx = self.pool.begin().await?;
                // One statement: the row lock (or SQLite's single writer) makes
                // concurrent openings take consecutive numbers.
                let sequence: i64 = sqlx::query_scalar(
                    "INSERT INTO dossier_sequences (agency_id, day, last) VALUES ($1, $2, 1) \
                     ON CONFLICT (agency_id, day) DO UPDATE SET last = dossier_sequences.last + 1 \
                     RETURNING last",
                )
                .bind(agency.as_str())
                .bind(day.format("%Y-%m-%d").to_string())
                .fetch_one(&mut *tx)
                .await?;
                let code = DossierCode::new(agency.clone(), day, sequence as u32).to_string();
                let row: DossierRow = sqlx::query_as(
                    "INSERT INTO dossiers (code, agency_id, subject_id, procedure_code, opened_by, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING code, agency_id, subject_id, procedure_code, opened_by, opened_at",
                )
                .bind(&code)
                .bind(agency.as_str())
                .bind(subject.as_str())
                .bind(procedure_code)
                .bind(opened_by)
                .bind(ts(Utc::now()))
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn dossier(&self, code: &str) -> Result<Option<Dossier>, DbError> {
                let row: Option<DossierRow> = sqlx::query_as(
                    "SELECT code, agency_id, subject_id, procedure_code, opened_by, opened_at \
                     FROM dossiers WHERE code = $1",
                )
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Dossier::from))
            }

            async fn dossier_records(&self, code: &str) -> Result<Vec<Record>, DbError> {
                let ids: Vec<String> =
                    sqlx::query_scalar("SELECT id FROM records WHERE dossier_code = $1 ORDER BY id")
                        .bind(code)
                        .fetch_all(&self.pool)
                        .await?;
                let mut records = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(record) = self.record(&id).await? {
                        records.push(record);
                    }
                }
                Ok(records)
            }

            async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM jobs WHERE record_id = $1 AND state IN ('queued', 'running')",
                )
                .bind(record_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(n as u32)
            }

            async fn conclude_review(
                &self,
                record_id: &str,
                review: &Review,
                certificate: Option<(&str, &str)>,
            ) -> Result<bool, DbError> {
                let status = if certificate.is_some() {
                    RecordStatus::Certified
                } else {
                    RecordStatus::Rejected
                };
                let done = sqlx::query(
                    "UPDATE records SET status = $1, reviewed_by = $2, review_note = $3, reviewed_at = $4, \
                     certificate = $5, certified_by = $6, updated_at = $4 \
                     WHERE id = $7 AND status = 'pending_review'",
                )
                .bind(status.as_str())
                .bind(&review.officer)
                .bind(&review.note)
                .bind(ts(review.at))
                .bind(certificate.map(|c| c.0))
                .bind(certificate.map(|c| c.1))
                .bind(record_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn publish_signing_key(&self, key: &PublishedKey) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO signing_keys (kid, alg, public_jwk, agency_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING",
                )
                .bind(&key.kid)
                .bind(&key.alg)
                .bind(&key.public_jwk)
                .bind(&key.agency_id)
                .bind(ts(key.created_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn signing_keys(&self) -> Result<Vec<PublishedKey>, DbError> {
                let rows: Vec<SigningKeyRow> = sqlx::query_as(
                    "SELECT kid, alg, public_jwk, agency_id, created_at FROM signing_keys \
                     ORDER BY created_at, kid",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(PublishedKey::from).collect())
            }

            async fn validity_catalogue(&self) -> Result<Vec<KindValidity>, DbError> {
                let rows: Vec<KindValidityRow> = sqlx::query_as(
                    "SELECT kind, rule, months, note, updated_by, updated_at FROM kind_validity ORDER BY kind",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(KindValidityRow::into_entry).collect()
            }

            async fn set_validity(
                &self,
                kind: DocumentKind,
                rule: ValidityRule,
                note: &str,
                by: &str,
            ) -> Result<KindValidity, DbError> {
                let (name, months) = rule.to_parts();
                let row: KindValidityRow = sqlx::query_as(
                    "INSERT INTO kind_validity (kind, rule, months, note, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (kind) DO UPDATE SET rule = $2, months = $3, note = $4, updated_by = $5, updated_at = $6 \
                     RETURNING kind, rule, months, note, updated_by, updated_at",
                )
                .bind(kind.code())
                .bind(name)
                .bind(months.map(|m| m as i64))
                .bind(note)
                .bind(by)
                .bind(ts(Utc::now()))
                .fetch_one(&self.pool)
                .await?;
                row.into_entry()
            }

            async fn withdraw(
                &self,
                record_id: &str,
                reason: &str,
                superseded_by: Option<&str>,
                by: &str,
            ) -> Result<bool, DbError> {
                let status = if superseded_by.is_some() {
                    RecordStatus::Superseded
                } else {
                    RecordStatus::Revoked
                };
                let now = ts(Utc::now());
                let done = sqlx::query(
                    "UPDATE records SET status = $1, status_reason = $2, superseded_by = $3, \
                     withdrawn_by = $4, withdrawn_at = $5, updated_at = $5 \
                     WHERE id = $6 AND status = 'certified'",
                )
                .bind(status.as_str())
                .bind(reason)
                .bind(superseded_by)
                .bind(by)
                .bind(&now)
                .bind(record_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_reuse(&self, reuse: &Reuse) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO reuses (dossier_code, record_id, subject_id, kind, agency_id, procedure_code, \
                     reused_by, reused_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (dossier_code, record_id) DO NOTHING",
                )
                .bind(&reuse.dossier_code)
                .bind(&reuse.record_id)
                .bind(&reuse.subject_id)
                .bind(reuse.kind.code())
                .bind(&reuse.agency_id)
                .bind(&reuse.procedure_code)
                .bind(&reuse.reused_by)
                .bind(ts(Utc::now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn reuse_stats(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> Result<ReuseStats, DbError> {
                let start = ts(from.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
                let end = ts(to
                    .succ_opt()
                    .unwrap_or(to)
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc());
                let mut stats = ReuseStats::default();
                for (column, out) in [("kind", &mut stats.by_kind), ("agency_id", &mut stats.by_agency)] {
                    let rows: Vec<(String, i64)> = sqlx::query_as(AssertSqlSafe(format!(
                        "SELECT {column}, COUNT(*) FROM reuses WHERE reused_at >= $1 AND reused_at < $2 \
                         GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
                    )))
                    .bind(&start)
                    .bind(&end)
                    .fetch_all(&self.pool)
                    .await?;
                    *out = rows.into_iter().map(|(k, n)| (k, n as u64)).collect();
                }
                stats.total = stats.by_kind.iter().map(|(_, n)| n).sum();
                Ok(stats)
            }

            async fn append_access(&self, access: &NewAccess) -> Result<AccessEntry, DbError> {
                let mut tx = self.pool.begin().await?;
                // Taking the head row first serialises appenders: a second one
                // waits here and then sees this entry's sequence number and hash.
                let (seq, prev_hash): (i64, String) = sqlx::query_as(
                    "UPDATE access_log_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                )
                .fetch_one(&mut *tx)
                .await?;
                let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let hash = $crate::ledger::entry_hash(
                    seq,
                    &at,
                    &access.key_name,
                    &access.role,
                    &access.subject_id,
                    access.record_id.as_deref(),
                    access.purpose.as_deref(),
                    &access.action,
                    &prev_hash,
                );
                sqlx::query(
                    "INSERT INTO access_log (seq, at, key_name, role, subject_id, record_id, purpose, action, \
                     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(seq)
                .bind(&at)
                .bind(&access.key_name)
                .bind(&access.role)
                .bind(&access.subject_id)
                .bind(&access.record_id)
                .bind(&access.purpose)
                .bind(&access.action)
                .bind(&prev_hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE access_log_head SET hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(AccessEntry {
                    seq,
                    at,
                    key_name: access.key_name.clone(),
                    role: access.role.clone(),
                    subject_id: access.subject_id.clone(),
                    record_id: access.record_id.clone(),
                    purpose: access.purpose.clone(),
                    action: access.action.clone(),
                    prev_hash,
                    hash,
                })
            }

            async fn subject_access_log(&self, subject: &str, limit: u32) -> Result<Vec<AccessEntry>, DbError> {
                let rows: Vec<AccessRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{ACCESS_COLUMNS} WHERE subject_id = $1 ORDER BY seq DESC LIMIT $2"
                )))
                .bind(subject)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AccessEntry::from).collect())
            }

            async fn access_log_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AccessEntry>, DbError> {
                let rows: Vec<AccessRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{ACCESS_COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"
                )))
                .bind(after_seq)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(AccessEntry::from).collect())
            }

            async fn access_log_head(&self) -> Result<(i64, String), DbError> {
                Ok(sqlx::query_as("SELECT seq, hash FROM access_log_head WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn create_citizen_link(&self, link: &CitizenLink, token_hash: &str) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO citizen_links (id, subject_id, token_hash, created_by, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&link.id)
                .bind(&link.subject_id)
                .bind(token_hash)
                .bind(&link.created_by)
                .bind(ts(link.created_at))
                .bind(ts(link.expires_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn citizen_link_by_token_hash(&self, token_hash: &str) -> Result<Option<CitizenLink>, DbError> {
                let row: Option<LinkRow> = sqlx::query_as(AssertSqlSafe(format!(
                    "{LINK_COLUMNS} WHERE token_hash = $1"
                )))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(CitizenLink::from))
            }

            async fn citizen_link(&self, id: &str) -> Result<Option<CitizenLink>, DbError> {
                let row: Option<LinkRow> = sqlx::query_as(AssertSqlSafe(format!("{LINK_COLUMNS} WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(CitizenLink::from))
            }

            async fn revoke_citizen_link(&self, id: &str) -> Result<bool, DbError> {
                let done = sqlx::query(
                    "UPDATE citizen_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(ts(Utc::now()))
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn records_with_file(&self, digest: &Sha256Digest) -> Result<Vec<Record>, DbError> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM records WHERE rendition_sha256 = $1 \
                     OR id IN (SELECT record_id FROM pages WHERE sha256 = $1) \
                     ORDER BY CASE WHEN status = 'certified' THEN 0 ELSE 1 END, id DESC LIMIT 20",
                )
                .bind(digest.to_hex())
                .fetch_all(&self.pool)
                .await?;
                let mut records = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(record) = self.record(&id).await? {
                        records.push(record);
                    }
                }
                Ok(records)
            }
        }
        };
    };
}

pub(crate) use portable_repository;
