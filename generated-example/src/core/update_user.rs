use crate::api::core::prelude::*;

#[use_case]
impl UpdateUser for crate::App {
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
        let new_password = changes.password.is_some();
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
        // A new password ends every other session (`auth.invalidated_by`); this one gets a fresh token.
        let token = if new_password {
            ctx.jwt()
                .issue_bound(row.id.to_string(), &row.password_hash)
                .map_err(|e| UpdateUserError::Internal(e.into()))?
        } else {
            input.caller.token
        };
        Ok(UpdateUserResponse { user: super::user_out(&row, token) })
    }
}
