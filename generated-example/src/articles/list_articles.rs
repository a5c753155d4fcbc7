use crate::api::articles::prelude::*;

#[use_case]
impl ListArticles for crate::App {
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
        let (limit, offset) = (i64::from(input.limit), i64::from(input.offset));
        let (articles, total) = ArticleListItem::page(ctx.db(), &filter, limit, offset, input.caller.as_ref()).await?;
        Ok(ListArticlesResponse { articles, articles_count: i32::try_from(total).unwrap_or(i32::MAX) })
    }
}
