//! The validity catalogue as the rest of sohoa uses it: each kind's rule,
//! loaded from the database (admins edit it), applied to records. This is the
//! one place that answers "is this record valid on that day" for listing,
//! reuse, verification and the citizen's page.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::DocumentKind;
use crate::domain::validity::{self, Expiry, PaperDates, ValidityRule};
use crate::storage::db::{DbError, Record, Repository};

#[derive(Debug, Clone)]
pub struct Catalogue {
    rules: HashMap<DocumentKind, ValidityRule>,
}

impl Catalogue {
    pub async fn load(repo: &dyn Repository) -> Result<Self, DbError> {
        let rules = repo
            .validity_catalogue()
            .await?
            .into_iter()
            .map(|e| (e.kind, e.rule))
            .collect();
        Ok(Self { rules })
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
}
