//! SQL text helpers for generated queries.

use std::fmt::Write;

/// `$start, $start+1, ...` for `count` parameters: the inside of an `IN (...)` list.
pub fn placeholders(start: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for n in start..start + count {
        if n > start {
            out.push_str(", ");
        }
        let _ = write!(out, "${n}");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders() {
        assert_eq!(super::placeholders(1, 3), "$1, $2, $3");
        assert_eq!(super::placeholders(4, 1), "$4");
        assert_eq!(super::placeholders(1, 0), "");
    }
}
