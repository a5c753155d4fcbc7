//! Each loadable type's loader strategy, decided before its loader is printed.

/// How a type's `load` (and, for `Direct`, `page` and `get`) gets its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderStrategy {
    /// One statement computes every `source:` field and reads the plain columns too: `load`, a page and a
    /// row all come from it.
    Direct,
    /// Plain fields come from the model rows given to `load`; computed ones from one statement over their
    /// keys, and from a statement of its own for each field SQL cannot carry on both backends (a
    /// fallback). `owned`: the statement's rows are moved into the type; with a fallback they are
    /// borrowed (a fallback reads them too), and non-`Copy` columns are cloned.
    Load { owned: bool },
}

/// What a type's computed fields need, found by trying each on the loader's statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Computed {
    /// Some field is a column of the loader's statement.
    pub in_statement: bool,
    /// Some field SQL cannot carry takes a fallback statement.
    pub fallback: bool,
}

impl LoaderStrategy {
    pub fn of(computed: Computed) -> LoaderStrategy {
        match (computed.in_statement, computed.fallback) {
            (true, false) => LoaderStrategy::Direct,
            (true, true) => LoaderStrategy::Load { owned: false },
            (false, _) => LoaderStrategy::Load { owned: true },
        }
    }

    pub fn owned(self) -> bool {
        match self {
            LoaderStrategy::Direct => true,
            LoaderStrategy::Load { owned } => owned,
        }
    }
}
