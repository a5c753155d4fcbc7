//! SQL schema + migrations emitter (owned by the sql helper).
