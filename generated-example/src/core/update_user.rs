use charter_runtime::{Ctx, password, use_case};

use crate::App;
use crate::api::core::{UpdateUser, UpdateUserError, UpdateUserInput, UpdateUserOutput, UpdateUserResponse};

#[use_case]
impl UpdateUser for App {
    async fn update_user(&self, ctx: &Ctx, input: UpdateUserInput) -> Result<UpdateUserOutput, UpdateUserError> {
        let mut row = super::caller_row(ctx, &input.caller)
            .await?
            .ok_or_else(|| UpdateUserError::NotFound("the user of this token no longer exists".into()))?;
        let changes = input.body.user;
        if let Some(email) = changes.email {
            row.email = email;
        }
        if let Some(username) = changes.username {
            row.username = username;
        }
        if let Some(password) = changes.password {
            row.password_hash =
                password::hash_async(password).await.map_err(|e| UpdateUserError::Internal(e.into()))?;
        }
        // Absent keeps, `null` clears, a value sets.
        changes.bio.apply(&mut row.bio);
        changes.image.apply(&mut row.image);
        row.save(ctx.db()).await.map_err(|e| match e {
            e if e.is_unique_violation() => {
                UpdateUserError::Conflict("email or username has already been taken".into())
            }
            e => e.into(),
        })?;
        Ok(UpdateUserResponse { user: super::user_out(&row, input.caller.token) })
    }
}
