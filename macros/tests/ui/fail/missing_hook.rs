// Every use case of the Conduit example but `create_article`: `router(App)` names the missing endpoint,
// where the spec declares it, and what to write.

#[allow(dead_code)]
#[path = "../../../../codegen/tests/snapshots/rust__conduit.snap.rs"]
mod api;

use api::articles::*;
use api::core::*;
use charter_runtime::{Ctx, use_case};

struct App;

#[use_case]
impl Register for App {
    async fn register(&self, _ctx: &Ctx, _input: RegisterInput) -> Result<RegisterOutput, RegisterError> {
        Err(RegisterError::Internal("not yet".into()))
    }
}

#[use_case]
impl Login for App {
    async fn login(&self, _ctx: &Ctx, _input: LoginInput) -> Result<LoginOutput, LoginError> {
        Err(LoginError::Internal("not yet".into()))
    }
}

#[use_case]
impl CurrentUser for App {
    async fn current_user(&self, _ctx: &Ctx, _input: CurrentUserInput) -> Result<CurrentUserOutput, CurrentUserError> {
        Err(CurrentUserError::Internal("not yet".into()))
    }
}

#[use_case]
impl UpdateUser for App {
    async fn update_user(&self, _ctx: &Ctx, _input: UpdateUserInput) -> Result<UpdateUserOutput, UpdateUserError> {
        Err(UpdateUserError::Internal("not yet".into()))
    }
}

#[use_case]
impl GetArticle for App {
    async fn get_article(&self, _ctx: &Ctx, _input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        Err(GetArticleError::Internal("not yet".into()))
    }
}

#[use_case]
impl ListArticles for App {
    async fn list_articles(
        &self,
        _ctx: &Ctx,
        _input: ListArticlesInput,
    ) -> Result<ListArticlesOutput, ListArticlesError> {
        Err(ListArticlesError::Internal("not yet".into()))
    }
}

#[use_case]
impl ListTags for App {
    async fn list_tags(&self, _ctx: &Ctx, _input: ListTagsInput) -> Result<ListTagsOutput, ListTagsError> {
        Ok(ListTagsResponse { tags: Vec::new() })
    }
}

// As in a generated project's `main.rs`: the error is reported once, at `router(App)`.
#[use_case]
impl GetProfile for App {
    async fn get_profile(&self, _ctx: &Ctx, _input: GetProfileInput) -> Result<GetProfileOutput, GetProfileError> {
        unimplemented!()
    }
}

#[use_case]
impl FollowUser for App {
    async fn follow_user(&self, _ctx: &Ctx, _input: FollowUserInput) -> Result<FollowUserOutput, FollowUserError> {
        unimplemented!()
    }
}

#[use_case]
impl UnfollowUser for App {
    async fn unfollow_user(&self, _ctx: &Ctx, _input: UnfollowUserInput) -> Result<UnfollowUserOutput, UnfollowUserError> {
        unimplemented!()
    }
}

#[use_case]
impl Feed for App {
    async fn feed(&self, _ctx: &Ctx, _input: FeedInput) -> Result<FeedOutput, FeedError> {
        unimplemented!()
    }
}

#[use_case]
impl UpdateArticle for App {
    async fn update_article(&self, _ctx: &Ctx, _input: UpdateArticleInput) -> Result<UpdateArticleOutput, UpdateArticleError> {
        unimplemented!()
    }
}

#[use_case]
impl DeleteArticle for App {
    async fn delete_article(&self, _ctx: &Ctx, _input: DeleteArticleInput) -> Result<DeleteArticleOutput, DeleteArticleError> {
        unimplemented!()
    }
}

#[use_case]
impl FavoriteArticle for App {
    async fn favorite_article(&self, _ctx: &Ctx, _input: FavoriteArticleInput) -> Result<FavoriteArticleOutput, FavoriteArticleError> {
        unimplemented!()
    }
}

#[use_case]
impl UnfavoriteArticle for App {
    async fn unfavorite_article(&self, _ctx: &Ctx, _input: UnfavoriteArticleInput) -> Result<UnfavoriteArticleOutput, UnfavoriteArticleError> {
        unimplemented!()
    }
}

#[use_case]
impl ListComments for App {
    async fn list_comments(&self, _ctx: &Ctx, _input: ListCommentsInput) -> Result<ListCommentsOutput, ListCommentsError> {
        unimplemented!()
    }
}

#[use_case]
impl AddComment for App {
    async fn add_comment(&self, _ctx: &Ctx, _input: AddCommentInput) -> Result<AddCommentOutput, AddCommentError> {
        unimplemented!()
    }
}

#[use_case]
impl DeleteComment for App {
    async fn delete_comment(&self, _ctx: &Ctx, _input: DeleteCommentInput) -> Result<DeleteCommentOutput, DeleteCommentError> {
        unimplemented!()
    }
}

fn main() -> std::process::ExitCode {
    charter_runtime::run(&api::SPEC, api::router(App))
}
