//! The project's error body shape, chosen once in project.yaml.

use std::sync::{Arc, PoisonError, RwLock};

use http::HeaderValue;
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// How an [`ApiError`] is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Envelope {
    /// RFC 9457 `application/problem+json`:
    /// `{"type":"about:blank","title":..,"status":..,"detail":..,"code":..,"errors":[{"path","code","message"}]}`
    /// (`errors` only for validation failures).
    #[default]
    Problem,
    /// A JSON document in which string values that are exactly one of these placeholders are replaced:
    /// `"$message"` (string), `"$messages"` (array of strings: the message, or one `"<path> <message>"`
    /// per failing field), `"$code"` (string), `"$status"` (number), `"$fields"` (object: path → array
    /// of messages). Conduit's envelope is `{"errors":{"body":"$messages"}}`.
    Template { content_type: &'static str, template: &'static str },
}

fn problem_content_type() -> HeaderValue {
    HeaderValue::from_static("application/problem+json")
}

impl Envelope {
    /// Checks the template once, at server start, so a broken template fails the boot and not a request.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Envelope::Problem => Ok(()),
            Envelope::Template { content_type, template } => {
                HeaderValue::from_str(content_type)
                    .map_err(|_| format!("envelope content type `{content_type}` is not a valid header value"))?;
                compiled(template).map(drop)
            }
        }
    }

    pub(crate) fn render_body(&self, error: &ApiError) -> (HeaderValue, Vec<u8>) {
        match self {
            Envelope::Problem => (problem_content_type(), problem(error)),
            Envelope::Template { content_type, template } => {
                match (compiled(template), HeaderValue::from_str(content_type)) {
                    (Ok(template), Ok(content_type)) => {
                        let body = substitute(&template, error);
                        (content_type, serde_json::to_vec(&body).unwrap_or_default())
                    }
                    // `check` runs at server start, so this is a template used outside a server.
                    (Err(why), _) => {
                        tracing::error!(%why, "invalid error envelope template; answering with problem+json");
                        (problem_content_type(), problem(error))
                    }
                    (_, Err(_)) => {
                        tracing::error!(content_type, "invalid envelope content type; answering with problem+json");
                        (problem_content_type(), problem(error))
                    }
                }
            }
        }
    }
}

fn problem(error: &ApiError) -> Vec<u8> {
    let status = error.status();
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": error.message(),
        "code": error.code(),
    });
    if !error.fields().is_empty() {
        body["errors"] = serde_json::to_value(error.fields()).unwrap_or_default();
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

fn substitute(template: &Value, error: &ApiError) -> Value {
    match template {
        Value::String(s) => match s.as_str() {
            "$message" => Value::String(error.message().to_owned()),
            "$messages" => {
                if error.fields().is_empty() {
                    json!([error.message()])
                } else {
                    Value::Array(error.fields().iter().map(|f| Value::String(f.to_string())).collect())
                }
            }
            "$code" => Value::String(error.code().to_owned()),
            "$status" => json!(error.status().as_u16()),
            "$fields" => {
                let mut fields = Map::new();
                for field in error.fields() {
                    let messages = fields.entry(field.path.clone()).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = messages {
                        list.push(Value::String(field.message.clone()));
                    }
                }
                Value::Object(fields)
            }
            _ => template.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, error)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, error))).collect()),
        other => other.clone(),
    }
}

type Cache = RwLock<Vec<(&'static str, Arc<Value>)>>;

/// Parsed templates, keyed by the address of their `'static` text: a process has one or two, so a
/// linear scan under a read lock is the cheapest lookup.
static TEMPLATES: Cache = RwLock::new(Vec::new());

fn compiled(template: &'static str) -> Result<Arc<Value>, String> {
    let find = |cache: &[(&'static str, Arc<Value>)]| {
        cache.iter().find(|(text, _)| std::ptr::eq(*text, template)).map(|(_, value)| value.clone())
    };
    if let Some(found) = find(&TEMPLATES.read().unwrap_or_else(PoisonError::into_inner)) {
        return Ok(found);
    }
    let parsed: Value =
        serde_json::from_str(template).map_err(|e| format!("error envelope template is not valid JSON: {e}"))?;
    let mut cache = TEMPLATES.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = find(&cache) {
        return Ok(found);
    }
    let parsed = Arc::new(parsed);
    cache.push((template, parsed.clone()));
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;
    use http::StatusCode;

    const CONDUIT: Envelope =
        Envelope::Template { content_type: "application/json", template: r#"{"errors":{"body":"$messages"}}"# };

    fn body(envelope: &Envelope, error: &ApiError) -> (String, Value) {
        let (content_type, bytes) = envelope.render_body(error);
        (content_type.to_str().unwrap().to_owned(), serde_json::from_slice(&bytes).unwrap())
    }

    fn invalid_article() -> ApiError {
        ApiError::validation(vec![
            FieldError::new("article.title", "min_length", "must be at least 1 character long"),
            FieldError::new("article.tagList[2]", "max_length", "must be at most 20 characters long"),
            FieldError::new("article.title", "pattern", "must match the pattern `^[A-Z]`"),
        ])
    }

    #[test]
    fn problem_json() {
        let (content_type, value) = body(&Envelope::Problem, &ApiError::not_found("article `x` does not exist"));
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(
            value,
            json!({"type": "about:blank", "title": "Not Found", "status": 404,
                   "detail": "article `x` does not exist", "code": "not_found"})
        );
    }

    #[test]
    fn problem_json_lists_fields_for_validation() {
        let (_, value) = body(&Envelope::Problem, &invalid_article());
        assert_eq!(value["status"], 422);
        assert_eq!(value["code"], "validation");
        assert_eq!(
            value["errors"][1],
            json!({"path": "article.tagList[2]", "code": "max_length", "message": "must be at most 20 characters long"})
        );
        assert_eq!(value["errors"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn conduit_template() {
        let (content_type, value) = body(&CONDUIT, &invalid_article());
        assert_eq!(content_type, "application/json");
        assert_eq!(
            value,
            json!({"errors": {"body": [
                "article.title must be at least 1 character long",
                "article.tagList[2] must be at most 20 characters long",
                "article.title must match the pattern `^[A-Z]`",
            ]}})
        );
        let (_, value) = body(&CONDUIT, &ApiError::unauthorized("missing Authorization header"));
        assert_eq!(value, json!({"errors": {"body": ["missing Authorization header"]}}));
    }

    #[test]
    fn every_placeholder() {
        let envelope = Envelope::Template {
            content_type: "application/vnd.error+json",
            template: r#"{"error":{"code":"$code","status":"$status","message":"$message","fields":"$fields","list":["$messages", 1, null],"literal":"$other"}}"#,
        };
        let (content_type, value) = body(&envelope, &invalid_article());
        assert_eq!(content_type, "application/vnd.error+json");
        assert_eq!(value["error"]["code"], "validation");
        assert_eq!(value["error"]["status"], 422);
        assert_eq!(
            value["error"]["fields"]["article.title"],
            json!(["must be at least 1 character long", "must match the pattern `^[A-Z]`"])
        );
        assert_eq!(value["error"]["list"][0].as_array().unwrap().len(), 3);
        assert_eq!(value["error"]["list"][1], 1);
        assert_eq!(value["error"]["literal"], "$other");
        let (_, value) = body(&envelope, &ApiError::new(StatusCode::IM_A_TEAPOT, "teapot", "short and stout"));
        assert_eq!(value["error"]["message"], "short and stout");
        assert_eq!(value["error"]["fields"], json!({}));
    }

    #[test]
    fn broken_template_is_reported_and_falls_back() {
        let envelope = Envelope::Template { content_type: "application/json", template: "{not json" };
        assert!(envelope.check().unwrap_err().contains("not valid JSON"));
        let (content_type, _) = envelope.render_body(&ApiError::conflict("x"));
        assert_eq!(content_type, "application/problem+json");
        assert!(CONDUIT.check().is_ok());
    }
}
