use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::articles::{
    Article, GetArticle, GetArticleError, GetArticleInput, GetArticleOutput, GetArticleResponse,
};

#[use_case]
impl GetArticle for App {
    async fn get_article(&self, ctx: &Ctx, input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        let article = Article::get_by_slug(ctx.db(), &input.slug, input.caller.as_ref())
            .await?
            .ok_or_else(|| GetArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        Ok(GetArticleResponse { article })
    }
}
