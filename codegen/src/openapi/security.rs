//! The project's auth scheme as a security scheme, and what each operation requires of it.

use charter_spec::{AuthRequirement, AuthScheme};
use openapiv3::{APIKeyLocation, SecurityRequirement, SecurityScheme};

pub(crate) fn scheme(auth: &AuthScheme) -> SecurityScheme {
    if auth.is_standard_bearer() {
        return SecurityScheme::HTTP {
            scheme: "bearer".into(),
            bearer_format: Some("JWT".into()),
            description: auth.description.clone(),
            extensions: Default::default(),
        };
    }
    // OpenAPI has no "bearer with another prefix": an API key header whose value format is spelled out.
    let format = format!("The `{}` header carries `{} <jwt>`.", auth.header, auth.prefix);
    let description = match &auth.description {
        Some(d) if d.contains(&format!("{} <jwt>", auth.prefix)) => d.clone(),
        Some(d) => format!("{d}\n\n{format}"),
        None => format,
    };
    SecurityScheme::APIKey {
        location: APIKeyLocation::Header,
        name: auth.header.clone(),
        description: Some(description),
        extensions: Default::default(),
    }
}

/// `None` when the operation is public (or the project has no scheme to require).
pub(crate) fn requirement(auth: Option<&AuthScheme>, needed: AuthRequirement) -> Option<Vec<SecurityRequirement>> {
    let auth = auth?;
    let authenticated = || {
        let mut req = SecurityRequirement::default();
        req.insert(auth.name.clone(), Vec::new());
        req
    };
    match needed {
        AuthRequirement::None => None,
        AuthRequirement::Required => Some(vec![authenticated()]),
        // The empty requirement is "anonymous is fine".
        AuthRequirement::Optional => Some(vec![SecurityRequirement::default(), authenticated()]),
    }
}
