//! `#[use_case]` on `impl <Endpoint> for <App>`: checks the hook's signature against its endpoint and
//! says what is wrong in the endpoint's terms, before rustc's generic trait-mismatch errors would.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ImplItem, ItemImpl, PathArguments, ReturnType, Type};

use charter_names::HookNames;

pub fn expand(args: TokenStream, item: ItemImpl) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new(args.span(), "`#[use_case]` takes no arguments"));
    }
    let Some((_, trait_path, _)) = &item.trait_ else {
        return Err(syn::Error::new(
            item.self_ty.span(),
            "`#[use_case]` goes on `impl <Endpoint> for <App>`, e.g. `impl CreateArticle for App`",
        ));
    };
    let endpoint = trait_path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    let names = HookNames::of_trait(&endpoint);
    let hook = names.method.clone();
    let mut errors: Vec<syn::Error> = Vec::new();
    let fns: Vec<&syn::ImplItemFn> =
        item.items.iter().filter_map(|i| if let ImplItem::Fn(f) = i { Some(f) } else { None }).collect();
    if fns.iter().all(|f| f.sig.ident != hook) {
        let msg = match fns.first() {
            Some(f) => {
                errors.push(syn::Error::new(
                    f.sig.ident.span(),
                    format!("`{}` is not the hook of endpoint `{hook}`; the hook is `async fn {hook}`", f.sig.ident),
                ));
                None
            }
            None => Some(format!("the use case of endpoint `{hook}` needs `{}`", names.signature())),
        };
        if let Some(msg) = msg {
            errors.push(syn::Error::new(trait_path.span(), msg));
        }
    }
    for f in fns.iter().filter(|f| f.sig.ident == hook) {
        check_signature(&f.sig, &names, &mut errors);
    }
    match errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        Some(e) => Err(e),
        None => Ok(item.into_token_stream()),
    }
}

fn check_signature(sig: &syn::Signature, names: &HookNames, errors: &mut Vec<syn::Error>) {
    let hook = &names.method;
    let expected = names.signature();
    let returns_future = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)));
    if sig.asyncness.is_none() && !returns_future {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!("the hook of endpoint `{hook}` must be async: `{expected}`"),
        ));
    }
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    match args.first() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(other) => {
            errors.push(syn::Error::new(other.span(), format!("the hook takes `&self` first: `{expected}`")))
        }
        None => errors.push(syn::Error::new(sig.ident.span(), format!("the hook takes `&self`: `{expected}`"))),
    }
    if args.len() != 3 {
        errors.push(syn::Error::new(
            sig.inputs.span().join(sig.paren_token.span.join()).unwrap_or(sig.ident.span()),
            format!("the hook of endpoint `{hook}` takes 3 parameters, found {}: `{expected}`", args.len()),
        ));
        return;
    }
    if let FnArg::Typed(ctx) = args[1]
        && !matches!(*ctx.ty, Type::Reference(_))
    {
        errors.push(syn::Error::new(
            ctx.ty.span(),
            format!("the second parameter is the context, `ctx: &Ctx`: `{expected}`"),
        ));
    }
    if let FnArg::Typed(input) = args[2] {
        let want = &names.input;
        if last_ident(&input.ty).as_deref() != Some(want.as_str()) {
            errors.push(syn::Error::new(
                input.ty.span(),
                format!("endpoint `{hook}` receives `{want}`, found `{}`", input.ty.to_token_stream()),
            ));
        }
    }
    match &sig.output {
        ReturnType::Type(_, ty) if !returns_future => check_result(ty, names, errors),
        ReturnType::Type(..) => {}
        ReturnType::Default => errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            format!("the hook of endpoint `{hook}` returns `{}`", names.result()),
        )),
    }
}

fn check_result(ty: &Type, names: &HookNames, errors: &mut Vec<syn::Error>) {
    let hook = &names.method;
    let want = names.result();
    let wrong = |span: Span, found: &dyn ToTokens| {
        syn::Error::new(span, format!("endpoint `{hook}` returns `{want}`, found `{}`", found.to_token_stream()))
    };
    let Type::Path(p) = ty else {
        errors.push(wrong(ty.span(), ty));
        return;
    };
    let Some(seg) = p.path.segments.last().filter(|s| s.ident == "Result") else {
        errors.push(wrong(ty.span(), ty));
        return;
    };
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        errors.push(wrong(ty.span(), ty));
        return;
    };
    let types: Vec<&Type> =
        args.args.iter().filter_map(|a| if let GenericArgument::Type(t) = a { Some(t) } else { None }).collect();
    for (i, want_ty) in [&names.output, &names.error].into_iter().enumerate() {
        match types.get(i) {
            Some(t) if last_ident(t).as_deref() == Some(want_ty.as_str()) => {}
            Some(t) => errors.push(syn::Error::new(
                t.span(),
                format!(
                    "endpoint `{hook}` returns `{want}`: expected `{want_ty}` here, found `{}`",
                    t.to_token_stream()
                ),
            )),
            None => errors.push(wrong(ty.span(), ty)),
        }
    }
}

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}
