//! The document as text. Both forms end with a newline and are byte-for-byte stable across runs.

use openapiv3::OpenAPI;

/// Pretty JSON, 2-space indent, keys in document order, trailing newline.
pub fn to_json(doc: &OpenAPI) -> String {
    json(doc)
}

/// YAML with the same content and key order as [`to_json`].
pub fn to_yaml(doc: &OpenAPI) -> String {
    yaml(doc)
}

pub(super) fn json(doc: &impl serde::Serialize) -> String {
    // Serializing these types cannot fail: every map key is a string and floats that JSON cannot hold
    // are written as null. The fallback keeps that promise without a panic path.
    let mut out = serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    out.push('\n');
    out
}

pub(super) fn yaml(doc: &impl serde::Serialize) -> String {
    let mut out = serde_saphyr::to_string(doc).unwrap_or_else(|e| format!("error: {:?}\n", e.to_string()));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
