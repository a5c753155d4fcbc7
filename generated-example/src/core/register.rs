use crate::api::core::prelude::*;

#[use_case]
impl Register for crate::App {
    async fn register(&self, ctx: &Ctx, input: RegisterInput) -> Result<RegisterOutput, RegisterError> {
        let new = input.body.user;
        let password_hash = password::hash_async(new.password).await.map_err(|e| RegisterError::Internal(e.into()))?;
        let row = models::User::insert(
            ctx.db(),
            models::NewUser { email: new.email, username: new.username, password_hash, bio: None, image: None },
        )
        .await
        .map_err(|e| match e {
            e if e.is_unique_violation() => RegisterError::Conflict("email or username has already been taken".into()),
            e => e.into(),
        })?;
        let token = ctx
            .jwt()
            .issue_bound(row.id.to_string(), &row.password_hash)
            .map_err(|e| RegisterError::Internal(e.into()))?;
        Ok(RegisterResponse { user: super::user_out(&row, token) })
    }
}
