use crate::api::articles::prelude::*;

#[use_case]
impl Feed for crate::App {
    async fn feed(&self, ctx: &Ctx, input: FeedInput) -> Result<FeedOutput, FeedError> {
        let gone = || FeedError::NotFound("the user of this token no longer exists".into());
        let me = crate::core::caller_row(ctx, &input.caller).await?.ok_or_else(gone)?.id;
        let filter = models::ArticleFilter { feed: Some(me), ..Default::default() };
        let (limit, offset) = (i64::from(input.limit), i64::from(input.offset));
        let (articles, total) = ArticleListItem::page(ctx.db(), &filter, limit, offset, Some(&input.caller)).await?;
        Ok(FeedResponse { articles, articles_count: i32::try_from(total).unwrap_or(i32::MAX) })
    }
}
