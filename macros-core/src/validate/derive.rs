//! `#[derive(Validate)]`: constraints written as `#[validate(...)]` field attributes become one
//! `validate_into` that reports every failing field with its JSON path.
//!
//! Rules: `length(min = N, max = N)`, `range(min = X, max = X)`, `count(min = N, max = N)`,
//! `pattern = "regex"`, `email`, `url`, `each(<rules>)` (applied to every item of a list), `nested`
//! (the field's own `Validate`), `flatten` (with `nested`: its fields sit at this level of the path),
//! `rename = "wire"` (the name in paths; `#[serde(rename)]` is read too).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitFloat, LitInt, LitStr, Token, Type};

use super::checks::{self, Bound, FieldRules, Holder, Rule as Check, field_checks};

const RULES: &str = "length, range, count, pattern, email, url, each, nested, flatten, rename";

pub fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            Fields::Unit => return Ok(impl_block(&input, quote!())),
            Fields::Unnamed(_) => {
                return Err(syn::Error::new(name.span(), "`Validate` needs named fields, found a tuple struct"));
            }
        },
        Data::Enum(_) => return Ok(impl_block(&input, quote!())),
        Data::Union(_) => return Err(syn::Error::new(name.span(), "`Validate` cannot be derived for a union")),
    };
    let mut errors: Option<syn::Error> = None;
    let mut body = TokenStream::new();
    for (i, field) in fields.iter().enumerate() {
        match field_body(field, i) {
            Ok(tokens) => body.extend(tokens),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    if !body.is_empty() {
        let import: TokenStream = checks::IMPORT.parse().expect("a use statement");
        body = import.into_iter().chain(body).collect();
    }
    Ok(impl_block(&input, body))
}

fn impl_block(input: &DeriveInput, body: TokenStream) -> TokenStream {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics ::charter_runtime::validate::Validate for #name #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn validate_into(
                &self,
                path: &mut ::charter_runtime::validate::JsonPath,
                errors: &mut ::std::vec::Vec<::charter_runtime::FieldError>,
            ) {
                #body
            }
        }
    }
}

/// What one attribute entry says: rules, or one of the field options `flatten` and `rename`.
enum Entry {
    Checks(Vec<Check>),
    Flatten,
    Rename(LitStr),
}

/// `min = N, max = N`, each as written.
#[derive(Default)]
struct Bounds {
    min: Option<TokenStream>,
    max: Option<TokenStream>,
}

impl Bounds {
    /// `length` and `count` bounds are counts: non-negative integers.
    fn counts(&self, min: fn(u64) -> Check, max: fn(u64) -> Check) -> syn::Result<Vec<Check>> {
        let count = |t: &TokenStream| syn::parse2::<LitInt>(t.clone())?.base10_parse::<u64>();
        let mut out = Vec::new();
        if let Some(t) = &self.min {
            out.push(min(count(t)?));
        }
        if let Some(t) = &self.max {
            out.push(max(count(t)?));
        }
        Ok(out)
    }

    /// Range bounds stay as written: the derive cannot see the field's type, and the check casts them.
    fn range(&self) -> Vec<Check> {
        let written = |t: &TokenStream| Bound::Written(t.to_string().replace(' ', ""));
        let min = self.min.as_ref().map(|t| Check::Min(written(t)));
        let max = self.max.as_ref().map(|t| Check::Max(written(t)));
        min.into_iter().chain(max).collect()
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        let check = match name.to_string().as_str() {
            "length" => {
                return Ok(Entry::Checks(bounds(input, &name, false)?.counts(Check::MinLength, Check::MaxLength)?));
            }
            "count" => {
                return Ok(Entry::Checks(bounds(input, &name, false)?.counts(Check::MinItems, Check::MaxItems)?));
            }
            "range" => return Ok(Entry::Checks(bounds(input, &name, true)?.range())),
            "pattern" => {
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                if let Err(e) = regex_lite::Regex::new(&lit.value()) {
                    return Err(syn::Error::new(lit.span(), format!("invalid pattern: {e}")));
                }
                Check::Pattern(lit.value())
            }
            "rename" => {
                input.parse::<Token![=]>()?;
                return Ok(Entry::Rename(input.parse()?));
            }
            "flatten" => return Ok(Entry::Flatten),
            "email" => Check::Email,
            "url" => Check::Url,
            "nested" => Check::Nested,
            "each" => {
                let content;
                syn::parenthesized!(content in input);
                let mut checks = Vec::new();
                for entry in Punctuated::<Entry, Token![,]>::parse_terminated(&content)? {
                    match entry {
                        Entry::Checks(c) => checks.extend(c),
                        Entry::Flatten | Entry::Rename(_) => {
                            return Err(syn::Error::new(name.span(), "`each` takes rules, not `flatten` or `rename`"));
                        }
                    }
                }
                Check::Each(checks)
            }
            other => {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown validation rule `{other}`; expected one of: {RULES}"),
                ));
            }
        };
        Ok(Entry::Checks(vec![check]))
    }
}

fn bounds(input: ParseStream<'_>, rule: &Ident, float: bool) -> syn::Result<Bounds> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(rule.span(), format!("`{rule}` needs bounds, e.g. `{rule}(min = 1, max = 10)`")));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut b = Bounds::default();
    while !content.is_empty() {
        let key: Ident = content.parse()?;
        content.parse::<Token![=]>()?;
        let neg = content.parse::<Option<Token![-]>>()?;
        let value = if float && content.peek(LitFloat) {
            let v: LitFloat = content.parse()?;
            quote!(#neg #v)
        } else {
            let v: LitInt = content.parse()?;
            if neg.is_some() && !float {
                return Err(syn::Error::new(v.span(), format!("`{rule}` bounds are counts and cannot be negative")));
            }
            quote!(#neg #v)
        };
        match key.to_string().as_str() {
            "min" if b.min.is_none() => b.min = Some(value),
            "max" if b.max.is_none() => b.max = Some(value),
            "min" | "max" => return Err(syn::Error::new(key.span(), format!("`{key}` given twice"))),
            _ => return Err(syn::Error::new(key.span(), format!("unknown bound `{key}`; expected `min` or `max`"))),
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if b.min.is_none() && b.max.is_none() {
        return Err(syn::Error::new(rule.span(), format!("`{rule}` needs `min`, `max` or both")));
    }
    Ok(b)
}

/// One field's checks, spanned on its type: a rule that does not fit the type (`length` on a number) is
/// reported there.
fn field_body(field: &syn::Field, index: usize) -> syn::Result<TokenStream> {
    let ident = field.ident.clone().unwrap_or_else(|| format_ident!("_{index}"));
    let mut rules = Vec::new();
    let mut flatten = false;
    // Paths name fields as they appear on the wire: `rename` in `#[validate]`, else `#[serde(rename)]`.
    let mut rename = None;
    let mut serde_rename = None;
    for attr in &field.attrs {
        if attr.path().is_ident("validate") {
            for entry in attr.parse_args_with(Punctuated::<Entry, Token![,]>::parse_terminated)? {
                match entry {
                    Entry::Checks(c) => rules.extend(c),
                    Entry::Flatten => flatten = true,
                    Entry::Rename(lit) => rename = Some(lit.value()),
                }
            }
        } else if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    serde_rename = Some(lit.value());
                } else if meta.input.peek(Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
    }
    let wire = rename.or(serde_rename).unwrap_or_else(|| ident.to_string());
    if flatten && !rules.contains(&Check::Nested) {
        return Err(syn::Error::new(ident.span(), "`flatten` goes with `nested`"));
    }
    let holder = if is_named(&field.ty, "Patch") {
        Holder::Patch
    } else if is_named(&field.ty, "Option") {
        Holder::Option
    } else {
        Holder::Plain
    };
    let field_name = ident.to_string();
    let mut text = String::new();
    field_checks(&FieldRules { field: &field_name, wire: &wire, holder, rules, flatten }, &mut text);
    let tokens: TokenStream = text.parse().map_err(|e| syn::Error::new(ident.span(), format!("{e}")))?;
    Ok(respan(tokens, field.ty.span()))
}

/// Every token of `tokens` at `span`, as `quote_spanned!` would place them.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                t = TokenTree::Group(group);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

/// Whether `ty`'s last path segment is `name` (`Option`, `charter_runtime::Patch`).
fn is_named(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
        _ => false,
    }
}
