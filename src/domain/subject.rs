//! The owner of a paper: a person's 12-digit personal ID number (số định danh
//! cá nhân) or an organisation's 10-digit enterprise/tax code, with its 13-digit
//! branch form. Rules from `shared/domain/decree107.md`.

use std::fmt;

use chrono::Datelike;
use serde::Serialize;

/// Province codes where a birth can be registered (the first three digits of a
/// personal ID born in Viet Nam).
pub(crate) const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// Weights of the tax-code check digit over the first nine digits.
const TAX_CODE_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A person, by personal ID number.
    Person,
    /// An enterprise or other organisation, by its 10-digit code.
    Organisation,
    /// A branch or dependent unit, by its 13-digit code (`NNNNNNNNNN-NNN`).
    Branch,
}

/// A valid subject identifier in its canonical form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubjectId {
    value: String,
    kind: SubjectKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectIdError {
    #[error("the owner ID is empty")]
    Empty,
    #[error(
        "the owner ID must be a 12-digit personal ID number, a 10-digit tax code or a 13-digit branch code"
    )]
    BadShape,
    #[error("the personal ID number starts with {0:03}, which is not a province code")]
    UnknownProvince(u16),
    #[error("the personal ID number gives a birth year of {0}, which is in the future")]
    FutureBirthYear(i32),
    #[error("the tax code's check digit does not match: check the number on the paper")]
    BadCheckDigit,
    #[error("the branch suffix must be between 001 and 999")]
    BadBranchSuffix,
}

/// What [`SubjectId::parse_on`] accepts in `current_year`, as an ECMA-262 /
/// Python regular expression for the OpenAPI document: a personal ID number
/// exactly (province code, or any for births abroad; no birth year after
/// `current_year`), and the shape of a tax code or branch code. A tax code's
/// check digit is beyond a regular expression: the document says so in words.
pub fn subject_id_pattern(current_year: i32) -> String {
    let provinces: Vec<String> = PROVINCE_CODES.iter().map(|p| format!("{p:02}")).collect();
    let mut births = Vec::new();
    for century in 0..5 {
        let first = 1900 + 100 * century;
        let digits = format!("[{}{}]", 2 * century, 2 * century + 1);
        if first + 99 <= current_year {
            births.push(format!("{digits}[0-9]{{2}}"));
        } else if first <= current_year {
            let last = current_year - first;
            let (tens, ones) = (last / 10, last % 10);
            let years = if tens == 0 {
                format!("0[0-{ones}]")
            } else {
                format!("(?:[0-{}][0-9]|{tens}[0-{ones}])", tens - 1)
            };
            births.push(format!("{digits}{years}"));
        }
    }
    let space = crate::domain::text::SPACE_CLASS;
    format!(
        r"^[{space}]*(?:(?:0(?:{})|[1-9][0-9]{{2}})(?:{})[0-9]{{6}}|[0-9]{{10}}|[0-9]{{10}}-?(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{{2}}))[{space}]*$",
        provinces.join("|"),
        births.join("|")
    )
}

impl SubjectId {
    /// Parses an owner identifier as an officer would type it: surrounding spaces
    /// are ignored, and a branch code may be written with or without its hyphen.
    pub fn parse(input: &str) -> Result<Self, SubjectIdError> {
        Self::parse_on(input, chrono::Utc::now().date_naive().year())
    }

    /// As [`SubjectId::parse`], judging birth years against `current_year`.
    pub fn parse_on(input: &str, current_year: i32) -> Result<Self, SubjectIdError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(SubjectIdError::Empty);
        }
        let digits: String = text.chars().filter(|c| *c != '-').collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(SubjectIdError::BadShape);
        }
        let hyphens = text.chars().filter(|c| *c == '-').count();
        match (digits.len(), hyphens) {
            (12, 0) => parse_personal_id(&digits, current_year),
            (10, 0) => {
                check_tax_code(&digits)?;
                Ok(Self {
                    value: digits,
                    kind: SubjectKind::Organisation,
                })
            }
            (13, 0) | (13, 1) => {
                if hyphens == 1 && text.find('-') != Some(10) {
                    return Err(SubjectIdError::BadShape);
                }
                let (main, suffix) = digits.split_at(10);
                check_tax_code(main)?;
                if suffix == "000" {
                    return Err(SubjectIdError::BadBranchSuffix);
                }
                Ok(Self {
                    value: format!("{main}-{suffix}"),
                    kind: SubjectKind::Branch,
                })
            }
            _ => Err(SubjectIdError::BadShape),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn kind(&self) -> SubjectKind {
        self.kind
    }
}

fn parse_personal_id(digits: &str, current_year: i32) -> Result<SubjectId, SubjectIdError> {
    let bytes = digits.as_bytes();
    let digit = |i: usize| (bytes[i] - b'0') as u16;
    let province = digit(0) * 100 + digit(1) * 10 + digit(2);
    // A first digit other than 0 marks a birth registered abroad.
    if digit(0) == 0 && !PROVINCE_CODES.contains(&province) {
        return Err(SubjectIdError::UnknownProvince(province));
    }
    let century = 1900 + 100 * (digit(3) as i32 / 2);
    let year = century + (digit(4) * 10 + digit(5)) as i32;
    if year > current_year {
        return Err(SubjectIdError::FutureBirthYear(year));
    }
    Ok(SubjectId {
        value: digits.to_owned(),
        kind: SubjectKind::Person,
    })
}

fn check_tax_code(digits: &str) -> Result<(), SubjectIdError> {
    let values: Vec<u32> = digits.bytes().map(|b| (b - b'0') as u32).collect();
    let sum: u32 = values
        .iter()
        .zip(TAX_CODE_WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    let check = 10 - (sum % 11);
    // A remainder of 0 would need a check digit of 10: no valid code has one.
    if check == 10 || check != values[9] {
        return Err(SubjectIdError::BadCheckDigit);
    }
    Ok(())
}

impl fmt::Display for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// Debug output never shows the number itself: IDs are personal data and
/// `{:?}` ends up in logs.
impl fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectId({:?}, redacted)", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SubjectId, SubjectIdError> {
        SubjectId::parse_on(s, 2026)
    }

    #[test]
    fn a_personal_id_from_hanoi_born_in_1990_is_accepted() {
        let id = parse("001090012345").unwrap();
        assert_eq!(id.kind(), SubjectKind::Person);
        assert_eq!(id.as_str(), "001090012345");
    }

    #[test]
    fn a_personal_id_with_surrounding_spaces_is_trimmed() {
        assert_eq!(parse(" 079301000001 ").unwrap().as_str(), "079301000001");
    }

    #[test]
    fn a_personal_id_with_an_unknown_province_is_rejected() {
        assert_eq!(
            parse("003090012345"),
            Err(SubjectIdError::UnknownProvince(3))
        );
        assert_eq!(
            parse("097090012345"),
            Err(SubjectIdError::UnknownProvince(97))
        );
    }

    #[test]
    fn a_personal_id_born_abroad_is_accepted() {
        assert!(parse("801090012345").is_ok());
    }

    #[test]
    fn a_personal_id_with_a_birth_year_in_the_future_is_rejected() {
        assert_eq!(
            parse("001234012345"),
            Err(SubjectIdError::FutureBirthYear(2034))
        );
        assert_eq!(
            parse("001401012345"),
            Err(SubjectIdError::FutureBirthYear(2101))
        );
    }

    #[test]
    fn the_documented_tax_code_example_is_valid() {
        let id = parse("0100109106").unwrap();
        assert_eq!(id.kind(), SubjectKind::Organisation);
    }

    #[test]
    fn a_tax_code_with_a_wrong_check_digit_is_rejected() {
        assert_eq!(parse("0100109107"), Err(SubjectIdError::BadCheckDigit));
    }

    #[test]
    fn a_tax_code_whose_check_would_be_ten_is_rejected() {
        // 000000000x: weighted sum 0, remainder 0, check would be 10.
        assert_eq!(parse("0000000000"), Err(SubjectIdError::BadCheckDigit));
    }

    #[test]
    fn a_branch_code_is_accepted_with_or_without_its_hyphen() {
        assert_eq!(parse("0100109106-001").unwrap().as_str(), "0100109106-001");
        assert_eq!(parse("0100109106001").unwrap().as_str(), "0100109106-001");
        assert_eq!(
            parse("0100109106-000"),
            Err(SubjectIdError::BadBranchSuffix)
        );
        assert_eq!(parse("0100109107-001"), Err(SubjectIdError::BadCheckDigit));
        assert_eq!(parse("01001-09106001"), Err(SubjectIdError::BadShape));
    }

    #[test]
    fn other_shapes_are_rejected() {
        for bad in [
            "",
            "   ",
            "12345",
            "00109001234a",
            "0010900123456789",
            "001-090012345",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn debug_output_does_not_reveal_the_number() {
        let id = parse("001090012345").unwrap();
        assert!(!format!("{id:?}").contains("001090012345"));
    }

    #[test]
    fn the_documented_pattern_matches_what_parses_but_for_tax_code_check_digits() {
        let pattern = regex::Regex::new(&subject_id_pattern(2026)).unwrap();
        let mut samples = vec![
            "001090012345".to_string(),
            "0100109106".into(),
            "0100109107".into(),
            "0100109106-001".into(),
            "0100109106001".into(),
            "0100109106-000".into(),
            "01001091060".into(),
            " 001090012345 ".into(),
            "00109001234".into(),
            "0010900123456".into(),
            "001-090012345".into(),
            "abc".into(),
            "".into(),
            "\u{1c}001090012345".into(),
            "\u{3000}001090012345\u{85}".into(),
        ];
        for province in 0..1000 {
            samples.push(format!("{province:03}090012345"));
        }
        for century in 0..10 {
            for yy in 0..100 {
                samples.push(format!("001{century}{yy:02}012345"));
            }
        }
        for sample in &samples {
            let parsed = parse(sample);
            let tax_check = matches!(parsed, Err(SubjectIdError::BadCheckDigit));
            assert_eq!(
                pattern.is_match(sample),
                parsed.is_ok() || tax_check,
                "{sample:?}: {parsed:?}"
            );
        }
    }
}
