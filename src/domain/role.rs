//! The roles an API key can hold. Each endpoint names the roles it admits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the instance: keys, catalogue, everything.
    Admin,
    /// Counter officers' software: scans papers in, lists what is on file.
    Intake,
    /// Back-office systems: read reusable papers for a named dossier.
    Reader,
    /// Agencies registering the results they issue.
    Issuer,
    /// Reads access logs and statistics.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Intake,
        Role::Reader,
        Role::Issuer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Intake => "intake",
            Role::Reader => "reader",
            Role::Issuer => "issuer",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; expected one of admin, intake, reader, issuer, auditor"
                )
            })
    }
}

/// Who performs an operation: an API key or an officer's account, with its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The key's name, or the officer's username.
    pub name: String,
    pub role: Role,
}

impl Actor {
    pub fn key(name: &str, role: Role) -> Self {
        Self {
            name: name.to_owned(),
            role,
        }
    }

    /// How the access ledger names this actor.
    pub fn reader(&self) -> super::access::Reader {
        super::access::Reader {
            name: self.name.clone(),
            role: self.role.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
