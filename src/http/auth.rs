//! API keys. A key is `sohoa_` followed by 32 random bytes in hex; only its
//! SHA-256 is stored. Handlers take a [`Caller`] and state the roles they admit
//! with [`Caller::require`]; a missing or unknown key is 401, a known key with
//! the wrong role 403.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use rand::RngCore;

use super::AppState;
use super::errors::ApiError;
use crate::domain::{Role, Sha256Digest};

const KEY_PREFIX: &str = "sohoa_";

/// A new random API key, shown once to whoever creates it.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// What is stored for a key.
pub fn hash_key(key: &str) -> String {
    Sha256Digest::of(key.trim().as_bytes()).to_hex()
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_name: String,
    pub role: Role,
}

impl Caller {
    /// Admits the caller if its role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(&names.join(", ")))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let key = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|k| k.trim().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::unauthorized)?;
            let key = key
                .filter(|k| k.starts_with(KEY_PREFIX))
                .ok_or_else(ApiError::unauthorized)?;
            let found = state.repo.api_key_by_hash(&hash_key(&key)).await?;
            let found = found.ok_or_else(ApiError::unauthorized)?;
            Ok(Caller {
                key_name: found.name,
                role: found.role,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_distinct_and_hash_stably() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 64);
        assert_eq!(hash_key(&a), hash_key(&format!(" {a} ")));
        assert_ne!(hash_key(&a), hash_key(&b));
    }

    #[test]
    fn a_caller_is_admitted_only_with_a_listed_role() {
        let caller = Caller {
            key_name: "desk-1".into(),
            role: Role::Reader,
        };
        assert!(caller.require(&[Role::Reader, Role::Admin]).is_ok());
        assert_eq!(
            caller.require(&[Role::Intake]).unwrap_err().code(),
            "forbidden"
        );
    }
}
