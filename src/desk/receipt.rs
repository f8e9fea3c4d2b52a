//! Handing back: the receipt lists the papers digitised today for the
//! citizen and the valid ones on file they did not need to bring again,
//! with the QR code of a new link to their own page. Printable on A5.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::DeskError;
use super::pages::{Frame, Paper, html, vn_date, vn_time};
use super::session::Desk;
use crate::http::AppState;
use crate::ops::links;

#[derive(Template)]
#[template(path = "desk/receipt.html")]
struct ReceiptPage {
    frame: Frame,
    subject_id: String,
    dossier_code: String,
    agency: String,
    today: String,
    papers: Vec<Paper>,
    reused: Vec<Paper>,
    link: String,
    link_until: String,
    qr_svg: String,
}

#[derive(serde::Deserialize)]
pub struct ReceiptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    dossier_code: String,
}

/// The receipt: the papers digitised today for the citizen and those on
/// file that they did not need to bring, and a new link to their own page
/// as a QR code. A POST: it issues that link.
pub async fn receipt(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    form: web::Form<ReceiptForm>,
) -> Result<HttpResponse, DeskError> {
    let form = form.into_inner();
    desk.check_csrf(&form.csrf)?;
    let actor = desk.officer.actor();
    crate::ops::authorize(&actor, links::ROLES)?;
    let dossier = Some(form.dossier_code.trim()).filter(|d| !d.is_empty());
    let on_file =
        crate::ops::on_file::on_file(&state.cx, &actor, &form.subject_id, dossier).await?;
    let today = crate::domain::dossier::vietnam_today();
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    let (mut papers, mut reused) = (Vec::new(), Vec::new());
    for r in &on_file {
        if r.record.created_at.with_timezone(&vn).date_naive() == today {
            papers.push(Paper::of(r));
        } else if r.valid_today {
            reused.push(Paper::of(r));
        }
    }
    let issued = links::create(&state.cx, &actor, &form.subject_id, None).await?;
    let url = format!(
        "{}/c/{}",
        crate::http::citizen::base_url(&state, &req),
        issued.token
    );
    let qr_svg = crate::http::citizen::qr_svg(&url)
        .ok_or_else(|| DeskError::internal("the citizen link does not fit a QR code"))?;
    tracing::info!(link = %issued.link.id, "desk receipt with a citizen link");
    html(ReceiptPage {
        frame: Frame::of("Giấy biên nhận số hóa", &desk),
        subject_id: issued.link.subject_id.to_string(),
        dossier_code: dossier.unwrap_or_default().to_owned(),
        agency: state.cx.agency.to_string(),
        today: vn_date(today),
        papers,
        reused,
        link: url,
        link_until: vn_time(issued.link.expires_at),
        qr_svg,
    })
}
