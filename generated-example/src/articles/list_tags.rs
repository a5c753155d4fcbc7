use crate::api::articles::prelude::*;

#[use_case]
impl ListTags for crate::App {
    async fn list_tags(&self, ctx: &Ctx, _input: ListTagsInput) -> Result<ListTagsOutput, ListTagsError> {
        // As many as the response may carry (the spec's `max_items`).
        let tags = ctx
            .db()
            .query(r#"SELECT "name" FROM "tags" ORDER BY "name" LIMIT $1"#)
            .bind(ListTagsResponse::TAGS_MAX_ITEMS as i64)
            .fetch_all_scalar::<String>()
            .await?;
        Ok(ListTagsResponse { tags })
    }
}
