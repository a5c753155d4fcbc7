//! OpenAPI 3.0.3 emitter (owned by the openapi helper).
