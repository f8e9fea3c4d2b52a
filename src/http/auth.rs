//! Who is calling: a [`Caller`] is the actor an API key stands for (`Authorization:
//! Bearer KEY`). A missing, unknown or revoked key is 401; which roles an
//! operation admits (403 otherwise) is the operation's rule, in `ops`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use super::errors::ApiError;
use crate::domain::role::Actor;
use crate::ops;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

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
            .map(str::to_owned);
        Box::pin(async move {
            let (Some(state), Some(key)) = (state, key) else {
                return Err(ApiError::unauthorized());
            };
            let actor = ops::keys::authenticate(state.cx.repo.as_ref(), &key)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            Ok(Caller(actor))
        })
    }
}
