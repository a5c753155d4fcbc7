use crate::api::articles::prelude::*;

#[use_case]
impl CreateArticle for crate::App {
    async fn create_article(
        &self,
        ctx: &Ctx,
        input: CreateArticleInput,
    ) -> Result<CreateArticleOutput, CreateArticleError> {
        let db = ctx.db();
        let gone = || CreateArticleError::NotFound("the user of this token no longer exists".into());
        let author_id = input.caller.id::<i64>().map_err(|_| gone())?;
        let new = input.body.article;

        // Tags first, outside the transaction: creating a tag is idempotent and harmless if the article fails.
        let mut names: Vec<String> = new.tag_list.unwrap_or_default();
        names.sort();
        names.dedup();
        let mut tag_ids = Vec::with_capacity(names.len());
        for name in names {
            tag_ids.push(tag_id(ctx, name).await?);
        }

        // The article and its tag links commit together. A taken slug gets a short random suffix; each
        // try is its own transaction, since PostgreSQL aborts a transaction at the first failed statement.
        let base = super::slugify(&new.title);
        let mut saved = None;
        for attempt in 0..5 {
            let slug = if attempt == 0 {
                base.clone()
            } else {
                format!("{base}-{}", &charter_runtime::Uuid::new_v4().simple().to_string()[..8])
            };
            let draft = models::NewArticle {
                slug,
                title: new.title.clone(),
                description: new.description.clone(),
                body: new.body.clone(),
                author_id,
            };
            let mut tx = db.begin().await?;
            let row = match models::Article::insert(&mut tx, draft).await {
                Ok(row) => row,
                Err(e) if e.is_unique_violation_on("slug") => continue,
                Err(DbError::ForeignKeyViolation { .. }) => return Err(gone()),
                Err(e) => return Err(e.into()),
            };
            models::Article::add_tags(&mut tx, row.id, &tag_ids).await?;
            tx.commit().await?;
            saved = Some(row);
            break;
        }
        let row =
            saved.ok_or_else(|| CreateArticleError::Conflict("could not find a free slug for this title".into()))?;
        Ok(CreateArticleResponse { article: super::article(ctx, &row, Some(&input.caller)).await? })
    }
}

/// The id of the tag with this name, created if new (a concurrent creation is picked up, not an error).
async fn tag_id(ctx: &Ctx, name: String) -> Result<i64, DbError> {
    let db = ctx.db();
    if let Some(tag) = models::Tag::get_by_name(db, &name).await? {
        return Ok(tag.id);
    }
    match models::Tag::insert(db, models::NewTag { name: name.clone() }).await {
        Ok(tag) => Ok(tag.id),
        Err(e) if e.is_unique_violation() => models::Tag::get_by_name(db, &name).await?.map(|t| t.id).ok_or(e),
        Err(e) => Err(e),
    }
}
