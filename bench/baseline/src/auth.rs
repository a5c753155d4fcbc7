//! `Authorization: Token <jwt>`: HS256 tokens issued by the generated server, verified with the same
//! rules (leeway, required claims) and rejected with the same messages.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header::AUTHORIZATION};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;

/// Clock skew tolerated when checking `exp`.
const LEEWAY_SECONDS: u64 = 30;
const PREFIX: &str = "Token";

pub struct Jwt {
    key: DecodingKey,
    validation: Validation,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    // Never read here, but part of the claims type: a token without them fails to decode (a malformed
    // token, not a missing claim), as it does in the generated server.
    #[allow(dead_code)]
    iat: i64,
    #[allow(dead_code)]
    exp: i64,
}

impl Jwt {
    pub fn new(secret: &[u8]) -> Jwt {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Jwt { key: DecodingKey::from_secret(secret), validation }
    }

    fn subject(&self, token: &str) -> Result<String, ApiError> {
        match jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation) {
            Ok(data) => Ok(data.claims.sub),
            Err(e) => Err(ApiError::Unauthorized(
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::InvalidSignature => "the token signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the token uses an unexpected algorithm",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
                        "the token lacks a valid subject or expiry"
                    }
                    _ => "the token is malformed",
                }
                .to_owned(),
            )),
        }
    }
}

/// A caller with a valid token.
pub struct Caller {
    /// `None` when the subject is not a user id: the token is genuine, but names no user.
    pub user_id: Option<i64>,
    /// The raw token, which `GET /api/user` echoes back.
    pub token: String,
}

/// The caller of an endpoint where signing in is optional. A token that is present but invalid is still
/// a 401, so that a client with a stale token learns about it.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = token(&parts.headers)?;
        let subject = state.jwt.subject(token)?;
        Ok(Caller { user_id: subject.parse().ok(), token: token.to_owned() })
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<MaybeCaller, ApiError> {
        if parts.headers.contains_key(AUTHORIZATION) {
            Caller::from_request_parts(parts, state).await.map(|caller| MaybeCaller(Some(caller)))
        } else {
            Ok(MaybeCaller(None))
        }
    }
}

fn token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(AUTHORIZATION).ok_or_else(|| unauthorized("missing Authorization header"))?;
    let text = value.to_str().map_err(|_| unauthorized("the Authorization header is not valid text"))?.trim();
    let malformed = || unauthorized("the Authorization header must have the form `Token <token>`");
    let (prefix, rest) = text.split_once(' ').ok_or_else(malformed)?;
    if !prefix.eq_ignore_ascii_case(PREFIX) {
        return Err(malformed());
    }
    let token = rest.trim();
    if token.is_empty() {
        return Err(unauthorized("the Authorization header has no token"));
    }
    Ok(token)
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized(message.to_owned())
}
