//! Which types only ever travel server → client.
//!
//! An optional field of such a type is always sent (as `null` when absent), so its key can be `required`;
//! anywhere a client writes the type, the key may be left out.

use std::collections::BTreeSet;

use charter_spec::{Ref, Shape, Spec};

pub(crate) struct Usage {
    requests: BTreeSet<Ref>,
    responses: BTreeSet<Ref>,
}

impl Usage {
    pub(crate) fn new(spec: &Spec) -> Usage {
        let mut requests = BTreeSet::new();
        let mut responses = BTreeSet::new();
        for (_, endpoint) in spec.endpoints() {
            if let Some(body) = &endpoint.body {
                reach(spec, body, &mut requests);
            }
            for response in &endpoint.responses {
                if let Some(body) = &response.body {
                    reach(spec, body, &mut responses);
                }
            }
        }
        Usage { requests, responses }
    }

    /// True when the type appears in some response and in no request. Unused types count as requests:
    /// documenting fewer keys as required is the claim that cannot be wrong.
    pub(crate) fn response_only(&self, r: &Ref) -> bool {
        self.responses.contains(r) && !self.requests.contains(r)
    }
}

/// Adds `root` and every type its fields name, transitively; cycles stop at types already seen.
fn reach(spec: &Spec, root: &Ref, seen: &mut BTreeSet<Ref>) {
    let mut stack = vec![root.clone()];
    while let Some(r) = stack.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        if let Some(def) = spec.type_def(&r) {
            for field in &def.fields {
                if let Some(named) = named_in(&field.shape) {
                    stack.push(named.clone());
                }
            }
        }
    }
}

fn named_in(shape: &Shape) -> Option<&Ref> {
    match shape {
        Shape::Scalar(_) => None,
        Shape::Named(r) => Some(r),
        Shape::List(inner) => named_in(inner),
    }
}
