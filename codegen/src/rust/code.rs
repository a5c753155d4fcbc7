//! Rust source text as the emitter builds it: what the `code!` templates append to.
//!
//! Every token in a `Code` is followed by a space (or, for a punctuation joined to the next token, by
//! nothing), so pieces concatenate into text that rustc and syn read as the intended tokens. Values are
//! interpolated by [`ToCode`], with `quote`'s meanings but one: a string becomes a string literal, an
//! integer an unsuffixed integer literal (its type is always inferred), `None` nothing.

use std::fmt;

pub use charter_code_macro::code;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    pub fn new() -> Code {
        Code(String::new())
    }

    pub fn with_capacity(n: usize) -> Code {
        Code(String::with_capacity(n))
    }

    /// Appends text that is already tokens followed by their spacing (the `code!` expansion's literals).
    pub fn push_str(&mut self, text: &str) {
        self.0.push_str(text);
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl FromIterator<Code> for Code {
    fn from_iter<I: IntoIterator<Item = Code>>(iter: I) -> Code {
        let mut out = Code::new();
        out.extend(iter);
        out
    }
}

impl Extend<Code> for Code {
    fn extend<I: IntoIterator<Item = Code>>(&mut self, iter: I) {
        for code in iter {
            self.0.push_str(&code.0);
        }
    }
}

/// A value a `code!` template can interpolate with `#value`.
pub trait ToCode {
    fn to_code(&self, out: &mut Code);
}

impl ToCode for Code {
    fn to_code(&self, out: &mut Code) {
        out.0.push_str(&self.0);
    }
}

impl<T: ToCode + ?Sized> ToCode for &T {
    fn to_code(&self, out: &mut Code) {
        (**self).to_code(out);
    }
}

impl<T: ToCode> ToCode for Option<T> {
    fn to_code(&self, out: &mut Code) {
        if let Some(t) = self {
            t.to_code(out);
        }
    }
}

/// A string literal.
impl ToCode for str {
    fn to_code(&self, out: &mut Code) {
        let plain = self.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        // Printable text with quotes (SQL's quoted identifiers, mostly) reads better raw: `r#"SELECT "id""#`,
        // not `"SELECT \"id\""`.
        let raw = !plain && self.contains('"') && self.chars().all(|c| !c.is_control());
        if plain {
            out.0.reserve(self.len() + 3);
            out.0.push('"');
            out.0.push_str(self);
            out.0.push_str("\" ");
        } else if raw {
            // Enough `#`s that no `"` in the text followed by them closes the literal early.
            let mut hashes = String::from("#");
            while self.contains(&format!("\"{hashes}")) {
                hashes.push('#');
            }
            use fmt::Write as _;
            let _ = write!(out.0, "r{hashes}\"{self}\"{hashes} ");
        } else {
            // `str`'s Debug form is a valid Rust string literal: quotes, backslashes, control and
            // invisible characters escaped.
            use fmt::Write as _;
            let _ = write!(out.0, "{self:?} ");
        }
    }
}

impl ToCode for String {
    fn to_code(&self, out: &mut Code) {
        self.as_str().to_code(out);
    }
}

impl ToCode for bool {
    fn to_code(&self, out: &mut Code) {
        out.0.push_str(if *self { "true " } else { "false " });
    }
}

macro_rules! unsuffixed_integers {
    ($($t:ty),*) => {$(
        /// An unsuffixed literal (`5`, not `quote`'s `5i64`): every place the emitter puts a number has a
        /// type it is inferred from (a parameter, a field, a constant's type), and people read the output.
        impl ToCode for $t {
            fn to_code(&self, out: &mut Code) {
                use fmt::Write as _;
                let _ = write!(out.0, "{} ", self);
            }
        }
    )*};
}
unsuffixed_integers!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

/// An identifier. Callers pass names the spec resolver has checked (or fixed ones).
pub fn ident(name: &str) -> Ident {
    Ident(name.to_owned())
}

/// An identifier; displays as its name (for building other names and doc text from it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident(String);

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToCode for Ident {
    fn to_code(&self, out: &mut Code) {
        out.0.reserve(self.0.len() + 1);
        out.0.push_str(&self.0);
        out.0.push(' ');
    }
}

/// An integer literal without a suffix; its type comes from where it is used.
pub fn int(v: i64) -> Code {
    Code(format!("{v} "))
}

/// A float literal without a suffix; always has a `.` or exponent, so it is never read as an integer.
pub fn float(v: f64) -> Code {
    let mut text = format!("{v:?}");
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    text.push(' ');
    Code(text)
}

/// `let Some(a) = a else { <otherwise> };` for each of `locals` at once (a tuple pattern for two or more,
/// nothing for none): the unwrapping of values that must all be present.
pub fn let_all_some(locals: &[Ident], otherwise: Code) -> Code {
    match locals {
        [] => Code::new(),
        [one] => code!(let Some(#one) = #one else { #otherwise };),
        many => code!(let (#(Some(#many)),*) = (#(#many),*) else { #otherwise };),
    }
}

/// Repetition support for the `code!` expansion (`#(..)*`), with `quote`'s rules: iterators are
/// consumed, collections are iterated by reference, and any other value is repeated beside them; the
/// method-call syntax (autoref) picks the right one. Each also says whether it ends the repetition.
#[doc(hidden)]
pub mod __rt {
    use super::ToCode;

    pub trait RepIter: Iterator + Sized {
        fn __rep(self) -> (Self, bool) {
            (self, true)
        }
    }

    impl<T: Iterator> RepIter for T {}

    pub trait RepOnce: ToCode {
        fn __rep(&self) -> (std::iter::Repeat<&Self>, bool) {
            (std::iter::repeat(self), false)
        }
    }

    impl<T: ToCode + ?Sized> RepOnce for T {}

    /// Slices, and through auto-deref `Vec`s and arrays.
    pub trait RepRef<T> {
        fn __rep(&self) -> (std::slice::Iter<'_, T>, bool);
    }

    impl<T> RepRef<T> for [T] {
        fn __rep(&self) -> (std::slice::Iter<'_, T>, bool) {
            (self.iter(), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses_as(code: Code, expected: proc_macro2::TokenStream) {
        let parsed: proc_macro2::TokenStream = code.as_str().parse().expect("valid tokens");
        assert_eq!(parsed.to_string(), expected.to_string(), "text: {code}");
    }

    #[test]
    fn templates_read_back_as_the_same_tokens() {
        let name = ident("Row");
        let fields = ["a", "b"].map(ident);
        // A `Vec` on purpose: repetitions must take it as the emitters pass them.
        #[allow(clippy::useless_vec)]
        let tys = vec![code!(i64), code!(Option<String>)];
        let doc = "a \"quoted\"\n\\ doc";
        let none: Option<Code> = None;
        let got = code! {
            #[doc = #doc]
            pub struct #name<'a> { #(pub #fields: #tys,)* x: &'a str, }
            impl #name<'_> { fn f() -> ::std::vec::Vec<u8> { vec![#(#fields),*] #none } }
        };
        parses_as(
            got,
            quote::quote! {
                #[doc = "a \"quoted\"\n\\ doc"]
                pub struct Row<'a> { pub a: i64, pub b: Option<String>, x: &'a str, }
                impl Row<'_> { fn f() -> ::std::vec::Vec<u8> { vec![a, b] } }
            },
        );
    }

    #[test]
    fn literals_keep_quotes_meanings_but_integers_have_no_suffix() {
        let (n, yes, text) = (5i64, true, "é\u{301}\t");
        parses_as(code!(#n #yes #text), quote::quote!(5 true "é\u{301}\t"));
        assert_eq!(float(3.0).as_str(), "3.0 ");
        assert_eq!(float(1e21).as_str(), "1e21 ");
        assert_eq!(int(-4).as_str(), "-4 ");
    }

    #[test]
    fn quoted_text_becomes_a_raw_string_of_the_same_value() {
        for (text, written) in [
            (r#"SELECT "id" FROM "t""#, r##"r#"SELECT "id" FROM "t""# "##),
            (r##"a "# b"##, r###"r##"a "# b"## "###),
            ("back\\slash \"q\"", r##"r#"back\slash "q""# "##),
        ] {
            let code = code!(#text);
            assert_eq!(code.as_str(), written);
            let lit: syn::LitStr = syn::parse_str(code.as_str().trim_end()).expect("a string literal");
            assert_eq!(lit.value(), text);
        }
        // Control characters keep the escaped form.
        let control = "a\"\n";
        assert_eq!(code!(#control).as_str(), "\"a\\\"\\n\" ");
    }

    #[test]
    fn nested_repetitions_iterate_inner_collections() {
        #[allow(clippy::useless_vec)]
        let rows = vec![vec![1u8, 2], vec![3]];
        let names = ["x", "y"].map(ident);
        parses_as(code!(#(#names = [#(#rows),*];)*), quote::quote!(x = [1, 2]; y = [3];));
    }
}
