//! Use cases of the `core` app: users and authentication.

mod current_user;
mod follow;
mod get_profile;
mod login;
mod register;
mod update_user;

use crate::api::core::prelude::*;

/// The `User` response: the row's public fields and the caller's token.
pub(crate) fn user_out(row: &models::User, token: String) -> User {
    User::from_model(row, token)
}

/// The caller's user row, if it still exists.
pub(crate) async fn caller_row(ctx: &Ctx, caller: &Caller) -> Result<Option<models::User>, DbError> {
    match caller.subject.parse::<i64>() {
        Ok(id) => models::User::get(ctx.db(), id).await,
        Err(_) => Ok(None),
    }
}

/// The profile of one user as the caller sees it.
pub(crate) async fn profile(ctx: &Ctx, row: &models::User, caller: Option<&Caller>) -> Result<Profile, DbError> {
    let mut loaded = Profile::load(ctx.db(), std::slice::from_ref(row), caller).await?;
    loaded.pop().ok_or_else(|| DbError::NotFound)
}
