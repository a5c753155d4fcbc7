//! Follow and unfollow: the caller's `following` links.

use crate::api::core::prelude::*;

#[use_case]
impl FollowUser for crate::App {
    async fn follow_user(&self, ctx: &Ctx, input: FollowUserInput) -> Result<FollowUserOutput, FollowUserError> {
        let me = super::caller_row(ctx, &input.caller)
            .await?
            .ok_or_else(|| FollowUserError::NotFound("the user of this token no longer exists".into()))?;
        let target = models::User::get_by_username(ctx.db(), &input.username)
            .await?
            .ok_or_else(|| FollowUserError::NotFound(format!("no user named `{}`", input.username)))?;
        if target.id == me.id {
            return Err(FollowUserError::BadRequest("you cannot follow yourself".into()));
        }
        models::User::add_following(ctx.db(), me.id, &[target.id]).await?;
        Ok(FollowUserResponse { profile: super::profile(ctx, &target, Some(&input.caller)).await? })
    }
}

#[use_case]
impl UnfollowUser for crate::App {
    async fn unfollow_user(
        &self,
        ctx: &Ctx,
        input: UnfollowUserInput,
    ) -> Result<UnfollowUserOutput, UnfollowUserError> {
        let me = super::caller_row(ctx, &input.caller)
            .await?
            .ok_or_else(|| UnfollowUserError::NotFound("the user of this token no longer exists".into()))?;
        let target = models::User::get_by_username(ctx.db(), &input.username)
            .await?
            .ok_or_else(|| UnfollowUserError::NotFound(format!("no user named `{}`", input.username)))?;
        models::User::remove_following(ctx.db(), me.id, target.id).await?;
        Ok(UnfollowUserResponse { profile: super::profile(ctx, &target, Some(&input.caller)).await? })
    }
}
