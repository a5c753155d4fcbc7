// Every hook of the `mini` fixture (codegen/tests/fixtures/rust/mini) implemented under `#[use_case]`:
// the generated code compiles, `router(App)` accepts the impls, and the generated types validate as the
// spec says.

#[path = "../../../../codegen/tests/snapshots/rust__mini.snap.rs"]
mod api;

use api::shop::*;
use charter_runtime::{Ctx, Utc, Uuid, Validate, use_case};

#[derive(Debug, Clone, Copy)]
struct App;

fn product(sku: String) -> Product {
    Product {
        sku,
        name: "Lamp".into(),
        price: 9.5,
        stock: 0,
        notes: None,
        category_id: 1,
        created_at: Utc::now(),
        tags: Vec::new(),
    }
}

#[use_case]
impl ListProducts for App {
    async fn list_products(
        &self,
        _ctx: &Ctx,
        input: ListProductsInput,
    ) -> Result<ListProductsOutput, ListProductsError> {
        let products = input.tag.into_iter().map(product).collect::<Vec<_>>();
        Ok(ListProductsResponse { total: products.len() as i64, products })
    }
}

#[use_case]
impl GetProduct for App {
    async fn get_product(&self, _ctx: &Ctx, input: GetProductInput) -> Result<GetProductOutput, GetProductError> {
        match input.caller {
            Some(_) => Ok(product(input.sku)),
            None => Err(GetProductError::NotFound(format!("no product `{}`", input.sku))),
        }
    }
}

#[use_case]
impl CreateProduct for App {
    async fn create_product(
        &self,
        _ctx: &Ctx,
        input: CreateProductInput,
    ) -> Result<CreateProductOutput, CreateProductError> {
        // `auth: required`: the caller is a value, not an Option.
        let caller: charter_runtime::Caller = input.caller;
        if caller.subject.is_empty() {
            return Err(CreateProductError::Forbidden("no subject".into()));
        }
        let new = input.body.product;
        if new.sku == "TAKEN" {
            return Err(CreateProductError::Conflict("sku taken".into()));
        }
        if new.price > 1000.0 {
            return Err(CreateProductError::Validation(vec![charter_runtime::FieldError::new(
                "product.price",
                "max",
                "is too high for this caller",
            )]));
        }
        Ok(CreateProductResponse { product: product(new.sku) })
    }
}

#[use_case]
impl UpsertProduct for App {
    async fn upsert_product(
        &self,
        _ctx: &Ctx,
        input: UpsertProductInput,
    ) -> Result<UpsertProductOutput, UpsertProductError> {
        Ok(match input.body.stock {
            0 => UpsertProductOutput::Status204,
            1 => UpsertProductOutput::Status201(UpsertProductResponse201 { product: product(input.sku) }),
            _ => UpsertProductOutput::Status200(product(input.sku)),
        })
    }
}

#[use_case]
impl DeleteProduct for App {
    async fn delete_product(
        &self,
        _ctx: &Ctx,
        input: DeleteProductInput,
    ) -> Result<DeleteProductOutput, DeleteProductError> {
        if input.id == 404 {
            return Err(DeleteProductError::NotFound("no such product".into()));
        }
        Ok(())
    }
}

#[use_case]
impl ReviewProduct for App {
    async fn review_product(
        &self,
        _ctx: &Ctx,
        input: ReviewProductInput,
    ) -> Result<ReviewProductOutput, ReviewProductError> {
        Ok(input.body)
    }
}

fn review() -> Review {
    Review {
        rating: 5,
        score: Some(1.5),
        title: "Fine".into(),
        email: "ann@example.com".into(),
        homepage: Some("https://example.com".into()),
        password: "correct horse".into(),
        mood: ReviewMood::SoSo,
        kind: None,
        labels: vec!["a".into()],
        votes: Some(vec![0, 3]),
        size: ReviewSize { width: 2, height: 3, unit: "cm".into() },
        photos: None,
        id: Uuid::nil(),
        day: None,
        at: Utc::now(),
        extra: None,
        big: 7,
        ok: true,
    }
}

/// `(path, code)` of every failure, in report order.
fn failures(value: &impl Validate) -> Vec<(String, &'static str)> {
    match value.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

fn main() {
    // Compiles only when `App` implements every endpoint's use case.
    let _routes = api::router(App);
    assert_eq!(api::SPEC.title, "Mini");
    assert_eq!(api::SPEC.auth.prefix, "Bearer");

    // Enums keep their wire values.
    assert_eq!("so-so".parse::<ReviewMood>(), Ok(ReviewMood::SoSo));
    assert_eq!(ReviewMood::Angry.to_string(), "angry");
    assert!("meh".parse::<ReviewMood>().unwrap_err().contains("happy, so-so, angry"));
    // Enum query parameters get an enum per endpoint.
    assert_eq!("cheapest".parse::<ListProductsSort>(), Ok(ListProductsSort::Cheapest));

    // Every constraint of `Review`, and its nested and list items, reported with its JSON path.
    assert_eq!(failures(&review()), []);
    let mut bad = review();
    bad.rating = 6;
    bad.score = Some(-2.0);
    bad.title = "<".into();
    bad.email = "nope".into();
    bad.homepage = Some("ftp://example.com".into());
    bad.password = "short".into();
    bad.labels = vec!["ok".into(), "far too long".into(), "c".into(), "d".into()];
    bad.votes = Some(vec![1, -1]);
    bad.size.width = 0;
    let expected = [
        ("rating", "max"),
        ("score", "min"),
        ("title", "min_length"),
        ("title", "pattern"),
        ("email", "email"),
        ("homepage", "url"),
        ("password", "min_length"),
        ("labels", "max_items"),
        ("labels[1]", "max_length"),
        ("votes[1]", "min"),
        ("size.width", "min"),
    ];
    assert_eq!(failures(&bad), expected.map(|(p, c)| (p.to_string(), c)));

    // A body draft reports every missing field, nested ones and list items included, at its path.
    let draft: drafts::Review = charter_runtime::__private::serde_json::from_str(
        r#"{"rating": 4, "size": {"width": 1}, "photos": [{"url": "https://a.example"}, {"caption": "no url"}, {}]}"#,
    )
    .expect("a draft accepts missing fields");
    let mut errors = Vec::new();
    let finished = charter_runtime::__private::draft::Draft::finish(draft, &mut charter_runtime::JsonPath::new(), &mut errors);
    assert!(finished.is_none());
    let missing: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.code)).collect();
    assert_eq!(
        missing,
        [
            ("title", "required"),
            ("email", "required"),
            ("password", "required"),
            ("labels", "required"),
            ("size.height", "required"),
            ("photos[1].url", "required"),
            ("photos[2].url", "required"),
            ("id", "required"),
            ("at", "required"),
        ]
    );
    let complete: drafts::Review = charter_runtime::__private::serde_json::from_str(
        r#"{"rating": 4, "title": "Fine", "email": "a@b.example", "password": "correct horse", "labels": ["a"],
            "size": {"width": 1, "height": 2}, "photos": [{"url": "https://a.example"}],
            "id": "00000000-0000-0000-0000-000000000000", "at": "2024-05-01T12:00:00Z"}"#,
    )
    .expect("a complete draft");
    let review = charter_runtime::__private::draft::Draft::finish(complete, &mut charter_runtime::JsonPath::new(), &mut errors)
        .expect("a complete draft finishes");
    assert_eq!(review.mood, ReviewMood::Happy, "defaults apply");
    assert_eq!(review.photos.map(|p| p.len()), Some(1));
    assert_eq!(review.size.unit, "cm");

    // A synthesized body type (`body: { product: NewProduct }`) nests its type under its field name.
    let new = NewProduct {
        sku: "ab".into(),
        name: "Lamp".into(),
        price: -1.0,
        stock: 0,
        notes: None,
        category: "lights".into(),
        tags: Some(vec!["".into(); 6]),
    };
    let body = CreateProductBody { product: new };
    assert_eq!(
        failures(&body),
        [
            ("product.sku", "min_length"),
            ("product.sku", "pattern"),
            ("product.price", "min"),
            ("product.tags", "max_items"),
            ("product.tags[0]", "min_length"),
            ("product.tags[1]", "min_length"),
            ("product.tags[2]", "min_length"),
            ("product.tags[3]", "min_length"),
            ("product.tags[4]", "min_length"),
            ("product.tags[5]", "min_length"),
        ]
        .map(|(p, c)| (p.to_string(), c))
    );

    // Path and query parameters carry their constraints too.
    let query = ListProductsInput {
        q: Some("x".repeat(101)),
        page: 0,
        per_page: 101,
        min_price: Some(-0.5),
        in_stock: false,
        tag: vec!["t".repeat(33)],
        code: "ABC".into(),
        sort: ListProductsSort::Cheapest,
        state: vec![ListProductsState::Live],
    };
    assert_eq!(
        failures(&query),
        [
            ("q", "max_length"),
            ("page", "min"),
            ("per_page", "max"),
            ("min_price", "min"),
            ("tag[0]", "max_length"),
            ("code", "pattern"),
        ]
        .map(|(p, c)| (p.to_string(), c))
    );
}
