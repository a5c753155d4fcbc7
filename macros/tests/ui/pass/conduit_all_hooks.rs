// Every hook of the Conduit example (generated-example/spec) implemented under `#[use_case]`, the way
// generated-example/src does it but without a database: the generated code compiles, `router(App)`
// accepts the impls, and camelCase wire names show up in validation paths.

#[path = "../../../../codegen/tests/snapshots/rust__conduit.snap.rs"]
mod api;

use api::articles::*;
use api::core::*;
use charter_runtime::{Caller, Ctx, Utc, Validate, use_case};

#[derive(Debug, Clone, Copy)]
struct App;

fn user(username: String, token: String) -> User {
    User { email: format!("{username}@example.com"), username, bio: None, image: None, token }
}

fn profile(username: &str) -> Profile {
    Profile { username: username.into(), bio: None, image: None, following: false }
}

fn article(slug: &str, caller: Option<&Caller>) -> Article {
    Article {
        slug: slug.into(),
        title: "Title".into(),
        description: "About".into(),
        body: "Text".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
        tag_list: Vec::new(),
        favorited: caller.is_some(),
        favorites_count: 0,
        author: profile("ann"),
    }
}

#[use_case]
impl Register for App {
    async fn register(&self, _ctx: &Ctx, input: RegisterInput) -> Result<RegisterOutput, RegisterError> {
        let new = input.body.user;
        if new.username == "taken" {
            return Err(RegisterError::Conflict("username has already been taken".into()));
        }
        Ok(RegisterResponse { user: user(new.username, "jwt".into()) })
    }
}

#[use_case]
impl Login for App {
    async fn login(&self, _ctx: &Ctx, input: LoginInput) -> Result<LoginOutput, LoginError> {
        let login = input.body.user;
        if login.password != "secret" {
            return Err(LoginError::Unauthorized("wrong email or password".into()));
        }
        Ok(LoginResponse { user: user(login.email, "jwt".into()) })
    }
}

#[use_case]
impl CurrentUser for App {
    async fn current_user(&self, _ctx: &Ctx, input: CurrentUserInput) -> Result<CurrentUserOutput, CurrentUserError> {
        // `auth: required`: the caller is a value.
        let Caller { subject, token, .. } = input.caller;
        Ok(CurrentUserResponse { user: user(subject, token) })
    }
}

#[use_case]
impl UpdateUser for App {
    async fn update_user(&self, _ctx: &Ctx, input: UpdateUserInput) -> Result<UpdateUserOutput, UpdateUserError> {
        let changes = input.body.user;
        let username = changes.username.unwrap_or(input.caller.subject);
        if username == "gone" {
            return Err(UpdateUserError::NotFound("user not found".into()));
        }
        Ok(UpdateUserResponse { user: user(username, input.caller.token) })
    }
}

#[use_case]
impl CreateArticle for App {
    async fn create_article(
        &self,
        _ctx: &Ctx,
        input: CreateArticleInput,
    ) -> Result<CreateArticleOutput, CreateArticleError> {
        let mut out = article("title", Some(&input.caller));
        out.title = input.body.article.title;
        out.tag_list = input.body.article.tag_list.unwrap_or_default();
        Ok(CreateArticleResponse { article: out })
    }
}

#[use_case]
impl GetArticle for App {
    async fn get_article(&self, _ctx: &Ctx, input: GetArticleInput) -> Result<GetArticleOutput, GetArticleError> {
        if input.slug.is_empty() {
            return Err(GetArticleError::NotFound("article not found".into()));
        }
        Ok(GetArticleResponse { article: article(&input.slug, input.caller.as_ref()) })
    }
}

#[use_case]
impl ListArticles for App {
    async fn list_articles(
        &self,
        _ctx: &Ctx,
        input: ListArticlesInput,
    ) -> Result<ListArticlesOutput, ListArticlesError> {
        let author = profile(input.author.as_deref().unwrap_or("ann"));
        let articles: Vec<ArticleListItem> = (input.offset..input.limit.min(3))
            .map(|i| ArticleListItem {
                slug: format!("a-{i}"),
                title: "Title".into(),
                description: "About".into(),
                created_at: Utc::now(),
                updated_at: Utc::now(),
                tag_list: input.tag.clone().into_iter().collect(),
                favorited: false,
                favorites_count: i,
                author: author.clone(),
            })
            .collect();
        Ok(ListArticlesResponse { articles_count: articles.len() as i32, articles })
    }
}

#[use_case]
impl ListTags for App {
    async fn list_tags(&self, _ctx: &Ctx, _input: ListTagsInput) -> Result<ListTagsOutput, ListTagsError> {
        Ok(ListTagsResponse { tags: vec!["rust".into()] })
    }
}

#[use_case]
impl GetProfile for App {
    async fn get_profile(&self, _ctx: &Ctx, input: GetProfileInput) -> Result<GetProfileOutput, GetProfileError> {
        Ok(GetProfileResponse { profile: profile(&input.username) })
    }
}

#[use_case]
impl FollowUser for App {
    async fn follow_user(&self, _ctx: &Ctx, input: FollowUserInput) -> Result<FollowUserOutput, FollowUserError> {
        if input.username == input.caller.subject {
            return Err(FollowUserError::BadRequest("you cannot follow yourself".into()));
        }
        Ok(FollowUserResponse { profile: Profile { following: true, ..profile(&input.username) } })
    }
}

#[use_case]
impl UnfollowUser for App {
    async fn unfollow_user(
        &self,
        _ctx: &Ctx,
        input: UnfollowUserInput,
    ) -> Result<UnfollowUserOutput, UnfollowUserError> {
        Ok(UnfollowUserResponse { profile: profile(&input.username) })
    }
}

#[use_case]
impl Feed for App {
    async fn feed(&self, _ctx: &Ctx, input: FeedInput) -> Result<FeedOutput, FeedError> {
        let _ = (input.limit, input.offset);
        Ok(FeedResponse { articles: Vec::new(), articles_count: 0 })
    }
}

#[use_case]
impl UpdateArticle for App {
    async fn update_article(
        &self,
        _ctx: &Ctx,
        input: UpdateArticleInput,
    ) -> Result<UpdateArticleOutput, UpdateArticleError> {
        if input.caller.subject != "ann" {
            return Err(UpdateArticleError::Forbidden("only the author may update this article".into()));
        }
        let mut out = article(&input.slug, Some(&input.caller));
        if let Some(title) = input.body.article.title {
            out.title = title;
        }
        Ok(UpdateArticleResponse { article: out })
    }
}

#[use_case]
impl DeleteArticle for App {
    async fn delete_article(
        &self,
        _ctx: &Ctx,
        input: DeleteArticleInput,
    ) -> Result<DeleteArticleOutput, DeleteArticleError> {
        if input.slug == "missing" {
            return Err(DeleteArticleError::NotFound("no such article".into()));
        }
        Ok(())
    }
}

#[use_case]
impl FavoriteArticle for App {
    async fn favorite_article(
        &self,
        _ctx: &Ctx,
        input: FavoriteArticleInput,
    ) -> Result<FavoriteArticleOutput, FavoriteArticleError> {
        Ok(FavoriteArticleResponse { article: article(&input.slug, Some(&input.caller)) })
    }
}

#[use_case]
impl UnfavoriteArticle for App {
    async fn unfavorite_article(
        &self,
        _ctx: &Ctx,
        input: UnfavoriteArticleInput,
    ) -> Result<UnfavoriteArticleOutput, UnfavoriteArticleError> {
        Ok(UnfavoriteArticleResponse { article: article(&input.slug, None) })
    }
}

fn comment(id: i64, body: String) -> Comment {
    Comment { id, created_at: Utc::now(), updated_at: Utc::now(), body, author: profile("ann") }
}

#[use_case]
impl ListComments for App {
    async fn list_comments(
        &self,
        _ctx: &Ctx,
        input: ListCommentsInput,
    ) -> Result<ListCommentsOutput, ListCommentsError> {
        if input.slug == "missing" {
            return Err(ListCommentsError::NotFound("no such article".into()));
        }
        Ok(ListCommentsResponse { comments: vec![comment(1, "First".into())] })
    }
}

#[use_case]
impl AddComment for App {
    async fn add_comment(&self, _ctx: &Ctx, input: AddCommentInput) -> Result<AddCommentOutput, AddCommentError> {
        Ok(AddCommentResponse { comment: comment(2, input.body.comment.body) })
    }
}

#[use_case]
impl DeleteComment for App {
    async fn delete_comment(
        &self,
        _ctx: &Ctx,
        input: DeleteCommentInput,
    ) -> Result<DeleteCommentOutput, DeleteCommentError> {
        if input.id != 1 {
            return Err(DeleteCommentError::Forbidden("only the author may delete this comment".into()));
        }
        Ok(())
    }
}

fn failures(value: &impl Validate) -> Vec<(String, &'static str)> {
    match value.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

fn main() {
    // Compiles only when `App` implements every endpoint's use case.
    let _routes = api::router(App);
    assert_eq!(api::SPEC.title, "Conduit");
    assert_eq!(api::SPEC.auth.prefix, "Token");

    let body = CreateArticleBody {
        article: NewArticle {
            title: String::new(),
            description: "About".into(),
            body: "Text".into(),
            tag_list: Some(vec!["rust".into(), String::new()]),
        },
    };
    let expected = [("article.title", "min_length"), ("article.tagList[1]", "min_length")];
    assert_eq!(failures(&body), expected.map(|(p, c)| (p.to_string(), c)));

    let register = RegisterBody {
        user: NewUser { username: "no spaces".into(), email: "ann@example".into(), password: "short".into() },
    };
    let expected = [("user.username", "pattern"), ("user.email", "email"), ("user.password", "min_length")];
    assert_eq!(failures(&register), expected.map(|(p, c)| (p.to_string(), c)));

    // `partial: true`: absent fields are not checked, present ones are; a nullable column is a `Patch`
    // (kept, cleared or set), and only a value it sets is checked.
    use charter_runtime::Patch;
    let update =
        UserUpdate { email: None, username: None, bio: Patch::Clear, image: Patch::Set("not a url".into()), password: None };
    assert_eq!(failures(&update), [("image".to_string(), "url")]);
}
