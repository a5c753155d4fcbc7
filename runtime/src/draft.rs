//! Finishing request drafts: the lenient twins of request types that the generator emits, so one bad
//! request reports every failing field (serde alone stops at the first missing one).
//!
//! A generated draft holds every field as an `Option`; [`Draft::finish`] turns it into the real type. The
//! `finish` argument of each helper says how a present value becomes its real value (`None` when something
//! inside it failed and was reported). The per-field work is the same for every type and lives here: the generated `finish` is one call per field.

use crate::error::FieldError;
use crate::handler::Object;
use crate::validate::JsonPath;

/// A draft that becomes its real type, or `None` after reporting each required field that is missing,
/// at its path.
pub trait Draft {
    type Real;

    fn finish(self, path: &mut JsonPath, errors: &mut Vec<FieldError>) -> Option<Self::Real>;
}

/// A value with nothing inside to finish: a scalar, or a list of them.
pub fn keep<T>(value: T, _: &mut JsonPath, _: &mut Vec<FieldError>) -> Option<T> {
    Some(value)
}

/// A nested object's draft.
pub fn object<D: Draft>(value: Object<D>, path: &mut JsonPath, errors: &mut Vec<FieldError>) -> Option<D::Real> {
    value.0.finish(path, errors)
}

/// A list whose items need finishing; every item is finished (and reports) even after one fails.
pub fn list<T, U>(
    items: Vec<T>,
    path: &mut JsonPath,
    errors: &mut Vec<FieldError>,
    item: impl Fn(T, &mut JsonPath, &mut Vec<FieldError>) -> Option<U>,
) -> Option<Vec<U>> {
    let mut ok = true;
    let mut out = Vec::with_capacity(items.len());
    for (index, value) in items.into_iter().enumerate() {
        match path.with_index(index, |path| item(value, path, errors)) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// A required field: `required` error when absent or null.
pub fn required<T, U>(
    value: Option<T>,
    name: &str,
    path: &mut JsonPath,
    errors: &mut Vec<FieldError>,
    finish: impl FnOnce(T, &mut JsonPath, &mut Vec<FieldError>) -> Option<U>,
) -> Option<U> {
    path.with_field(name, |path| match value {
        Some(value) => finish(value, path, errors),
        None => {
            errors.push(path.error("required", "is required"));
            None
        }
    })
}

/// An optional field: absent or null is `Some(None)`; `None` only when something inside failed.
pub fn optional<T, U>(
    value: Option<T>,
    name: &str,
    path: &mut JsonPath,
    errors: &mut Vec<FieldError>,
    finish: impl FnOnce(T, &mut JsonPath, &mut Vec<FieldError>) -> Option<U>,
) -> Option<Option<U>> {
    match value {
        Some(value) => path.with_field(name, |path| finish(value, path, errors)).map(Some),
        None => Some(None),
    }
}

/// A clearable field of a partial update: kept and cleared pass as they are, a value is finished.
pub fn patch<T, U>(
    value: crate::Patch<T>,
    name: &str,
    path: &mut JsonPath,
    errors: &mut Vec<FieldError>,
    finish: impl FnOnce(T, &mut JsonPath, &mut Vec<FieldError>) -> Option<U>,
) -> Option<crate::Patch<U>> {
    match value {
        crate::Patch::Set(value) => path.with_field(name, |path| finish(value, path, errors)).map(crate::Patch::Set),
        crate::Patch::Keep => Some(crate::Patch::Keep),
        crate::Patch::Clear => Some(crate::Patch::Clear),
    }
}

/// A field with a default: the draft already holds its final value.
pub fn defaulted<T, U>(
    value: T,
    name: &str,
    path: &mut JsonPath,
    errors: &mut Vec<FieldError>,
    finish: impl FnOnce(T, &mut JsonPath, &mut Vec<FieldError>) -> Option<U>,
) -> Option<U> {
    path.with_field(name, |path| finish(value, path, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inner {
        name: Option<String>,
    }

    impl Draft for Inner {
        type Real = String;

        fn finish(self, path: &mut JsonPath, errors: &mut Vec<FieldError>) -> Option<String> {
            required(self.name, "name", path, errors, keep)
        }
    }

    #[test]
    fn reports_every_missing_field_at_its_path() {
        let mut path = JsonPath::new();
        let mut errors = Vec::new();
        let items =
            vec![Object(Inner { name: Some("a".into()) }), Object(Inner { name: None }), Object(Inner { name: None })];
        let out = required(Some(items), "items", &mut path, &mut errors, |v, p, e| list(v, p, e, object));
        assert_eq!(out, None);
        let paths: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.code)).collect();
        assert_eq!(paths, [("items[1].name", "required"), ("items[2].name", "required")]);
        assert!(path.is_empty(), "the path is restored");
    }

    #[test]
    fn optional_and_defaulted_fields() {
        let mut path = JsonPath::new();
        let mut errors = Vec::new();
        assert_eq!(optional(None::<i32>, "a", &mut path, &mut errors, keep), Some(None));
        assert_eq!(optional(Some(3), "a", &mut path, &mut errors, keep), Some(Some(3)));
        assert_eq!(defaulted(7, "b", &mut path, &mut errors, keep), Some(7));
        assert_eq!(required(None::<i32>, "c", &mut path, &mut errors, keep), None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "c");
        assert!(path.is_empty());
    }
}
