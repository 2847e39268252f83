//! What a world's checks fail with, a leaf below `world` and its tables.

use fileformat::Seg;

/// What a world's checks refuse: where (the key path from the top of the
/// file, which `from_toml` turns into `file:line:column`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// The offending key's path (empty: the table as a whole).
    pub at: Vec<Seg>,
    /// Why, as the message says it.
    pub why: String,
}

impl Invalid {
    pub(crate) fn new(at: Vec<Seg>, why: impl Into<String>) -> Self {
        Self {
            at,
            why: why.into(),
        }
    }

    /// The same error found inside the table at `prefix` (a table's own
    /// check names keys from the table).
    pub(crate) fn under(mut self, mut prefix: Vec<Seg>) -> Self {
        prefix.append(&mut self.at);
        self.at = prefix;
        self
    }
}
