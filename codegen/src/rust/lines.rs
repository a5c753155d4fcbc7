//! Line breaks for the unformatted output: one item per line.
//!
//! The build script writes the emitter's text unformatted (formatting is most of the generation time on
//! large specs), and rustc's diagnostics quote the line they point into: without breaks, an app is one
//! line of hundreds of kilobytes, and a warning reads `api.rs:4:45430`. [`break_items`] ends every item
//! of a module, `impl` or `trait` block with a newline, so a diagnostic shows the item it is about.
//!
//! The emitter's text is tokens each followed by a space (see `code.rs`), without comments, so a small
//! scanner suffices: it skips string, raw string and character literals, follows braces, and knows which
//! braces hold items (those of a `mod`, `impl` or `trait`, and the file). A break replaces the space
//! after the item's last token in place, so the text keeps its length and its tokens, and nothing is
//! copied (the pass costs a few milliseconds per megabyte; the codegen bench times it in `compact`).

/// What an item-holding level knows about the item being read.
#[derive(Clone, Copy)]
struct Item {
    /// Whether the item's `{` opens another item-holding level: decided by its first keyword that is not
    /// a visibility or qualifier (`mod`, `impl`, `trait`), read outside any attribute or parentheses.
    kind: Kind,
    /// `(` and `[` open since the item began (attributes, types, arguments): a `;` or `}` inside is not
    /// the item's end.
    nested: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Undecided,
    HoldsItems,
    Other,
}

impl Item {
    const NEW: Item = Item { kind: Kind::Undecided, nested: 0 };
}

/// `text` with a newline after every item of every item-holding level (see the module docs). The breaks
/// replace spaces in place: no byte is copied.
pub fn break_items(text: String) -> String {
    let mut bytes = text.into_bytes();
    // One entry per open brace: `Some` for a level that holds items (with the item being read there).
    let mut levels: Vec<Option<Item>> = vec![Some(Item::NEW)];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        i += 1;
        let mut end_item = false;
        match b {
            b' ' | b'\n' => continue,
            b'"' => i = skip_string(&bytes, i),
            b'\'' => i = skip_char(&bytes, i),
            b'r' if !ident_byte_before(&bytes, start) && raw_string_at(&bytes, i) => i = skip_raw_string(&bytes, i),
            b'(' | b'[' => {
                if let Some(Some(item)) = levels.last_mut() {
                    item.nested += 1;
                }
            }
            b')' | b']' => {
                if let Some(Some(item)) = levels.last_mut() {
                    item.nested = item.nested.saturating_sub(1);
                }
            }
            b'{' => {
                let opens = match levels.last() {
                    Some(Some(item)) if item.nested == 0 && item.kind == Kind::HoldsItems => Some(Item::NEW),
                    _ => None,
                };
                levels.push(opens);
            }
            b'}' => {
                levels.pop();
                // The end of an item unless a `;` (or more of an expression) follows, as in `static S: T = T { .. };`.
                end_item = matches!(levels.last(), Some(Some(item)) if item.nested == 0)
                    && !matches!(next_token(&bytes, i), Some(b';' | b',' | b')' | b'.' | b'?' | b'='));
            }
            b';' => end_item = matches!(levels.last(), Some(Some(item)) if item.nested == 0),
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if let Some(Some(item)) = levels.last_mut()
                    && item.nested == 0
                    && item.kind == Kind::Undecided
                {
                    item.kind = match &bytes[start..i] {
                        b"pub" | b"crate" | b"async" | b"unsafe" | b"extern" | b"default" => Kind::Undecided,
                        b"mod" | b"impl" | b"trait" => Kind::HoldsItems,
                        _ => Kind::Other,
                    };
                }
            }
            _ => {}
        }
        if end_item {
            if let Some(Some(item)) = levels.last_mut() {
                *item = Item::NEW;
            }
            match bytes.get(i) {
                Some(b' ') => bytes[i] = b'\n',
                Some(b'\n') => {}
                _ => bytes.insert(i, b'\n'),
            }
            i += 1;
        }
    }
    // Only ASCII spaces were replaced (or a newline added at the end), at token boundaries.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn next_token(bytes: &[u8], mut i: usize) -> Option<u8> {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    bytes.get(i).copied()
}

fn ident_byte_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')
}

/// After an `r`: `"` or `#..#"` (a raw string), not `#ident` (a raw identifier).
fn raw_string_at(bytes: &[u8], mut i: usize) -> bool {
    while bytes.get(i) == Some(&b'#') {
        i += 1;
    }
    bytes.get(i) == Some(&b'"')
}

/// From just after the opening `"`: just after the closing one.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// From just after `r`: just after the closing `"#..#`.
fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"' && bytes[i + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// From just after a `'`: past a character literal (`'a'`, `'\n'`, `'\u{..}'`), or nothing for a lifetime.
fn skip_char(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b'\\') => bytes[i..].iter().position(|&b| b == b'\'').map_or(bytes.len(), |p| i + p + 1),
        Some(_) => {
            // One character of up to four bytes, then `'`; otherwise a lifetime, read as an identifier.
            let len = bytes[i..].iter().skip(1).take(4).position(|&b| b == b'\'');
            match len {
                Some(n) if !bytes[i].is_ascii() || n == 0 => i + n + 2,
                _ => i,
            }
        }
        None => i,
    }
}

#[cfg(test)]
mod tests {
    use super::break_items;

    #[test]
    fn one_item_per_line_in_modules_impls_and_traits() {
        let text = "#[doc = \" mod { ; } impl\"] pub mod a { pub struct S { x : [u8 ; 4] , } impl S { fn f () { \
                    let s = \"};\" ; match 1 { _ => { } } } const C : char = '}' ; } static T : X = X { a : 1 } ; \
                    pub trait Q { fn g (& self) ; fn h < 'a > (x : & 'a str) { } } } fn z () { }";
        let broken = break_items(text.to_owned());
        assert_eq!(broken.trim_end().len(), text.len(), "breaks replace spaces");
        let lines: Vec<&str> = broken.lines().collect();
        assert_eq!(
            lines,
            [
                "#[doc = \" mod { ; } impl\"] pub mod a { pub struct S { x : [u8 ; 4] , }",
                "impl S { fn f () { let s = \"};\" ; match 1 { _ => { } } }",
                "const C : char = '}' ;",
                "}",
                "static T : X = X { a : 1 } ;",
                "pub trait Q { fn g (& self) ;",
                "fn h < 'a > (x : & 'a str) { }",
                "}",
                "}",
                "fn z () { }",
            ]
        );
    }

    #[test]
    fn raw_strings_and_raw_identifiers() {
        let text = "const A : & str = r#\"} ; \"# ; fn r#type () { }";
        assert_eq!(
            break_items(text.to_owned()).lines().collect::<Vec<_>>(),
            ["const A : & str = r#\"} ; \"# ;", "fn r#type () { }"]
        );
    }
}
