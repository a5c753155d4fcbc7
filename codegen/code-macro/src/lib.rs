//! `code!`: `quote!`'s template syntax, writing Rust source text instead of a token tree.
//!
//! The generator's output is text (a build script writes it to a file that rustc reads), and building
//! it as a `proc_macro2::TokenStream` first cost an allocation per identifier and per group, a deep copy
//! each time one stream was interpolated into another, and a walk to print it. The codegen bench measured
//! those as most of a large spec's build-script time. `code!` turns the template's literal tokens into
//! string constants at compile time, so at run time a template is a few `push_str` calls.
//!
//! Syntax, as `quote!`: `#var` interpolates anything that implements `ToCode`; `#(..)*` and `#(..)sep*`
//! repeat over every `#var` inside, which must be iterators or collections, zipped. The expansion names
//! `crate::rust::code`: this macro belongs to charter-codegen and is used nowhere else.

use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use quote::{format_ident, quote};

#[proc_macro]
pub fn code(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let mut template = Template::default();
    match template.tokens(TokenStream::from(input)) {
        Ok(()) => {}
        Err(e) => return e.into(),
    }
    template.flush();
    let capacity = template.literal_len;
    let steps = template.steps;
    quote!({
        let mut __code = crate::rust::code::Code::with_capacity(#capacity);
        #(#steps)*
        __code
    })
    .into()
}

#[derive(Default)]
struct Template {
    /// Statements appending to `__code`, in order.
    steps: Vec<TokenStream>,
    /// Literal text not yet turned into a statement: consecutive tokens become one `push_str`.
    pending: String,
    literal_len: usize,
    /// Repetitions nest; each level names its counters apart.
    depth: usize,
}

impl Template {
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.literal_len += text.len();
            self.steps.push(quote!(__code.push_str(#text);));
        }
    }

    fn tokens(&mut self, input: TokenStream) -> Result<(), TokenStream> {
        let mut iter = input.into_iter().peekable();
        while let Some(tt) = iter.next() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '#' => match iter.peek() {
                    Some(TokenTree::Ident(_)) => {
                        let Some(TokenTree::Ident(var)) = iter.next() else { unreachable!() };
                        self.flush();
                        self.steps.push(quote!(crate::rust::code::ToCode::to_code(&#var, &mut __code);));
                    }
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                        let Some(TokenTree::Group(body)) = iter.next() else { unreachable!() };
                        let separator = match iter.next() {
                            Some(TokenTree::Punct(star)) if star.as_char() == '*' => None,
                            Some(sep) => match iter.next() {
                                Some(TokenTree::Punct(star)) if star.as_char() == '*' => Some(sep),
                                _ => return Err(error(&sep, "expected `*` after the repetition's separator")),
                            },
                            None => return Err(error(&TokenTree::Group(body), "expected `*` after a repetition")),
                        };
                        self.repetition(body.stream(), separator)?;
                    }
                    _ => self.token_text(&TokenTree::Punct(p)),
                },
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("( ", ") "),
                        Delimiter::Brace => ("{ ", "} "),
                        Delimiter::Bracket => ("[ ", "] "),
                        Delimiter::None => ("", ""),
                    };
                    self.pending.push_str(open);
                    self.tokens(g.stream())?;
                    self.pending.push_str(close);
                }
                other => self.token_text(&other),
            }
        }
        Ok(())
    }

    /// Each token is followed by a space unless it is a punctuation joined to the next (`::`, `=>`, the
    /// `'` of a lifetime), which is how rustc's lexer reads the text back into the same tokens.
    fn token_text(&mut self, tt: &TokenTree) {
        match tt {
            TokenTree::Punct(p) => {
                self.pending.push(p.as_char());
                if p.spacing() == Spacing::Alone {
                    self.pending.push(' ');
                }
            }
            other => {
                self.pending.push_str(&other.to_string());
                self.pending.push(' ');
            }
        }
    }

    fn repetition(&mut self, body: TokenStream, separator: Option<TokenTree>) -> Result<(), TokenStream> {
        let mut vars = Vec::new();
        interpolated(body.clone(), &mut vars);
        if vars.is_empty() {
            let at = body
                .into_iter()
                .next()
                .unwrap_or_else(|| TokenTree::Ident(Ident::new("x", proc_macro2::Span::call_site())));
            return Err(error(&at, "a repetition needs at least one `#var` to iterate over"));
        }
        self.flush();
        let outer = std::mem::take(&mut self.steps);
        self.depth += 1;
        let iters: Vec<Ident> = (0..vars.len()).map(|i| format_ident!("__iter_{}_{}", self.depth, i)).collect();
        let first = format_ident!("__first_{}", self.depth);
        if let Some(sep) = &separator {
            let mut text = String::new();
            std::mem::swap(&mut text, &mut self.pending);
            self.token_text(sep);
            let sep_text = std::mem::replace(&mut self.pending, text);
            self.literal_len += sep_text.len();
            self.steps.push(quote!(if !#first { __code.push_str(#sep_text); } #first = false;));
        }
        self.tokens(body)?;
        self.flush();
        self.depth -= 1;
        let body_steps = std::mem::replace(&mut self.steps, outer);
        let first_decl = separator.as_ref().map(|_| quote!(let mut #first = true;));
        self.steps.push(quote!({
            #[allow(unused_imports)]
            use crate::rust::code::__rt::{RepIter as _, RepOnce as _, RepRef as _};
            #first_decl
            let mut __ends = false;
            #(let mut #iters = { let (iter, ends) = #vars.__rep(); __ends |= ends; iter };)*
            ::std::assert!(__ends, "a `code!` repetition needs an iterator or collection among its `#var`s");
            loop {
                #(let #vars = match ::std::iter::Iterator::next(&mut #iters) { ::std::option::Option::Some(x) => x, ::std::option::Option::None => break };)*
                #(#body_steps)*
            }
        }));
        Ok(())
    }
}

/// The `#var`s of a repetition's body, once each, nested repetitions included.
fn interpolated(body: TokenStream, vars: &mut Vec<Ident>) {
    let mut iter = body.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Ident(var)) = iter.peek() {
                    if !vars.contains(var) {
                        vars.push(var.clone());
                    }
                    iter.next();
                }
            }
            TokenTree::Group(g) => interpolated(g.stream(), vars),
            _ => {}
        }
    }
}

fn error(at: &TokenTree, message: &str) -> TokenStream {
    let span = at.span();
    quote::quote_spanned!(span=> ::core::compile_error!(#message))
}
