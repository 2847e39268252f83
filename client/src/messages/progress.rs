//! D4.4's "processing" screen: the progress lines on stderr.

use std::io::Write;

use super::lang::{Lang, OutputFormat};
use super::text::{Stage, Text};

/// D4.4's "processing" screen: one short, stable line on stderr per stage
/// of the network work, in the customer's language. Text mode only (JSON
/// output stays one object), terminal or not.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    lang: Lang,
    on: bool,
}

impl Progress {
    /// Progress for `format`: shown in text mode only.
    pub fn new(lang: Lang, format: OutputFormat) -> Self {
        Self {
            lang,
            on: format == OutputFormat::Text,
        }
    }

    /// No progress lines at all.
    pub fn off() -> Self {
        Self {
            lang: Lang::Ja,
            on: false,
        }
    }

    /// A line that belongs with the progress lines (stderr, text mode).
    pub fn note(&self, line: &str) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{line}");
            let _ = err.flush();
        }
    }

    /// Says that `stage` begins.
    pub fn show(&self, stage: Stage) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}", Text::Progress(stage).render(self.lang));
            let _ = err.flush();
        }
    }
}
