use charter_runtime::{Ctx, Value, use_case};

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
        // Filters are added only when given, so each combination is a plain query that plans well.
        let mut filters = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(tag) = input.tag {
            args.push(tag.into());
            filters.push(format!(
                r#"EXISTS (SELECT 1 FROM "articles_tags" AS at JOIN "tags" AS t ON t."id" = at."tag_id"
                   WHERE at."article_id" = "articles"."id" AND t."name" = ${})"#,
                args.len()
            ));
        }
        if let Some(author) = input.author {
            args.push(author.into());
            filters.push(format!(
                r#""articles"."author_id" IN (SELECT "id" FROM "users" WHERE "username" = ${})"#,
                args.len()
            ));
        }
        let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };

        let count_sql = format!(r#"SELECT COUNT(*) FROM "articles" {filter}"#);
        let total: i64 = ctx.db().query(count_sql).bind_all(args.clone()).fetch_scalar().await?;

        let page_sql = format!(
            r#"SELECT {} FROM "articles" {filter} ORDER BY "articles"."created_at" DESC, "articles"."id" DESC LIMIT ${} OFFSET ${}"#,
            models::Article::COLUMNS,
            args.len() + 1,
            args.len() + 2
        );
        let rows: Vec<models::Article> = ctx
            .db()
            .query(page_sql)
            .bind_all(args)
            .bind(i64::from(input.limit))
            .bind(i64::from(input.offset))
            .fetch_all()
            .await?;
        let related = super::load_related(ctx, &rows, input.caller.as_ref()).await?;
        let articles = rows
            .iter()
            .zip(related)
            .map(|(row, r)| ArticleListItem::from_model(row, r.tag_list, r.favorited, r.favorites_count, r.author))
            .collect();
        Ok(ListArticlesResponse { articles, articles_count: i32::try_from(total).unwrap_or(i32::MAX) })
    }
}
