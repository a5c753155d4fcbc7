use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::core::{GetProfile, GetProfileError, GetProfileInput, GetProfileOutput, GetProfileResponse, models};

#[use_case]
impl GetProfile for App {
    async fn get_profile(&self, ctx: &Ctx, input: GetProfileInput) -> Result<GetProfileOutput, GetProfileError> {
        let row = models::User::get_by_username(ctx.db(), &input.username)
            .await?
            .ok_or_else(|| GetProfileError::NotFound(format!("no user named `{}`", input.username)))?;
        Ok(GetProfileResponse { profile: super::profile(ctx, &row, input.caller.as_ref()).await? })
    }
}
