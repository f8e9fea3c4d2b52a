//! The agency's digital signature on digitisation certificates.
//!
//! A certificate is a JWS (RFC 7515) in compact serialisation, signed with
//! Ed25519 (`alg: EdDSA`, RFC 8037) over the certificate's canonical JSON
//! (RFC 8785). Anyone can check it without sohoa, with any JOSE library and
//! the public keys of `GET /v1/signing-keys` (a JWKS, each key named by its
//! RFC 7638 thumbprint, `kid`).
//!
//! The private key lives in a PKCS#8 PEM file outside the database
//! (`SOHOA_SIGNING_KEY_DIR`, by default `DATA_DIR/signing-keys`): `current.pem`
//! signs; `sohoa signing-key rotate` moves it to `retired/` and makes a new
//! one. Every public key ever used is published in the database, so old
//! certificates stay verifiable and every instance publishes every
//! instance's keys. The private key is never served or logged.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Utc;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub mod certificate;

use crate::domain::AgencyId;
use crate::domain::Sha256Digest;
use crate::domain::key::PublishedKey;

/// The JWS algorithm sohoa signs with.
pub const ALG: &str = "EdDSA";
/// The JWS header `typ` of a digitisation certificate.
pub const CERTIFICATE_TYP: &str = "sohoa-certificate+jws";

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("signing key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("cannot encode the certificate: {0}")]
    Encode(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("not a JWS in compact serialisation")]
    Malformed,
    #[error("signed with an algorithm other than EdDSA")]
    Algorithm,
    #[error("signed with a key that is not published ({0})")]
    UnknownKey(String),
    #[error("the signature does not match the certificate")]
    BadSignature,
}

/// The agency's current signing key.
#[derive(Clone)]
pub struct AgencySigner {
    key: SigningKey,
    kid: String,
}

impl std::fmt::Debug for AgencySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself.
        f.debug_struct("AgencySigner")
            .field("kid", &self.kid)
            .finish()
    }
}

impl AgencySigner {
    /// Loads `dir/current.pem`, creating the folder and a new key when there
    /// is none. Returns the signer and whether it was just created.
    pub fn load_or_create(dir: &Path) -> Result<(Self, bool), SigningError> {
        let path = dir.join("current.pem");
        match std::fs::read_to_string(&path) {
            Ok(pem) => {
                let key = SigningKey::from_pkcs8_pem(&pem).map_err(|e| SigningError::Key {
                    path: path.clone(),
                    reason: format!("not an Ed25519 PKCS#8 PEM key: {e}"),
                })?;
                Ok((Self::from_key(key), false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match Self::create(dir, &path) {
                Ok(created) => Ok((created, true)),
                // Another instance sharing the folder made it first: use theirs.
                Err(_) if path.exists() => Self::load_or_create(dir),
                Err(e) => Err(e),
            },
            Err(e) => Err(SigningError::Key {
                path,
                reason: e.to_string(),
            }),
        }
    }

    /// Retires the current key (kept in `dir/retired/`) and makes a new one.
    pub fn rotate(dir: &Path) -> Result<Self, SigningError> {
        let path = dir.join("current.pem");
        let (old, created) = Self::load_or_create(dir)?;
        if created {
            return Ok(old);
        }
        let retired = dir.join("retired");
        let key_error = |p: &Path, e: std::io::Error| SigningError::Key {
            path: p.to_owned(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&retired).map_err(|e| key_error(&retired, e))?;
        let target = retired.join(format!("{}.pem", old.kid));
        std::fs::rename(&path, &target).map_err(|e| key_error(&target, e))?;
        Self::create(dir, &path)
    }

    fn create(dir: &Path, path: &Path) -> Result<Self, SigningError> {
        let key_error = |e: String| SigningError::Key {
            path: path.to_owned(),
            reason: e,
        };
        let mut seed = [0u8; 32];
        rand::fill(&mut seed);
        let key = SigningKey::from_bytes(&seed);
        let pem = key
            .to_pkcs8_pem(Default::default())
            .map_err(|e| key_error(e.to_string()))?;
        std::fs::create_dir_all(dir).map_err(|e| key_error(e.to_string()))?;
        write_private(path, pem.as_bytes()).map_err(|e| key_error(e.to_string()))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: SigningKey) -> Self {
        let kid = thumbprint(&key.verifying_key());
        Self { key, kid }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, to publish.
    pub fn published(&self, agency_id: &AgencyId) -> PublishedKey {
        PublishedKey {
            kid: self.kid.clone(),
            alg: ALG.into(),
            public_jwk: public_jwk(&self.key.verifying_key(), &self.kid).to_string(),
            agency_id: agency_id.clone(),
            created_at: Utc::now(),
        }
    }

    /// Signs `claims` as a JWS over their canonical JSON.
    pub fn sign<T: Serialize>(&self, claims: &T, typ: &str) -> Result<String, SigningError> {
        let header = json!({ "alg": ALG, "kid": self.kid, "typ": typ });
        let header = serde_jcs::to_vec(&header).map_err(|e| SigningError::Encode(e.to_string()))?;
        let payload = serde_jcs::to_vec(claims).map_err(|e| SigningError::Encode(e.to_string()))?;
        let signing_input = format!("{}.{}", B64.encode(header), B64.encode(payload));
        let signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            B64.encode(signature.to_bytes())
        ))
    }
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The RFC 7638 thumbprint of an Ed25519 public key.
fn thumbprint(key: &VerifyingKey) -> String {
    // The required members in lexicographic order, no spaces: RFC 7638 §3.
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64.encode(key.as_bytes())
    );
    B64.encode(Sha256Digest::of(canonical.as_bytes()).as_bytes())
}

fn public_jwk(key: &VerifyingKey, kid: &str) -> serde_json::Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": B64.encode(key.as_bytes()),
        "kid": kid,
        "alg": ALG,
        "use": "sig",
    })
}

/// A JWKS (RFC 7517 §5) of the published keys.
pub fn jwks(keys: &[PublishedKey]) -> serde_json::Value {
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
        .collect();
    json!({ "keys": keys })
}

/// The claims of a verified JWS.
#[derive(Debug)]
pub struct Verified {
    pub kid: String,
    pub payload: serde_json::Value,
}

/// Checks a compact JWS against the published keys and returns its payload.
pub fn verify(jws: &str, keys: &[PublishedKey]) -> Result<Verified, VerifyError> {
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed);
    };
    #[derive(Deserialize)]
    struct Header {
        alg: String,
        kid: Option<String>,
    }
    let header: Header = B64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(VerifyError::Malformed)?;
    if header.alg != ALG {
        return Err(VerifyError::Algorithm);
    }
    let kid = header.kid.unwrap_or_default();
    let published = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| VerifyError::UnknownKey(kid.clone()))?;
    let key = verifying_key(&published.public_jwk).ok_or(VerifyError::UnknownKey(kid.clone()))?;
    let signature = B64
        .decode(s)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or(VerifyError::Malformed)?;
    key.verify_strict(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| VerifyError::BadSignature)?;
    let payload = B64
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(VerifyError::Malformed)?;
    Ok(Verified { kid, payload })
}

fn verifying_key(jwk: &str) -> Option<VerifyingKey> {
    let jwk: serde_json::Value = serde_json::from_str(jwk).ok()?;
    let x = B64.decode(jwk.get("x")?.as_str()?).ok()?;
    VerifyingKey::from_bytes(&x.try_into().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency() -> AgencyId {
        AgencyId::parse("000.00.00.H56").unwrap()
    }

    #[test]
    fn a_signature_verifies_with_the_published_key_and_fails_after_any_change() {
        let dir = tempfile::tempdir().unwrap();
        let (signer, created) = AgencySigner::load_or_create(dir.path()).unwrap();
        assert!(created);
        let keys = vec![signer.published(&agency())];
        let jws = signer
            .sign(&json!({"b": 1, "a": "Giấy khai sinh"}), CERTIFICATE_TYP)
            .unwrap();
        let verified = verify(&jws, &keys).unwrap();
        assert_eq!(verified.payload["a"], "Giấy khai sinh");

        // Canonical JSON: keys sorted, no spaces.
        let payload = jws.split('.').nth(1).unwrap();
        assert_eq!(
            B64.decode(payload).unwrap(),
            r#"{"a":"Giấy khai sinh","b":1}"#.as_bytes()
        );

        let tampered = jws.replacen(payload, &B64.encode(r#"{"a":"Giấy khai sinh","b":2}"#), 1);
        assert_eq!(
            verify(&tampered, &keys).unwrap_err(),
            VerifyError::BadSignature
        );
    }

    #[test]
    fn the_key_is_kept_and_reused_and_rotation_keeps_old_signatures_verifiable() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = AgencySigner::load_or_create(dir.path()).unwrap();
        let (again, created) = AgencySigner::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(first.kid(), again.kid());
        let old = first.sign(&json!({"n": 1}), CERTIFICATE_TYP).unwrap();

        let second = AgencySigner::rotate(dir.path()).unwrap();
        assert_ne!(first.kid(), second.kid());
        assert!(
            dir.path()
                .join("retired")
                .join(format!("{}.pem", first.kid()))
                .exists()
        );
        let keys = vec![first.published(&agency()), second.published(&agency())];
        assert!(verify(&old, &keys).is_ok());
        assert!(verify(&old, &keys[1..]).is_err());
    }

    #[test]
    fn the_private_key_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        AgencySigner::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join("current.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
