use std::path::Path;

#[test]
fn example_spec_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-example/spec");
    let spec = match charter_spec::load_dir(&dir) {
        Ok(s) => s,
        Err(d) => panic!("{}", d.render(false)),
    };
    let names: Vec<_> = spec.apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["core", "articles"]);
    let article = spec.model(&charter_spec::Ref { app: "articles".into(), name: "Article".into() }).unwrap();
    assert_eq!(
        article.fields.iter().map(|f| f.column.as_str()).collect::<Vec<_>>(),
        ["id", "slug", "title", "description", "body", "author_id", "created_at", "updated_at"]
    );
    assert_eq!(article.many_to_many[0].join_table, "articles_tags");
    let ep: Vec<_> = spec.endpoints().map(|(_, e)| e.name.as_str()).collect();
    assert_eq!(
        ep,
        [
            "register",
            "login",
            "current_user",
            "update_user",
            "get_profile",
            "follow_user",
            "unfollow_user",
            "create_article",
            "get_article",
            "list_articles",
            "list_tags",
            "feed",
            "update_article",
            "delete_article",
            "favorite_article",
            "unfavorite_article",
            "list_comments",
            "add_comment",
            "delete_comment",
        ]
    );
}
