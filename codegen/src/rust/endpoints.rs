//! Per endpoint: `<X>Input`, `<X>Output`, `<X>Error`, the use-case trait `<X>`, and its handler, printed
//! from the endpoint's plan (`plan::endpoint`).
//!
//! The trait is the only thing users implement. It has no HTTP types in it: the handler parses, checks
//! auth, validates, and maps the result; the hook sees values that are already valid.

use crate::rust::code::{Code, code};
use charter_spec::{App, AuthRequirement, Endpoint, ErrorKind, Param, Spec};

use super::names::{self, From, ident};
use super::plan::endpoint::{Absent, CallerRead, EndpointPlan, ParamRead, ParamSource};
use super::plan::validation;
use super::types::literal;

/// Types and the trait, emitted inside the app module.
pub fn emit(spec: &Spec, app: &App) -> Code {
    let items = app.endpoints.iter().map(|e| emit_endpoint(spec, app, &EndpointPlan::of(e)));
    code!(#(#items)*)
}

fn emit_endpoint(spec: &Spec, app: &App, plan: &EndpointPlan<'_>) -> Code {
    let input = input_struct(app, plan);
    let output = output_def(app, plan);
    let error = error_enum(spec, plan);
    let use_case = use_case_trait(spec, app, plan);
    code! { #input #output #error #use_case }
}

/// `<X>Input`: the caller, the parameters and the body, with its `Validate` (the parameters' rules).
fn input_struct(app: &App, plan: &EndpointPlan<'_>) -> Code {
    let from = From::App(&app.name);
    let e = plan.endpoint;
    let input = ident(&plan.names.input);
    let mut fields = Vec::new();
    match plan.caller {
        Some(CallerRead::Required) => fields.push(code! {
            /// The authenticated caller.
            pub caller: ::charter_runtime::Caller
        }),
        Some(CallerRead::Optional) => fields.push(code! {
            /// The caller, when the request carried a valid token.
            pub caller: Option<::charter_runtime::Caller>
        }),
        None => {}
    }
    for read in &plan.params {
        fields.push(param_field(read.param, from));
    }
    if let Some(body) = plan.body {
        let ty = names::type_path(body, from);
        // Already validated as a draft (see `drafts`), where missing fields are reported too.
        fields.push(code! {
            /// The request body.
            pub body: #ty
        });
    }
    let param_names: Vec<String> = plan.params.iter().map(|r| ident(&r.param.name).to_string()).collect();
    let rules: Vec<_> = plan.params.iter().zip(&param_names).map(|(r, n)| validation::param(r.param, n)).collect();
    let validate = validation::validate_impl(&input, &rules);
    let doc = names::doc(&format!("What `{}` receives: parsed, authenticated and validated.", e.name));
    code! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #input {
            #(#fields,)*
        }
        #validate
    }
}

/// `<X>Output`: the one response's body type, or an enum with a variant per status.
fn output_def(app: &App, plan: &EndpointPlan<'_>) -> Code {
    let from = From::App(&app.name);
    let responses = &plan.endpoint.responses;
    let output = ident(&plan.names.output);
    if responses.len() == 1 {
        let ty = match &responses[0].body {
            Some(r) => names::type_path(r, from),
            None => code!(()),
        };
        return code!(pub type #output = #ty;);
    }
    let variants = responses.iter().map(|r| {
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
}

/// `<X>Error`: the declared errors and `Internal`, how a database error becomes one (by `?`), and how
/// each becomes the `ApiError` the client sees.
fn error_enum(spec: &Spec, plan: &EndpointPlan<'_>) -> Code {
    let e = plan.endpoint;
    let error = ident(&plan.names.error);
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
    let doc =
        names::doc(&format!("The errors `{}` may return: exactly those its spec lists, plus `Internal`.", e.name));
    code! {
        #doc
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
    }
}

/// The use-case trait, with a compile error that names the endpoint, its line in the spec and the
/// command that writes the missing impl.
fn use_case_trait(spec: &Spec, app: &App, plan: &EndpointPlan<'_>) -> Code {
    let (e, names) = (plan.endpoint, &plan.names);
    let (input, output, error) = (ident(&names.input), ident(&names.output), ident(&names.error));
    let trait_name = ident(&names.trait_name);
    let method = ident(&names.method);
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
    let doc = names::doc(&format!("{summary}\n\nServes {route}; declared at {location}."));
    code! {
        #doc
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

/// The handler of one endpoint, emitted in its app's private `__<app>_handlers` module: a function that
/// serves the request (the router's `Endpoint` calls it) and one that reads the request into the input.
pub fn handler(spec: &Spec, app: &App, e: &Endpoint) -> Code {
    let plan = EndpointPlan::of(e);
    let serve = serve_fn(spec, app, &plan);
    let read = read_fn(app, &plan);
    code! { #serve #read }
}

/// Plain functions, not an `async fn`: the request is read into the input before the returned future
/// starts, so the future holds the input and not the request.
fn serve_fn(spec: &Spec, app: &App, plan: &EndpointPlan<'_>) -> Code {
    let app_mod = ident(&app.name);
    let trait_name = ident(&plan.names.trait_name);
    let method = ident(&plan.names.method);
    let fn_name = ident(&plan.handler_fn);
    let read_name = ident(&plan.read_fn);
    let (client, throttle) = throttle(plan);
    let session = session_check(spec, app, plan.endpoint);
    let respond = respond_arms(app, plan);
    code! {
        pub(super) fn #fn_name<A: super::#app_mod::#trait_name>(
            state: __h::Shared<A>,
            req: __h::Request,
        ) -> impl ::core::future::Future<Output = __h::Response> + ::core::marker::Send + 'static {
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
                    Err(e) => __h::fail(ctx, e.into()),
                }
            }
        }
    }
}

/// A rate limit is counted before the input is checked: every attempt counts.
fn throttle(plan: &EndpointPlan<'_>) -> (Option<Code>, Option<Code>) {
    let e = plan.endpoint;
    let Some(limit) = e.rate_limit else { return (None, None) };
    let (name, requests, window) = (&e.name, limit.requests, limit.window_seconds);
    (
        Some(code!(let client = __h::client_addr(state.ctx(), &req);)),
        Some(code!(
            if let Err(e) = __h::throttle(state.ctx(), #name, client, #requests, #window).await {
                return __h::fail(state.ctx(), e);
            }
        )),
    )
}

/// The match arms that answer the use case's `Ok`: one per declared response.
fn respond_arms(app: &App, plan: &EndpointPlan<'_>) -> Code {
    let responses = &plan.endpoint.responses;
    if responses.len() == 1 {
        let status = responses[0].status;
        return if responses[0].body.is_some() {
            code!(Ok(out) => __h::respond(#status, &out))
        } else {
            code!(Ok(()) => __h::respond_empty(#status))
        };
    }
    let app_mod = ident(&app.name);
    let output = ident(&plan.names.output);
    let arms = responses.iter().map(|r| {
        let v = ident(&charter_names::status_variant(r.status));
        let status = r.status;
        if r.body.is_some() {
            code!(Ok(super::#app_mod::#output::#v(out)) => __h::respond(#status, &out))
        } else {
            code!(Ok(super::#app_mod::#output::#v) => __h::respond_empty(#status))
        }
    });
    code!(#(#arms),*)
}

/// Reads the caller, the body and the parameters, collecting every problem before answering 422.
fn read_fn(app: &App, plan: &EndpointPlan<'_>) -> Code {
    let app_mod = ident(&app.name);
    let input = ident(&plan.names.input);
    let read_name = ident(&plan.read_fn);
    let caller = plan.caller.map(|c| {
        let read = ident(match c {
            CallerRead::Required => "caller_required",
            CallerRead::Optional => "caller_optional",
        });
        code!(let caller = match __h::#read(req, ctx) { Ok(c) => c, Err(e) => return Err(__h::fail(ctx, e)) };)
    });
    let body = plan.body.map(|b| {
        let (draft_app, draft) = (ident(&b.app), ident(&b.name));
        code! {
            let body = match __h::json_body::<__h::Object<super::#draft_app::drafts::#draft>>(req) { Ok(b) => b.0, Err(e) => return Err(__h::fail(ctx, e)) };
        }
    });
    let finish_body = plan.body.map(|_| {
        code! {
            __h::check(&body, &mut errors);
            let body = ::charter_runtime::__private::draft::Draft::finish(body, &mut ::charter_runtime::JsonPath::new(), &mut errors);
        }
    });
    let reads = plan.params.iter().map(|r| param_read(app, r));
    let required: Vec<_> = plan.required().into_iter().map(ident).collect();
    let unwrap_required = crate::rust::code::let_all_some(
        &required,
        code!(return Err(__h::fail(ctx, ::charter_runtime::ApiError::validation(errors)));),
    );
    let caller_init = plan.caller.map(|_| code!(caller));
    let param_inits = plan.params.iter().map(|r| {
        let (name, local) = (ident(&r.param.name), ident(&r.local));
        code!(#name: #local)
    });
    let body_init = plan.body.map(|_| code!(body));
    let inits = caller_init.into_iter().chain(param_inits).chain(body_init);
    let req = ident(if plan.reads_request() { "req" } else { "_req" });
    code! {
        #[allow(clippy::result_large_err, reason = "the error is the response, built only on failure")]
        fn #read_name(ctx: &::charter_runtime::Ctx, #req: &__h::Request) -> Result<super::#app_mod::#input, __h::Response> {
            #caller
            #body
            let mut errors = Vec::new();
            #finish_body
            #(#reads)*
            #unwrap_required
            let input = super::#app_mod::#input { #(#inits),* };
            __h::check(&input, &mut errors);
            if !errors.is_empty() {
                return Err(__h::fail(ctx, ::charter_runtime::ApiError::validation(errors)));
            }
            Ok(input)
        }
    }
}

/// `let p_<name> = <read>;` for one parameter, by its source and what its absence means.
fn param_read(app: &App, r: &ParamRead<'_>) -> Code {
    let from = From::Handlers(&app.name);
    let (local, wire) = (ident(&r.local), &r.param.wire_name);
    let ty = names::scalar(&r.param.ty, from);
    let read = match r.source {
        ParamSource::Path => code!(__h::path::<#ty>(req, #wire, &mut errors)),
        ParamSource::QueryList => code!(__h::query_list::<#ty>(req, #wire, &mut errors)),
        ParamSource::Query => code!(__h::query::<#ty>(req, #wire, &mut errors)),
    };
    let value = match &r.absent {
        Absent::Empty | Absent::Optional => read,
        Absent::Default { value, allocates } => {
            let d = literal(value, &charter_spec::Shape::Scalar(r.param.ty.clone()), from);
            if *allocates { code!(#read.unwrap_or_else(|| #d)) } else { code!(#read.unwrap_or(#d)) }
        }
        Absent::Required if r.source == ParamSource::Path => read,
        Absent::Required => code!(__h::query_required::<#ty>(req, #wire, &mut errors)),
    };
    code!(let #local = #value;)
}
