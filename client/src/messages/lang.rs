//! The customer's language (`--lang`) and the output format (`--output`):
//! a leaf, below everything that words or prints.

/// The language of the messages (`--lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Japanese, the manual's messages (default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Picks the text for this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// How results are printed (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// One message line, then detail lines (default).
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
}
