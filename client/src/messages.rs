//! The one catalogue of customer-facing messages (STYLE 7).
//!
//! Every outcome of a command belongs to one [`Class`]; each class has its
//! exit code and its message in Japanese (the manual's words, byte for byte,
//! where the manual has words) and English (ours). Nothing else in the crate
//! prints a class message: commands return an [`Outcome`] and `main` renders
//! it with [`Outcome::render`]. The words, Japanese beside English, are in
//! `messages/catalogue/`: the class lines and remedies (`classes.rs`),
//! every other line (named by [`Text`]) and every error's detail.
//!
//! The domain modules (`selection`, `trust`, `confirm`) return data and
//! word nothing; `present` is the one layer that turns their outcomes and
//! the errors into an [`Outcome`] with the catalogue's lines, and words
//! their questions ([`Asking`]). Inside, the modules form layers: `lang`
//! and `class` are leaves, `outcome` and `text` sit on them, the
//! catalogue words `text`'s values, `present` is the top.

mod catalogue;
pub(crate) mod class;
pub(crate) mod lang;
mod outcome;
mod present;
mod progress;
mod text;

pub use class::{Class, Success};
pub use lang::{Lang, OutputFormat};
pub use outcome::Outcome;
pub use present::{Asking, failure_name, host_table, verify_outcome};
pub use progress::Progress;
pub use text::{HOSTS, Stage, Text};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
