//! The checks behind spec constraints. Each pushes a [`FieldError`] with a stable code when the value
//! fails, and returns whether it passed.
//!
//! Messages complete the sentence "<path> ...", so `title` + `must be at least 1 character long`.

use std::fmt::Display;
use std::sync::OnceLock;

use regex_lite::Regex;

use super::JsonPath;
use crate::error::FieldError;

fn check(
    ok: bool,
    path: &JsonPath,
    errors: &mut Vec<FieldError>,
    code: &'static str,
    message: impl FnOnce() -> String,
) -> bool {
    if !ok {
        errors.push(path.error(code, message()));
    }
    ok
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("{n} {one}") } else { format!("{n} {many}") }
}

/// A value that was absent or null where the spec requires one.
pub fn required(path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(false, path, errors, "required", || "is required".to_owned())
}

/// At least `min` characters (Unicode scalar values, not bytes).
pub fn min_length(value: &str, min: usize, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    // Byte length bounds the char count from above: no counting needed for long-enough ASCII.
    let ok = value.len() >= min && value.chars().count() >= min;
    check(ok, path, errors, "min_length", || {
        format!("must be at least {} long", plural(min, "character", "characters"))
    })
}

/// At most `max` characters (Unicode scalar values, not bytes).
pub fn max_length(value: &str, max: usize, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    let ok = value.len() <= max || value.chars().count() <= max;
    check(ok, path, errors, "max_length", || format!("must be at most {} long", plural(max, "character", "characters")))
}

/// Numbers that can be bounded: every primitive integer and float.
pub trait Number: PartialOrd + Display + Copy {}

macro_rules! numbers {
    ($($ty:ty),*) => {$(impl Number for $ty {})*};
}
numbers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

/// `value >= min` (inclusive). NaN fails.
pub fn min<N: Number>(value: N, min: N, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(value >= min, path, errors, "min", || format!("must be at least {min}"))
}

/// `value <= max` (inclusive). NaN fails.
pub fn max<N: Number>(value: N, max: N, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(value <= max, path, errors, "max", || format!("must be at most {max}"))
}

/// Both optional inclusive bounds; reports the one that fails.
pub fn range<N: Number>(
    value: N,
    lower: Option<N>,
    upper: Option<N>,
    path: &JsonPath,
    errors: &mut Vec<FieldError>,
) -> bool {
    let low_ok = lower.is_none_or(|lower| min(value, lower, path, errors));
    let high_ok = upper.is_none_or(|upper| max(value, upper, path, errors));
    low_ok && high_ok
}

pub fn min_items<T>(items: &[T], min: usize, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(items.len() >= min, path, errors, "min_items", || {
        format!("must contain at least {}", plural(min, "item", "items"))
    })
}

pub fn max_items<T>(items: &[T], max: usize, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(items.len() <= max, path, errors, "max_items", || {
        format!("must contain at most {}", plural(max, "item", "items"))
    })
}

/// A regular expression compiled on first use, so generated code can declare one per constraint as a
/// `static`: `static SLUG: Pattern = Pattern::new("^[a-z0-9-]+$");`.
///
/// The syntax is regex-lite's (Rust regex syntax without Unicode classes). Codegen checks each pattern
/// when it generates code; an invalid one reaching run time is a bug and panics on first use (the
/// server turns that into a 500).
pub struct Pattern {
    source: &'static str,
    regex: OnceLock<Regex>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Pattern {
        Pattern { source, regex: OnceLock::new() }
    }

    pub fn as_str(&self) -> &'static str {
        self.source
    }

    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(self.source)
                .unwrap_or_else(|e| panic!("invalid pattern `{}` in generated code: {e}", self.source))
        })
    }

    /// Like JSON Schema's `pattern`: a match anywhere, unless the pattern is anchored with `^...$`.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex().is_match(value)
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

pub fn pattern(value: &str, pattern: &Pattern, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(pattern.is_match(value), path, errors, "pattern", || format!("must match the pattern `{}`", pattern.as_str()))
}

/// A practical e-mail check, not RFC 5322: `local@domain` with no spaces; the local part is 1–64
/// characters of letters, digits, non-ASCII or ``!#$%&'*+-/=?^_`{|}~.`` without leading, trailing or
/// doubled dots; the domain is a host name with at least two labels (see [`is_host_name`]); 254
/// characters at most.
pub fn email(value: &str, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(is_email(value), path, errors, "email", || "must be a valid email address".to_owned())
}

/// An absolute `http` or `https` URL with a host (a host name, an IPv4 address or a bracketed IPv6
/// address), an optional port, and no whitespace or control characters; 2048 characters at most.
pub fn url(value: &str, path: &JsonPath, errors: &mut Vec<FieldError>) -> bool {
    check(is_url(value), path, errors, "url", || "must be a valid http or https URL".to_owned())
}

pub fn is_email(value: &str) -> bool {
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || !c.is_ascii() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    local_ok && domain.contains('.') && is_host_name(domain)
}

/// Labels of 1–63 letters, digits, hyphens or non-ASCII characters, not starting or ending with a
/// hyphen; 253 characters at most; a trailing dot is not accepted; the last label is not all digits.
pub fn is_host_name(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let labels_ok = host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-' || !c.is_ascii())
    });
    let tld_ok = host.rsplit('.').next().is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    labels_ok && tld_ok
}

pub fn is_url(value: &str) -> bool {
    if value.len() > 2048 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = value.split_once("://") else { return false };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(after_bracket) = host_port.strip_prefix('[') {
        let Some((ipv6, tail)) = after_bracket.split_once(']') else { return false };
        if ipv6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match tail {
            "" => return true,
            _ => match tail.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(host_port), None),
        }
    };
    let host_ok = host.is_none_or(|host| host.parse::<std::net::Ipv4Addr>().is_ok() || is_host_name(host));
    let port_ok = port.is_none_or(|port| !port.is_empty() && port.len() <= 5 && port.parse::<u16>().is_ok());
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl FnOnce(&JsonPath, &mut Vec<FieldError>) -> bool) -> Option<FieldError> {
        let path = JsonPath::root("field");
        let mut errors = Vec::new();
        let ok = f(&path, &mut errors);
        assert_eq!(ok, errors.is_empty());
        errors.pop()
    }

    #[test]
    fn lengths_count_characters() {
        assert!(run(|p, e| min_length("é", 1, p, e)).is_none());
        let err = run(|p, e| min_length("", 1, p, e)).unwrap();
        assert_eq!(
            (err.path.as_str(), err.code, err.message.as_str()),
            ("field", "min_length", "must be at least 1 character long")
        );
        assert_eq!(run(|p, e| min_length("ab", 3, p, e)).unwrap().message, "must be at least 3 characters long");
        assert!(run(|p, e| max_length("ééé", 3, p, e)).is_none());
        let err = run(|p, e| max_length("abcd", 3, p, e)).unwrap();
        assert_eq!((err.code, err.message.as_str()), ("max_length", "must be at most 3 characters long"));
    }

    #[test]
    fn numeric_bounds_are_inclusive() {
        assert!(run(|p, e| range(1i64, Some(1), Some(10), p, e)).is_none());
        assert!(run(|p, e| range(10i64, Some(1), Some(10), p, e)).is_none());
        let err = run(|p, e| range(0i64, Some(1), Some(10), p, e)).unwrap();
        assert_eq!((err.code, err.message.as_str()), ("min", "must be at least 1"));
        let err = run(|p, e| range(10.5f64, None, Some(10.0), p, e)).unwrap();
        assert_eq!((err.code, err.message.as_str()), ("max", "must be at most 10"));
        assert!(run(|p, e| min(f64::NAN, 0.0, p, e)).is_some());
        assert!(run(|p, e| max(3u32, 3, p, e)).is_none());
    }

    #[test]
    fn item_counts() {
        assert_eq!(run(|p, e| min_items::<u8>(&[], 1, p, e)).unwrap().message, "must contain at least 1 item");
        assert_eq!(run(|p, e| max_items(&[1, 2, 3], 2, p, e)).unwrap().code, "max_items");
        assert!(run(|p, e| max_items(&[1, 2], 2, p, e)).is_none());
    }

    static SLUG: Pattern = Pattern::new("^[a-z0-9-]+$");
    static CONTAINS_DIGIT: Pattern = Pattern::new("[0-9]");

    #[test]
    fn patterns() {
        assert!(run(|p, e| pattern("hello-world-2", &SLUG, p, e)).is_none());
        let err = run(|p, e| pattern("Hello World", &SLUG, p, e)).unwrap();
        assert_eq!((err.code, err.message.as_str()), ("pattern", "must match the pattern `^[a-z0-9-]+$`"));
        assert!(CONTAINS_DIGIT.is_match("abc1def"), "unanchored patterns search, like JSON Schema");
    }

    #[test]
    fn emails() {
        for good in ["jake@jake.jake", "a.b+tag@example.co.uk", "x@sub-domain.example", "ünï@exämple.de"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@example.com",
            "a@exa mple.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example..com",
            "a@example.com.",
            "a@1.2.3.4",
            "a\n@example.com",
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
        assert_eq!(run(|p, e| email("nope", p, e)).unwrap().code, "email");
    }

    #[test]
    fn urls() {
        for good in [
            "https://example.com",
            "http://localhost:8080/path?q=1#frag",
            "HTTPS://Example.COM/a%20b",
            "https://user:pw@example.com",
            "http://127.0.0.1",
            "http://[::1]:3000/x",
            "https://api.example.com/images/smiley.jpg",
        ] {
            assert!(is_url(good), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://example.com:",
            "http://[nothex]/",
            "javascript:alert(1)",
            "https://-bad-.com",
        ] {
            assert!(!is_url(bad), "{bad:?}");
        }
        assert_eq!(run(|p, e| url("nope", p, e)).unwrap().code, "url");
    }

    #[test]
    fn required_field() {
        let err = run(required).unwrap();
        assert_eq!((err.code, err.to_string().as_str()), ("required", "field is required"));
    }
}
