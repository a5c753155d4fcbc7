// `#[derive(Validate)]` by hand, with every rule: each failing constraint is reported once, in field
// order, with its JSON path (wire names from `rename` and `#[serde(rename)]`, list indexes, nested and
// flattened structs) and its code; absent optional values are not checked.

use charter_runtime::Validate;

// `#[serde(rename)]` is read too (serde through the runtime's re-export: this crate has no serde).
#[derive(Validate, charter_runtime::__private::serde::Deserialize)]
#[serde(crate = "charter_runtime::__private::serde")]
struct Address {
    #[validate(length(min = 1, max = 8))]
    city: String,
    #[serde(rename = "zipCode")]
    #[validate(pattern = "^[0-9]{5}$")]
    zip: String,
}

#[derive(Validate)]
struct Paging {
    #[validate(range(min = 1, max = 100))]
    limit: u32,
}

#[derive(Validate)]
struct Signup {
    #[validate(length(min = 3, max = 5))]
    name: String,
    #[validate(range(min = -10, max = 10))]
    delta: i64,
    #[validate(range(min = 0.5, max = 2.5))]
    ratio: f64,
    #[validate(range(min = -1.5))]
    lowest: Option<f32>,
    #[validate(email)]
    email: String,
    #[validate(url)]
    site: Option<String>,
    #[validate(rename = "nickName", length(max = 4))]
    nick_name: String,
    #[validate(length(min = 2), rename = "displayName")]
    display_name: String,
    #[validate(count(min = 1, max = 2), each(length(max = 3), pattern = "^[a-z]+$"))]
    tags: Vec<String>,
    // Several patterns on one field: all must match.
    #[validate(pattern = "^a", pattern = "z$")]
    code: String,
    #[validate(count(max = 1), each(range(max = 9)))]
    scores: Option<Vec<i32>>,
    #[validate(nested)]
    home: Address,
    #[validate(nested)]
    work: Option<Address>,
    #[validate(each(nested))]
    others: Vec<Address>,
    #[validate(nested, flatten)]
    paging: Paging,
    // No rule: never looked at.
    note: String,
}

fn address(city: &str, zip: &str) -> Address {
    Address { city: city.into(), zip: zip.into() }
}

fn valid() -> Signup {
    Signup {
        name: "ann".into(),
        delta: -10,
        ratio: 2.5,
        lowest: None,
        email: "ann@example.com".into(),
        site: None,
        nick_name: "an".into(),
        display_name: "Ann".into(),
        tags: vec!["ab".into()],
        code: "az".into(),
        scores: None,
        home: address("Paris", "75001"),
        work: None,
        others: Vec::new(),
        paging: Paging { limit: 1 },
        note: String::new(),
    }
}

fn failures(value: &impl Validate) -> Vec<(String, &'static str, String)> {
    match value.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code, e.message)).collect(),
    }
}

fn main() {
    assert_eq!(failures(&valid()), []);

    let bad = Signup {
        name: "annabel".into(),
        delta: 11,
        ratio: 0.25,
        lowest: Some(-2.0),
        email: "ann.example.com".into(),
        site: Some("mailto:ann@example.com".into()),
        nick_name: "annie".into(),
        display_name: "A".into(),
        tags: vec!["abcd".into(), "ok".into(), "X".into()],
        code: "za".into(),
        scores: Some(vec![10, 1]),
        home: address("", "750"),
        work: Some(address("Marseille-Nord", "13001")),
        others: vec![address("Lyon", "69001"), address("Lyon", "six")],
        paging: Paging { limit: 0 },
        note: "anything".into(),
    };
    let expected = [
        ("name", "max_length", "must be at most 5 characters long"),
        ("delta", "max", "must be at most 10"),
        ("ratio", "min", "must be at least 0.5"),
        ("lowest", "min", "must be at least -1.5"),
        ("email", "email", "must be a valid email address"),
        ("site", "url", "must be a valid http or https URL"),
        ("nickName", "max_length", "must be at most 4 characters long"),
        ("displayName", "min_length", "must be at least 2 characters long"),
        ("tags", "max_items", "must contain at most 2 items"),
        ("tags[0]", "max_length", "must be at most 3 characters long"),
        ("tags[2]", "pattern", "must match the pattern `^[a-z]+$`"),
        ("code", "pattern", "must match the pattern `^a`"),
        ("code", "pattern", "must match the pattern `z$`"),
        ("scores", "max_items", "must contain at most 1 item"),
        ("scores[0]", "max", "must be at most 9"),
        ("home.city", "min_length", "must be at least 1 character long"),
        ("home.zipCode", "pattern", "must match the pattern `^[0-9]{5}$`"),
        ("work.city", "max_length", "must be at most 8 characters long"),
        ("others[1].zipCode", "pattern", "must match the pattern `^[0-9]{5}$`"),
        ("limit", "min", "must be at least 1"),
    ];
    let got = failures(&bad);
    let want: Vec<_> = expected.iter().map(|&(p, c, m)| (p.to_string(), c, m.to_string())).collect();
    assert_eq!(got, want);

    // An empty list passes `each`, fails `count(min)`.
    let mut empty = valid();
    empty.tags.clear();
    assert_eq!(failures(&empty), [("tags".to_string(), "min_items", "must contain at least 1 item".to_string())]);
}
