use crate::api::core::prelude::*;

#[use_case]
impl Login for crate::App {
    async fn login(&self, ctx: &Ctx, input: LoginInput) -> Result<LoginOutput, LoginError> {
        let credentials = input.body.user;
        let invalid = || LoginError::Unauthorized("email or password is invalid".into());
        let row = models::User::get_by_email(ctx.db(), &credentials.email).await?;
        // One hash whether or not the account exists: the answer's time tells nothing.
        let hash = row.as_ref().map(|row| row.password_hash.clone());
        let (true, Some(row)) = (password::verify_login(credentials.password, hash).await, row) else {
            return Err(invalid());
        };
        let token = ctx
            .jwt()
            .issue_bound(row.id.to_string(), &row.password_hash)
            .map_err(|e| LoginError::Internal(e.into()))?;
        Ok(LoginResponse { user: super::user_out(&row, token) })
    }
}
