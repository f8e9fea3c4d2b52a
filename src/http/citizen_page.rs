//! The citizen's own page, in Vietnamese: their records with status and
//! validity, and who looked at them.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::citizen::CitizenPage;
use crate::domain::RecordStatus;
use crate::domain::access::Action;

/// The page shown when a link cannot be used.
pub(super) fn refusal(message: &str) -> String {
    page(
        "Liên kết không dùng được",
        &format!("<p class=\"notice\">{}</p>", escape(message)),
    )
}

pub(super) fn status_vi(status: RecordStatus) -> &'static str {
    status.label_vi()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn vn_time(t: DateTime<Utc>) -> String {
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    t.with_timezone(&vn).format("%H:%M %d/%m/%Y").to_string()
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ font-family: system-ui, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem; color: #1a1a1a; line-height: 1.5; }}
h1 {{ font-size: 1.4rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.ok {{ color: #116611; font-weight: 600; }} .no {{ color: #a11; font-weight: 600; }}
.notice {{ padding: 1rem; background: #fff4e5; border-left: 4px solid #e69500; }}
small {{ color: #555; }}
</style>
</head>
<body>
{body}
</body>
</html>"#,
        title = escape(title)
    )
}

pub(super) fn render(view: &CitizenPage) -> String {
    let mut body = String::new();
    body.push_str("<h1>Giấy tờ của bạn đã được số hóa</h1>\n");
    body.push_str(&format!(
        "<p>Số định danh: <strong>{}</strong>. Bạn không phải nộp lại các giấy tờ còn hiệu lực dưới đây.</p>\n",
        escape(&view.subject_id)
    ));
    body.push_str("<h2>Giấy tờ</h2>\n");
    if view.records.is_empty() {
        body.push_str("<p>Chưa có giấy tờ nào.</p>\n");
    } else {
        body.push_str("<table id=\"records\"><thead><tr><th>Loại giấy tờ</th><th>Số, ký hiệu</th><th>Ngày cấp</th><th>Tình trạng</th><th>Hiệu lực</th></tr></thead><tbody>\n");
        for r in &view.records {
            let validity = match (r.valid_today, r.valid_until) {
                (true, Some(d)) => {
                    format!("<span class=\"ok\">Còn hiệu lực</span> đến {}", vn_date(d))
                }
                (true, None) => {
                    "<span class=\"ok\">Còn hiệu lực</span> (không thời hạn)".to_owned()
                }
                (false, Some(d)) if r.status == RecordStatus::Certified => {
                    format!(
                        "<span class=\"no\">Hết hiệu lực</span> từ sau {}",
                        vn_date(d)
                    )
                }
                (false, _) => "<span class=\"no\">Không dùng lại được</span>".to_owned(),
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(r.kind_label),
                escape(r.document_number.as_deref().unwrap_or("—")),
                r.issued_on.map(vn_date).unwrap_or_else(|| "—".into()),
                escape(r.status_label),
                validity
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str("<h2>Ai đã xem giấy tờ của bạn</h2>\n");
    if view.accesses.is_empty() {
        body.push_str("<p>Chưa có lượt truy cập nào.</p>\n");
    } else {
        body.push_str("<table id=\"accesses\"><thead><tr><th>Thời gian</th><th>Hệ thống</th><th>Việc</th><th>Cho hồ sơ</th></tr></thead><tbody>\n");
        for a in &view.accesses {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td></tr>\n",
                vn_time(a.at),
                escape(&a.by),
                escape(&a.role),
                Action::parse(a.action).map_or("Truy cập khác", Action::label_vi),
                escape(a.purpose.as_deref().unwrap_or("—"))
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    if let Some(ledger) = &view.ledger {
        let sealed = match &ledger.proof {
            Some(proof) => format!(
                "Đã niêm phong {} lượt đầu bằng chữ ký số của cơ quan (mốc số {}).",
                ledger.checkpointed_seq, proof.checkpoint
            ),
            None => "Chưa có mốc niêm phong nào; mốc tiếp theo sẽ có trong ít phút.".to_owned(),
        };
        body.push_str(&format!(
            "<p id=\"chain\"><small>Nhật ký truy cập của bạn có {} lượt ghi, mỗi lượt nối với lượt trước bằng mã băm; mã của lượt cuối: <code>{}</code>. {}</small></p>\n",
            ledger.chain_seq,
            escape(&ledger.head_hash[..16.min(ledger.head_hash.len())]),
            sealed
        ));
    }
    body.push_str(&format!(
        "<p><small>Liên kết này dùng được đến {}. Nếu có lượt xem nào bạn không biết, hãy báo Bộ phận Một cửa.</small></p>\n",
        vn_time(view.link_expires_at)
    ));
    page("Giấy tờ đã số hóa của bạn", &body)
}
