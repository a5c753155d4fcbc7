use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::articles::{GetArticle, GetArticleError, GetArticleInput, GetArticleOutput, GetArticleResponse};

#[use_case]
impl GetArticle for App {
    async fn get_article(&self, ctx: &Ctx, input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        let row = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| GetArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        Ok(GetArticleResponse { article: super::article(ctx, &row, input.caller.as_ref()).await? })
    }
}
