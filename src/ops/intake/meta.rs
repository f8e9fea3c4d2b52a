//! The `meta` part of an upload: the owner, the kind and the paper's
//! particulars as the uploader sends them, and their validation into the
//! domain's [`RecordMeta`].

use chrono::NaiveDate;
use serde::Deserialize;

use super::IntakeError;
use crate::domain::dossier::vietnam_today;
use crate::domain::quality::Paper;
use crate::domain::{DossierCode, RecordMeta, text};

/// Field lengths an officer can reasonably type.
pub const MAX_TEXT_FIELD: usize = 200;

/// The `meta` part of an upload, as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadMeta {
    /// Owner: 12-digit personal ID number, 10-digit tax code or 13-digit branch code.
    #[schema(example = "001090012345")]
    pub subject_id: String,
    /// Document kind code, e.g. `birth_certificate`.
    #[schema(example = "birth_certificate")]
    pub kind: String,
    pub dossier_code: Option<String>,
    pub procedure_code: Option<String>,
    /// Reference number printed on the paper (số, ký hiệu).
    pub document_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// True when the paper never expires (a birth certificate); not together
    /// with `valid_until`.
    pub permanent: Option<bool>,
    /// The counter officer who scanned it.
    pub officer: Option<String>,
    /// The owner's name as printed on the paper.
    pub owner_name: Option<String>,
    /// Result type code from the catalogue: `KQ.` + level-1 agency code + six
    /// digits.
    #[schema(example = "KQ.G15.000031")]
    pub result_code: Option<String>,
    /// The agency that issued the paper, as printed on it.
    #[schema(example = "UBND phường Bến Nghé")]
    pub issuing_agency: Option<String>,
    /// Who signed the paper.
    pub signer: Option<String>,
    /// Where the paper is valid.
    #[schema(example = "toàn quốc")]
    pub scope: Option<String>,
    /// Paper size, for estimating the resolution of files that state none:
    /// `A4` (default), `A5` or `ID1` (cards).
    pub paper: Option<Paper>,
}

/// The particulars, checked.
pub(super) fn validate(meta: &UploadMeta) -> Result<RecordMeta, IntakeError> {
    let text = |name: &str, value: &Option<String>| -> Result<Option<String>, IntakeError> {
        text::line(name, value.as_deref().unwrap_or(""), MAX_TEXT_FIELD)
            .map_err(IntakeError::InvalidMeta)
    };
    if let (Some(issued), Some(until)) = (meta.issued_on, meta.valid_until)
        && until < issued
    {
        return Err(IntakeError::InvalidMeta(
            "valid_until is before issued_on".into(),
        ));
    }
    if let Some(issued) = meta.issued_on
        && issued > vietnam_today()
    {
        return Err(IntakeError::InvalidMeta(format!(
            "issued_on {issued} is in the future"
        )));
    }
    let permanent = meta.permanent.unwrap_or(false);
    if permanent && meta.valid_until.is_some() {
        return Err(IntakeError::InvalidMeta(
            "a paper is either permanent or valid until a date: send permanent or valid_until, not both".into(),
        ));
    }
    let result_code = text("result_code", &meta.result_code)?;
    if let Some(code) = &result_code
        && !is_result_code(code)
    {
        return Err(IntakeError::InvalidMeta(format!(
            "result_code {code:?} is not a catalogue code like KQ.G15.000031 (KQ, a level-1 agency code such as G15 or H56, six digits)"
        )));
    }
    let dossier_code = match text("dossier_code", &meta.dossier_code)? {
        Some(code) => {
            Some(DossierCode::parse(&code).map_err(|e| IntakeError::InvalidMeta(e.to_string()))?)
        }
        None => None,
    };
    Ok(RecordMeta {
        dossier_code,
        procedure_code: text("procedure_code", &meta.procedure_code)?,
        document_number: text("document_number", &meta.document_number)?,
        issued_on: meta.issued_on,
        valid_until: meta.valid_until,
        permanent,
        officer: text("officer", &meta.officer)?,
        owner_name: text("owner_name", &meta.owner_name)?,
        result_code,
        issuing_agency: text("issuing_agency", &meta.issuing_agency)?,
        signer: text("signer", &meta.signer)?,
        scope: text("scope", &meta.scope)?,
    })
}

/// What an issuer must state when registering a result it issued.
pub(super) fn require_issuer_particulars(meta: &RecordMeta) -> Result<(), IntakeError> {
    let missing: Vec<&str> = [
        ("result_code", meta.result_code.is_none()),
        ("document_number", meta.document_number.is_none()),
        ("issuing_agency", meta.issuing_agency.is_none()),
        ("signer", meta.signer.is_none()),
        ("issued_on", meta.issued_on.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IntakeError::InvalidMeta(format!(
            "a registered result must state {}",
            missing.join(", ")
        )))
    }
}

/// `KQ.` + a letter and two digits (level-1 agency code) + `.` + six digits.
fn is_result_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 13
        && code.starts_with("KQ.")
        && b[3].is_ascii_uppercase()
        && b[4..6].iter().all(u8::is_ascii_digit)
        && b[6] == b'.'
        && b[7..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> UploadMeta {
        UploadMeta {
            subject_id: "001090012345".into(),
            kind: "birth_certificate".into(),
            ..UploadMeta::default()
        }
    }

    #[test]
    fn result_codes_follow_the_catalogue_form() {
        assert!(is_result_code("KQ.G15.000031"));
        for bad in [
            "KQ.G15.00003",
            "kq.G15.000031",
            "KQ.15G.000031",
            "XX.G15.000031",
        ] {
            assert!(!is_result_code(bad), "{bad}");
        }
    }

    #[test]
    fn contradictory_or_impossible_dates_are_refused() {
        let mut m = meta();
        m.issued_on = Some("2026-05-01".parse().unwrap());
        m.valid_until = Some("2026-04-01".parse().unwrap());
        assert!(matches!(validate(&m), Err(IntakeError::InvalidMeta(_))));
        let mut m = meta();
        m.issued_on = Some(vietnam_today() + chrono::Days::new(2));
        assert!(matches!(validate(&m), Err(IntakeError::InvalidMeta(_))));
        let mut m = meta();
        m.permanent = Some(true);
        m.valid_until = Some("2030-01-01".parse().unwrap());
        assert!(matches!(validate(&m), Err(IntakeError::InvalidMeta(_))));
    }

    #[test]
    fn an_issuer_must_state_what_it_issued() {
        let particulars = validate(&meta()).unwrap();
        let Err(IntakeError::InvalidMeta(message)) = require_issuer_particulars(&particulars)
        else {
            panic!("accepted a result without particulars");
        };
        assert!(message.contains("result_code") && message.contains("signer"));
    }

    #[test]
    fn a_malformed_dossier_code_is_refused() {
        let mut m = meta();
        m.dossier_code = Some("HS-1".into());
        assert!(matches!(validate(&m), Err(IntakeError::InvalidMeta(_))));
        m.dossier_code = Some("000.00.06.H56-231027-0361".into());
        assert!(validate(&m).unwrap().dossier_code.is_some());
    }
}
