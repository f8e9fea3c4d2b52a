//! Agencies and dossiers. An agency's electronic ID (Decision 20/2020/QĐ-TTg)
//! is `NNN.NN.NN.XNN`, read right to left: a letter and two digits for the
//! level-1 body (G: ministry or central body, H: province), then two, two and
//! three digits for lower levels, zeros where unused. A dossier code is
//! `{agency}-{yyMMdd}-{NNNN}`, the sequence counted per agency per day.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::SubjectId;

/// Viet Nam's time zone (no daylight saving): dossier dates are local dates.
pub fn vietnam_today() -> NaiveDate {
    let offset = FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    Utc::now().with_timezone(&offset).date_naive()
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AgencyId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an agency ID: expected NNN.NN.NN.XNN, e.g. 000.00.06.H56")]
pub struct AgencyIdError(pub String);

impl AgencyId {
    pub fn parse(input: &str) -> Result<Self, AgencyIdError> {
        Self::parse_exact(input.trim()).map_err(|_| AgencyIdError(input.to_owned()))
    }

    /// As [`AgencyId::parse`], with no space around it allowed.
    fn parse_exact(text: &str) -> Result<Self, AgencyIdError> {
        let groups: Vec<&str> = text.split('.').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let ok = groups.len() == 4
            && digits(groups[0], 3)
            && digits(groups[1], 2)
            && digits(groups[2], 2)
            && groups[3].len() == 3
            && groups[3].as_bytes()[0].is_ascii_uppercase()
            && digits(&groups[3][1..], 2);
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(AgencyIdError(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`DossierCode::parse`] accepts, as an ECMA-262 / Python regular
/// expression (the OpenAPI document states it): agency ID, a real yyMMdd
/// date (yy is 1969–2068, so leap years are the yy divisible by 4), and
/// a sequence of 4 to 9 digits that is not all zeros.
pub const DOSSIER_CODE_PATTERN: &str = concat!(
    r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-",
    r"(?:[0-9]{2}(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))|(?:[02468][048]|[13579][26])0229)",
    r"-(?:[1-9][0-9]{3,8}|0[1-9][0-9]{2,7}|00[1-9][0-9]{1,6}|0{3}[1-9][0-9]{0,5}|0{4}[1-9][0-9]{0,4}|0{5}[1-9][0-9]{0,3}|0{6}[1-9][0-9]{0,2}|0{7}[1-9][0-9]?|0{8}[1-9])$",
);

/// What [`ProcedureCode::parse`] accepts.
pub const PROCEDURE_CODE_PATTERN: &str = r"^[^\s\x00-\x1f\x7f-\x9f]{1,64}$";

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DossierCode {
    agency: AgencyId,
    date: NaiveDate,
    sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a dossier code: expected AGENCY-yyMMdd-NNNN, e.g. 000.00.06.H56-231027-0361")]
pub struct DossierCodeError(pub String);

impl DossierCode {
    pub fn new(agency: AgencyId, date: NaiveDate, sequence: u32) -> Self {
        Self {
            agency,
            date,
            sequence,
        }
    }

    /// Parses `AGENCY-yyMMdd-NNNN`: a well-formed agency ID, a real date, and
    /// a sequence of 4 to 9 digits above zero; nothing around it. Exactly
    /// the strings [`DOSSIER_CODE_PATTERN`] matches.
    pub fn parse(input: &str) -> Result<Self, DossierCodeError> {
        let err = || DossierCodeError(input.to_owned());
        let mut parts = input.rsplitn(3, '-');
        let (seq, date, agency) = (parts.next(), parts.next(), parts.next());
        let (Some(seq), Some(date), Some(agency)) = (seq, date, agency) else {
            return Err(err());
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(4..=9).contains(&seq.len()) || !digits(seq) || date.len() != 6 || !digits(date) {
            return Err(err());
        }
        let date = NaiveDate::parse_from_str(date, "%y%m%d").map_err(|_| err())?;
        let sequence: u32 = seq.parse().map_err(|_| err())?;
        if sequence == 0 {
            return Err(err());
        }
        Ok(Self {
            agency: AgencyId::parse_exact(agency).map_err(|_| err())?,
            date,
            sequence,
        })
    }

    pub fn agency(&self) -> &AgencyId {
        &self.agency
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:04}",
            self.agency,
            self.date.format("%y%m%d"),
            self.sequence
        )
    }
}

/// An open dossier: one citizen's application for one procedure.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub code: DossierCode,
    pub agency_id: AgencyId,
    pub subject_id: SubjectId,
    pub procedure_code: ProcedureCode,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

/// An administrative procedure's code in the national catalogue, e.g.
/// `1.001193`: printable, without spaces, at most 64 characters.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProcedureCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("procedure_code must be the procedure's catalogue code, e.g. 1.001193")]
pub struct ProcedureCodeError;

impl ProcedureCode {
    pub const MAX_LEN: usize = 64;

    /// One to 64 characters, none a space or a control character (as
    /// [`PROCEDURE_CODE_PATTERN`] says).
    pub fn parse(input: &str) -> Result<Self, ProcedureCodeError> {
        let code = input;
        if code.is_empty()
            || code.chars().count() > Self::MAX_LEN
            || code.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(ProcedureCodeError);
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_ids_of_provinces_and_their_departments_parse() {
        assert!(AgencyId::parse("000.00.00.H56").is_ok());
        assert_eq!(
            AgencyId::parse(" 000.00.06.H56 ").unwrap().as_str(),
            "000.00.06.H56"
        );
        assert!(AgencyId::parse("000.00.00.G15").is_ok());
    }

    #[test]
    fn malformed_agency_ids_are_rejected() {
        for bad in [
            "",
            "000.00.06",
            "000.00.06.56H",
            "00.000.06.H56",
            "000.00.06.h56",
            "000-00-06-H56",
        ] {
            assert!(AgencyId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_dossier_code_round_trips_through_its_text() {
        let code = DossierCode::parse("000.00.06.H56-231027-0361").unwrap();
        assert_eq!(code.agency().as_str(), "000.00.06.H56");
        assert_eq!(code.date(), NaiveDate::from_ymd_opt(2023, 10, 27).unwrap());
        assert_eq!(code.sequence(), 361);
        assert_eq!(code.to_string(), "000.00.06.H56-231027-0361");
    }

    #[test]
    fn sequences_past_9999_keep_their_digits() {
        let code = DossierCode::new(
            AgencyId::parse("000.00.06.H56").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            12345,
        );
        assert_eq!(code.to_string(), "000.00.06.H56-260102-12345");
        assert_eq!(DossierCode::parse(&code.to_string()).unwrap(), code);
    }

    #[test]
    fn procedure_codes_may_not_hold_spaces() {
        assert_eq!(
            ProcedureCode::parse("1.001193").unwrap().as_str(),
            "1.001193"
        );
        assert!(
            ProcedureCode::parse(&"ư".repeat(64)).is_ok(),
            "64 characters, not bytes"
        );
        for bad in [
            "",
            " 1.001193",
            "1 001",
            &"9".repeat(65),
            "1.0\u{0}",
            "1.0\u{85}",
        ] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn malformed_dossier_codes_are_rejected() {
        for bad in [
            "",
            "000.00.06.H56-231027",
            "000.00.06.H56-231327-0001",
            "000.00.06.H56-231027-001",
            "x-231027-0001",
            "000.00.06.H56-231027-0000",
        ] {
            assert!(DossierCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_documented_dossier_code_pattern_matches_exactly_what_parses() {
        let pattern = regex::Regex::new(DOSSIER_CODE_PATTERN).unwrap();
        let mut checked = 0;
        let mut agree = |code: &str| {
            assert_eq!(
                pattern.is_match(code),
                DossierCode::parse(code).is_ok(),
                "{code:?}"
            );
            checked += 1;
        };
        for yy in 0..100 {
            for mm in 0..14 {
                for dd in 0..33 {
                    agree(&format!("000.00.06.H56-{yy:02}{mm:02}{dd:02}-0361"));
                }
            }
        }
        for seq in [
            "0000",
            "0001",
            "1000",
            "00000001",
            "000000001",
            "999999999",
            "0000000000",
            "1234567890",
            "001",
            "12a4",
            "+123",
            " 123",
        ] {
            agree(&format!("000.00.06.H56-240229-{seq}"));
        }
        for code in [
            " 000.00.06.H56-231027-0361",
            "000.00.06.H56-231027-0361 ",
            "000.00.06.H56-231027-0361\n",
            "000.00.06.h56-231027-0361",
            "000.00.06.H5-231027-0361",
            "000.000.06.H56-231027-0361",
            "000.00.06.H56--231027-0361",
            "000.00.06.H56-2310-27-0361",
            "000.00.06.H56-+31027-0361",
            "x000.00.06.H56-231027-0361",
            "000.00.06.H56-231027-0361-1",
        ] {
            agree(code);
        }
        assert!(checked > 40_000);
    }

    #[test]
    fn the_documented_procedure_code_pattern_matches_exactly_what_parses() {
        let pattern = regex::Regex::new(PROCEDURE_CODE_PATTERN).unwrap();
        let long = "1".repeat(64);
        let too_long = "1".repeat(65);
        let wide = "ư".repeat(64);
        for code in [
            "1.001193",
            "2.002154.000.00.00.H56",
            "",
            " ",
            "1 2",
            "1\t2",
            "1\u{a0}2",
            "1\u{3000}",
            "1\u{7f}",
            "1\u{85}",
            "1\u{9f}",
            "1\u{a1}",
            "ư",
            &long,
            &too_long,
            &wide,
        ] {
            assert_eq!(
                pattern.is_match(code),
                ProcedureCode::parse(code).is_ok(),
                "{code:?}"
            );
        }
    }
}
