use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::core::{CurrentUser, CurrentUserError, CurrentUserInput, CurrentUserOutput, CurrentUserResponse};

#[use_case]
impl CurrentUser for App {
    async fn current_user(&self, ctx: &Ctx, input: CurrentUserInput) -> Result<CurrentUserOutput, CurrentUserError> {
        let row = super::caller_row(ctx, &input.caller)
            .await?
            .ok_or_else(|| CurrentUserError::NotFound("the user of this token no longer exists".into()))?;
        Ok(CurrentUserResponse { user: super::user_out(&row, input.caller.token) })
    }
}
