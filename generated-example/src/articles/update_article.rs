use crate::api::articles::prelude::*;

#[use_case]
impl UpdateArticle for crate::App {
    async fn update_article(
        &self,
        ctx: &Ctx,
        input: UpdateArticleInput,
    ) -> Result<UpdateArticleOutput, UpdateArticleError> {
        let mut row = super::by_slug(ctx, &input.slug)
            .await?
            .ok_or_else(|| UpdateArticleError::NotFound(format!("no article with slug `{}`", input.slug)))?;
        if !super::is_author(&row, &input.caller) {
            return Err(UpdateArticleError::Forbidden("only the author may update this article".into()));
        }
        let changes = input.body.article;
        if let Some(title) = changes.title {
            if title != row.title {
                row.slug = super::slugify(&title);
            }
            row.title = title;
        }
        if let Some(description) = changes.description {
            row.description = description;
        }
        if let Some(body) = changes.body {
            row.body = body;
        }
        // A new title's slug may be taken: retry with a short random suffix, as on create.
        let base = row.slug.clone();
        for attempt in 0..5 {
            if attempt > 0 {
                row.slug = format!("{base}-{}", &charter_runtime::Uuid::new_v4().simple().to_string()[..8]);
            }
            match row.save(ctx.db()).await {
                Ok(()) => {
                    return Ok(UpdateArticleResponse {
                        article: super::article(ctx, &row, Some(&input.caller)).await?,
                    });
                }
                Err(e) if e.is_unique_violation_on("slug") => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(UpdateArticleError::Conflict("could not find a free slug for this title".into()))
    }
}
