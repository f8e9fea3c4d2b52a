//! The citizen's own page, in Vietnamese, from the desk's templates
//! (`templates/citizen/`) and stylesheet: one card per paper with its status
//! and validity, then one per read of their papers, so that it reads well on
//! a phone 390 px wide.

use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::citizen::CitizenPage;
use crate::domain::RecordStatus;
use crate::domain::access::Action;

#[derive(Template)]
#[template(path = "citizen/refusal.html")]
struct Refusal<'a> {
    title: &'a str,
    message: &'a str,
}

/// The page shown when a link cannot be used.
pub(super) fn refusal(message: &str) -> String {
    Refusal {
        title: "Liên kết không dùng được",
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_owned())
}

pub(super) fn status_vi(status: RecordStatus) -> &'static str {
    status.label_vi()
}

fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn vn_time(t: DateTime<Utc>) -> String {
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    t.with_timezone(&vn).format("%H:%M %d/%m/%Y").to_string()
}

struct Card {
    kind: &'static str,
    number: String,
    issued_on: String,
    status: &'static str,
    valid: bool,
    validity: String,
}

struct Read {
    at: String,
    by: String,
    role: String,
    what: &'static str,
    purpose: String,
}

#[derive(Template)]
#[template(path = "citizen/page.html")]
struct Page {
    title: &'static str,
    subject_id: String,
    records: Vec<Card>,
    accesses: Vec<Read>,
    chain: Option<String>,
    expires: String,
}

pub(super) fn render(view: &CitizenPage) -> String {
    let records = view
        .records
        .iter()
        .map(|r| Card {
            kind: r.kind_label,
            number: r.document_number.clone().unwrap_or_else(|| "—".into()),
            issued_on: r.issued_on.map(vn_date).unwrap_or_else(|| "—".into()),
            status: r.status_label,
            valid: r.valid_today,
            validity: match (r.valid_today, r.valid_until) {
                (true, Some(d)) => format!("Còn hiệu lực đến {}", vn_date(d)),
                (true, None) => "Còn hiệu lực (không thời hạn)".to_owned(),
                (false, Some(d)) if r.status == RecordStatus::Certified => {
                    format!("Hết hiệu lực từ sau {}", vn_date(d))
                }
                (false, _) => "Không dùng lại được".to_owned(),
            },
        })
        .collect();
    let accesses = view
        .accesses
        .iter()
        .map(|a| Read {
            at: vn_time(a.at),
            by: a.by.clone(),
            role: a.role.clone(),
            what: Action::parse(a.action).map_or("Truy cập khác", Action::label_vi),
            purpose: a.purpose.clone().unwrap_or_else(|| "—".into()),
        })
        .collect();
    let chain = view.ledger.as_ref().map(|ledger| {
        let sealed = match &ledger.proof {
            Some(proof) => format!(
                "Đã niêm phong {} lượt đầu bằng chữ ký số của cơ quan (mốc số {}).",
                ledger.checkpointed_seq, proof.checkpoint
            ),
            None => "Chưa có mốc niêm phong nào; mốc tiếp theo sẽ có trong ít phút.".to_owned(),
        };
        format!(
            "Nhật ký truy cập của bạn có {} lượt ghi, mỗi lượt nối với lượt trước bằng mã băm; mã của lượt cuối: {}. {}",
            ledger.chain_seq,
            &ledger.head_hash[..16.min(ledger.head_hash.len())],
            sealed
        )
    });
    let page = Page {
        title: "Giấy tờ đã số hóa của bạn",
        subject_id: view.subject_id.clone(),
        records,
        accesses,
        chain,
        expires: vn_time(view.link_expires_at),
    };
    page.render()
        .unwrap_or_else(|e| refusal(&format!("Không hiển thị được trang ({e}).")))
}
