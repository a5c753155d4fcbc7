//! No N+1: a page of articles with their authors, tags, `favorited` and `favoritesCount` costs a fixed
//! number of SQL statements, whatever the page size.
//!
//! The statements are counted with `charter_runtime::db::count_statements`, which counts what the request's
//! own task issues through the runtime's query API (every generated data-access function uses it).

use std::io::Write;

use serde_json::Value;

use crate::support::{RequestExt, TestApp, backends, expect_json};

backends!(a_page_of_articles_costs_the_same_statements_whatever_its_size);

/// `GET path` (as the owner of `token`, if any): the response body and the statements it cost.
async fn counted(app: &TestApp, path: &str, token: Option<&str>) -> (Value, u64) {
    let mut request = app.get(path);
    if let Some(token) = token {
        request = request.token(token);
    }
    let (response, statements) = charter_runtime::db::count_statements(request.send()).await;
    (expect_json(&response, 200), statements)
}

async fn a_page_of_articles_costs_the_same_statements_whatever_its_size(app: TestApp) {
    // 30 articles by three authors, each with two tags, favorited by some users; alice follows two of
    // the authors (so `following` is true for some authors and false for others) and favorites some.
    let authors = [app.seeded_user("jake").await, app.seeded_user("jane").await, app.seeded_user("bob").await];
    let alice = app.seeded_user("alice").await;
    let mut slugs = Vec::new();
    for i in 0..30 {
        let tags = ["common".to_owned(), format!("tag{}", i % 7)];
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let article = app.create_article(&authors[i % 3], &format!("Article {i}"), &tags).await;
        slugs.push(article["slug"].as_str().expect("a slug").to_owned());
    }
    for (i, slug) in slugs.iter().enumerate() {
        if i % 2 == 0 {
            app.favorite(&alice, slug).await;
        }
        if i % 3 == 0 {
            app.favorite(&authors[1], slug).await;
        }
    }
    app.follow(&alice, "jake").await;
    app.follow(&alice, "jane").await;

    // The budget: one statement for the page with every computed field and its total (the feed first
    // reads the caller's row), plus, for a signed-in caller, the check that the token's session is still
    // current (`auth.invalidated_by`). More is a regression of the generated loaders.
    let pages: [(&str, &str, Option<&str>, u64); 4] = [
        ("list, signed in", "/api/articles", Some(&alice), 2),
        ("list, anonymous", "/api/articles", None, 1),
        ("list by tag, signed in", "/api/articles?tag=common", Some(&alice), 2),
        ("feed", "/api/articles/feed", Some(&alice), 3),
    ];
    let mut report = format!("\n*** statements per page on {:?} (limit=1 / limit=5 / limit=20):\n", app.backend());
    for (what, path, token, budget) in pages {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut counts = Vec::new();
        for limit in [1, 5, 20] {
            let (body, statements) = counted(&app, &format!("{path}{separator}limit={limit}"), token).await;
            let articles = body["articles"].as_array().expect("a list");
            assert_eq!(articles.len(), limit, "{what}: a full page of {limit}");
            assert_eq!(body["articlesCount"], if what == "feed" { 20 } else { 30 }, "{what}: the total");
            if limit == 20 {
                expect_every_relation(what, articles, token.is_some());
            }
            counts.push(statements);
        }
        report.push_str(&format!("***   {what}: {} / {} / {}\n", counts[0], counts[1], counts[2]));
        assert!(counts[0] > 0, "{what}: no statement was counted: is the request served on another task?");
        assert!(counts.iter().all(|&c| c == counts[0]), "{what}: the statement count grows with the page: {counts:?}");
        assert!(counts[0] <= budget, "{what}: {} statements, over the budget of {budget}", counts[0]);
    }
    // Shown whether or not the test harness captures output.
    let _ = std::io::stderr().write_all(report.as_bytes());
}

/// The page really loads every relation: tags, favorites seen by the caller, counts, authors followed
/// and not.
fn expect_every_relation(what: &str, articles: &[Value], signed_in: bool) {
    let any = |f: &dyn Fn(&Value) -> bool| articles.iter().any(f);
    assert!(articles.iter().all(|a| a["tagList"].as_array().is_some_and(|t| t.len() == 2)), "{what}: tags");
    assert!(any(&|a| a["favoritesCount"] == 2) && any(&|a| a["favoritesCount"] == 0), "{what}: counts");
    assert_eq!(any(&|a| a["favorited"] == true), signed_in, "{what}: favorited");
    assert!(any(&|a| a["favorited"] == false), "{what}: not favorited");
    assert_eq!(any(&|a| a["author"]["following"] == true), signed_in, "{what}: following");
    let mut authors: Vec<&str> = articles.iter().filter_map(|a| a["author"]["username"].as_str()).collect();
    authors.sort_unstable();
    authors.dedup();
    assert!(authors.len() >= 2, "{what}: several authors, got {authors:?}");
}
