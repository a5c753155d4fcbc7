//! The benchmark's data set: the same rows for both servers, from a fixed seed.
//!
//! Rows go straight into the tables the generated server's migrations created (the bench measures
//! serving, not writing), in multi-row inserts inside one transaction.

use charter_runtime::{Db, DbError, Utc, Value, password};
use chrono::TimeDelta;

/// How much data to make. [`Size::FULL`] is the issue's data set.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub users: usize,
    pub articles: usize,
    pub tags: usize,
    /// Articles each user favorites.
    pub favorites_per_user: usize,
    /// Users each user follows.
    pub follows_per_user: usize,
}

impl Size {
    pub const FULL: Size = Size { users: 50, articles: 1000, tags: 20, favorites_per_user: 40, follows_per_user: 10 };
    pub const SMOKE: Size = Size { users: 8, articles: 60, tags: 6, favorites_per_user: 5, follows_per_user: 3 };
}

/// What the load scenarios need to know about the data.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// A user that follows others and has favorites: the signed-in caller.
    pub caller_id: i64,
    /// The caller's password hash, which the generated server's tokens are bound to
    /// (`auth.invalidated_by`).
    pub caller_hash: String,
    /// A slug that exists, with tags and favorites.
    pub slug: String,
    /// A tag that some articles carry.
    pub tag: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub users: usize,
    pub articles: usize,
    pub tags: usize,
    pub article_tags: usize,
    pub favorites: usize,
    pub follows: usize,
}

/// xorshift64*: deterministic, dependency-free, good enough to spread rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `k` distinct numbers below `n`, in ascending order.
    fn distinct(&mut self, k: usize, n: usize) -> Vec<usize> {
        let mut picked = std::collections::BTreeSet::new();
        while picked.len() < k.min(n) {
            picked.insert(self.below(n));
        }
        picked.into_iter().collect()
    }
}

const WORDS: &[&str] = &[
    "rust",
    "async",
    "database",
    "schema",
    "migration",
    "latency",
    "throughput",
    "handler",
    "router",
    "spec",
    "generator",
    "index",
    "query",
    "planner",
    "cache",
    "tokio",
    "axum",
    "sqlx",
    "postgres",
    "sqlite",
    "json",
    "openapi",
    "contract",
    "review",
    "release",
    "deploy",
    "trace",
    "metric",
    "budget",
    "design",
];

const TAGS: &[&str] = &[
    "rust",
    "web",
    "databases",
    "performance",
    "testing",
    "devops",
    "security",
    "design",
    "api",
    "async",
    "tooling",
    "frontend",
    "backend",
    "cloud",
    "linux",
    "networking",
    "career",
    "tutorial",
    "opinion",
    "news",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect::<Vec<_>>().join(" ")
}

/// Fills an empty, migrated Conduit database.
pub async fn seed(db: &Db, size: Size) -> Result<Seeded, DbError> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // One hash for everyone: argon2 is deliberately slow, and no scenario logs in.
    let hash = password::hash("benchmark-password").map_err(|e| DbError::Decode(format!("{e:?}")))?;
    let epoch = Utc::now() - TimeDelta::days(400);
    let mut counts = Counts::default();
    let mut tx = db.begin().await?;

    let tags: Vec<Vec<Value>> = (0..size.tags)
        .map(|i| {
            let name = TAGS.get(i).map_or_else(|| format!("tag{i}"), |t| (*t).to_owned());
            vec![name.into()]
        })
        .collect();
    counts.tags = insert(&mut tx, "tags", &["name"], tags).await?;

    let users: Vec<Vec<Value>> = (0..size.users)
        .map(|i| {
            let bio: Value = if i % 2 == 0 { sentence(&mut rng, 12).into() } else { Value::Null };
            let image: Value =
                if i % 3 == 0 { format!("https://img.example.com/u/{i}.png").into() } else { Value::Null };
            let at = epoch + TimeDelta::minutes(i as i64);
            vec![
                format!("user{i:03}@example.com").into(),
                format!("user{i:03}").into(),
                hash.clone().into(),
                bio,
                image,
                at.into(),
                at.into(),
            ]
        })
        .collect();
    let user_columns = ["email", "username", "password_hash", "bio", "image", "created_at", "updated_at"];
    counts.users = insert(&mut tx, "users", &user_columns, users).await?;

    let mut articles = Vec::with_capacity(size.articles);
    for i in 0..size.articles {
        let title = format!("{} {}", capitalize(&sentence(&mut rng, 5)), i);
        let slug = title.to_lowercase().replace(' ', "-");
        let paragraphs: Vec<String> = (0..6).map(|_| sentence(&mut rng, 40)).collect();
        let at = epoch + TimeDelta::minutes(600 + 331 * i as i64);
        let author = 1 + rng.below(size.users) as i64;
        articles.push(vec![
            slug.into(),
            title.into(),
            sentence(&mut rng, 16).into(),
            paragraphs.join("\n\n").into(),
            author.into(),
            at.into(),
            (at + TimeDelta::minutes(rng.below(90) as i64)).into(),
        ]);
    }
    let article_columns = ["slug", "title", "description", "body", "author_id", "created_at", "updated_at"];
    counts.articles = insert(&mut tx, "articles", &article_columns, articles).await?;

    // Tags per article: 0 to 4, so tagless articles and the tag filter both get exercised.
    let mut links = Vec::new();
    for article in 1..=size.articles {
        let k = rng.below(5);
        for tag in rng.distinct(k, size.tags) {
            links.push(vec![Value::from(article as i64), Value::from(tag as i64 + 1)]);
        }
    }
    counts.article_tags = insert(&mut tx, "articles_tags", &["article_id", "tag_id"], links).await?;

    let mut favorites = Vec::new();
    for user in 1..=size.users {
        for article in rng.distinct(size.favorites_per_user, size.articles) {
            favorites.push(vec![Value::from(article as i64 + 1), Value::from(user as i64)]);
        }
    }
    counts.favorites = insert(&mut tx, "articles_favorited_by", &["article_id", "user_id"], favorites).await?;

    let mut follows = Vec::new();
    for user in 1..=size.users {
        for other in rng.distinct(size.follows_per_user, size.users) {
            if other + 1 != user {
                follows.push(vec![Value::from(user as i64), Value::from(other as i64 + 1)]);
            }
        }
    }
    counts.follows = insert(&mut tx, "users_following", &["user_id", "following_id"], follows).await?;
    tx.commit().await?;

    // The state autovacuum leaves a production database in: fresh statistics and, on PostgreSQL, a
    // visibility map, without which an index-only scan (a count, say) reads the table's pages. Left to
    // autovacuum, it would happen a minute into the run, changing plans and costs between scenarios.
    let settle = match db.backend() {
        charter_runtime::Backend::Postgres => "VACUUM ANALYZE",
        charter_runtime::Backend::Sqlite => "ANALYZE",
    };
    db.query(settle).execute().await?;

    // The most favorited article that has tags: the single-article scenario reads all of its parts.
    let slug = db
        .query(
            r#"SELECT a."slug" FROM "articles" a
               WHERE EXISTS (SELECT 1 FROM "articles_tags" t WHERE t."article_id" = a."id")
               ORDER BY (SELECT count(*) FROM "articles_favorited_by" f WHERE f."article_id" = a."id") DESC, a."id"
               LIMIT 1"#,
        )
        .fetch_scalar::<String>()
        .await?;
    let tag = db
        .query(
            r#"SELECT t."name" FROM "tags" t JOIN "articles_tags" at ON at."tag_id" = t."id"
               GROUP BY t."name" ORDER BY count(*) DESC, t."name" LIMIT 1"#,
        )
        .fetch_scalar::<String>()
        .await?;
    Ok(Seeded { caller_id: 1, caller_hash: hash, slug, tag, counts })
}

/// Inserts `rows` in chunks of multi-row `INSERT`s; returns how many rows went in.
async fn insert(
    tx: &mut charter_runtime::Tx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<usize, DbError> {
    // SQLite allows at most 32,766 parameters per statement; stay far below on both backends.
    const ROWS_PER_STATEMENT: usize = 200;
    let total = rows.len();
    let column_list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        let tuples = (0..chunk.len())
            .map(|r| format!("({})", placeholders(1 + r * columns.len(), columns.len())))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO \"{table}\" ({column_list}) VALUES {tuples}");
        tx.query(sql).bind_all(chunk.into_iter().flatten()).execute().await?;
    }
    Ok(total)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `($first, ..., $first+n-1)` without the parentheses.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
