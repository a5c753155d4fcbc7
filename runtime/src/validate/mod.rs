//! Request validation: every constraint of the spec is checked and every failure is reported, each
//! with the JSON path of the offending value.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::error::FieldError;

pub mod rules;

/// A value whose constraints can be checked. Generated request types implement
/// [`validate_into`](Validate::validate_into); callers use [`validate`](Validate::validate).
pub trait Validate {
    /// Appends a [`FieldError`] for each failing constraint; `path` points at `self` on entry and must
    /// point at it again on return. The default checks nothing: a type without constraints (generated
    /// code writes `impl Validate for T {}` for one).
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        let _ = (path, errors);
    }

    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut path = JsonPath::new();
        let mut errors = Vec::new();
        self.validate_into(&mut path, &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A JSON path built while walking a value: `article.tagList[2]`. Pushing and popping only move the end
/// of one buffer, so walking a large request allocates once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    marks: Vec<usize>,
}

impl JsonPath {
    pub fn new() -> JsonPath {
        JsonPath::default()
    }

    /// A path starting at a named root, such as a query parameter.
    pub fn root(name: &str) -> JsonPath {
        let mut path = JsonPath::new();
        path.push_field(name);
        path
    }

    pub fn push_field(&mut self, name: &str) {
        self.marks.push(self.text.len());
        if !self.text.is_empty() {
            self.text.push('.');
        }
        self.text.push_str(name);
    }

    pub fn push_index(&mut self, index: usize) {
        use fmt::Write;
        self.marks.push(self.text.len());
        let _ = write!(self.text, "[{index}]");
    }

    pub fn pop(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.text.truncate(mark);
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Runs `f` with `name` pushed, so a forgotten `pop` cannot corrupt the path.
    pub fn with_field<R>(&mut self, name: &str, f: impl FnOnce(&mut JsonPath) -> R) -> R {
        self.push_field(name);
        let result = f(self);
        self.pop();
        result
    }

    pub fn with_index<R>(&mut self, index: usize, f: impl FnOnce(&mut JsonPath) -> R) -> R {
        self.push_index(index);
        let result = f(self);
        self.pop();
        result
    }

    /// An error at this path.
    pub fn error(&self, code: &'static str, message: impl Into<String>) -> FieldError {
        FieldError::new(self.text.clone(), code, message)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<T: Validate + ?Sized> Validate for &T {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        (**self).validate_into(path, errors);
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        (**self).validate_into(path, errors);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        if let Some(value) = self {
            value.validate_into(path, errors);
        }
    }
}

impl<T: Validate> Validate for [T] {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        for (index, item) in self.iter().enumerate() {
            path.with_index(index, |path| item.validate_into(path, errors));
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        self.as_slice().validate_into(path, errors);
    }
}

impl<T: Validate, S> Validate for HashMap<String, T, S> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        // Sorted, so the error list does not depend on hash order.
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in entries {
            path.with_field(key, |path| value.validate_into(path, errors));
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        for (key, value) in self {
            path.with_field(key, |path| value.validate_into(path, errors));
        }
    }
}

/// Leaf types carry no constraints of their own (the field that holds them does), so generated code can
/// call `validate_into` on every field alike.
macro_rules! always_valid {
    ($($ty:ty),* $(,)?) => {$(
        impl Validate for $ty {
            #[inline]
            fn validate_into(&self, _: &mut JsonPath, _: &mut Vec<FieldError>) {}
        }
    )*};
}

always_valid!(
    String,
    str,
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    uuid::Uuid,
    chrono::DateTime<chrono::Utc>,
    chrono::NaiveDate,
    serde_json::Value,
    (),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let mut path = JsonPath::new();
        assert_eq!(path.to_string(), "");
        path.push_field("article");
        path.push_field("tagList");
        path.push_index(2);
        assert_eq!(path.to_string(), "article.tagList[2]");
        path.pop();
        path.push_index(10);
        path.push_field("name");
        assert_eq!(path.as_str(), "article.tagList[10].name");
        path.pop();
        path.pop();
        path.pop();
        assert_eq!(path.as_str(), "article");
        path.pop();
        path.pop();
        assert!(path.is_empty());
        let mut root = JsonPath::new();
        root.push_index(0);
        assert_eq!(root.as_str(), "[0]");
        assert_eq!(JsonPath::root("limit").as_str(), "limit");
    }

    struct Tag(String);

    impl Validate for Tag {
        fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
            rules::max_length(&self.0, 3, path, errors);
        }
    }

    struct Article {
        title: String,
        tags: Option<Vec<Tag>>,
    }

    impl Validate for Article {
        fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
            path.with_field("title", |path| rules::min_length(&self.title, 1, path, errors));
            path.with_field("tagList", |path| self.tags.validate_into(path, errors));
        }
    }

    #[test]
    fn containers_delegate_with_paths() {
        let article = Article { title: String::new(), tags: Some(vec![Tag("ok".into()), Tag("toolong".into())]) };
        let errors = article.validate().unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(paths, ["title must be at least 1 character long", "tagList[1] must be at most 3 characters long"]);
        assert!(Article { title: "x".into(), tags: None }.validate().is_ok());
        let boxed: Box<Vec<Tag>> = Box::new(vec![Tag("abcd".into())]);
        assert_eq!(boxed.validate().unwrap_err()[0].path, "[0]");
    }
}
