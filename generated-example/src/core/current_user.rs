use crate::api::core::prelude::*;

#[use_case]
impl CurrentUser for crate::App {
    async fn current_user(&self, ctx: &Ctx, input: CurrentUserInput) -> Result<CurrentUserOutput, CurrentUserError> {
        let gone = || CurrentUserError::NotFound("the user of this token no longer exists".into());
        // The response's columns only: the caller's row also holds the password hash, not needed here.
        let id = input.caller.subject.parse::<i64>().map_err(|_| gone())?;
        let user = User::get(ctx.db(), id, input.caller.token).await?.ok_or_else(gone)?;
        Ok(CurrentUserResponse { user })
    }
}
