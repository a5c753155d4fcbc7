use crate::api::articles::prelude::*;

#[use_case]
impl GetArticle for crate::App {
    async fn get_article(&self, ctx: &Ctx, input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        let article = Article::get_by_slug(ctx.db(), &input.slug, input.caller.as_ref())
            .await?
            .ok_or_else(|| GetArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        Ok(GetArticleResponse { article })
    }
}
