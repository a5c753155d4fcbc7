//! `GET /api/tags`.

use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::db::with_pool;
use crate::error::ApiError;
use crate::json::TagList;

pub async fn list(State(state): State<AppState>) -> Result<Json<TagList>, ApiError> {
    let tags = with_pool!(&state.db, pool => {
        sqlx::query_scalar("SELECT name FROM tags ORDER BY name").fetch_all(pool).await?
    });
    Ok(Json(TagList { tags }))
}
