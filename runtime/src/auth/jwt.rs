use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::error::ApiError;

/// The claims of a token this server issues.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    /// Who the token speaks for: a user id, as text.
    pub sub: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// Session: a keyed fingerprint of the field named by the project's `auth.invalidated_by` (the
    /// password hash), as it was at issue. The token is valid only while the field still matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
}

/// HS256 token issuer and verifier. Cheap to clone.
#[derive(Clone)]
pub struct Jwt {
    inner: Arc<Keys>,
}

struct Keys {
    // The signing secret, also the key of session fingerprints.
    secret: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwt").field("ttl", &self.inner.ttl).finish_non_exhaustive()
    }
}

/// Clock skew tolerated between replicas when checking `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

impl Jwt {
    pub fn new(secret: &[u8], ttl: Duration) -> Jwt {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        // A token another issuer dated for later (`nbf`) is refused until then; most tokens have none.
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Jwt {
            inner: Arc::new(Keys {
                secret: secret.to_vec(),
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                ttl,
            }),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    /// A token for `subject`, valid for the configured time to live.
    pub fn issue(&self, subject: impl Into<String>) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.inner.ttl.as_secs()).unwrap_or(i64::MAX);
        self.sign(&Claims { sub: subject.into(), iat: now, exp: now.saturating_add(ttl), sv: None })
    }

    /// A token for `subject` that stays valid only while `bound_to` (the value of the project's
    /// `auth.invalidated_by` field for this subject, the password hash) is unchanged: changing the
    /// password ends every session issued before. Generated endpoints check it on each request.
    pub fn issue_bound(&self, subject: impl Into<String>, bound_to: &str) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.inner.ttl.as_secs()).unwrap_or(i64::MAX);
        let sv = Some(self.fingerprint(bound_to));
        self.sign(&Claims { sub: subject.into(), iat: now, exp: now.saturating_add(ttl), sv })
    }

    /// HMAC-SHA256 of `value` under the signing secret, first 16 bytes in hex: the token carries no
    /// part of the password hash, and only this server can make one that matches.
    pub(crate) fn fingerprint(&self, value: &str) -> String {
        use hmac::Mac;
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.inner.secret).expect("HMAC takes a key of any length");
        mac.update(b"charter-session\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether a token's session claim matches the current value of its bound field (see
    /// `tests::session_fingerprints`).
    pub(crate) fn session_matches(&self, claim: Option<&str>, current: &str) -> bool {
        claim.is_some_and(|claim| {
            let expected = self.fingerprint(current);
            // Constant time: the comparison must not tell how much of a forged claim was right.
            claim.len() == expected.len()
                && claim.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        })
    }

    /// Signs arbitrary claims; [`issue`](Jwt::issue) is what use cases want.
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.inner.encoding).map_err(ApiError::internal)
    }

    /// Checks signature, algorithm, expiry and, when present, not-before; every failure is a 401 saying why.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::InvalidSignature => "the token signature is invalid",
                    ErrorKind::InvalidAlgorithm => "the token uses an unexpected algorithm",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidClaimFormat(claim) if claim == "nbf" => {
                        "the token's not-before time is malformed"
                    }
                    ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
                        "the token lacks a valid subject or expiry"
                    }
                    _ => "the token is malformed",
                };
                ApiError::unauthorized(why)
            })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn session_fingerprints() {
        let jwt = Jwt::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60));
        let token = jwt.issue_bound("7", "$argon2id$hash-one").unwrap();
        let claims = jwt.verify(&token).unwrap();
        let sv = claims.sv.as_deref();
        assert!(jwt.session_matches(sv, "$argon2id$hash-one"));
        assert!(!jwt.session_matches(sv, "$argon2id$hash-two"), "a changed field ends the session");
        assert!(!jwt.session_matches(None, "$argon2id$hash-one"), "an unbound token is refused");
        assert!(!sv.unwrap().contains("argon2"), "nothing of the field is in the token");
        let other = Jwt::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert!(!other.session_matches(sv, "$argon2id$hash-one"), "keyed by the secret");
    }

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn issue_then_verify() {
        let jwt = Jwt::new(SECRET, Duration::from_secs(60));
        let token = jwt.issue("42").unwrap();
        let claims = jwt.verify(&token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.exp - claims.iat, 60);
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let jwt = Jwt::new(SECRET, Duration::from_secs(60));
        let now = chrono::Utc::now().timestamp();
        let token = jwt.sign(&Claims { sub: "42".into(), iat: now - 7200, exp: now - 3600, sv: None }).unwrap();
        let err = jwt.verify(&token).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::UNAUTHORIZED);
        assert_eq!(err.message(), "the token has expired");
    }

    #[test]
    fn wrong_secret_and_garbage_are_rejected() {
        let token = Jwt::new(SECRET, Duration::from_secs(60)).issue("42").unwrap();
        let other = Jwt::new(b"another-secret-another-secret-another", Duration::from_secs(60));
        assert_eq!(other.verify(&token).unwrap_err().message(), "the token signature is invalid");
        assert_eq!(other.verify("not.a.token").unwrap_err().message(), "the token is malformed");
        assert_eq!(other.verify("").unwrap_err().status(), http::StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn tokens_are_refused_before_their_not_before_time() {
        let jwt = Jwt::new(SECRET, Duration::from_secs(60));
        let now = chrono::Utc::now().timestamp();
        let signed = |nbf: serde_json::Value| {
            let claims = serde_json::json!({ "sub": "7", "iat": now, "exp": now + 7200, "nbf": nbf });
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &jwt.inner.encoding).unwrap()
        };
        let early = jwt.verify(&signed((now + 3600).into())).unwrap_err();
        assert_eq!(early.message(), "the token is not valid yet");
        let malformed = jwt.verify(&signed("soon".into())).unwrap_err();
        assert_eq!(malformed.message(), "the token's not-before time is malformed");
        // Within the clock skew allowed between replicas, and in the past: accepted.
        assert_eq!(jwt.verify(&signed((now + 10).into())).unwrap().sub, "7");
        assert_eq!(jwt.verify(&signed((now - 10).into())).unwrap().sub, "7");
    }

    #[test]
    fn alg_none_is_rejected() {
        let jwt = Jwt::new(SECRET, Duration::from_secs(60));
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let body =
            base64_url(format!(r#"{{"sub":"1","iat":0,"exp":{}}}"#, chrono::Utc::now().timestamp() + 600).as_bytes());
        assert!(jwt.verify(&format!("{header}.{body}.")).is_err());
    }

    fn base64_url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
