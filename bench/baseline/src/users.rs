//! `GET /api/user`.

use axum::Json;
use axum::extract::State;
use sqlx::Row;

use crate::AppState;
use crate::auth::Caller;
use crate::db::with_pool;
use crate::error::ApiError;
use crate::json::{SingleUser, User};

pub async fn current(State(state): State<AppState>, caller: Caller) -> Result<Json<SingleUser>, ApiError> {
    let gone = || ApiError::NotFound("the user of this token no longer exists".to_owned());
    let id = caller.user_id.ok_or_else(gone)?;
    let user = with_pool!(&state.db, pool => {
        let row = sqlx::query("SELECT email, username, bio, image FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(gone)?;
        User {
            email: row.try_get("email")?,
            username: row.try_get("username")?,
            bio: row.try_get("bio")?,
            image: row.try_get("image")?,
            token: caller.token,
        }
    });
    Ok(Json(SingleUser { user }))
}
