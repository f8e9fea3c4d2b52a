//! The validity catalogue applied to records: each kind's rule (kept as data,
//! edited by admins) decides "is this record valid on that day" for listing,
//! reuse, verification and the citizen's page, in this one place.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::validity::{self, Expiry, KindValidity, PaperDates, ValidityRule};
use super::{DocumentKind, Record};

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    rules: HashMap<DocumentKind, ValidityRule>,
}

impl Catalogue {
    pub fn new(entries: impl IntoIterator<Item = KindValidity>) -> Self {
        Self {
            rules: entries.into_iter().map(|e| (e.kind, e.rule)).collect(),
        }
    }

    /// A kind missing from the catalogue never expires by default.
    pub fn rule(&self, kind: DocumentKind) -> ValidityRule {
        self.rules
            .get(&kind)
            .copied()
            .unwrap_or(ValidityRule::NoExpiry)
    }

    pub fn expiry(&self, record: &Record) -> Expiry {
        validity::expiry(
            self.rule(record.kind),
            PaperDates {
                permanent: record.meta.permanent,
                issued_on: record.meta.issued_on,
                valid_until: record.meta.valid_until,
            },
        )
    }

    /// Whether `record` may be relied on on `on`.
    pub fn is_valid_on(&self, record: &Record, on: NaiveDate) -> bool {
        validity::is_valid_on(record.status, self.expiry(record), on)
    }

    /// The last day `record` is valid, when it has one.
    pub fn valid_until(&self, record: &Record) -> Option<NaiveDate> {
        match self.expiry(record) {
            Expiry::After(day) => Some(day),
            _ => None,
        }
    }
}
