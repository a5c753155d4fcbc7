//! Authentication: stateless signed tokens carried in a request header.

use std::str::FromStr;

use http::{HeaderMap, HeaderValue, header::WWW_AUTHENTICATE};

use crate::error::ApiError;

mod jwt;
pub mod password;

pub use jwt::{Claims, Jwt};

/// Where a request carries its token: `<header>: <prefix> <token>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthScheme {
    pub header: &'static str,
    /// `Bearer` for RFC 6750 tokens, `Token` for Conduit; empty when the header holds the bare token.
    pub prefix: &'static str,
}

impl AuthScheme {
    pub const BEARER: AuthScheme = AuthScheme { header: "Authorization", prefix: "Bearer" };
}

impl Default for AuthScheme {
    fn default() -> Self {
        AuthScheme::BEARER
    }
}

/// The authenticated caller of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub` claim, as issued by [`Jwt::issue`].
    pub subject: String,
    /// The raw token, for endpoints that echo it back (Conduit's `user.token`).
    pub token: String,
    /// The token's session claim (see [`Jwt::issue_bound`]), checked by generated endpoints when the
    /// project sets `auth.invalidated_by`.
    pub session: Option<String>,
}

impl Caller {
    /// The subject parsed as an id: `let user_id: i64 = caller.id()?;`. A subject that does not parse
    /// was not issued by this server's use cases, so the caller is unauthenticated.
    pub fn id<T: FromStr>(&self) -> Result<T, ApiError> {
        self.subject.parse().map_err(|_| ApiError::unauthorized("the token subject is not a valid id"))
    }
}

fn unauthorized(scheme: &AuthScheme, message: String) -> ApiError {
    let error = ApiError::unauthorized(message);
    match HeaderValue::from_str(scheme.prefix) {
        Ok(challenge) if scheme.header.eq_ignore_ascii_case("authorization") && !scheme.prefix.is_empty() => {
            error.with_header(WWW_AUTHENTICATE, challenge)
        }
        _ => error,
    }
}

/// The caller of an endpoint with `auth: required`. A missing header, another scheme, or a bad or
/// expired token is a 401 that says which.
pub fn required(headers: &HeaderMap, scheme: &AuthScheme, jwt: &Jwt) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(scheme.header) else {
        return Err(unauthorized(scheme, format!("missing {} header", scheme.header)));
    };
    let token = parse_header(value, scheme)?;
    let claims = jwt.verify(token).map_err(|e| unauthorized(scheme, e.message().to_owned()))?;
    Ok(Caller { subject: claims.sub, token: token.to_owned(), session: claims.sv })
}

/// The caller of an endpoint with `auth: optional`: `None` without the header; a header that is present
/// but invalid is still a 401, so a client with a stale token learns about it.
pub fn optional(headers: &HeaderMap, scheme: &AuthScheme, jwt: &Jwt) -> Result<Option<Caller>, ApiError> {
    if headers.contains_key(scheme.header) { required(headers, scheme, jwt).map(Some) } else { Ok(None) }
}

fn parse_header<'h>(value: &'h HeaderValue, scheme: &AuthScheme) -> Result<&'h str, ApiError> {
    let text = value
        .to_str()
        .map_err(|_| unauthorized(scheme, format!("the {} header is not valid text", scheme.header)))?
        .trim();
    let token = if scheme.prefix.is_empty() {
        text
    } else {
        let form = || {
            unauthorized(scheme, format!("the {} header must have the form `{} <token>`", scheme.header, scheme.prefix))
        };
        let (prefix, rest) = text.split_once(' ').ok_or_else(form)?;
        if !prefix.eq_ignore_ascii_case(scheme.prefix) {
            return Err(form());
        }
        rest.trim()
    };
    if token.is_empty() {
        return Err(unauthorized(scheme, format!("the {} header has no token", scheme.header)));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const CONDUIT: AuthScheme = AuthScheme { header: "Authorization", prefix: "Token" };

    fn jwt() -> Jwt {
        Jwt::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("authorization", HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn accepts_a_valid_token() {
        let jwt = jwt();
        let token = jwt.issue("7").unwrap();
        let caller = required(&headers(&format!("Token {token}")), &CONDUIT, &jwt).unwrap();
        assert_eq!(caller.subject, "7");
        assert_eq!(caller.token, token);
        assert_eq!(caller.id::<i64>().unwrap(), 7);
        assert!(caller.id::<uuid::Uuid>().is_err());
        let caller = required(&headers(&format!("token   {token} ")), &CONDUIT, &jwt).unwrap();
        assert_eq!(caller.token, token);
    }

    #[test]
    fn says_what_is_wrong() {
        let jwt = jwt();
        let token = jwt.issue("7").unwrap();
        let message = |h: &HeaderMap| required(h, &CONDUIT, &jwt).unwrap_err().message().to_owned();
        assert_eq!(message(&HeaderMap::new()), "missing Authorization header");
        assert_eq!(
            message(&headers(&format!("Bearer {token}"))),
            "the Authorization header must have the form `Token <token>`"
        );
        assert_eq!(message(&headers("Token")), "the Authorization header must have the form `Token <token>`");
        assert_eq!(message(&headers("Token  ")), "the Authorization header must have the form `Token <token>`");
        assert_eq!(message(&headers("Token abc")), "the token is malformed");
        let err = required(&HeaderMap::new(), &CONDUIT, &jwt).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::UNAUTHORIZED);
        assert_eq!(err.header(&WWW_AUTHENTICATE).unwrap(), "Token");
    }

    #[test]
    fn optional_auth() {
        let jwt = jwt();
        assert_eq!(optional(&HeaderMap::new(), &AuthScheme::BEARER, &jwt).unwrap(), None);
        let token = jwt.issue("x").unwrap();
        assert_eq!(
            optional(&headers(&format!("Bearer {token}")), &AuthScheme::BEARER, &jwt).unwrap().unwrap().subject,
            "x"
        );
        assert!(optional(&headers("Bearer nope"), &AuthScheme::BEARER, &jwt).is_err());
    }

    #[test]
    fn custom_header_without_prefix() {
        let jwt = jwt();
        let scheme = AuthScheme { header: "X-Api-Token", prefix: "" };
        let mut map = HeaderMap::new();
        map.insert("x-api-token", HeaderValue::from_str(&jwt.issue("s").unwrap()).unwrap());
        assert_eq!(required(&map, &scheme, &jwt).unwrap().subject, "s");
        assert!(required(&HeaderMap::new(), &scheme, &jwt).unwrap_err().headers().is_empty());
    }
}
