use crate::api::articles::prelude::*;

#[use_case]
impl DeleteArticle for crate::App {
    async fn delete_article(
        &self,
        ctx: &Ctx,
        input: DeleteArticleInput,
    ) -> Result<DeleteArticleOutput, DeleteArticleError> {
        let row = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| DeleteArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        if !super::is_author(&row, &input.caller) {
            return Err(DeleteArticleError::Forbidden("only the author may delete this article".into()));
        }
        // Tag links, favorites and comments go with it (ON DELETE CASCADE).
        models::Article::delete(ctx.db(), row.id).await?;
        Ok(())
    }
}
