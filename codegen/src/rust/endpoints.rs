//! Per endpoint: `<X>Input`, `<X>Output`, `<X>Error`, the use-case trait `<X>`, and its axum handler.
//!
//! The trait is the only thing users implement. It has no HTTP types in it: the handler parses, checks
//! auth, validates, and maps the result; the hook sees values that are already valid.

use crate::rust::code::{Code, code};
use charter_spec::{App, AuthRequirement, Endpoint, ErrorKind, Param, ScalarType, Spec};

use super::names::{self, From, ident};
use super::types::literal;
use super::validation;
pub use charter_names::HookNames;

/// Types and the trait, emitted inside the app module.
pub fn emit(spec: &Spec, app: &App) -> Code {
    let items = app.endpoints.iter().map(|e| emit_endpoint(spec, app, e));
    code!(#(#items)*)
}

fn emit_endpoint(spec: &Spec, app: &App, e: &Endpoint) -> Code {
    let from = From::App(&app.name);
    let names = HookNames::of(&e.name);
    let input = ident(&names.input);
    let output = ident(&names.output);
    let error = ident(&names.error);
    let trait_name = ident(&names.trait_name);
    let method = ident(&names.method);

    let mut fields = Vec::new();
    match e.auth {
        AuthRequirement::Required => fields.push(code! {
            /// The authenticated caller.
            pub caller: ::charter_runtime::Caller
        }),
        AuthRequirement::Optional => fields.push(code! {
            /// The caller, when the request carried a valid token.
            pub caller: Option<::charter_runtime::Caller>
        }),
        AuthRequirement::None => {}
    }
    for prm in e.path_params.iter().chain(&e.query) {
        fields.push(param_field(prm, from));
    }
    if let Some(body) = &e.body {
        let ty = names::type_path(body, from);
        // Already validated as a draft (see `drafts`), where missing fields are reported too.
        fields.push(code! {
            /// The request body.
            pub body: #ty
        });
    }

    let param_names: Vec<String> = e.path_params.iter().chain(&e.query).map(|p| ident(&p.name).to_string()).collect();
    let rules: Vec<_> =
        e.path_params.iter().chain(&e.query).zip(&param_names).map(|(p, n)| validation::param(p, n)).collect();
    let validate = validation::validate_impl(&input, &rules);

    let output_def = if e.responses.len() == 1 {
        let ty = match &e.responses[0].body {
            Some(r) => names::type_path(r, from),
            None => code!(()),
        };
        code!(pub type #output = #ty;)
    } else {
        let variants = e.responses.iter().map(|r| {
            let v = ident(&charter_names::status_variant(r.status));
            match &r.body {
                Some(b) => {
                    let ty = names::type_path(b, from);
                    code!(#v(#ty))
                }
                None => code!(#v),
            }
        });
        code! {
            #[derive(Debug, Clone, PartialEq)]
            pub enum #output { #(#variants,)* }
        }
    };

    let variants = e.errors.iter().map(|k| {
        let v = ident(k.variant());
        let doc = names::doc(&format!("{} ({}).", k.description(), spec.project.status_of(*k)));
        match k {
            ErrorKind::Validation => code!(#doc #v(Vec<::charter_runtime::FieldError>)),
            _ => code!(#doc #v(String)),
        }
    });
    let to_api = e.errors.iter().map(|k| {
        let v = ident(k.variant());
        let ctor = ident(k.code());
        match k {
            ErrorKind::Validation => code!(#error::#v(fields) => ::charter_runtime::ApiError::validation(fields)),
            ErrorKind::BadRequest => code!(#error::#v(m) => ::charter_runtime::ApiError::bad_request(m)),
            ErrorKind::TooManyRequests => code!(#error::#v(m) => ::charter_runtime::ApiError::new(::charter_runtime::__private::http::StatusCode::TOO_MANY_REQUESTS, "too_many_requests", m)),
            _ => code!(#error::#v(m) => ::charter_runtime::ApiError::#ctor(m)),
        }
    });

    let (db_arms, db_errors_doc) = db_error_arms(&e.errors, &error);
    let from_db = if db_arms.is_empty() {
        code!(#error::Internal(Box::new(e)))
    } else {
        code!(match e { #(#db_arms,)* e => #error::Internal(Box::new(e)), })
    };

    let location = spec.location(e.span);
    let file_hint = charter_names::use_case_file(&app.name, &e.name);
    let message = format!("endpoint `{}` ({location}) has no use case", e.name);
    let label = format!("`{{Self}}` does not implement `{}`", names.trait_name);
    // No braces but `{Self}`: on_unimplemented reads the note as a format string.
    let note = format!(
        "`charter scaffold` writes {file_hint}, with `impl {}::{} for {{Self}}` and its `{}`",
        app.name,
        names.trait_name,
        names.signature()
    );
    let route = format!("`{} {}`", e.method.upper(), e.path);
    let summary = e.summary.clone().unwrap_or_else(|| format!("The use case behind {route}."));
    let trait_doc = names::doc(&format!("{summary}\n\nServes {route}; declared at {location}."));
    let input_doc = names::doc(&format!("What `{}` receives: parsed, authenticated and validated.", e.name));
    let error_doc =
        names::doc(&format!("The errors `{}` may return: exactly those its spec lists, plus `Internal`.", e.name));

    code! {
        #input_doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #input {
            #(#fields,)*
        }
        #validate

        #output_def

        #error_doc
        #[derive(Debug)]
        pub enum #error {
            #(#variants,)*
            /// Anything unexpected: logged with the request id, answered with a 500 that reveals nothing.
            Internal(::charter_runtime::BoxError),
        }

        #db_errors_doc
        impl ::std::convert::From<::charter_runtime::DbError> for #error {
            fn from(e: ::charter_runtime::DbError) -> Self {
                #from_db
            }
        }

        impl ::std::convert::From<#error> for ::charter_runtime::ApiError {
            fn from(e: #error) -> Self {
                match e {
                    #(#to_api,)*
                    #error::Internal(cause) => ::charter_runtime::ApiError::from_internal(cause),
                }
            }
        }

        #trait_doc
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #trait_name: ::std::marker::Send + ::std::marker::Sync + 'static {
            fn #method(
                &self,
                ctx: &::charter_runtime::Ctx,
                input: #input,
            ) -> impl ::std::future::Future<Output = Result<#output, #error>> + ::std::marker::Send;
        }
    }
}

/// With `auth.invalidated_by`, an endpoint that reads a caller checks that its token is still bound to
/// the field's current value (one primary-key read), before the use case runs.
fn session_check(spec: &Spec, app: &App, e: &Endpoint) -> Option<Code> {
    let by = spec.project.auth.as_ref()?.invalidated_by.as_ref()?;
    let model = spec.model(&by.model)?;
    let field = model.field(&by.field)?;
    let pk = model.primary_key();
    let caller = match e.auth {
        AuthRequirement::Required => code!(Some(&input.caller)),
        AuthRequirement::Optional => code!(input.caller.as_ref()),
        AuthRequirement::None => return None,
    };
    let q = super::models::q;
    let sql = format!("SELECT {} FROM {} WHERE {} = $1", q(&field.column), q(&model.table), q(&pk.column));
    let key = names::column(&pk.ty, From::Handlers(&app.name));
    Some(code! {
        if let Err(e) = __h::check_session::<#key>(ctx, #caller, #sql).await {
            return __h::fail(ctx, e);
        }
    })
}

/// How a database error becomes one of the endpoint's declared errors, so that a use case that meets a
/// row deleted under it (`save` or `fetch_one` finding nothing, a foreign key to a vanished row) or a
/// duplicate answers 404 or 409 by `?` alone, not 500. Only declared errors are used: what the OpenAPI
/// document lists is what the endpoint can send.
fn db_error_arms(errors: &[ErrorKind], error: &crate::rust::code::Ident) -> (Vec<Code>, Code) {
    let declared = |k: ErrorKind| errors.contains(&k).then(|| ident(k.variant()));
    let gone = declared(ErrorKind::NotFound).or_else(|| declared(ErrorKind::Conflict));
    let duplicate = declared(ErrorKind::Conflict);
    // A foreign key fails for a referenced row that is missing (the usual race) or one still referenced.
    let related = declared(ErrorKind::Conflict).or_else(|| declared(ErrorKind::NotFound));
    let mut arms = Vec::new();
    let mut said = Vec::new();
    for (variant, pattern, what) in [
        (gone, code!(::charter_runtime::DbError::NotFound), "a row that is not there"),
        (duplicate, code!(::charter_runtime::DbError::UniqueViolation { .. }), "a unique violation"),
        (related, code!(::charter_runtime::DbError::ForeignKeyViolation { .. }), "a foreign-key violation"),
    ] {
        if let Some(variant) = variant {
            said.push(format!("{what} is `{variant}`"));
            arms.push(code!(e @ #pattern => #error::#variant(e.client_message())));
        }
    }
    let doc = if said.is_empty() {
        names::doc("Every database error is `Internal` (an unavailable database answers 503, the rest 500).")
    } else {
        names::doc(&format!(
            "By `?`: {}; anything else is `Internal` (an unavailable database answers 503, the rest 500).",
            said.join(", ")
        ))
    };
    (arms, doc)
}

fn param_field(p: &Param, from: From<'_>) -> Code {
    let name = ident(&p.name);
    let scalar = names::scalar(&p.ty, from);
    let ty = if p.list {
        code!(Vec<#scalar>)
    } else if p.optional && p.default.is_none() {
        code!(Option<#scalar>)
    } else {
        scalar
    };
    let doc = p.description.as_deref().map(names::doc);
    code!(#doc pub #name: #ty)
}

/// The axum handler of one endpoint, emitted in its app's private `__<app>_handlers` module.
pub fn handler(spec: &Spec, app: &App, e: &Endpoint) -> Code {
    let app_mod = ident(&app.name);
    let names = HookNames::of(&e.name);
    let trait_name = ident(&names.trait_name);
    let input = ident(&names.input);
    let output = ident(&names.output);
    let method = ident(&names.method);
    let fn_name = ident(&charter_names::handler_fn(&e.name));
    // Imported as `__h` at the top of the handlers module (see `rust::part_tokens`).
    let h = code!(__h);

    let caller = match e.auth {
        AuthRequirement::Required => Some(code! {
            let caller = match #h::caller_required(req, ctx) { Ok(c) => c, Err(e) => return Err(#h::fail(ctx, e)) };
        }),
        AuthRequirement::Optional => Some(code! {
            let caller = match #h::caller_optional(req, ctx) { Ok(c) => c, Err(e) => return Err(#h::fail(ctx, e)) };
        }),
        AuthRequirement::None => None,
    };
    let body = e.body.as_ref().map(|b| {
        let draft_app = ident(&b.app);
        let draft = ident(&b.name);
        code! {
            let body = match #h::json_body::<#h::Object<super::#draft_app::drafts::#draft>>(req) { Ok(b) => b.0, Err(e) => return Err(#h::fail(ctx, e)) };
        }
    });
    let mut reads = Vec::new();
    let mut required = Vec::new();
    let mut inits = Vec::new();
    if caller.is_some() {
        inits.push(code!(caller));
    }
    for (prm, in_path) in e.path_params.iter().map(|p| (p, true)).chain(e.query.iter().map(|p| (p, false))) {
        let name = ident(&prm.name);
        // Its own local name, so a parameter called `state`, `req`, `ctx`, `errors` or `input` cannot
        // shadow the handler's locals.
        let local = ident(&format!("p_{}", prm.name));
        let wire = &prm.wire_name;
        let ty = names::scalar(&prm.ty, From::Handlers(&app.name));
        let read = if in_path {
            code!(#h::path::<#ty>(req, #wire, &mut errors))
        } else if prm.list {
            code!(#h::query_list::<#ty>(req, #wire, &mut errors))
        } else {
            code!(#h::query::<#ty>(req, #wire, &mut errors))
        };
        let value = if prm.list {
            read
        } else if let Some(d) = &prm.default {
            let allocates = matches!(d, charter_spec::Literal::String(_)) && !matches!(prm.ty, ScalarType::Enum(_));
            let d = literal(d, &charter_spec::Shape::Scalar(prm.ty.clone()), From::Handlers(&app.name));
            if allocates { code!(#read.unwrap_or_else(|| #d)) } else { code!(#read.unwrap_or(#d)) }
        } else if prm.optional {
            read
        } else {
            required.push(local.clone());
            if in_path { read } else { code!(#h::query_required::<#ty>(req, #wire, &mut errors)) }
        };
        reads.push(code!(let #local = #value;));
        inits.push(code!(#name: #local));
    }
    let finish_body = body.as_ref().map(|_| {
        code! {
            #h::check(&body, &mut errors);
            let body = ::charter_runtime::__private::draft::Draft::finish(body, &mut ::charter_runtime::JsonPath::new(), &mut errors);
        }
    });
    if body.is_some() {
        required.push(ident("body"));
        inits.push(code!(body));
    }
    let unwrap_required = crate::rust::code::let_all_some(
        &required,
        code!(return Err(#h::fail(ctx, ::charter_runtime::ApiError::validation(errors)));),
    );
    let respond = if e.responses.len() == 1 {
        let status = e.responses[0].status;
        if e.responses[0].body.is_some() {
            code!(Ok(out) => #h::respond(#status, &out))
        } else {
            code!(Ok(()) => #h::respond_empty(#status))
        }
    } else {
        let arms = e.responses.iter().map(|r| {
            let v = ident(&charter_names::status_variant(r.status));
            let status = r.status;
            if r.body.is_some() {
                code!(Ok(super::#app_mod::#output::#v(out)) => #h::respond(#status, &out))
            } else {
                code!(Ok(super::#app_mod::#output::#v) => #h::respond_empty(#status))
            }
        });
        code!(#(#arms),*)
    };
    // A rate limit is counted before the input is checked: every attempt counts.
    let (client, throttle) = match e.rate_limit {
        Some(limit) => {
            let (name, requests, window) = (&e.name, limit.requests, limit.window_seconds);
            (
                Some(code!(let client = #h::client_addr(state.ctx(), &req);)),
                Some(code!(
                    if let Err(e) = #h::throttle(state.ctx(), #name, client, #requests, #window).await {
                        return #h::fail(state.ctx(), e);
                    }
                )),
            )
        }
        None => (None, None),
    };
    let session = session_check(spec, app, e);
    let read_name = ident(&charter_names::read_fn(&e.name));
    let reads_request = caller.is_some() || body.is_some() || !reads.is_empty();
    let req = ident(if reads_request { "req" } else { "_req" });
    // Plain functions (the router's `Endpoint` calls the first): the request is read into the input before
    // the returned future starts, so the future holds the input and not the request.
    code! {
        pub(super) fn #fn_name<A: super::#app_mod::#trait_name>(
            state: #h::Shared<A>,
            req: #h::Request,
        ) -> impl ::core::future::Future<Output = #h::Response> + ::core::marker::Send + 'static {
            #client
            let input = #read_name(state.ctx(), &req);
            async move {
                #throttle
                let input = match input {
                    Ok(input) => input,
                    Err(response) => return response,
                };
                let ctx = state.ctx();
                #session
                match state.app().#method(ctx, input).await {
                    #respond,
                    Err(e) => #h::fail(ctx, e.into()),
                }
            }
        }

        #[allow(clippy::result_large_err, reason = "the error is the response, built only on failure")]
        fn #read_name(ctx: &::charter_runtime::Ctx, #req: &#h::Request) -> Result<super::#app_mod::#input, #h::Response> {
            #caller
            #body
            let mut errors = Vec::new();
            #finish_body
            #(#reads)*
            #unwrap_required
            let input = super::#app_mod::#input { #(#inits),* };
            #h::check(&input, &mut errors);
            if !errors.is_empty() {
                return Err(#h::fail(ctx, ::charter_runtime::ApiError::validation(errors)));
            }
            Ok(input)
        }
    }
}
