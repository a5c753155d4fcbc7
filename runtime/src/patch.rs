//! A field of a partial update that can be cleared: absent, `null` and a value mean three things.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;
use crate::validate::{JsonPath, Validate};

/// A nullable field of a `partial: true` type. Absent keeps the stored value, `null` clears it, a
/// value sets it. (With `Option<T>`, `null` and absent both read as `None`, so a PATCH could not clear
/// a field the OpenAPI document marks nullable.)
///
/// ```
/// # use charter_runtime::Patch;
/// let mut bio = Some("old".to_owned());
/// Patch::Keep.apply(&mut bio);
/// assert_eq!(bio.as_deref(), Some("old"));
/// Patch::Set("new".to_owned()).apply(&mut bio);
/// assert_eq!(bio.as_deref(), Some("new"));
/// Patch::<String>::Clear.apply(&mut bio);
/// assert_eq!(bio, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// The field was absent: leave the stored value as it is.
    #[default]
    Keep,
    /// The field was `null`: clear the stored value.
    Clear,
    /// The field had a value: store it.
    Set(T),
}

impl<T> Patch<T> {
    /// The new value, when one was given.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Set(value) => Some(value),
            Patch::Keep | Patch::Clear => None,
        }
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// Applies the change to the stored value.
    pub fn apply(self, target: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *target = None,
            Patch::Set(value) => *target = Some(value),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(value) => Patch::Set(f(value)),
        }
    }
}

/// A stored value as the change that writes it: `Some` sets it, `None` clears it.
impl<T> From<Option<T>> for Patch<T> {
    fn from(value: Option<T>) -> Self {
        match value {
            Some(value) => Patch::Set(value),
            None => Patch::Clear,
        }
    }
}

/// `null` is [`Patch::Clear`], a value [`Patch::Set`]; an absent field never reaches here: the field's
/// `#[serde(default)]` makes it [`Patch::Keep`].
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Patch::Set(value),
            None => Patch::Clear,
        })
    }
}

/// Keep and Clear are both `null`: a serialized patch is read back as a value or a clear.
impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(value) => serializer.serialize_some(value),
            Patch::Keep | Patch::Clear => serializer.serialize_none(),
        }
    }
}

impl<T: Validate> Validate for Patch<T> {
    fn validate_into(&self, path: &mut JsonPath, errors: &mut Vec<FieldError>) {
        if let Patch::Set(value) = self {
            value.validate_into(path, errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Update {
        #[serde(default)]
        bio: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let read = |json: &str| serde_json::from_str::<Update>(json).unwrap().bio;
        assert_eq!(read("{}"), Patch::Keep);
        assert_eq!(read(r#"{"bio":null}"#), Patch::Clear);
        assert_eq!(read(r#"{"bio":"x"}"#), Patch::Set("x".to_owned()));
        assert!(serde_json::from_str::<Update>(r#"{"bio":5}"#).is_err());
    }
}
