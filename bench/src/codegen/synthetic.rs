//! A deterministic synthetic spec: N models and M endpoints, written the way a team grows a real
//! project, so the codegen bench goes through every generator path, not just the happy one.
//!
//! Shape: `core` holds `User` (with the self relation `following`) and the first models; every further
//! app holds up to ten models and depends on the app before it, so `belongs_to`, `many_to_many` and
//! computed `source:` fields cross apps exactly as the decoupling rule allows. Some apps are split over a
//! folder of two files. Columns rotate through every scalar type, constraint, format, default, `unique`
//! and `index`; types are derived with `pick`/`omit`/`partial`/`add` and computed fields; endpoints rotate
//! through list/get/create/put/patch/delete and the less common shapes (several success responses,
//! repeated query parameters, inline enums and objects, list bodies, YAML anchors), with every `auth`.
//!
//! Same arguments, same bytes: names and choices depend only on the model's global index.

use std::path::Path;

pub const MODELS_PER_APP: usize = 10;

const APPS: &[&str] = &[
    "core",
    "catalog",
    "orders",
    "billing",
    "inventory",
    "shipping",
    "support",
    "marketing",
    "analytics",
    "content",
    "scheduling",
    "staffing",
    "projects",
    "messaging",
    "documents",
    "compliance",
    "payments",
    "reviews",
    "loyalty",
    "partners",
];

/// Singular, PascalCase, and none is another one plus a suffix the generator appends (`Summary`, ...).
const NOUNS: &[&str] = &[
    "Account",
    "Address",
    "Asset",
    "Attachment",
    "Badge",
    "Batch",
    "Booking",
    "Budget",
    "Campaign",
    "Category",
    "Certificate",
    "Channel",
    "Checklist",
    "Contact",
    "Contract",
    "Coupon",
    "Course",
    "Credential",
    "Dashboard",
    "Deal",
    "Delivery",
    "Department",
    "Device",
    "Discount",
    "Document",
    "Event",
    "Expense",
    "Feature",
    "Feedback",
    "Folder",
    "Goal",
    "Incident",
    "Invoice",
    "Issue",
    "Journal",
    "Lead",
    "Lesson",
    "License",
    "Location",
    "Meeting",
    "Milestone",
    "Notification",
    "Opportunity",
    "Order",
    "Package",
    "Payment",
    "Playlist",
    "Policy",
    "Product",
    "Project",
    "Quote",
    "Receipt",
    "Release",
    "Report",
    "Reservation",
    "Review",
    "Route",
    "Schedule",
    "Segment",
    "Shipment",
    "Sprint",
    "Subscription",
    "Supplier",
    "Survey",
    "Task",
    "Template",
    "Ticket",
    "Timesheet",
    "Vehicle",
    "Warehouse",
    "Webhook",
    "Workflow",
];

const PREFIXES: &[&str] = &["", "Team", "Partner", "Legacy", "Shared", "Internal", "External", "Regional"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    List,
    Get,
    Create,
    Update,
    Patch,
    Delete,
    Watch,
    Unwatch,
    Stats,
    Search,
    BulkCreate,
    Archive,
    ByOwner,
    Register,
    Login,
    CurrentUser,
    UpdateUser,
    GetProfile,
    Follow,
    Unfollow,
    ListUsers,
}

/// Every model gets these first: what any team writes for a resource.
const CORE_KINDS: &[Kind] = &[Kind::List, Kind::Get, Kind::Create];
/// The rest rotate with the model's index, so each appears a few times at every size.
const EXTRA_KINDS: &[Kind] = &[
    Kind::Update,
    Kind::Delete,
    Kind::Patch,
    Kind::Search,
    Kind::Watch,
    Kind::Stats,
    Kind::Archive,
    Kind::Unwatch,
    Kind::BulkCreate,
    Kind::ByOwner,
];
const USER_KINDS: &[Kind] = &[
    Kind::Register,
    Kind::Login,
    Kind::CurrentUser,
    Kind::GetProfile,
    Kind::Follow,
    Kind::UpdateUser,
    Kind::Unfollow,
    Kind::ListUsers,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    BigInt,
    Int,
    Uuid,
}

impl Key {
    fn scalar(self) -> &'static str {
        match self {
            Key::BigInt => "bigint",
            Key::Int => "int",
            Key::Uuid => "uuid",
        }
    }
}

#[derive(Debug, Clone)]
struct Model {
    /// Global index; every choice below is a function of it.
    g: usize,
    app: usize,
    name: String,
    snake: String,
    plural: String,
    key: Key,
    timestamps: bool,
    slug: bool,
    status: bool,
    assignee: bool,
    watchers: bool,
    /// The `belongs_to` target and whether the relation is optional (`set_null`).
    parent: Option<(usize, bool)>,
    /// The `many_to_many` target and the field's name (`tags` in the app, `links` across apps).
    linked: Option<(usize, &'static str)>,
    endpoints: Vec<(Kind, usize)>,
}

impl Model {
    fn is_user(&self) -> bool {
        self.g == 0
    }
}

#[derive(Debug, Clone)]
struct App {
    name: String,
    first: usize,
    end: usize,
    depends_on: Vec<usize>,
    /// Written as `<app>/models.yaml` + `<app>/api.yaml` (the loader merges them).
    split: bool,
}

struct Plan {
    apps: Vec<App>,
    models: Vec<Model>,
}

/// What was written: sizes for the report, names for the checks.
#[derive(Debug, Clone, Default)]
pub struct SpecInfo {
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    pub apps: usize,
    pub types: usize,
    pub endpoint_names: Vec<String>,
}

fn plural(snake: &str) -> String {
    let b = snake.as_bytes();
    if let Some(stem) = snake.strip_suffix('y')
        && b.len() >= 2
        && !b"aeiou".contains(&b[b.len() - 2])
    {
        return format!("{stem}ies");
    }
    if snake.ends_with('s') || snake.ends_with('x') || snake.ends_with("ch") || snake.ends_with("sh") {
        return format!("{snake}es");
    }
    format!("{snake}s")
}

fn words(snake: &str) -> String {
    snake.replace('_', " ")
}

fn kebab(snake: &str) -> String {
    snake.replace('_', "-")
}

fn title(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn model_name(g: usize) -> String {
    if g == 0 {
        return "User".to_string();
    }
    let i = g - 1;
    let round = i / NOUNS.len();
    let noun = NOUNS[i % NOUNS.len()];
    match PREFIXES.get(round) {
        Some(p) => format!("{p}{noun}"),
        None => format!("{noun}{}", round - PREFIXES.len() + 2),
    }
}

fn app_name(k: usize) -> String {
    match k / APPS.len() {
        0 => APPS[k].to_string(),
        r => format!("{}_{}", APPS[k % APPS.len()], r + 1),
    }
}

fn plan(models: usize, endpoints: usize) -> Plan {
    let models = models.max(1);
    let n_apps = models.div_ceil(MODELS_PER_APP);
    let apps: Vec<App> = (0..n_apps)
        .map(|k| {
            let depends_on = match k {
                0 => vec![],
                1 => vec![0],
                _ if k % 3 == 0 => vec![k - 1, k - 2],
                _ => vec![k - 1],
            };
            App {
                name: app_name(k),
                first: k * MODELS_PER_APP,
                end: ((k + 1) * MODELS_PER_APP).min(models),
                depends_on,
                split: k % 5 == 4,
            }
        })
        .collect();
    // `User` gets its whole set first (register, login, profiles, ...); the other models share the rest.
    let user_count = if models == 1 { endpoints } else { endpoints.min(USER_KINDS.len()) };
    let others = models - 1;
    let (base, extra) = match others {
        0 => (0, 0),
        n => ((endpoints - user_count) / n, (endpoints - user_count) % n),
    };
    let models = (0..models)
        .map(|g| {
            let k = g / MODELS_PER_APP;
            let j = g % MODELS_PER_APP;
            let app = &apps[k];
            let name = model_name(g);
            let snake = charter_codegen::spec::snake_case(&name);
            let user = g == 0;
            // Same-app parent one or two models back; the first model of an app points into the previous app.
            let parent = if user || j % 4 == 3 {
                None
            } else if j == 0 {
                Some(apps[k - 1].end - 1).filter(|&t| t != 0)
            } else {
                Some(if j >= 2 && j.is_multiple_of(2) { g - 2 } else { g - 1 }).filter(|&t| t != 0)
            };
            let linked = if user {
                None
            } else if j % 3 == 1 && g > app.first && g - 1 != 0 {
                Some((g - 1, "tags"))
            } else if j % 3 == 2 && k >= 1 {
                Some(apps[k - 1].first + 1).filter(|&t| t < apps[k - 1].end).map(|t| (t, "links"))
            } else {
                None
            };
            let count = if user { user_count } else { base + usize::from(g - 1 < extra) };
            let kinds: Vec<Kind> = if user {
                USER_KINDS.to_vec()
            } else {
                let rot = g % EXTRA_KINDS.len();
                CORE_KINDS.iter().chain(EXTRA_KINDS[rot..].iter()).chain(EXTRA_KINDS[..rot].iter()).copied().collect()
            };
            let endpoints = (0..count).map(|t| (kinds[t % kinds.len()], t / kinds.len())).collect();
            Model {
                g,
                app: k,
                plural: plural(&snake),
                snake,
                name,
                key: if g % 7 == 3 {
                    Key::Uuid
                } else if g % 13 == 6 {
                    Key::Int
                } else {
                    Key::BigInt
                },
                timestamps: user || g % 4 != 3,
                slug: !user && g.is_multiple_of(3),
                status: !user && g % 2 == 1,
                assignee: !user && g % 5 == 1,
                watchers: !user && g.is_multiple_of(4),
                parent: parent.map(|t| (t, j % 2 == 1)),
                linked,
                endpoints,
            }
        })
        .collect();
    Plan { apps, models }
}

/// One YAML file being written: knows the anchors it already defined.
struct File {
    text: String,
    limit_anchor: bool,
}

impl File {
    fn new() -> File {
        File { text: String::new(), limit_anchor: false }
    }

    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.text.push_str("  ");
        }
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// `limit`/`offset` as teams write them: defined once per file, then aliased.
    fn paging(&mut self, indent: usize) {
        if self.limit_anchor {
            self.line(indent, "limit: *limit");
            self.line(indent, "offset: *offset");
        } else {
            self.limit_anchor = true;
            self.line(indent, "limit: &limit { type: int, default: 20, min: 1, max: 100, description: \"Page size\" }");
            self.line(indent, "offset: &offset { type: int, default: 0, min: 0, description: \"Rows to skip\" }");
        }
    }
}

impl Plan {
    /// How `from_app` names model or type `name` of model `target`'s app.
    fn qualified(&self, from_app: usize, target: usize, name: &str) -> String {
        let app = self.models[target].app;
        if app == from_app { name.to_string() } else { format!("{}.{name}", self.apps[app].name) }
    }

    fn profile(&self, from_app: usize) -> String {
        self.qualified(from_app, 0, "Profile")
    }

    /// `(field name, yaml, writable by clients)` for each column and relation of a model.
    fn fields(&self, m: &Model) -> Vec<(String, String, bool)> {
        let mut out: Vec<(String, String, bool)> = Vec::new();
        let mut f = |name: &str, yaml: String, writable: bool| out.push((name.to_string(), yaml, writable));
        let g = m.g;
        if m.is_user() {
            f("email", "{ type: string, max_length: 255, format: email, unique: true }".into(), true);
            f(
                "username",
                r#"{ type: string, min_length: 1, max_length: 64, pattern: "^[A-Za-z0-9_.-]+$", unique: true }"#.into(),
                true,
            );
            f("password_hash", "{ type: string, max_length: 255 }".into(), false);
            f("display_name", "{ type: string, max_length: 120, optional: true }".into(), true);
            f(
                "bio",
                "{ type: text, max_length: 4096, optional: true, description: \"Shown on the profile\" }".into(),
                true,
            );
            f("avatar", "{ type: string, max_length: 1024, format: url, optional: true }".into(), true);
            f("role", "{ type: enum, values: [admin, member, guest], default: member }".into(), false);
            f("last_login_at", "{ type: datetime, optional: true }".into(), false);
            f("following", "{ many_to_many: User }".into(), false);
            return out;
        }
        let index = if g.is_multiple_of(2) { ", index: true" } else { "" };
        f("name", format!("{{ type: string, min_length: 1, max_length: 200{index} }}"), true);
        if m.slug {
            f(
                "slug",
                r#"{ type: string, min_length: 1, max_length: 120, pattern: "^[a-z0-9-]+$", unique: true }"#.into(),
                true,
            );
        }
        f(
            "description",
            format!(
                "{{ type: text, max_length: 4000, optional: true, description: \"Notes about the {}\" }}",
                words(&m.snake)
            ),
            true,
        );
        if m.status {
            f("status", "{ type: enum, values: [draft, active, archived], default: draft }".into(), true);
        }
        match g % 4 {
            0 => f("priority", "{ type: int, min: 0, max: 10, default: 5 }".into(), true),
            1 => f("quantity", "{ type: int, min: 0, max: 1000000, default: 0 }".into(), true),
            2 => {
                f(
                    "amount_cents",
                    "{ type: bigint, min: 0, description: \"Amount in the smallest unit\" }".into(),
                    true,
                );
                f("currency", "{ type: string, min_length: 3, max_length: 3, default: EUR }".into(), true);
            }
            _ => f("rating", "{ type: float, min: 0, max: 5, optional: true }".into(), true),
        }
        if g % 3 == 1 {
            f("is_active", "{ type: bool, default: true }".into(), true);
        }
        match g % 5 {
            0 => f("contact_email", "{ type: string, format: email, max_length: 255, optional: true }".into(), true),
            1 => f("website", "{ type: string, format: url, max_length: 1024, optional: true }".into(), true),
            2 => {
                f("starts_on", "date".into(), true);
                f("due_on", "{ type: date, optional: true }".into(), true);
            }
            3 => f("external_id", "{ type: uuid, optional: true, unique: true }".into(), false),
            _ => f("settings", "{ type: json, optional: true }".into(), true),
        }
        match g % 6 {
            5 => f("code", "{ type: string, min_length: 2, max_length: 32, index: true }".into(), true),
            0 => f("last_synced_at", "{ type: datetime, optional: true }".into(), false),
            _ => {}
        }
        let user = self.qualified(m.app, 0, "User");
        f("owner", format!("{{ belongs_to: {user}, on_delete: cascade }}"), false);
        if m.assignee {
            f("assignee", format!("{{ belongs_to: {user}, optional: true, on_delete: set_null }}"), true);
        }
        if let Some((p, optional)) = m.parent {
            let target = self.qualified(m.app, p, &self.models[p].name);
            let yaml = if optional {
                format!("{{ belongs_to: {target}, optional: true, on_delete: set_null }}")
            } else {
                format!("{{ belongs_to: {target}, on_delete: cascade }}")
            };
            f("parent", yaml, true);
        }
        if let Some((t, field)) = m.linked {
            f(field, format!("{{ many_to_many: {} }}", self.qualified(m.app, t, &self.models[t].name)), false);
        }
        if m.watchers {
            f("watchers", format!("{{ many_to_many: {user} }}"), false);
        }
        out
    }

    fn write_model(&self, out: &mut File, m: &Model) {
        let g = m.g;
        out.line(1, &format!("{}:", m.name));
        if m.is_user() {
            out.line(2, "table: users");
        } else if g % 6 == 1 {
            out.line(2, &format!("table: {}_{}", self.apps[m.app].name, m.plural));
        }
        if g % 3 != 2 {
            out.line(2, &format!("description: \"A {} of the {} app.\"", words(&m.snake), self.apps[m.app].name));
        }
        if m.timestamps {
            out.line(2, "mixins: [timestamps]");
        }
        match m.key {
            Key::BigInt => {}
            k => out.line(2, &format!("primary_key: {{ name: id, type: {} }}", k.scalar())),
        }
        out.line(2, "fields:");
        let fields = self.fields(m);
        for (name, yaml, _) in &fields {
            out.line(3, &format!("{name}: {yaml}"));
        }
        if m.is_user() {
            out.line(2, "ordering: [username]");
            return;
        }
        if m.timestamps {
            out.line(2, "indexes:");
            out.line(3, "- [owner, created_at]");
            if m.status {
                out.line(3, "- status");
            }
        }
        if m.parent.is_some() && !m.slug {
            out.line(2, "unique_together: [[parent, name]]");
        }
        let has = |n: &str| fields.iter().any(|(f, _, _)| f == n);
        match (m.timestamps, has("priority")) {
            (_, true) => out.line(2, "ordering: [-priority, name]"),
            (true, false) => out.line(2, "ordering: [-created_at]"),
            (false, false) => out.line(2, "ordering: [name]"),
        }
        out.line(2, "filters:");
        out.line(3, "owner: owner.username");
        if m.status {
            out.line(3, "status: status");
        }
        if let Some((_, field)) = m.linked {
            out.line(3, &format!("{}: {field}.name", field.trim_end_matches('s')));
        }
        if m.parent.is_some() {
            out.line(3, "parent: parent");
        }
        if g.is_multiple_of(4) {
            out.line(3, "feed: { field: owner, in: following }");
        }
    }

    fn write_user_types(&self, out: &mut File) {
        for line in [
            "User:",
            "  description: \"The signed-in user, with a fresh token.\"",
            "  from: User",
            "  pick: [email, username, display_name, bio, avatar, role]",
            "  add:",
            "    token: string",
            "Profile:",
            "  from: User",
            "  pick: [username, display_name, bio, avatar]",
            "  add:",
            "    following: { type: bool, source: caller.following.contains }",
            "    following_count: { type: int, source: following.count }",
            "NewUser:",
            "  from: User",
            "  pick: [username, email, display_name]",
            "  add:",
            "    password: { type: string, format: password, min_length: 8, max_length: 128 }",
            "LoginUser:",
            "  fields:",
            "    email: { type: string, format: email, max_length: 255 }",
            "    password: { type: string, format: password, min_length: 1, max_length: 128 }",
            "UserUpdate:",
            "  from: User",
            "  pick: [email, username, display_name, bio, avatar]",
            "  partial: true",
            "  add:",
            "    password: { type: string, format: password, min_length: 8, max_length: 128, optional: true }",
        ] {
            out.line(1, line);
        }
    }

    /// `<M>`, `<M>Summary`, `New<M>`, `<M>Update`; returns how many types were declared.
    fn write_types(&self, out: &mut File, m: &Model) -> usize {
        let g = m.g;
        let name = &m.name;
        let fields = self.fields(m);
        let has = |n: &str| fields.iter().any(|(f, _, _)| f == n);
        let optional_fields: Vec<&str> = ["settings", "description"].into_iter().filter(|f| has(f)).collect();

        out.line(1, &format!("{name}:"));
        out.line(2, &format!("from: {name}"));
        if g.is_multiple_of(2) {
            out.line(2, &format!("omit: [{}]", optional_fields[0]));
        } else {
            let mut pick = vec!["id", "name"];
            pick.extend(["slug", "status", "description", "owner", "parent"].into_iter().filter(|f| has(f)));
            if m.timestamps {
                pick.extend(["created_at", "updated_at"]);
            }
            out.line(2, &format!("pick: [{}]", pick.join(", ")));
        }
        out.line(2, "add:");
        out.line(3, &format!("owner: {{ type: {}, source: owner }}", self.profile(m.app)));
        if m.assignee {
            out.line(3, &format!("assignee: {{ type: {}, source: assignee, optional: true }}", self.profile(m.app)));
        }
        if let Some((p, optional)) = m.parent {
            let summary = self.qualified(m.app, p, &format!("{}Summary", self.models[p].name));
            let opt = if optional { ", optional: true" } else { "" };
            out.line(3, &format!("parent: {{ type: {summary}, source: parent{opt} }}"));
        }
        if let Some((_, field)) = m.linked {
            let one = field.trim_end_matches('s');
            out.line(3, &format!("{one}_names: {{ list: string, source: {field}.name }}"));
            out.line(3, &format!("{field}_count: {{ type: int, source: {field}.count }}"));
        }
        if m.watchers {
            out.line(3, "watched: { type: bool, source: watchers.contains_caller }");
            out.line(3, "watcherCount: { type: bigint, source: watchers.count }");
        }

        out.line(1, &format!("{name}Summary:"));
        out.line(2, &format!("description: \"A {} in lists and as a related object.\"", words(&m.snake)));
        out.line(2, &format!("from: {name}"));
        let mut pick = vec!["id", "name"];
        if m.status {
            pick.push("status");
        }
        out.line(2, &format!("pick: [{}]", pick.join(", ")));

        let writable: Vec<&str> = fields.iter().filter(|(_, _, w)| *w).map(|(n, _, _)| n.as_str()).collect();
        out.line(1, &format!("New{name}:"));
        out.line(2, &format!("from: {name}"));
        out.line(2, &format!("pick: [{}]", writable.join(", ")));
        if let Some((t, field)) = m.linked {
            let one = field.trim_end_matches('s');
            out.line(2, "add:");
            out.line(
                3,
                &format!("{one}_ids: {{ list: {}, max_items: 50, optional: true }}", self.models[t].key.scalar()),
            );
        }

        let updatable: Vec<&str> = writable.iter().copied().filter(|f| !matches!(*f, "slug" | "parent")).collect();
        out.line(1, &format!("{name}Update:"));
        out.line(2, &format!("from: {name}"));
        out.line(2, &format!("pick: [{}]", updatable.join(", ")));
        out.line(2, "partial: true");
        if g.is_multiple_of(2) {
            out.line(2, "add:");
            out.line(3, "reason: { type: string, max_length: 500, description: \"Why, for the audit log\" }");
        }
        4
    }

    fn write_endpoint(&self, out: &mut File, m: &Model, kind: Kind, round: usize, names: &mut Vec<String>) {
        let g = m.g;
        let (s, p) = (&m.snake, &m.plural);
        let name = &m.name;
        let app = &self.apps[m.app].name;
        let (ver, suffix) = if round == 0 {
            (String::new(), String::new())
        } else {
            (format!("/v{}", round + 1), format!("_v{}", round + 1))
        };
        let base = format!("/api{ver}/{}/{}", kebab(app), kebab(p));
        let id = format!("{{ type: {}, description: \"Id of the {}\" }}", m.key.scalar(), words(s));
        let wrapped = |t: &str| if g.is_multiple_of(2) { format!("{{ {s}: {t} }}") } else { t.to_string() };
        let endpoint_name = match kind {
            Kind::List => format!("list_{p}"),
            Kind::Get => format!("get_{s}"),
            Kind::Create => format!("create_{s}"),
            Kind::Update => format!("update_{s}"),
            Kind::Patch => format!("patch_{s}"),
            Kind::Delete => format!("delete_{s}"),
            Kind::Watch => format!("watch_{s}"),
            Kind::Unwatch => format!("unwatch_{s}"),
            Kind::Stats => format!("get_{s}_stats"),
            Kind::Search => format!("search_{p}"),
            Kind::BulkCreate => format!("bulk_create_{p}"),
            Kind::Archive => format!("archive_{s}"),
            Kind::ByOwner => format!("list_{p}_by_owner"),
            Kind::Register => "register".into(),
            Kind::Login => "login".into(),
            Kind::CurrentUser => "current_user".into(),
            Kind::UpdateUser => "update_user".into(),
            Kind::GetProfile => "get_profile".into(),
            Kind::Follow => "follow_user".into(),
            Kind::Unfollow => "unfollow_user".into(),
            Kind::ListUsers => "list_users".into(),
        } + &suffix;
        out.line(1, &format!("{endpoint_name}:"));
        names.push(endpoint_name);
        let l = |out: &mut File, s: &str| out.line(2, s);
        if g.is_multiple_of(2) && !m.is_user() {
            l(out, &format!("tags: [{}]", title(p)));
        }
        match kind {
            Kind::List => {
                l(out, &format!("get: {base}"));
                l(out, &format!("summary: List {}", words(p)));
                l(out, if g.is_multiple_of(3) { "auth: none" } else { "auth: optional" });
                l(out, "query:");
                out.line(3, "q: { type: string, optional: true, max_length: 100, description: \"Matches the name\" }");
                if m.status {
                    out.line(3, "status: { type: enum, values: [draft, active, archived], optional: true }");
                }
                out.line(
                    3,
                    "owner: { type: string, optional: true, max_length: 64, description: \"Owner's username\" }",
                );
                out.paging(3);
                l(out, "responses:");
                out.line(3, "200:");
                let item = if g.is_multiple_of(2) { format!("{name}Summary") } else { name.clone() };
                out.line(4, &format!("items: {{ list: {item} }}"));
                out.line(4, "page: PageInfo");
            }
            Kind::Get => {
                l(out, &format!("get: {base}/{{id}}"));
                l(out, &format!("summary: Get one {}", words(s)));
                l(out, "auth: optional");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, "responses:");
                out.line(3, &format!("200: {}", wrapped(name)));
                l(out, "errors: [not_found]");
            }
            Kind::Create => {
                l(out, &format!("post: {base}"));
                l(out, &format!("summary: Create a {}", words(s)));
                l(out, "auth: required");
                if g % 4 == 1 {
                    l(out, "body:");
                    out.line(3, &format!("{s}: New{name}"));
                    out.line(3, "options:");
                    out.line(4, "optional: true");
                    out.line(4, "fields:");
                    out.line(5, "notify_watchers: { type: bool, default: false }");
                    out.line(5, "idempotency_key: { type: string, max_length: 64, optional: true }");
                } else {
                    l(out, &format!("body: {}", wrapped(&format!("New{name}"))));
                }
                l(out, "responses:");
                out.line(3, &format!("201: {{ {s}: {name} }}"));
                l(out, if m.parent.is_some() { "errors: [not_found, conflict]" } else { "errors: [conflict]" });
            }
            Kind::Update => {
                l(out, &format!("put: {base}/{{id}}"));
                l(out, &format!("summary: Replace a {}", words(s)));
                l(out, "description: \"Only the owner may replace it; every writable field is required.\"");
                l(out, "auth: required");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, &format!("body: {{ {s}: New{name} }}"));
                l(out, "responses:");
                out.line(3, &format!("200: {{ {s}: {name} }}"));
                l(out, "errors: [forbidden, not_found, conflict]");
            }
            Kind::Patch => {
                l(out, &format!("patch: {base}/{{id}}"));
                l(out, &format!("summary: Update some fields of a {}", words(s)));
                l(out, "auth: required");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, &format!("body: {name}Update"));
                l(out, "responses:");
                out.line(3, &format!("200: {name}"));
                l(out, "errors: [forbidden, not_found, validation]");
            }
            Kind::Delete => {
                l(out, &format!("delete: {base}/{{id}}"));
                l(out, &format!("summary: Delete a {}", words(s)));
                l(out, "auth: required");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, "responses:");
                out.line(3, "204: empty");
                l(out, "errors: [forbidden, not_found]");
            }
            Kind::Watch | Kind::Unwatch => {
                let (method, verb) = if kind == Kind::Watch { ("post", "Watch") } else { ("delete", "Stop watching") };
                l(out, &format!("{method}: {base}/{{id}}/watch"));
                l(out, &format!("summary: {verb} a {}", words(s)));
                l(out, "auth: required");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, "responses:");
                out.line(3, &format!("200: {{ {s}: {name} }}"));
                l(out, "errors: [not_found]");
            }
            Kind::Stats => {
                l(out, &format!("get: {base}/stats"));
                l(out, &format!("summary: Counts of {} over time", words(p)));
                l(out, "query:");
                out.line(3, "since: { type: date, optional: true }");
                out.line(3, "until: { type: date, optional: true }");
                out.line(3, "group_by: { type: enum, values: [day, week, month], default: week }");
                l(out, "responses:");
                out.line(3, "200:");
                out.line(4, "total: bigint");
                out.line(4, "buckets:");
                out.line(5, "list:");
                out.line(6, "fields:");
                out.line(7, "starts_on: date");
                out.line(7, "count: bigint");
                out.line(7, "amount: { type: float, optional: true }");
                out.line(5, "max_items: 366");
                out.line(4, "window: { fields: { since: { type: date, optional: true }, until: { type: date, optional: true } } }");
            }
            Kind::Search => {
                l(out, &format!("get: {base}/search"));
                l(out, &format!("summary: Search {}", words(p)));
                l(out, "description: \"Full-text search; every term must match.\"");
                l(out, "auth: optional");
                l(out, "query:");
                out.line(3, "terms: { list: { type: string, min_length: 1, max_length: 64 } }");
                out.line(3, &format!("ids: {{ list: {} }}", m.key.scalar()));
                out.line(3, "min_rating: { type: float, optional: true, min: 0, max: 5 }");
                out.line(3, "active: { type: bool, optional: true }");
                out.line(3, "sort: { type: enum, values: [relevance, newest, name], default: relevance }");
                out.paging(3);
                l(out, "responses:");
                out.line(3, &format!("200: {{ results: {{ list: {name}Summary }}, total: bigint, took_ms: int }}"));
                l(out, "errors: [bad_request, too_many_requests]");
            }
            Kind::BulkCreate => {
                l(out, &format!("post: {base}/bulk"));
                l(out, &format!("summary: Create many {} at once", words(p)));
                l(out, "auth: required");
                l(out, &format!("body: {{ items: {{ list: New{name}, min_items: 1, max_items: 100 }} }}"));
                l(out, "responses:");
                out.line(3, &format!("201: {{ items: {{ list: {name}Summary, max_items: 100 }}, created: int }}"));
                l(out, "errors: [conflict, too_many_requests]");
            }
            Kind::Archive => {
                l(out, &format!("post: {base}/{{id}}/archive"));
                l(out, &format!("summary: Archive a {}", words(s)));
                l(out, "description: \"200 when archived now, 202 when queued behind a running export.\"");
                l(out, "auth: required");
                l(out, "path:");
                out.line(3, &format!("id: {id}"));
                l(out, "responses:");
                out.line(3, &format!("200: {name}Summary"));
                out.line(3, "202: empty");
                l(out, "errors: [forbidden, not_found, conflict]");
            }
            Kind::ByOwner => {
                l(out, &format!("get: /api{ver}/{}/users/{{username}}/{}", kebab(app), kebab(p)));
                l(out, &format!("summary: List a user's {}", words(p)));
                l(out, "auth: optional");
                l(out, "path:");
                out.line(3, "username: { type: string, max_length: 64 }");
                l(out, "query:");
                out.paging(3);
                l(out, "responses:");
                out.line(3, &format!("200: {{ items: {{ list: {name} }}, page: PageInfo }}"));
                l(out, "errors: [not_found]");
            }
            Kind::Register => {
                l(out, &format!("post: /api{ver}/users"));
                l(out, "tags: [Users]");
                l(out, "summary: Register a new user");
                l(out, "body: { user: NewUser }");
                l(out, "responses:");
                out.line(3, "201: { user: User }");
                l(out, "errors: [conflict]");
            }
            Kind::Login => {
                l(out, &format!("post: /api{ver}/users/login"));
                l(out, "tags: [Users]");
                l(out, "summary: Sign in");
                l(out, "body: { user: LoginUser }");
                l(out, "responses:");
                out.line(3, "200: { user: User }");
                l(out, "errors: [unauthorized, too_many_requests]");
            }
            Kind::CurrentUser => {
                l(out, &format!("get: /api{ver}/user"));
                l(out, "tags: [Users]");
                l(out, "summary: The signed-in user");
                l(out, "auth: required");
                l(out, "responses:");
                out.line(3, "200: { user: User }");
                l(out, "errors: [not_found]");
            }
            Kind::UpdateUser => {
                l(out, &format!("put: /api{ver}/user"));
                l(out, "tags: [Users]");
                l(out, "summary: Update the signed-in user");
                l(out, "auth: required");
                l(out, "body: { user: UserUpdate }");
                l(out, "responses:");
                out.line(3, "200: { user: User }");
                l(out, "errors: [not_found, conflict]");
            }
            Kind::GetProfile | Kind::Follow | Kind::Unfollow => {
                let (method, path, summary) = match kind {
                    Kind::GetProfile => ("get", "", "Get a profile"),
                    Kind::Follow => ("post", "/follow", "Follow a user"),
                    _ => ("delete", "/follow", "Unfollow a user"),
                };
                l(out, &format!("{method}: /api{ver}/profiles/{{username}}{path}"));
                l(out, "tags: [Profiles]");
                l(out, &format!("summary: {summary}"));
                l(out, if kind == Kind::GetProfile { "auth: optional" } else { "auth: required" });
                l(out, "path:");
                out.line(3, "username: { type: string, description: \"Username of the profile\" }");
                l(out, "responses:");
                out.line(3, "200: { profile: Profile }");
                l(out, "errors: [not_found]");
            }
            Kind::ListUsers => {
                l(out, &format!("get: /api{ver}/users"));
                l(out, "tags: [Users]");
                l(out, "summary: List profiles");
                l(out, "auth: optional");
                l(out, "query:");
                out.line(3, "role: { type: enum, values: [admin, member, guest], optional: true }");
                out.paging(3);
                l(out, "responses:");
                out.line(3, "200: { profiles: { list: Profile }, page: PageInfo }");
            }
        }
    }

    fn app_header(&self, out: &mut File, k: usize, with_deps: bool) {
        let app = &self.apps[k];
        out.line(0, &format!("app: {}", app.name));
        if with_deps {
            if k == 0 {
                out.line(0, "description: Users, authentication and the shared models.");
            } else {
                out.line(0, &format!("description: The {} models and their API.", app.name));
            }
            if !app.depends_on.is_empty() {
                let deps: Vec<&str> = app.depends_on.iter().map(|&d| self.apps[d].name.as_str()).collect();
                out.line(0, &format!("depends_on: [{}]", deps.join(", ")));
            }
        }
    }

    /// The app's files as (path relative to the spec directory, text).
    fn app_files(&self, k: usize, info: &mut SpecInfo) -> Vec<(String, String)> {
        let app = &self.apps[k];
        let models = &self.models[app.first..app.end];
        let mut a = File::new();
        self.app_header(&mut a, k, true);
        a.line(0, "");
        a.line(0, "models:");
        for m in models {
            self.write_model(&mut a, m);
        }
        let (models_file, mut b) = if app.split {
            let mut b = File::new();
            self.app_header(&mut b, k, false);
            (Some(a), b)
        } else {
            (None, a)
        };
        b.line(0, "");
        b.line(0, "types:");
        b.line(1, "PageInfo:");
        b.line(2, "fields:");
        b.line(3, "limit: int");
        b.line(3, "offset: int");
        b.line(3, "total: bigint");
        b.line(3, "has_more: bool");
        info.types += 1;
        for m in models {
            if m.is_user() {
                self.write_user_types(&mut b);
                info.types += 5;
            } else {
                info.types += self.write_types(&mut b, m);
            }
        }
        b.line(0, "");
        b.line(0, "endpoints:");
        for m in models {
            for &(kind, round) in &m.endpoints {
                self.write_endpoint(&mut b, m, kind, round, &mut info.endpoint_names);
            }
        }
        match models_file {
            Some(a) => vec![(format!("{}/models.yaml", app.name), a.text), (format!("{}/api.yaml", app.name), b.text)],
            None => vec![(format!("{}.yaml", app.name), b.text)],
        }
    }
}

fn project(plan: &Plan) -> String {
    let apps: Vec<&str> = plan.apps.iter().map(|a| a.name.as_str()).collect();
    format!(
        "# A synthetic project for the codegen bench (charter-bench codegen).
title: Synthetic Bench API
version: 1.0.0
description: \"{} apps, {} models, written by charter-bench.\"
servers:
  - url: http://127.0.0.1:8080
    description: local development server
  - https://api.example.com
json_case: camel
auth:
  description: \"A JWT from `POST /api/users/login`.\"
errors:
  validation_status: 422
apps: [{}]
",
        plan.apps.len(),
        plan.models.len(),
        apps.join(", ")
    )
}

/// The spec's files in memory: (path relative to the spec directory, text).
pub fn spec_files(models: usize, endpoints: usize) -> (Vec<(String, String)>, SpecInfo) {
    let plan = plan(models, endpoints);
    let mut info = SpecInfo { apps: plan.apps.len(), ..SpecInfo::default() };
    let mut files = vec![("project.yaml".to_string(), project(&plan))];
    for k in 0..plan.apps.len() {
        files.extend(plan.app_files(k, &mut info));
    }
    info.files = files.len();
    info.lines = files.iter().map(|(_, t)| t.lines().count()).sum();
    info.bytes = files.iter().map(|(_, t)| t.len()).sum();
    (files, info)
}

/// Writes a spec directory with `models` models and `endpoints` endpoints into `dir` (created if needed).
pub fn write_spec(dir: &Path, models: usize, endpoints: usize) -> std::io::Result<SpecInfo> {
    let (files, info) = spec_files(models, endpoints);
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(info)
}

/// How many endpoint shapes there are.
#[cfg(test)]
pub const KINDS: usize = 21;

/// The endpoint kinds a spec of this size uses (to check that a size exercises every shape).
#[cfg(test)]
pub fn kinds(models: usize, endpoints: usize) -> std::collections::BTreeSet<Kind> {
    plan(models, endpoints).models.iter().flat_map(|m| m.endpoints.iter().map(|(k, _)| *k)).collect()
}
