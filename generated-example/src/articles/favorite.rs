//! Favorite and unfavorite: the article's `favorited_by` links.

use crate::api::articles::prelude::*;

#[use_case]
impl FavoriteArticle for crate::App {
    async fn favorite_article(
        &self,
        ctx: &Ctx,
        input: FavoriteArticleInput,
    ) -> Result<FavoriteArticleOutput, FavoriteArticleError> {
        let row = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| FavoriteArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        let me = input
            .caller
            .id::<i64>()
            .map_err(|_| FavoriteArticleError::NotFound("the user of this token no longer exists".into()))?;
        // The article or the caller deleted meanwhile fails the foreign key: say which.
        if let Err(e) = models::Article::add_favorited_by(ctx.db(), row.id, &[me]).await {
            return Err(match e {
                DbError::ForeignKeyViolation { .. } => {
                    FavoriteArticleError::NotFound(super::gone(ctx, &input.caller).await?)
                }
                e => e.into(),
            });
        }
        Ok(FavoriteArticleResponse { article: super::article(ctx, &row, Some(&input.caller)).await? })
    }
}

#[use_case]
impl UnfavoriteArticle for crate::App {
    async fn unfavorite_article(
        &self,
        ctx: &Ctx,
        input: UnfavoriteArticleInput,
    ) -> Result<UnfavoriteArticleOutput, UnfavoriteArticleError> {
        let row = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| UnfavoriteArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        let gone = || UnfavoriteArticleError::NotFound("the user of this token no longer exists".into());
        let me = crate::core::caller_row(ctx, &input.caller).await?.ok_or_else(gone)?;
        models::Article::remove_favorited_by(ctx.db(), row.id, me.id).await?;
        Ok(UnfavoriteArticleResponse { article: super::article(ctx, &row, Some(&input.caller)).await? })
    }
}
