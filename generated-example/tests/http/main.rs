//! The Conduit example over HTTP, in-process: every endpoint's success and documented errors, plus the
//! system routes. Each scenario runs twice, on SQLite and on PostgreSQL, each time on a database of its
//! own (see `support::backends!`).
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (or a `postgres:` `DATABASE_URL`), by default
//! `postgres://postgres@127.0.0.1:5432/test`; without a server the PostgreSQL runs are skipped with a
//! note, unless `CI=true`, where they fail.

mod support;

mod articles;
mod comments;
mod favorites;
mod feed;
mod profiles;
mod queries;
mod system;
mod users;
