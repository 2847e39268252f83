//! The one catalogue of customer-facing messages (STYLE 7).
//!
//! Every outcome of a command belongs to one [`Class`]; each class has its
//! exit code and its message in Japanese (the manual's words, byte for byte,
//! where the manual has words) and English (ours). Nothing else in the crate
//! prints a class message: commands return an [`Outcome`] and `main` renders
//! it with [`Outcome::render`]. The words, Japanese beside English, are in
//! `messages/catalogue/`: the class lines and remedies (`classes.rs`),
//! every other line (named by [`Text`]) and every error's detail.

use std::fmt;
use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value};

mod catalogue;
mod text;
pub use text::{HOSTS, Stage, Text};

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

/// What kind of success a command had; each has its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Success {
    /// `renew`: the new certificate is stored with its chain (D4.6).
    Renewed,
    /// `list`: candidates shown.
    Listed,
    /// `check`: all three hosts answered (D3.1).
    Reachable,
    /// `verify`: the confirmation page showed success (D5.1).
    Confirmed,
    /// `import`: the identity is in the store.
    Imported,
    /// `export`: the PKCS#12 file is written.
    Exported,
    /// `roots`: trusted roots shown.
    Roots,
    /// `roots add`: the root is in the trust list (D4.5).
    RootAdded,
}

/// The class of an outcome: one exit code and one message each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Success of some kind (exit 0).
    Success(Success),
    /// A bug or an impossible state (exit 1).
    Internal,
    /// A command line that cannot be carried out (exit 2).
    Usage,
    /// `115:データの問合せに失敗しました。` (exit 3, D6.1).
    E115,
    /// `証明書がありません。` (exit 4, D6.2, D6.3).
    NoCert,
    /// `550:...認証に失敗しました。` (exit 5, D6.4-D6.8).
    E550A,
    /// `550:...既に証明書を取得済みです。` (exit 6, D6.9, D6.10).
    E550F,
    /// The CA's root was not trusted: declined or wrong thumbprint (exit 7, D4.5).
    RootNotTrusted,
    /// `証明書をインポートできませんでした。` (exit 8, D8.3).
    EImport,
    /// The confirmation page did not show success (exit 9, D6.11).
    EConfirm,
}

impl Class {
    /// Every failure class, for tests and documentation.
    pub const FAILURES: [Class; 9] = [
        Class::Internal,
        Class::Usage,
        Class::E115,
        Class::NoCert,
        Class::E550A,
        Class::E550F,
        Class::RootNotTrusted,
        Class::EImport,
        Class::EConfirm,
    ];

    /// The process exit code (DESIGN "The client").
    pub fn exit_code(self) -> u8 {
        match self {
            Class::Success(_) => 0,
            Class::Internal => 1,
            Class::Usage => 2,
            Class::E115 => 3,
            Class::NoCert => 4,
            Class::E550A => 5,
            Class::E550F => 6,
            Class::RootNotTrusted => 7,
            Class::EImport => 8,
            Class::EConfirm => 9,
        }
    }

    /// The class name in JSON output and on the wire (`E115`, `ENOCERT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Class::Success(_) => "success",
            Class::Internal => "EINTERNAL",
            Class::Usage => "EUSAGE",
            Class::E115 => "E115",
            Class::NoCert => "ENOCERT",
            Class::E550A => "E550A",
            Class::E550F => "E550F",
            Class::RootNotTrusted => "EROOT",
            Class::EImport => "EIMPORT",
            Class::EConfirm => "ECONFIRM",
        }
    }

    /// The class of a problem `class` on the wire (docs/protocol.md 2.5), for
    /// the three the customer sees; `None` for anything else.
    pub fn from_wire(class: &str) -> Option<Class> {
        match class {
            "ENOCERT" => Some(Class::NoCert),
            "E550A" => Some(Class::E550A),
            "E550F" => Some(Class::E550F),
            _ => None,
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manuals_messages_are_byte_exact() {
        assert_eq!(
            Class::E115.message(Lang::Ja),
            "115:データの問合せに失敗しました。"
        );
        assert_eq!(Class::NoCert.message(Lang::Ja), "証明書がありません。");
        assert_eq!(
            Class::E550A.message(Lang::Ja),
            "550:証明書ファイルは取得できませんでした。認証に失敗しました。"
        );
        assert_eq!(
            Class::E550F.message(Lang::Ja),
            "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。"
        );
        assert_eq!(
            Class::EImport.message(Lang::Ja),
            "証明書をインポートできませんでした。"
        );
        // Full-width punctuation, not ASCII.
        assert!(Class::E115.message(Lang::Ja).ends_with('\u{3002}'));
        assert!(!Class::E550A.message(Lang::Ja).contains('.'));
    }

    #[test]
    fn exit_codes_follow_the_design_table() {
        let codes: Vec<(&str, u8)> = Class::FAILURES
            .iter()
            .map(|c| (c.name(), c.exit_code()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("EINTERNAL", 1),
                ("EUSAGE", 2),
                ("E115", 3),
                ("ENOCERT", 4),
                ("E550A", 5),
                ("E550F", 6),
                ("EROOT", 7),
                ("EIMPORT", 8),
                ("ECONFIRM", 9),
            ]
        );
        assert_eq!(Class::Success(Success::Renewed).exit_code(), 0);
    }

    #[test]
    fn every_message_is_one_line_in_both_languages() {
        for c in Class::FAILURES {
            for lang in [Lang::Ja, Lang::En] {
                let m = c.message(lang);
                assert!(!m.is_empty() && !m.contains('\n'), "{c}: {m:?}");
            }
        }
    }

    #[test]
    fn wire_classes_map_to_the_customer_classes() {
        assert_eq!(Class::from_wire("ENOCERT"), Some(Class::NoCert));
        assert_eq!(Class::from_wire("E550A"), Some(Class::E550A));
        assert_eq!(Class::from_wire("E550F"), Some(Class::E550F));
        assert_eq!(Class::from_wire("bad_ticket"), None);
    }

    #[test]
    fn text_failures_go_to_stderr_and_successes_to_stdout() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Outcome::new(Class::E115)
            .line("repo1.secomtrust.net: refused")
            .render(Lang::Ja, OutputFormat::Text, &mut out, &mut err)
            .unwrap();
        assert!(out.is_empty());
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "115:データの問合せに失敗しました。\nrepo1.secomtrust.net: refused\n"
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Outcome::success(Success::Imported)
            .render(Lang::En, OutputFormat::Text, &mut out, &mut err)
            .unwrap();
        assert!(err.is_empty());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "the certificate was imported\n"
        );
    }

    #[test]
    fn json_is_one_object_with_class_code_message_details() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        Outcome::new(Class::E550F)
            .field("host", "webra2.secomtrust.net")
            .render(Lang::Ja, OutputFormat::Json, &mut out, &mut err)
            .unwrap();
        assert!(err.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["class"], "E550F");
        assert_eq!(v["exit_code"], 6);
        assert_eq!(v["message"], Class::E550F.message(Lang::Ja));
        assert_eq!(v["details"]["host"], "webra2.secomtrust.net");
    }
}
