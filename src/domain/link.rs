//! Links citizens open to read their own records and who looked at them.
//! Only the SHA-256 of a link's token is ever stored.

use chrono::{DateTime, Utc};

use super::{Sha256Digest, SubjectId};

/// A link a citizen opens to read their own records.
#[derive(Debug, Clone)]
pub struct CitizenLink {
    pub id: String,
    pub subject_id: SubjectId,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a link no longer opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Revoked,
    Expired,
}

impl CitizenLink {
    /// Whether the link opens at `now`.
    pub fn usable_at(&self, now: DateTime<Utc>) -> Result<(), LinkRefusal> {
        if self.revoked_at.is_some() {
            Err(LinkRefusal::Revoked)
        } else if self.expires_at <= now {
            Err(LinkRefusal::Expired)
        } else {
            Ok(())
        }
    }
}

/// What is stored of a link's token.
pub fn token_hash(token: &str) -> String {
    Sha256Digest::of(token.as_bytes()).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires_in_days: i64, revoked: bool) -> CitizenLink {
        let now = Utc::now();
        CitizenLink {
            id: "l".into(),
            subject_id: SubjectId::parse("001090012345").unwrap(),
            created_by: "desk".into(),
            created_at: now,
            expires_at: now + chrono::Duration::days(expires_in_days),
            revoked_at: revoked.then_some(now),
        }
    }

    #[test]
    fn a_link_opens_until_it_expires_or_is_revoked() {
        let now = Utc::now();
        assert_eq!(link(30, false).usable_at(now), Ok(()));
        assert_eq!(link(-1, false).usable_at(now), Err(LinkRefusal::Expired));
        assert_eq!(link(30, true).usable_at(now), Err(LinkRefusal::Revoked));
    }
}
