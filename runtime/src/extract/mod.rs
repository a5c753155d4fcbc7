//! Request parsing for generated endpoints (through `handler`): plain functions returning [`ApiError`]s,
//! which the endpoint renders in the project's envelope.
//!
//! | failure                                   | status |
//! |-------------------------------------------|--------|
//! | body over the limit                       | 413    |
//! | body with a non-JSON `Content-Type`        | 415    |
//! | body that is not JSON, or empty           | 400, with line and column |
//! | JSON of the wrong shape, bad query / path | 422, naming the JSON path or parameter |

use std::borrow::Cow;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, header::CONTENT_TYPE};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::{ApiError, FieldError};
use crate::validate::JsonPath;

pub(crate) mod params;

/// Whether the body is known to be empty (every GET): nothing to buffer or limit. One test for the
/// guard, the endpoints and `read_body`, so they never disagree about which requests have a body.
pub(crate) fn is_empty(body: &Body) -> bool {
    axum::body::HttpBody::size_hint(body).exact() == Some(0)
}

/// Reads the whole body, at most `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    if is_empty(&body) {
        return Ok(Bytes::new());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let source = e.into_inner();
        if is_length_limit(source.as_ref()) {
            ApiError::payload_too_large(limit)
        } else {
            tracing::debug!(error = %source, "failed to read request body");
            ApiError::bad_request("failed to read the request body")
        }
    })
}

fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// Whether a `Content-Type` value is JSON: `application/json` or any `application/*+json`, with or
/// without parameters.
pub fn is_json_content_type(value: &str) -> bool {
    let mime = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads and parses a JSON body; see the module table for the errors.
pub async fn json<T: DeserializeOwned>(headers: &HeaderMap, body: Body, limit: usize) -> Result<T, ApiError> {
    let bytes = read_body(body, limit).await?;
    json_from_slice(headers, &bytes)
}

/// Parses an already read JSON body.
pub fn json_from_slice<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    match headers.get(CONTENT_TYPE).map(|v| v.to_str()) {
        Some(Ok(value)) if is_json_content_type(value) => {}
        Some(Ok(value)) => {
            return Err(ApiError::unsupported_media_type(format!(
                "Content-Type must be application/json, not `{}`",
                value.chars().take(100).collect::<String>()
            )));
        }
        Some(Err(_)) => return Err(ApiError::unsupported_media_type("Content-Type must be application/json")),
        None if !empty => return Err(ApiError::unsupported_media_type("Content-Type must be application/json")),
        None => {}
    }
    if let Some(Ok(value)) = headers.get(CONTENT_TYPE).map(|v| v.to_str()) {
        check_charset(value)?;
    }
    if empty {
        // An endpoint whose body is optional accepts "no body" as null.
        return serde_json::from_slice(b"null")
            .map_err(|_| ApiError::bad_request("the request body is empty; expected a JSON document"));
    }
    reject_nul(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|e| syntax_error(&e))?;
    Ok(value)
}

/// JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset is refused rather than read as
/// UTF-8 and stored garbled.
fn check_charset(content_type: &str) -> Result<(), ApiError> {
    for param in content_type.split(';').skip(1) {
        let Some((name, value)) = param.split_once('=') else { continue };
        let value = value.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !value.eq_ignore_ascii_case("utf-8") {
            return Err(ApiError::unsupported_media_type(format!(
                "JSON bodies must be UTF-8, not charset `{}`",
                value.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// Refuses a body with a NUL character in a string or a key: PostgreSQL cannot store one in text
/// (`invalid byte sequence for encoding "UTF8": 0x00`), and on SQLite it cuts strings short in most
/// tools. One rule for every generated server and both databases: a 422 naming each such field.
///
/// JSON can carry a NUL only escaped (a raw control character is a syntax error), so a body without
/// the six bytes `\u0000` is passed at the cost of one scan; one with them (or with an escaped
/// backslash before `u0000`, which is harmless) is parsed once more to find the fields.
fn reject_nul(bytes: &[u8]) -> Result<(), ApiError> {
    // Only at a backslash can the escape start; bodies rarely have many.
    let escaped_nul = bytes.iter().enumerate().any(|(i, b)| *b == b'\\' && bytes[i + 1..].starts_with(b"u0000"));
    if !escaped_nul {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else { return Ok(()) };
    let mut errors = Vec::new();
    find_nul(&value, &mut JsonPath::new(), &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

/// The message of a value with a NUL character, shared by bodies and parameters.
pub(crate) const NUL_MESSAGE: &str = "must not contain NUL characters";

fn find_nul(value: &serde_json::Value, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => errors.push(path.error("nul", NUL_MESSAGE)),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.with_index(index, |path| find_nul(item, path, errors));
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                if key.contains('\0') {
                    let key = key.replace('\0', "\\u0000");
                    path.with_field(&key, |path| errors.push(path.error("nul", "is a key with a NUL character")));
                } else {
                    path.with_field(key, |path| find_nul(item, path, errors));
                }
            }
        }
        _ => {}
    }
}

fn syntax_error(error: &serde_json::Error) -> ApiError {
    ApiError::bad_request(format!(
        "the request body is not valid JSON: {} (line {}, column {})",
        without_position(error),
        error.line(),
        error.column()
    ))
}

fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    }
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = error.inner();
    match inner.classify() {
        Category::Syntax | Category::Eof => syntax_error(inner),
        Category::Io => ApiError::bad_request("failed to read the request body"),
        Category::Data => {
            let mut path = JsonPath::new();
            for segment in error.path() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => path.push_index(*index),
                    serde_path_to_error::Segment::Map { key } => path.push_field(key),
                    serde_path_to_error::Segment::Enum { variant } => path.push_field(variant),
                    serde_path_to_error::Segment::Unknown => path.push_field("?"),
                }
            }
            ApiError::validation(vec![data_error(path, &without_position(inner))])
        }
    }
}

/// Rewrites serde's data errors as "<path> must be ...".
fn data_error(mut path: JsonPath, message: &str) -> FieldError {
    let quoted = |rest: &str| rest.split('`').nth(1).unwrap_or("").to_owned();
    if let Some(rest) = message.strip_prefix("missing field ") {
        path.push_field(&quoted(rest));
        return path.error("required", "is required");
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        path.push_field(&quoted(rest));
        return path.error("unknown", "is not a known field");
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        path.push_field(&quoted(rest));
        return path.error("duplicate", "must be given only once");
    }
    let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
    match expected {
        Some(expected) if message.starts_with("invalid type") || message.starts_with("invalid value") => {
            path.error("type", format!("must be {}", describe_expected(expected)))
        }
        Some(expected) if message.starts_with("unknown variant") => path.error("enum", format!("must be {expected}")),
        Some(expected) if message.starts_with("invalid length") => path.error("length", format!("must be {expected}")),
        _ => path.error("invalid", format!("is invalid: {message}")),
    }
}

/// serde's "expected ..." phrase, in JSON terms.
pub(crate) fn describe_expected(expected: &str) -> Cow<'_, str> {
    let range = |min: i128, max: i128| Cow::Owned(format!("an integer from {min} to {max}"));
    match expected {
        "i64" | "isize" | "i128" => Cow::Borrowed("an integer"),
        "u64" | "usize" | "u128" => Cow::Borrowed("a non-negative integer"),
        "i8" => range(i8::MIN.into(), i8::MAX.into()),
        "i16" => range(i16::MIN.into(), i16::MAX.into()),
        "i32" => range(i32::MIN.into(), i32::MAX.into()),
        "u8" => range(0, u8::MAX.into()),
        "u16" => range(0, u16::MAX.into()),
        "u32" => range(0, u32::MAX.into()),
        "f32" | "f64" => Cow::Borrowed("a number"),
        "a borrowed string" => Cow::Borrowed("a string"),
        "a sequence" => Cow::Borrowed("an array"),
        "a map" => Cow::Borrowed("an object"),
        "unit" => Cow::Borrowed("null"),
        "a character" | "a char" => Cow::Borrowed("a single character"),
        other if other.starts_with("struct ") => Cow::Borrowed("an object"),
        other if other.starts_with("tuple of ") => Cow::Owned(format!("an array of {}", &other["tuple of ".len()..])),
        other => Cow::Borrowed(other),
    }
}

/// The query string as `T`; a bad value is a 422 naming the parameter.
pub fn query<T: DeserializeOwned>(parts: &Parts) -> Result<T, ApiError> {
    query_str(parts.uri.query().unwrap_or(""))
}

pub fn query_str<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    T::deserialize(params::Params::new(form_urlencoded::parse(query.as_bytes())))
        .map_err(|e| ApiError::validation(vec![e.into_field_error()]))
}

/// The route's path parameters as `T`: a struct with one field per `{param}`, a tuple in order, or a
/// plain value for a single parameter.
pub async fn path<T: DeserializeOwned>(parts: &mut Parts) -> Result<T, ApiError> {
    let raw = RawPathParams::from_request_parts(parts, &()).await.map_err(|e| match e {
        axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(_) => {
            ApiError::bad_request("a path parameter is not valid UTF-8")
        }
        other => ApiError::internal(format!("path parameters unavailable (is the handler routed?): {other}")),
    })?;
    path_from_pairs(raw.iter())
}

pub fn path_from_pairs<'a, T: DeserializeOwned>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<T, ApiError> {
    let params = params::Params::new(pairs.into_iter().map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v))));
    T::deserialize(params).map_err(|e| ApiError::validation(vec![e.into_field_error()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, StatusCode};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct NewArticle {
        title: String,
        #[serde(rename = "tagList", default)]
        tag_list: Vec<String>,
        count: Option<u8>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        article: NewArticle,
    }

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Some(ct) = content_type {
            map.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        map
    }

    fn parse(content_type: Option<&str>, body: &str) -> Result<Body, ApiError> {
        json_from_slice(&headers(content_type), body.as_bytes())
    }

    fn field(err: ApiError) -> (StatusCode, String, &'static str, String) {
        let f = err.fields()[0].clone();
        (err.status(), f.path, f.code, f.message)
    }

    #[test]
    fn accepts_json_content_types() {
        assert!(parse(Some("application/json"), r#"{"article":{"title":"t"}}"#).is_ok());
        assert!(parse(Some("Application/JSON; charset=utf-8"), r#"{"article":{"title":"t"}}"#).is_ok());
        assert!(parse(Some("application/vnd.api+json"), r#"{"article":{"title":"t"}}"#).is_ok());
    }

    #[test]
    fn rejects_other_content_types() {
        let err = parse(Some("text/plain"), "{}").unwrap_err();
        assert_eq!(
            (err.status(), err.message()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, not `text/plain`")
        );
        assert_eq!(parse(None, "{}").unwrap_err().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    #[test]
    fn empty_bodies() {
        let err = parse(Some("application/json"), "").unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        let none: Option<Body> = json_from_slice(&headers(None), b"").unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn malformed_json_reports_position() {
        let err = parse(Some("application/json"), "{\n  \"article\": {\"title\": }\n}").unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.message(), "the request body is not valid JSON: expected value (line 2, column 24)");
        let err = parse(Some("application/json"), r#"{"article":{"title":"t"}} trailing"#).unwrap_err();
        assert!(err.message().contains("trailing characters"), "{}", err.message());
        let err = parse(Some("application/json"), r#"{"article":"#).unwrap_err();
        assert!(err.message().contains("EOF"), "{}", err.message());
    }

    #[test]
    fn shape_errors_name_the_path() {
        let json = Some("application/json");
        assert_eq!(
            field(parse(json, r#"{"article":{"title":5}}"#).unwrap_err()),
            (StatusCode::UNPROCESSABLE_ENTITY, "article.title".into(), "type", "must be a string".into())
        );
        assert_eq!(
            field(parse(json, r#"{"article":{"title":"t","tagList":["a",2]}}"#).unwrap_err()),
            (StatusCode::UNPROCESSABLE_ENTITY, "article.tagList[1]".into(), "type", "must be a string".into())
        );
        assert_eq!(field(parse(json, r#"{"article":{}}"#).unwrap_err()).1, "article.title");
        assert_eq!(field(parse(json, r#"{"article":{}}"#).unwrap_err()).2, "required");
        assert_eq!(
            field(parse(json, r#"{"article":{"title":"t","count":300}}"#).unwrap_err()).3,
            "must be an integer from 0 to 255"
        );
        let err = parse(json, r#""x""#).unwrap_err();
        assert_eq!(field(err.clone()).3, "must be an object");
        assert_eq!(err.message(), "must be an object");
    }

    #[test]
    fn nul_characters_are_named() {
        let json = Some("application/json");
        let err = parse(json, r#"{"article":{"title":"a\u0000b","tagList":["ok","\u0000"]}}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let paths: Vec<_> = err.fields().iter().map(|f| (f.path.as_str(), f.code)).collect();
        assert_eq!(paths, [("article.title", "nul"), ("article.tagList[1]", "nul")]);
        // An escaped backslash before `u0000` is text, not a NUL.
        assert!(parse(json, r#"{"article":{"title":"a\\u0000b"}}"#).is_ok());
    }

    #[test]
    fn only_utf8_bodies() {
        let err = parse(Some("application/json; charset=latin1"), r#"{"article":{"title":"t"}}"#).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(err.message().contains("latin1"), "{}", err.message());
        assert!(parse(Some("application/json; charset=\"UTF-8\""), r#"{"article":{"title":"t"}}"#).is_ok());
    }

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Q {
            limit: Option<i64>,
        }
        let err = query_str::<Q>("limit=abc").unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.message(), "limit must be an integer");
        assert_eq!(err.fields()[0].path, "limit");
        assert_eq!(query_str::<Q>("limit=5").unwrap().limit, Some(5));
        assert_eq!(query_str::<Q>("limit=-5").unwrap().limit, Some(-5));
        for lenient in ["limit=%2B1", "limit=%201", "limit=1%20", "limit=-", "limit=1.0"] {
            assert_eq!(query_str::<Q>(lenient).unwrap_err().message(), "limit must be an integer", "{lenient}");
        }
    }

    #[test]
    fn numbers_and_booleans_as_json_writes_them() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Q {
            x: Option<f64>,
            b: Option<bool>,
        }
        for good in ["x=1", "x=-1.5", "x=2e10", "x=0.5E-3", "b=true", "b=false"] {
            assert!(query_str::<Q>(good).is_ok(), "{good}");
        }
        for bad in ["x=%2B1", "x=.5", "x=1.", "x=inf", "x=NaN", "x=%201", "b=1", "b=TRUE", "b=yes"] {
            assert!(query_str::<Q>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_pairs() {
        #[derive(Deserialize, Debug)]
        struct P {
            slug: String,
            id: i32,
        }
        let p: P = path_from_pairs([("slug", "a-b"), ("id", "7")]).unwrap();
        assert_eq!((p.slug.as_str(), p.id), ("a-b", 7));
        let err = path_from_pairs::<P>([("slug", "a-b"), ("id", "x")]).unwrap_err();
        assert_eq!(err.message(), "id must be an integer");
    }
}
