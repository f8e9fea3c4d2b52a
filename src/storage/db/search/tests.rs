//! The index on a real SQLite file: folding, phrases, ranking, filters, paging.

use super::*;
use crate::storage::db::{Database, sqlite};

async fn db() -> Database {
    let dir = tempfile::tempdir().unwrap().keep();
    let url = format!("sqlite://{}", dir.join("sohoa.db").display());
    Database {
        pool: sqlite::open(&url).await.unwrap(),
    }
}

/// Stores a digitised record of `subject` with `text` as its one page
/// and indexes it; its id (ids are in the order of calls).
async fn paper(db: &Database, subject: &str, kind: &str, number: &str, text: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let now = chrono::Utc::now();
    db.pool
        .execute(
            Sql::new(
                "INSERT INTO records (id, subject_id, kind, status, document_number, \
                 fingerprint, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $1, 'test', $6, $6)",
            )
            .bind(&id)
            .bind(subject)
            .bind(kind)
            .bind(RecordStatus::PendingReview.as_str())
            .bind(number)
            .bind(now),
        )
        .await
        .unwrap();
    db.pool
        .execute(
            Sql::new(
                "INSERT INTO pages (record_id, n, sha256, bytes, content_type, file_page, \
                 width, height, ocr_text) VALUES ($1, 1, $1, 1, 'image/png', 1, 1, 1, $2)",
            )
            .bind(&id)
            .bind(text),
        )
        .await
        .unwrap();
    assert_eq!(db.reindex(std::slice::from_ref(&id)).await.unwrap(), 1);
    id
}

fn query(q: &str, order: Order) -> SearchQuery {
    SearchQuery {
        query: Query::parse(q).unwrap(),
        kind: None,
        subject: None,
        status: None,
        issued_from: None,
        issued_to: None,
        order,
        offset: 0,
        before: None,
        limit: 10,
    }
}

async fn found(db: &Database, q: &str) -> Vec<String> {
    db.search(&query(q, Order::Relevance)).await.unwrap()
}

#[tokio::test]
async fn vietnamese_is_found_without_its_marks_by_phrase_and_by_number() {
    let db = db().await;
    let an = paper(
        &db,
        "001090012345",
        "marriage_status_certificate",
        "1312/UBND-VP",
        "Họ và tên: NGUYỄN VĂN AN\nNơi cư trú: Hồ Chí Minh",
    )
    .await;
    let dinh = paper(
        &db,
        "034185006789",
        "residence_confirmation",
        "48/XNCT",
        "Họ và tên: ĐÌNH THỊ HOA\nNơi thường trú: thôn Nam, xã Văn An",
    )
    .await;
    assert_eq!(found(&db, "nguyen van an").await, [an.as_str()]);
    assert_eq!(found(&db, "dinh").await, [dinh.as_str()]);
    assert_eq!(found(&db, "ho chi minh").await, [an.as_str()]);
    assert_eq!(found(&db, "1312").await, [an.as_str()]);
    assert_eq!(found(&db, "1312/UBND-VP").await, [an.as_str()]);
    // Both hold "van" and "an"; only one holds them as the phrase.
    let mut both = found(&db, "van an").await;
    both.sort();
    assert_eq!(both.len(), 2);
    assert_eq!(found(&db, "\"van an\" hoa").await, [dinh.as_str()]);
    assert_eq!(found(&db, "hoa OR nguyen").await.len(), 2);
    // The kind's label is a particular: "giay xac nhan cu tru".
    assert_eq!(found(&db, "\"xac nhan cu tru\"").await, [dinh.as_str()]);
    assert!(found(&db, "ubnd 48").await.is_empty());
}

#[tokio::test]
async fn a_query_with_marks_ranks_what_is_written_so_first() {
    let db = db().await;
    let dinh = paper(&db, "001090012345", "other", "1/A", "Ông Đinh Văn Lâm").await;
    let dinh_marked = paper(&db, "001090012345", "other", "2/A", "Ông Định Văn Lâm").await;
    // Both fold to "dinh"; the marks typed decide which comes first.
    assert_eq!(
        found(&db, "Đinh").await,
        [dinh.as_str(), dinh_marked.as_str()]
    );
    assert_eq!(
        found(&db, "Định").await,
        [dinh_marked.as_str(), dinh.as_str()]
    );
}

#[tokio::test]
async fn filters_and_pages_narrow_the_hits() {
    let db = db().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let subject = if n % 2 == 0 {
            "001090012345"
        } else {
            "034185006789"
        };
        ids.push(paper(&db, subject, "other", &format!("{n}/X"), "Giấy xác nhận").await);
    }
    let mut q = query("giay xac nhan", Order::Newest);
    q.limit = 2;
    let first = db.search(&q).await.unwrap();
    assert_eq!(first, [ids[4].as_str(), ids[3].as_str()]);
    q.before = Some(ids[3].clone());
    assert_eq!(
        db.search(&q).await.unwrap(),
        [ids[2].as_str(), ids[1].as_str()]
    );
    let mut q = query("giay", Order::Relevance);
    q.subject = Some(SubjectId::parse("034185006789").unwrap());
    assert_eq!(db.search(&q).await.unwrap().len(), 2);
    q.status = Some(RecordStatus::Certified);
    assert!(db.search(&q).await.unwrap().is_empty());
    let mut q = query("giay", Order::Relevance);
    q.limit = 2;
    q.offset = 4;
    assert_eq!(db.search(&q).await.unwrap().len(), 1);
}

#[tokio::test]
async fn relevance_ranks_the_newest_matches_and_pages_on_to_every_older_one() {
    let db = db().await;
    // The oldest paper says "xác nhận" five times: ranked, it would lead.
    let oldest = paper(&db, "001090012345", "other", "0/X", &"xác nhận ".repeat(5)).await;
    let mut newer = Vec::new();
    for n in 1..=RANK_WINDOW + 10 {
        let text = if n == RANK_WINDOW {
            "xác nhận xác nhận xác nhận".to_string()
        } else {
            format!("Giấy xác nhận số {n} về việc khác của một người dân")
        };
        newer.push(paper(&db, "001090012345", "other", &format!("{n}/X"), &text).await);
    }
    let mut q = query("xac nhan", Order::Relevance);
    q.limit = 100;
    let mut seen = Vec::new();
    loop {
        let page = db.search(&q).await.unwrap();
        let full = page.len() as u32 == q.limit;
        seen.extend(page);
        if !full {
            break;
        }
        q.offset += q.limit;
    }
    // Every match once, the strongest of the newest first, the older ones
    // after the window in newest order: the oldest comes last.
    assert_eq!(seen.len(), newer.len() + 1);
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());
    assert_eq!(seen[0], newer[RANK_WINDOW as usize - 1]);
    assert_eq!(seen.last(), Some(&oldest));
    // A page across the window's end holds both parts.
    let mut q = query("xac nhan", Order::Relevance);
    q.offset = RANK_WINDOW - 5;
    q.limit = 10;
    let across = db.search(&q).await.unwrap();
    assert_eq!(across.len(), 10);
    assert_eq!(
        across[5..],
        seen[RANK_WINDOW as usize..RANK_WINDOW as usize + 5]
    );
}
