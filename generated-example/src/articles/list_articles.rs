use charter_runtime::{Ctx, use_case};

use crate::App;
use crate::api::articles::{
    ArticleListItem, ListArticles, ListArticlesError, ListArticlesInput, ListArticlesOutput, ListArticlesResponse,
    models,
};

#[use_case]
impl ListArticles for App {
    async fn list_articles(
        &self,
        ctx: &Ctx,
        input: ListArticlesInput,
    ) -> Result<ListArticlesOutput, ListArticlesError> {
        let filter = models::ArticleFilter {
            tag: input.tag,
            author: input.author,
            favorited: input.favorited,
            ..Default::default()
        };
        let (rows, total) =
            models::Article::page(ctx.db(), &filter, i64::from(input.limit), i64::from(input.offset)).await?;
        let articles = ArticleListItem::load(ctx.db(), &rows, input.caller.as_ref()).await?;
        Ok(ListArticlesResponse { articles, articles_count: i32::try_from(total).unwrap_or(i32::MAX) })
    }
}
