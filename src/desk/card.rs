//! Starting with a citizen from their CCCD card: the QR code on a photo or
//! scan of the card (ID number, old ID, name, date of birth, sex, address,
//! issue date, separated by `|`), decoded by sohoa. The image is read and
//! dropped, never stored.

use actix_web::{HttpRequest, HttpResponse, web};

use super::DeskError;
use super::session::Desk;
use crate::http::AppState;
use crate::ops::access::READ_ROLES;

/// The card form's fields.
const CARD_FIELDS: &[&str] = &["csrf"];

/// Starts with the owner of a CCCD card: the QR code on a photo or scan
/// of the card, decoded here, gives the ID number (and the name and date
/// of birth shown to check against the person at the desk).
pub async fn card(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, DeskError> {
    let (parts, _ticket) = desk
        .read_form(&state, &req, payload, READ_ROLES, CARD_FIELDS)
        .await?;
    let Some(file) = parts.files.into_iter().next() else {
        return Err(DeskError::Message(
            "Chưa chọn ảnh thẻ: hãy chụp hoặc quét mặt trước thẻ căn cước, có mã QR.",
        ));
    };
    let content = file.content;
    let limits = state.cx.intake.limits;
    let payload = {
        let _slot = state
            .cx
            .decoding
            .acquire()
            .await
            .map_err(|e| DeskError::internal(format!("decoding slots closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let bytes = content.view().ok()?;
            crate::imaging::decode::decode_page(&bytes, 1, &limits)
                .ok()
                .and_then(|page| crate::imaging::qr::read(&page.pixels))
        })
        .await
        .map_err(|e| DeskError::internal(format!("card task: {e}")))?
    };
    let Some(card) = payload.as_deref().and_then(CardHolder::from_qr) else {
        tracing::info!("desk card: no CCCD QR code read");
        return Err(DeskError::Message(
            "Không đọc được mã QR trên ảnh thẻ. Chụp lại mặt trước thẻ, gần hơn, đủ sáng, không lóa, mã QR nằm trọn trong ảnh; hoặc gõ số định danh.",
        ));
    };
    let id = card.id.clone();
    super::pages::citizen_page(&state, &desk, &id, "", Some(card)).await
}

/// Who a CCCD card's QR code names, to check against the person at the desk.
pub struct CardHolder {
    pub id: String,
    pub name: Option<String>,
    /// dd/mm/yyyy.
    pub born: Option<String>,
}

impl CardHolder {
    /// From the code's text (`ID|old ID|name|ddmmyyyy|sex|address|ddmmyyyy`);
    /// none when it is not a CCCD's code with a valid personal ID number.
    pub fn from_qr(payload: &str) -> Option<Self> {
        let today = crate::domain::dossier::vietnam_today();
        let read = crate::text::particulars::from_cccd_qr(payload, today);
        let value = |field: &str| read.get(field).map(|s| s.value.clone());
        Some(CardHolder {
            id: value("personal_id")?,
            name: value("full_name"),
            born: value("date_of_birth")
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
                .map(super::pages::vn_date),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cards_qr_code_names_its_holder_and_other_codes_name_nobody() {
        let card = CardHolder::from_qr(
            "001090012345|123456789|Nguyễn Văn An|15031990|Nam|8 Láng Hạ, Hà Nội|01012022",
        )
        .unwrap();
        assert_eq!(card.id, "001090012345");
        assert_eq!(card.name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(card.born.as_deref(), Some("15/03/1990"));
        assert!(CardHolder::from_qr("https://example.com/x").is_none());
        assert!(CardHolder::from_qr("001090012345").is_none());
    }
}
