//! Counter officers: the people who use the desk, each with an account of
//! their own (not an API key), a role, and a password known only as its
//! Argon2id hash.

use std::fmt;

use chrono::{DateTime, Utc};

use super::Role;

/// A username: 2 to 32 of `a-z`, `0-9`, `.`, `_`, `-`, starting with a
/// letter. Typed in any case, kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, OfficerError> {
        let s = s.trim().to_ascii_lowercase();
        let ok = (2..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
        if ok {
            Ok(Self(s))
        } else {
            Err(OfficerError::BadUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The roles an officer can hold: `reader` is for back-office systems only.
pub fn officer_role(role: Role) -> Result<Role, OfficerError> {
    match role {
        Role::Intake | Role::Issuer | Role::Auditor | Role::Admin => Ok(role),
        Role::Reader => Err(OfficerError::BadRole),
    }
}

/// Shortest password an officer may set.
pub const MIN_PASSWORD: usize = 10;

/// An officer's account, never the password hash.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: i64,
    pub username: Username,
    pub full_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Officer {
    /// How the ledger and the operations name this officer.
    pub fn actor(&self) -> super::role::Actor {
        super::role::Actor {
            name: format!("officer:{}", self.username),
            role: self.role,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficerError {
    #[error("a username is 2 to 32 of a-z, 0-9, '.', '_', '-', starting with a letter")]
    BadUsername,
    #[error("an officer's role is intake, issuer, auditor or admin")]
    BadRole,
    #[error("a password has at least {MIN_PASSWORD} characters")]
    ShortPassword,
    #[error("a full name is 1 to 100 characters")]
    BadFullName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_kept_in_lower_case_and_odd_ones_are_refused() {
        assert_eq!(
            Username::parse(" Lan.Nguyen ").unwrap().as_str(),
            "lan.nguyen"
        );
        for bad in ["", "a", "1lan", "lan nguyen", "lân", &"a".repeat(33)] {
            assert_eq!(
                Username::parse(bad),
                Err(OfficerError::BadUsername),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_officer_cannot_hold_the_reader_role() {
        assert_eq!(officer_role(Role::Reader), Err(OfficerError::BadRole));
        assert_eq!(officer_role(Role::Intake), Ok(Role::Intake));
    }
}
