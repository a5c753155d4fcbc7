//! `#[derive(Validate)]`: constraints written as `#[validate(...)]` field attributes become one
//! `validate_into` that reports every failing field with its JSON path.
//!
//! Rules: `length(min = N, max = N)`, `range(min = X, max = X)`, `count(min = N, max = N)`,
//! `pattern = "regex"`, `email`, `url`, `each(<rules>)` (applied to every item of a list), `nested`
//! (the field's own `Validate`), `flatten` (with `nested`: its fields sit at this level of the path),
//! `rename = "wire"` (the name in paths; `#[serde(rename)]` is read too).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitFloat, LitInt, LitStr, Token, Type};

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
        match field_checks(field, i) {
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

enum Rule {
    Length(Bounds),
    Range(Bounds),
    Count(Bounds),
    Pattern(LitStr),
    Email,
    Url,
    Each(Vec<Rule>),
    Nested,
    Flatten,
    Rename(LitStr),
}

#[derive(Default)]
struct Bounds {
    min: Option<TokenStream>,
    max: Option<TokenStream>,
}

impl Parse for Rule {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        let rule = match name.to_string().as_str() {
            "length" => Rule::Length(bounds(input, &name, false)?),
            "range" => Rule::Range(bounds(input, &name, true)?),
            "count" => Rule::Count(bounds(input, &name, false)?),
            "pattern" => {
                input.parse::<Token![=]>()?;
                let lit: LitStr = input.parse()?;
                if let Err(e) = regex_lite::Regex::new(&lit.value()) {
                    return Err(syn::Error::new(lit.span(), format!("invalid pattern: {e}")));
                }
                Rule::Pattern(lit)
            }
            "rename" => {
                input.parse::<Token![=]>()?;
                Rule::Rename(input.parse()?)
            }
            "email" => Rule::Email,
            "url" => Rule::Url,
            "nested" => Rule::Nested,
            "flatten" => Rule::Flatten,
            "each" => {
                let content;
                syn::parenthesized!(content in input);
                let rules = Punctuated::<Rule, Token![,]>::parse_terminated(&content)?;
                Rule::Each(rules.into_iter().collect())
            }
            other => {
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown validation rule `{other}`; expected one of: {RULES}"),
                ));
            }
        };
        Ok(rule)
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

fn field_checks(field: &syn::Field, index: usize) -> syn::Result<TokenStream> {
    let ident = field.ident.clone().unwrap_or_else(|| format_ident!("_{index}"));
    let mut rules = Vec::new();
    let mut wire = ident.to_string();
    for attr in &field.attrs {
        if attr.path().is_ident("validate") {
            let parsed = attr.parse_args_with(Punctuated::<Rule, Token![,]>::parse_terminated)?;
            rules.extend(parsed);
        } else if attr.path().is_ident("serde") {
            // Paths name fields as they appear on the wire.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    wire = lit.value();
                } else if meta.input.peek(Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
    }
    for r in &rules {
        if let Rule::Rename(lit) = r {
            wire = lit.value();
        }
    }
    let flatten = rules.iter().any(|r| matches!(r, Rule::Flatten));
    if flatten && !rules.iter().any(|r| matches!(r, Rule::Nested)) {
        return Err(syn::Error::new(ident.span(), "`flatten` goes with `nested`"));
    }
    let checks: Vec<TokenStream> = rules.iter().map(|r| check(r, field.ty.span())).collect::<syn::Result<_>>()?;
    if checks.iter().all(TokenStream::is_empty) {
        return Ok(TokenStream::new());
    }
    let plain = rules.iter().all(|r| matches!(r, Rule::Nested | Rule::Flatten | Rule::Rename(_)));
    let bind = if is_patch(&field.ty) && !plain {
        quote!(if let ::std::option::Option::Some(value) = self.#ident.value())
    } else if is_option(&field.ty) && !plain {
        quote!(if let ::std::option::Option::Some(value) = &self.#ident)
    } else {
        quote!(if let value = &self.#ident)
    };
    let body = quote!(#bind { #(#checks)* });
    Ok(if flatten {
        body
    } else {
        quote! {
            path.push_field(#wire);
            #[allow(irrefutable_let_patterns)]
            #body
            path.pop();
        }
    })
}

fn check(rule: &Rule, span: Span) -> syn::Result<TokenStream> {
    let rules = quote!(::charter_runtime::validate::rules);
    Ok(match rule {
        Rule::Length(b) => {
            let min = b.min.as_ref().map(|m| quote_spanned!(span=> #rules::min_length(value, #m, path, errors);));
            let max = b.max.as_ref().map(|m| quote_spanned!(span=> #rules::max_length(value, #m, path, errors);));
            quote!(#min #max)
        }
        Rule::Range(b) => {
            let min = opt(&b.min);
            let max = opt(&b.max);
            quote_spanned!(span=> #rules::range(*value, #min, #max, path, errors);)
        }
        Rule::Count(b) => {
            let min = b.min.as_ref().map(|m| quote_spanned!(span=> #rules::min_items(&value[..], #m, path, errors);));
            let max = b.max.as_ref().map(|m| quote_spanned!(span=> #rules::max_items(&value[..], #m, path, errors);));
            quote!(#min #max)
        }
        // A block per pattern: a field may have several, each with its own `static`.
        Rule::Pattern(p) => quote_spanned! {span=> {
            static PATTERN: #rules::Pattern = #rules::Pattern::new(#p);
            #rules::pattern(value, &PATTERN, path, errors);
        }},
        Rule::Email => quote_spanned!(span=> #rules::email(value, path, errors);),
        Rule::Url => quote_spanned!(span=> #rules::url(value, path, errors);),
        Rule::Nested => {
            quote_spanned!(span=> ::charter_runtime::validate::Validate::validate_into(value, path, errors);)
        }
        Rule::Each(inner) => {
            let checks: Vec<TokenStream> = inner.iter().map(|r| check(r, span)).collect::<syn::Result<_>>()?;
            quote! {
                for (index, value) in value.iter().enumerate() {
                    path.push_index(index);
                    #(#checks)*
                    path.pop();
                }
            }
        }
        Rule::Flatten | Rule::Rename(_) => TokenStream::new(),
    })
}

fn opt(v: &Option<TokenStream>) -> TokenStream {
    match v {
        Some(v) => quote!(::std::option::Option::Some(#v as _)),
        None => quote!(::std::option::Option::None),
    }
}

/// `charter_runtime::Patch<T>`: its rules apply to the value it sets, if any.
fn is_patch(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Patch"),
        _ => false,
    }
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}
