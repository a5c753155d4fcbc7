use crate::api::core::prelude::*;

#[use_case]
impl GetProfile for crate::App {
    async fn get_profile(&self, ctx: &Ctx, input: GetProfileInput) -> Result<GetProfileOutput, GetProfileError> {
        let row = models::User::get_by_username(ctx.db(), &input.username)
            .await?
            .ok_or_else(|| GetProfileError::NotFound(format!("no user named `{}`", input.username)))?;
        Ok(GetProfileResponse { profile: super::profile(ctx, &row, input.caller.as_ref()).await? })
    }
}
