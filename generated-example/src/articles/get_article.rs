use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::articles::{
    Article, GetArticle, GetArticleError, GetArticleInput, GetArticleOutput, GetArticleResponse, models,
};

#[use_case]
impl GetArticle for App {
    async fn get_article(&self, ctx: &Ctx, input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        let row = models::Article::get_by_slug(ctx.db(), &input.slug)
            .await?
            .ok_or_else(|| GetArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        let article = Article::load(ctx.db(), std::slice::from_ref(&row), input.caller.as_ref()).await?.pop();
        let article = article.ok_or_else(|| GetArticleError::Internal("article vanished".into()))?;
        Ok(GetArticleResponse { article })
    }
}
