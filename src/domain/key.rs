//! Keys: the API keys systems call sohoa with (only their SHA-256 is kept),
//! and the public halves of the agency's signing keys.

use chrono::{DateTime, Utc};

use super::{AgencyId, Role};

/// An API key, never the secret itself.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The public half of a signing key, as published in the JWKS.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    /// RFC 7638 thumbprint.
    pub kid: String,
    pub alg: String,
    /// The JWK as JSON text.
    pub public_jwk: String,
    pub agency_id: AgencyId,
    pub created_at: DateTime<Utc>,
}
