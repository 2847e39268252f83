//! What a command ends with, and how it is printed (text or JSON).

use std::io::Write;

use serde_json::{Map, Value};

use super::class::{Class, Success};
use super::lang::{Lang, OutputFormat};

/// What a command ends with: its class, detail lines for people and detail
/// fields for machines.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The class: exit code and message.
    pub class: Class,
    /// Lines printed after the message in text mode.
    pub lines: Vec<String>,
    /// The `details` object of JSON output.
    pub details: Map<String, Value>,
}

impl Outcome {
    /// An outcome of `class` with no details yet.
    pub fn new(class: Class) -> Self {
        Self {
            class,
            lines: Vec::new(),
            details: Map::new(),
        }
    }

    /// A success of kind `s`.
    pub fn success(s: Success) -> Self {
        Self::new(Class::Success(s))
    }

    /// Adds a detail line for people.
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Adds a detail field for machines.
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Adds the class's remedy lines (and the `remedy` field).
    pub fn with_remedy(mut self, lang: Lang) -> Self {
        let remedy = self.class.remedy(lang);
        if !remedy.is_empty() {
            self.lines.extend(remedy.iter().map(|s| (*s).to_owned()));
            self.details.insert(
                "remedy".into(),
                Value::Array(remedy.iter().map(|s| Value::from(*s)).collect()),
            );
        }
        self
    }

    /// Adds remedy lines of the caller's choosing (and the `remedy` field).
    pub fn with_remedy_lines(mut self, remedy: Vec<String>) -> Self {
        if !remedy.is_empty() {
            self.lines.extend(remedy.iter().cloned());
            self.details.insert(
                "remedy".into(),
                Value::Array(remedy.into_iter().map(Value::from).collect()),
            );
        }
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.class.exit_code()
    }

    /// The JSON object of `--output json`.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut obj = Map::new();
        obj.insert("class".into(), self.class.name().into());
        obj.insert("exit_code".into(), self.class.exit_code().into());
        obj.insert("message".into(), self.class.message(lang).into());
        obj.insert("details".into(), Value::Object(self.details.clone()));
        Value::Object(obj)
    }

    /// Prints the outcome: text mode puts the message on stdout for a success
    /// and on stderr for a failure, detail lines after it on the same stream;
    /// JSON mode writes one object on stdout.
    pub fn render(
        &self,
        lang: Lang,
        format: OutputFormat,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> std::io::Result<()> {
        match format {
            OutputFormat::Json => {
                let json = self.to_json(lang);
                writeln!(stdout, "{json}")?;
                stdout.flush()
            }
            OutputFormat::Text => {
                let out: &mut dyn Write = if matches!(self.class, Class::Success(_)) {
                    stdout
                } else {
                    stderr
                };
                writeln!(out, "{}", self.class.message(lang))?;
                for line in &self.lines {
                    writeln!(out, "{line}")?;
                }
                out.flush()
            }
        }
    }
}
