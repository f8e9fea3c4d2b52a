//! Particulars suggested from a paper's text: what the officer would
//! otherwise type (name, date of birth, ID number, number, issue date,
//! issuing agency, signer…), each with a confidence. They stay apart from
//! the confirmed particulars ([`super::RecordMeta`]) until an officer
//! confirms them in review.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SubjectId;

/// One suggested value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// As written on the paper; dates as `YYYY-MM-DD`.
    pub value: String,
    /// How sure the reading is, from 0 to 1: the words' OCR confidence and
    /// how strictly the value was checked (a valid ID number, a real date).
    pub confidence: f64,
}

/// Suggestions by field name (`full_name`, `date_of_birth`, `personal_id`,
/// `document_number`, `issued_on`, `issuing_agency`, `signer`,
/// `company_name`, `tax_code`); a field not found is absent.
pub type Suggestions = BTreeMap<String, Suggestion>;

/// A warning on a record, for the officer to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// The paper names another ID number than the record's owner: the
    /// wrong citizen's paper, or the wrong owner typed.
    SubjectMismatch,
}

/// What the suggestions say is wrong with a record of `subject`.
pub fn warnings(subject: &SubjectId, suggestions: &Suggestions) -> Vec<Warning> {
    let named = ["personal_id", "tax_code"]
        .iter()
        .filter_map(|f| suggestions.get(*f))
        .filter_map(|s| SubjectId::parse(&s.value).ok())
        .find(|id| id.kind() == subject.kind());
    match named {
        Some(id) if id != *subject => vec![Warning::SubjectMismatch],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggest(field: &str, value: &str) -> Suggestions {
        let mut s = Suggestions::new();
        s.insert(
            field.into(),
            Suggestion {
                value: value.into(),
                confidence: 0.9,
            },
        );
        s
    }

    #[test]
    fn another_id_number_on_the_paper_is_a_subject_mismatch() {
        let owner = SubjectId::parse("001090012345").unwrap();
        assert!(warnings(&owner, &suggest("personal_id", "001090012345")).is_empty());
        assert_eq!(
            warnings(&owner, &suggest("personal_id", "034185006789")),
            [Warning::SubjectMismatch]
        );
        assert!(warnings(&owner, &Suggestions::new()).is_empty());
    }
}
