//! The names of the items Charter generates, decided here only.
//!
//! Three crates name generated items: the spec's resolver (to report two things that would generate the
//! same Rust item, with both places shown), the generator (to print them) and the `#[use_case]` macro (to
//! say which hook and types an impl should have). Each asks this crate, so a scheme such as `New{Model}`
//! is spelled once and the three cannot drift apart.
//!
//! Invariant: no dependencies. Everything above depends on this crate; it depends on nothing.

mod case;

pub use case::{camel_case, pascal_case, snake_case, snake_of_pascal};

/// The names of an endpoint's use-case items: the trait, its method (the hook), and the method's input,
/// output and error types. They are what a user's use-case file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookNames {
    pub trait_name: String,
    pub method: String,
    pub input: String,
    pub output: String,
    pub error: String,
}

impl HookNames {
    /// For the endpoint named `endpoint` (snake_case, as the spec requires).
    pub fn of(endpoint: &str) -> HookNames {
        HookNames::new(&pascal_case(endpoint), endpoint)
    }

    /// For the use-case trait `trait_name` (what `#[use_case]` sees in an impl): its hook is the trait's
    /// name in snake_case, as [`HookNames::of`] made the trait from it.
    pub fn of_trait(trait_name: &str) -> HookNames {
        HookNames::new(trait_name, &snake_of_pascal(trait_name))
    }

    fn new(trait_name: &str, method: &str) -> HookNames {
        HookNames {
            input: format!("{trait_name}Input"),
            output: format!("{trait_name}Output"),
            error: format!("{trait_name}Error"),
            method: method.to_owned(),
            trait_name: trait_name.to_owned(),
        }
    }

    /// The items these names put into the endpoint's app module, each with what it is (for messages about
    /// a clash): the trait, then its input, output and error types.
    pub fn items(&self) -> [(&str, &'static str); 4] {
        [(&self.trait_name, "use-case trait"), (&self.input, "Input"), (&self.output, "Output"), (&self.error, "Error")]
    }

    /// `Result<<X>Output, <X>Error>`.
    pub fn result(&self) -> String {
        format!("Result<{}, {}>", self.output, self.error)
    }

    /// The hook's signature as a use case writes it.
    pub fn signature(&self) -> String {
        format!("async fn {}(&self, ctx: &Ctx, input: {}) -> {}", self.method, self.input, self.result())
    }
}

/// The file `charter scaffold` writes an endpoint's use case into, relative to the crate root.
pub fn use_case_file(app: &str, endpoint: &str) -> String {
    format!("src/{app}/{endpoint}.rs")
}

/// The values a new row of `model` needs (its insert type).
pub fn insert_type(model: &str) -> String {
    format!("New{model}")
}

/// The filters of `model`'s `page` query.
pub fn filter_type(model: &str) -> String {
    format!("{model}Filter")
}

/// A model's (and a loaded type's) lookup by the unique column `column`.
pub fn get_by_fn(column: &str) -> String {
    format!("get_by_{column}")
}

/// The functions a model has for its many-to-many relation `relation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFns {
    pub add: String,
    pub remove: String,
    /// The `(row, target)` key pairs of a batch of rows.
    pub keys: String,
    pub counts: String,
    pub linked_to: String,
    pub targets_of: String,
}

pub fn link_fns(relation: &str) -> LinkFns {
    LinkFns {
        add: format!("add_{relation}"),
        remove: format!("remove_{relation}"),
        keys: format!("{relation}_keys"),
        counts: format!("{relation}_counts"),
        linked_to: format!("{relation}_linked_to"),
        targets_of: format!("{relation}_targets_of"),
    }
}

/// The function serde calls for the default of field `field` in a draft (drafts have a module of their
/// own, so the type's name is not needed).
pub fn draft_default_fn(field: &str) -> String {
    format!("__default_{field}")
}

/// The row type of one link of `model`'s many-to-many relation `relation`.
pub fn link_type(model: &str, relation: &str) -> String {
    format!("{model}{}Link", pascal_case(relation))
}

/// The row type of a count per key of `model`'s many-to-many relation `relation`.
pub fn link_count_type(model: &str, relation: &str) -> String {
    format!("{model}{}Count", pascal_case(relation))
}

/// The type of an enum declared inline on field `field` of `owner` (a model, a type or an endpoint's
/// parameter list, in PascalCase).
pub fn inline_type(owner: &str, field: &str) -> String {
    format!("{owner}{}", pascal_case(field))
}

/// The private module beside app `app`'s module that holds its endpoints' handlers. App names are
/// snake_case starting with a letter, so no app module can take this name.
pub fn handlers_module(app: &str) -> String {
    format!("__{app}_handlers")
}

/// The handler of endpoint `endpoint`, in its app's handlers module.
pub fn handler_fn(endpoint: &str) -> String {
    format!("handle_{endpoint}")
}

/// The function that reads endpoint `endpoint`'s request into its input, beside its handler.
pub fn read_fn(endpoint: &str) -> String {
    format!("read_{endpoint}")
}

/// The variant of an endpoint's output enum answering with `status`.
pub fn status_variant(status: u16) -> String {
    format!("Status{status}")
}

/// The constant holding the `max_items` of list field `field`.
pub fn max_items_const(field: &str) -> String {
    format!("{}_MAX_ITEMS", field.to_ascii_uppercase())
}

/// The function serde calls for the default of field `field` of type `ty`.
pub fn default_fn(ty: &str, field: &str) -> String {
    format!("__default_{}_{field}", snake_case(ty))
}

/// The row a type's `get` reads (only the columns the type picks from its model).
pub fn picked_row(ty: &str) -> String {
    format!("__{ty}Picked")
}

/// The row a type's loader reads, and the constant holding its `SELECT`.
pub fn loader_row(ty: &str) -> String {
    format!("__{ty}Row")
}

pub fn loader_select(ty: &str) -> String {
    format!("__{ty}_SELECT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_names_round_trip_through_the_trait_name() {
        let of = HookNames::of("create_article");
        assert_eq!(of.trait_name, "CreateArticle");
        assert_eq!(of.input, "CreateArticleInput");
        assert_eq!(HookNames::of_trait("CreateArticle"), of);
        assert_eq!(
            of.signature(),
            "async fn create_article(&self, ctx: &Ctx, input: CreateArticleInput) -> Result<CreateArticleOutput, CreateArticleError>"
        );
    }
}
