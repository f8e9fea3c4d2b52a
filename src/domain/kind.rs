//! The catalogue of document kinds a record can be. Codes are stable API
//! values; labels are what officers and citizens read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Căn cước công dân: the citizen identity card.
    Cccd,
    /// Giấy khai sinh.
    BirthCertificate,
    /// Giấy xác nhận tình trạng hôn nhân.
    MarriageStatusCertificate,
    /// Phiếu lý lịch tư pháp.
    CriminalRecordCertificate,
    /// Giấy khám sức khỏe.
    HealthCertificate,
    /// Giấy xác nhận cư trú.
    ResidenceConfirmation,
    /// Giấy chứng nhận đăng ký doanh nghiệp.
    BusinessRegistration,
    /// Giấy chứng nhận quyền sử dụng đất.
    LandUseCertificate,
    /// Văn bằng, chứng chỉ.
    Diploma,
    /// Any other paper.
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 10] = [
        DocumentKind::Cccd,
        DocumentKind::BirthCertificate,
        DocumentKind::MarriageStatusCertificate,
        DocumentKind::CriminalRecordCertificate,
        DocumentKind::HealthCertificate,
        DocumentKind::ResidenceConfirmation,
        DocumentKind::BusinessRegistration,
        DocumentKind::LandUseCertificate,
        DocumentKind::Diploma,
        DocumentKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Cccd => "cccd",
            DocumentKind::BirthCertificate => "birth_certificate",
            DocumentKind::MarriageStatusCertificate => "marriage_status_certificate",
            DocumentKind::CriminalRecordCertificate => "criminal_record_certificate",
            DocumentKind::HealthCertificate => "health_certificate",
            DocumentKind::ResidenceConfirmation => "residence_confirmation",
            DocumentKind::BusinessRegistration => "business_registration",
            DocumentKind::LandUseCertificate => "land_use_certificate",
            DocumentKind::Diploma => "diploma",
            DocumentKind::Other => "other",
        }
    }

    /// The Vietnamese name of the paper, as printed on it.
    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentKind::Cccd => "Căn cước công dân",
            DocumentKind::BirthCertificate => "Giấy khai sinh",
            DocumentKind::MarriageStatusCertificate => "Giấy xác nhận tình trạng hôn nhân",
            DocumentKind::CriminalRecordCertificate => "Phiếu lý lịch tư pháp",
            DocumentKind::HealthCertificate => "Giấy khám sức khỏe",
            DocumentKind::ResidenceConfirmation => "Giấy xác nhận cư trú",
            DocumentKind::BusinessRegistration => "Giấy chứng nhận đăng ký doanh nghiệp",
            DocumentKind::LandUseCertificate => "Giấy chứng nhận quyền sử dụng đất",
            DocumentKind::Diploma => "Văn bằng, chứng chỉ",
            DocumentKind::Other => "Giấy tờ khác",
        }
    }

    pub fn codes() -> String {
        Self::ALL.map(|k| k.code()).join(", ")
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind {0:?}; use one of: {kinds}", kinds = DocumentKind::codes())]
pub struct UnknownKind(pub String);

impl DocumentKind {
    /// A kind code as sent, or none when empty.
    pub fn parse_optional(code: Option<&str>) -> Result<Option<Self>, UnknownKind> {
        match code.map(str::trim) {
            None | Some("") => Ok(None),
            Some(code) => code.parse().map(Some),
        }
    }
}

impl FromStr for DocumentKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_from_its_code_and_serde_agrees() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.code().parse::<DocumentKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
    }

    #[test]
    fn an_unknown_code_is_an_error() {
        assert!("passport".parse::<DocumentKind>().is_err());
    }
}
