//! A serde deserializer over `name=value` pairs (query strings, path parameters) that knows which
//! parameter it is reading and what type was asked for, so a bad value becomes
//! `limit must be an integer` rather than `invalid digit found in string`.
//!
//! Rules: a repeated name fills a list (`tag=a&tag=b`); a scalar given twice is an error; an empty
//! value of an optional parameter counts as absent (`?limit=` is no limit); `true`/`false`/`1`/`0` are
//! booleans; floats must be finite.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::describe_expected;
use crate::error::FieldError;

#[derive(Debug)]
pub(crate) struct ParamError {
    pub(crate) name: Option<String>,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl ParamError {
    fn new(code: &'static str, message: impl Into<String>) -> ParamError {
        ParamError { name: None, code, message: message.into() }
    }

    pub(crate) fn into_field_error(self) -> FieldError {
        FieldError::new(self.name.unwrap_or_default(), self.code, self.message)
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ParamError::new("invalid", format!("is invalid: {msg}"))
    }

    fn invalid_type(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        ParamError::new("type", format!("must be {}", describe_expected(&expected.to_string())))
    }

    fn invalid_value(_: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        ParamError::new("type", format!("must be {}", describe_expected(&expected.to_string())))
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Self {
        ParamError::new("length", format!("has {len} values, expected {expected}"))
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        ParamError::new("enum", format!("must be {}", one_of(expected)))
    }

    fn unknown_field(field: &str, _: &'static [&'static str]) -> Self {
        ParamError { name: Some(field.to_owned()), code: "unknown", message: "is not a known parameter".to_owned() }
    }

    fn missing_field(field: &'static str) -> Self {
        ParamError { name: Some(field.to_owned()), code: "required", message: "is required".to_owned() }
    }

    fn duplicate_field(field: &'static str) -> Self {
        ParamError { name: Some(field.to_owned()), code: "duplicate", message: "must be given only once".to_owned() }
    }
}

pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing (no values are accepted)".to_owned(),
        [one] => format!("`{one}`"),
        many => format!("one of {}", many.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    }
}

/// Parameters grouped by name, in order of first appearance.
pub(crate) struct Params<'a> {
    groups: Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
}

impl<'a> Params<'a> {
    pub(crate) fn new(pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>) -> Params<'a> {
        let mut groups: Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)> = Vec::new();
        for (name, value) in pairs {
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value),
                None => groups.push((name, vec![value])),
            }
        }
        Params { groups }
    }

    /// A lone parameter read as a plain value (`Path<String>`-style), or an error.
    fn single(self) -> Result<(Cow<'a, str>, ValueDeserializer<'a>), ParamError> {
        let count = self.groups.len();
        let mut groups = self.groups.into_iter();
        match (groups.next(), count) {
            (Some((name, values)), 1) => Ok((name, ValueDeserializer { values })),
            _ => Err(ParamError::new("invalid", format!("expected exactly one parameter, found {count}"))),
        }
    }
}

fn named<T>(name: &str, result: Result<T, ParamError>) -> Result<T, ParamError> {
    result.map_err(|mut e| {
        e.name.get_or_insert_with(|| name.to_owned());
        e
    })
}

macro_rules! forward_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
            let (name, value) = self.single()?;
            named(&name, value.$method(visitor))
        }
    )*};
}

impl<'de> Deserializer<'de> for Params<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_map(ParamsMap { groups: self.groups.into_iter(), current: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    /// Path parameters in order: `(String, i64)` for `/articles/{slug}/comments/{id}`.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_seq(ParamsSeq { groups: self.groups.into_iter() })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        enum_name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        let (name, value) = self.single()?;
        named(&name, value.deserialize_enum(enum_name, variants, visitor))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        let (name, value) = self.single()?;
        named(&name, value.deserialize_option(visitor))
    }

    forward_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_identifier
    }
}

struct ParamsMap<'a> {
    groups: std::vec::IntoIter<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
    current: Option<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
}

impl<'de> MapAccess<'de> for ParamsMap<'de> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ParamError> {
        let Some((name, values)) = self.groups.next() else { return Ok(None) };
        let key = seed.deserialize(CowStr(name.clone()));
        self.current = Some((name, values));
        key.map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ParamError> {
        let (name, values) = self.current.take().ok_or_else(|| ParamError::new("invalid", "value without a name"))?;
        named(&name, seed.deserialize(ValueDeserializer { values }))
    }
}

struct ParamsSeq<'a> {
    groups: std::vec::IntoIter<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
}

impl<'de> SeqAccess<'de> for ParamsSeq<'de> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ParamError> {
        let Some((name, values)) = self.groups.next() else { return Ok(None) };
        named(&name, seed.deserialize(ValueDeserializer { values })).map(Some)
    }
}

/// A parameter name, offered to the field-identifier visitor.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> Deserializer<'de> for CowStr<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0 {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The values given for one name.
pub(crate) struct ValueDeserializer<'a> {
    values: Vec<Cow<'a, str>>,
}

/// One parameter's value, for callers that look parameters up by name themselves.
pub(crate) type ParamValue<'a> = ValueDeserializer<'a>;

impl<'a> ValueDeserializer<'a> {
    pub(crate) fn new(value: Cow<'a, str>) -> ValueDeserializer<'a> {
        ValueDeserializer { values: vec![value] }
    }

    fn single(self) -> Result<Cow<'a, str>, ParamError> {
        let count = self.values.len();
        let mut values = self.values.into_iter();
        match (values.next(), count) {
            (Some(value), 1) => Ok(value),
            _ => Err(ParamError::new("duplicate", "must be given only once")),
        }
    }
}

macro_rules! integers {
    ($($method:ident $visit:ident $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
            let text = self.single()?;
            // Only what JSON Schema calls an integer: no sign but `-`, no spaces (`+1` and ` 1` are
            // not the same id as `1` to a cache or a log reader).
            let digits = text.strip_prefix('-').unwrap_or(&text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(if <$ty>::MIN == 0 {
                    ParamError::new("type", "must be a non-negative integer")
                } else {
                    ParamError::new("type", "must be an integer")
                });
            }
            match text.parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) => {
                    Err(ParamError::new("type", format!("must be an integer from {} to {}", <$ty>::MIN, <$ty>::MAX)))
                }
                Err(_) if <$ty>::MIN == 0 => Err(ParamError::new("type", "must be a non-negative integer")),
                Err(_) => Err(ParamError::new("type", "must be an integer")),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        if self.values.len() == 1 { self.deserialize_string(visitor) } else { self.deserialize_seq(visitor) }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match &*self.single()? {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(ParamError::new("type", "must be a boolean (true or false)")),
        }
    }

    integers! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_i128 visit_i128 i128, deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16, deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        let text = self.single()?;
        match text.parse::<f32>() {
            Ok(n) if n.is_finite() && is_json_number(&text) => visitor.visit_f32(n),
            _ => Err(ParamError::new("type", "must be a number")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        let text = self.single()?;
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() && is_json_number(&text) => visitor.visit_f64(n),
            _ => Err(ParamError::new("type", "must be a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        let text = self.single()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(ParamError::new("type", "must be a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.single()? {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_bytes(self.single()?.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        if self.values.iter().all(|v| v.is_empty()) { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_seq(ValuesSeq { values: self.values.into_iter(), index: 0 })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ParamError> {
        Err(ParamError::new("type", "must be a single value, not an object"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        let text: String = self.single()?.into_owned();
        IntoDeserializer::<ParamError>::into_deserializer(text).deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }
}

/// A number as JSON writes one: optional `-`, digits, optional fraction and exponent (no `+1`, `.5`,
/// `1.`, spaces or `inf`).
fn is_json_number(text: &str) -> bool {
    let rest = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    digits(whole) && fraction.is_none_or(digits) && exponent_ok
}

struct ValuesSeq<'a> {
    values: std::vec::IntoIter<Cow<'a, str>>,
    index: usize,
}

impl<'de> SeqAccess<'de> for ValuesSeq<'de> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ParamError> {
        let Some(value) = self.values.next() else { return Ok(None) };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueDeserializer { values: vec![value] }).map(Some).map_err(|mut e| {
            e.message = format!("[{index}] {}", e.message);
            e
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn parse<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, String> {
        let params = Params::new(form_urlencoded::parse(query.as_bytes()));
        T::deserialize(params).map_err(|e| e.to_string())
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct List {
        limit: Option<i64>,
        #[serde(default)]
        tag: Vec<String>,
        author: Option<String>,
        order: Option<Order>,
        flag: Option<bool>,
        ratio: Option<f64>,
        id: Option<uuid::Uuid>,
    }

    #[test]
    fn typed_values() {
        let list: List = parse("limit=20&tag=a&tag=b%20c&author=jake+smith&order=desc&flag=true&ratio=0.5").unwrap();
        assert_eq!(list.limit, Some(20));
        assert_eq!(list.tag, ["a", "b c"]);
        assert_eq!(list.author.as_deref(), Some("jake smith"));
        assert_eq!(list.order, Some(Order::Desc));
        assert_eq!(list.flag, Some(true));
        assert_eq!(list.ratio, Some(0.5));
        let empty: List = parse("").unwrap();
        assert_eq!(empty.limit, None);
        assert!(empty.tag.is_empty());
        let blank: List = parse("limit=&author=").unwrap();
        assert_eq!((blank.limit, blank.author), (None, None));
        let one: List = parse("tag=solo&unknown=ignored").unwrap();
        assert_eq!(one.tag, ["solo"]);
    }

    #[test]
    fn errors_name_the_parameter() {
        assert_eq!(parse::<List>("limit=ten").unwrap_err(), "limit must be an integer");
        assert_eq!(
            parse::<List>("limit=99999999999999999999").unwrap_err(),
            format!("limit must be an integer from {} to {}", i64::MIN, i64::MAX)
        );
        assert_eq!(parse::<List>("limit=1&limit=2").unwrap_err(), "limit must be given only once");
        assert_eq!(parse::<List>("order=up").unwrap_err(), "order must be one of `asc`, `desc`");
        assert_eq!(parse::<List>("flag=yes").unwrap_err(), "flag must be a boolean (true or false)");
        assert_eq!(parse::<List>("ratio=NaN").unwrap_err(), "ratio must be a number");
        assert!(parse::<List>("id=nope").unwrap_err().starts_with("id is invalid: "));
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[allow(dead_code)]
        page: u32,
    }

    #[test]
    fn required_and_unknown() {
        assert_eq!(parse::<Strict>("").unwrap_err(), "page is required");
        assert_eq!(parse::<Strict>("page=1&pgae=2").unwrap_err(), "pgae is not a known parameter");
        assert_eq!(parse::<Strict>("page=-1").unwrap_err(), "page must be a non-negative integer");
    }

    #[test]
    fn path_shapes() {
        let params = || {
            Params::new([(Cow::Borrowed("slug"), Cow::Borrowed("how-to")), (Cow::Borrowed("id"), Cow::Borrowed("3"))])
        };
        let (slug, id): (String, i64) = Deserialize::deserialize(params()).unwrap();
        assert_eq!((slug.as_str(), id), ("how-to", 3));
        let single = Params::new([(Cow::Borrowed("id"), Cow::Borrowed("x"))]);
        assert_eq!(i64::deserialize(single).unwrap_err().to_string(), "id must be an integer");
        let single = Params::new([(Cow::Borrowed("slug"), Cow::Borrowed("a"))]);
        assert_eq!(String::deserialize(single).unwrap(), "a");
    }
}
