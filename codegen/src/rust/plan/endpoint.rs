//! How an endpoint's request becomes its input, decided once: the caller, the body, each parameter's
//! source and what its absence means. `endpoints::handler` prints it.

use charter_names::HookNames;
use charter_spec::{AuthRequirement, Endpoint, Literal, Param, Ref, ScalarType};

pub struct EndpointPlan<'a> {
    pub endpoint: &'a Endpoint,
    pub names: HookNames,
    /// The handler the router calls, and the function that reads the request into the input.
    pub handler_fn: String,
    pub read_fn: String,
    pub caller: Option<CallerRead>,
    /// The request body's type (its draft is read, then finished into it).
    pub body: Option<&'a Ref>,
    /// Path parameters first, then query parameters, in spec order (the input's field order).
    pub params: Vec<ParamRead<'a>>,
}

/// Whether a request without a valid token is refused (`Required`) or served without a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerRead {
    Required,
    Optional,
}

pub struct ParamRead<'a> {
    pub param: &'a Param,
    /// The reader's local for it: its own name, so a parameter called `state`, `req`, `ctx`, `errors` or
    /// `input` cannot shadow the reader's locals.
    pub local: String,
    pub source: ParamSource,
    pub absent: Absent<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSource {
    Path,
    Query,
    /// A repeated query parameter (`?tag=a&tag=b`).
    QueryList,
}

/// What a parameter that the request does not carry becomes.
pub enum Absent<'a> {
    /// A list: empty.
    Empty,
    /// The declared default; `allocates` when it is built at run time (a `String`), so it is built only
    /// when needed.
    Default { value: &'a Literal, allocates: bool },
    /// `None`.
    Optional,
    /// A validation error; the input is not built.
    Required,
}

impl<'a> EndpointPlan<'a> {
    pub fn of(e: &'a Endpoint) -> EndpointPlan<'a> {
        let caller = match e.auth {
            AuthRequirement::Required => Some(CallerRead::Required),
            AuthRequirement::Optional => Some(CallerRead::Optional),
            AuthRequirement::None => None,
        };
        let path = e.path_params.iter().map(|p| param(p, ParamSource::Path));
        let query = e.query.iter().map(|p| param(p, if p.list { ParamSource::QueryList } else { ParamSource::Query }));
        EndpointPlan {
            endpoint: e,
            names: HookNames::of(&e.name),
            handler_fn: charter_names::handler_fn(&e.name),
            read_fn: charter_names::read_fn(&e.name),
            caller,
            body: e.body.as_ref(),
            params: path.chain(query).collect(),
        }
    }

    /// Whether reading the input looks at the request at all.
    pub fn reads_request(&self) -> bool {
        self.caller.is_some() || self.body.is_some() || !self.params.is_empty()
    }

    /// The locals that must all be present before the input is built: required parameters, then the body.
    pub fn required(&self) -> Vec<&str> {
        let params = self.params.iter().filter(|p| matches!(p.absent, Absent::Required)).map(|p| p.local.as_str());
        params.chain(self.body.map(|_| "body")).collect()
    }
}

fn param(p: &Param, source: ParamSource) -> ParamRead<'_> {
    let absent = if p.list {
        Absent::Empty
    } else if let Some(value) = &p.default {
        let allocates = matches!(value, Literal::String(_)) && !matches!(p.ty, ScalarType::Enum(_));
        Absent::Default { value, allocates }
    } else if p.optional {
        Absent::Optional
    } else {
        Absent::Required
    };
    ParamRead { param: p, local: format!("p_{}", p.name), source, absent }
}
