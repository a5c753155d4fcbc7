//! Comments of an article: list, add, delete (the comment's author only).

use crate::api::articles::prelude::*;

#[use_case]
impl ListComments for crate::App {
    async fn list_comments(
        &self,
        ctx: &Ctx,
        input: ListCommentsInput,
    ) -> Result<ListCommentsOutput, ListCommentsError> {
        let article = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| ListCommentsError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        let filter = models::CommentFilter { article: Some(article.id) };
        let limit = ListCommentsResponse::COMMENTS_MAX_ITEMS as i64;
        let (rows, _) = models::Comment::page(ctx.db(), &filter, limit, 0).await?;
        let comments = Comment::load(ctx.db(), &rows, input.caller.as_ref()).await?;
        Ok(ListCommentsResponse { comments })
    }
}

#[use_case]
impl AddComment for crate::App {
    async fn add_comment(&self, ctx: &Ctx, input: AddCommentInput) -> Result<AddCommentOutput, AddCommentError> {
        let gone = || AddCommentError::NotFound("the user of this token no longer exists".into());
        let article = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| AddCommentError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        let author_id = input.caller.id::<i64>().map_err(|_| gone())?;
        let new = models::NewComment { body: input.body.comment.body, article_id: article.id, author_id };
        // The article or the caller deleted meanwhile fails the foreign key: say which.
        let row = match models::Comment::insert(ctx.db(), new).await {
            Ok(row) => row,
            Err(DbError::ForeignKeyViolation { .. }) => {
                return Err(AddCommentError::NotFound(super::gone(ctx, &input.caller).await?));
            }
            Err(e) => return Err(e.into()),
        };
        let mut loaded = Comment::load(ctx.db(), std::slice::from_ref(&row), Some(&input.caller)).await?;
        let comment = loaded.pop().ok_or(DbError::NotFound)?;
        Ok(AddCommentResponse { comment })
    }
}

#[use_case]
impl DeleteComment for crate::App {
    async fn delete_comment(
        &self,
        ctx: &Ctx,
        input: DeleteCommentInput,
    ) -> Result<DeleteCommentOutput, DeleteCommentError> {
        let missing = || DeleteCommentError::NotFound(format!("no comment {} on article `{}`", input.id, input.slug));
        let article = super::by_slug(ctx, &input.slug).await?.ok_or_else(missing)?;
        let comment = models::Comment::get(ctx.db(), input.id).await?.filter(|c| c.article_id == article.id);
        let comment = comment.ok_or_else(missing)?;
        if input.caller.id::<i64>().ok() != Some(comment.author_id) {
            return Err(DeleteCommentError::Forbidden("only the author may delete this comment".into()));
        }
        models::Comment::delete(ctx.db(), comment.id).await?;
        Ok(())
    }
}
