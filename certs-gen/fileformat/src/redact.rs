//! The one masking rule for file errors (world, case, spec and profile
//! files all quote their lines through [`crate::error_at`]): a password
//! never reaches an error message, even from a file that is not valid TOML
//! yet.
//!
//! The rule:
//! 1. A key is *password-like* when its name, in any case, contains `pass`,
//!    `pasw` (`pasword`, `passwd`), `pw` (`pwd`), `secret`, `token`,
//!    `phrase` or `cred`; bare, quoted (`"pass" = ...`) or the last part of
//!    a dotted key (`account.password = ...`).
//! 2. Its value is masked, whatever its form: a bare value (number, date,
//!    word) up to `,`, `}`, `]`, `#` or the line's end; a basic or literal
//!    string; a multi-line basic or literal string over all its lines. In
//!    an array (over several lines if it spans them) every element is
//!    masked; in an inline table every value, except in a table that is an
//!    array's element (`password_change = [{ at = "-30d", password = "x" }]`),
//!    where only the values of password-like keys are (the `at` stays
//!    readable). An unterminated value runs to the end of its line
//!    (one-line forms) or of the file (multi-line forms and brackets).
//! 3. A quoted line shows `***` wherever it overlaps a masked value, so a
//!    line inside a multi-line password shows as `***`.
//! 4. In the error's message, every masked value is replaced by `***` as
//!    written, without its quotes, unescaped, and line by line, when it is
//!    4 characters or longer; a shorter one only where it stands quoted
//!    (`"ab"`, `'ab'`, `` `ab` ``), so a one-letter password does not
//!    garble every word.
//!
//! It is a scanner, not a TOML parser: the text being reported on is often
//! broken. It may mask more than a value (a `pass = x` inside another
//! string), never less.

use std::ops::Range;
use std::sync::OnceLock;

/// What a masked value reads as.
pub const MASK: &str = "***";

/// The substrings of a key name that make it password-like (rule 1).
pub const SECRET_WORDS: [&str; 7] = ["pass", "pasw", "pw", "secret", "token", "phrase", "cred"];

/// The byte ranges of every password-like key's value in `text` (rule 2),
/// in order, not overlapping.
pub fn secret_spans(text: &str) -> Vec<Range<usize>> {
    static KEY: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let Some(re) = KEY.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)(?:^|[\s{,])(?:[A-Za-z0-9_-]+\.)*(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*=[ \t]*"#,
        )
        .ok()
    }) else {
        // No regex: mask every line rather than risk showing a password.
        return std::iter::once(0..text.len()).collect();
    };
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut from = 0;
    while let Some(m) = re.find_at(text, from) {
        let key = last_key(m.as_str());
        let value_start = m.end();
        from = m.end().max(m.start() + 1);
        if !is_secret_key(key) {
            continue;
        }
        let end = value_end(text, value_start);
        if end > value_start {
            if spans.last().is_some_and(|s| s.end > value_start) {
                continue;
            }
            if text[value_start..].starts_with(['[', '{']) {
                spans.extend(bracket_scalars(text, value_start..end));
            } else {
                spans.push(value_start..end);
            }
            from = end;
        }
    }
    spans
}

/// The last key of a `a.b."c" =` match, without quotes.
fn last_key(matched: &str) -> &str {
    let before_eq = matched.trim_start_matches([' ', '\t', '\n', '\r', '{', ',']);
    let key = before_eq.split('=').next().unwrap_or("").trim();
    let last = key.rsplit('.').next().unwrap_or(key);
    last.trim_matches(|c| c == '"' || c == '\'')
}

/// Rule 1.
pub fn is_secret_key(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// Where the value starting at `start` ends (rule 2).
fn value_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i);
    if rest.starts_with("\"\"\"") {
        return closing(text, start + 3, "\"\"\"", true).unwrap_or(text.len());
    }
    if rest.starts_with("'''") {
        return closing(text, start + 3, "'''", false).unwrap_or(text.len());
    }
    match rest.chars().next() {
        None | Some('\n') | Some('\r') => start,
        Some('"') => closing(text, start + 1, "\"", true)
            .filter(|e| !text[start..*e].contains('\n'))
            .unwrap_or_else(|| line_end(start)),
        Some('\'') => closing(text, start + 1, "'", false)
            .filter(|e| !text[start..*e].contains('\n'))
            .unwrap_or_else(|| line_end(start)),
        Some('[') | Some('{') => bracketed(text, start),
        Some(_) => {
            let stop = rest
                .find([',', '}', ']', '#', '\n', '\r'])
                .unwrap_or(rest.len());
            start + rest[..stop].trim_end().len()
        }
    }
}

/// The masked scalars of the array or inline table at `range` (rule 2):
/// each level knows whether all its values are masked or only those of
/// password-like keys.
fn bracket_scalars(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    struct Level {
        table: bool,
        all: bool,
        key: Option<String>,
        after_eq: bool,
    }
    let mut out = Vec::new();
    let mut stack: Vec<Level> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = range.start;
    // Whether a scalar (or bracket) here is a masked value, and its level.
    let masked_here = |stack: &[Level]| match stack.last() {
        None => true,
        Some(l) if l.table => l.after_eq && (l.all || l.key.as_deref().is_some_and(is_secret_key)),
        Some(l) => l.all,
    };
    while i < range.end {
        let c = bytes[i];
        match c {
            b'[' | b'{' => {
                let inherited = masked_here(&stack);
                let in_array = stack.last().is_some_and(|l| !l.table);
                let table = c == b'{';
                stack.push(Level {
                    table,
                    // A table that is an array's element masks only the
                    // values of password-like keys.
                    all: inherited && !(table && in_array),
                    key: None,
                    after_eq: false,
                });
                i += 1;
            }
            b']' | b'}' => {
                stack.pop();
                if stack.is_empty() {
                    break;
                }
                i += 1;
            }
            b',' => {
                if let Some(l) = stack.last_mut() {
                    l.key = None;
                    l.after_eq = false;
                }
                i += 1;
            }
            b'=' => {
                if let Some(l) = stack.last_mut() {
                    l.after_eq = true;
                }
                i += 1;
            }
            b'#' => i = text[i..].find('\n').map_or(range.end, |n| i + n),
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                let end = if c == b'"' || c == b'\'' {
                    let q = if c == b'"' { "\"" } else { "'" };
                    let triple = q.repeat(3);
                    if text[i..].starts_with(&triple) {
                        closing(text, i + 3, &triple, c == b'"')
                    } else {
                        closing(text, i + 1, q, c == b'"')
                    }
                    .unwrap_or(range.end)
                } else {
                    text[i..range.end]
                        .find(|ch: char| {
                            matches!(ch, ',' | ']' | '}' | '=' | '#' | '[' | '{')
                                || ch.is_whitespace()
                        })
                        .map_or(range.end, |n| i + n)
                };
                // At least the whole character at `start` (a bare token may
                // begin with a multi-byte one in a damaged file).
                let width = text[start..].chars().next().map_or(1, char::len_utf8);
                let end = end.min(range.end).max(start + width);
                let is_key = stack.last().is_some_and(|l| l.table && !l.after_eq);
                if is_key {
                    if let Some(l) = stack.last_mut() {
                        let name = text[start..end].trim_matches(|ch| ch == '"' || ch == '\'');
                        let name = name.rsplit('.').next().unwrap_or(name);
                        l.key = Some(name.to_owned());
                    }
                } else if masked_here(&stack) {
                    out.push(start..end);
                }
                i = end;
            }
        }
    }
    out
}

/// The end (past the delimiter) of a string whose content starts at
/// `from`, closed by `delimiter`; backslash escapes count in basic strings.
fn closing(text: &str, from: usize, delimiter: &str, escapes: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        // Bytes, not `text[i..]`: `i` may sit inside a multi-byte
        // character (the case files are Japanese).
        if bytes[i..].starts_with(delimiter.as_bytes()) {
            // `""""` closes a multi-line string with a quote inside it.
            let mut end = i + delimiter.len();
            if delimiter.len() == 3 {
                while end < bytes.len() && end - i < 5 && bytes[end] == delimiter.as_bytes()[0] {
                    end += 1;
                }
            }
            return Some(end);
        }
        i += 1;
    }
    None
}

/// The end of an array or inline table starting at `start`, strings and
/// nesting counted; the end of the file when it never closes.
fn bracketed(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' | b'\'' => {
                let q = if bytes[i] == b'"' { "\"" } else { "'" };
                let triple = text[i..].starts_with(&q.repeat(3));
                let (from, delim) = if triple {
                    (i + 3, q.repeat(3))
                } else {
                    (i + 1, q.to_owned())
                };
                i = closing(text, from, &delim, q == "\"").unwrap_or(text.len());
                continue;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// The line `range` of `text` with every part of a masked value replaced by
/// [`MASK`] (rule 3).
pub fn mask_range(text: &str, range: Range<usize>, spans: &[Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = range.start;
    for span in spans {
        let (s, e) = (span.start.max(range.start), span.end.min(range.end));
        if s >= e {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(MASK);
        at = e;
    }
    out.push_str(&text[at..range.end]);
    out
}

/// The forms of the masked values that must not appear in a message, and
/// whether each may only be masked where it stands quoted (rule 4); the
/// longest first.
pub fn secret_forms(text: &str, spans: &[Range<usize>]) -> Vec<(String, bool)> {
    let mut forms: Vec<String> = Vec::new();
    for span in spans {
        let raw = &text[span.clone()];
        forms.push(raw.to_owned());
        let inner = raw
            .trim_start_matches(['"', '\'', '[', '{'])
            .trim_end_matches(['"', '\'', ']', '}']);
        forms.push(inner.to_owned());
        forms.push(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
        for line in inner.lines() {
            let line = line.trim().trim_end_matches(',');
            forms.push(line.to_owned());
            forms.push(line.trim_matches(|c| c == '"' || c == '\'').to_owned());
        }
    }
    let mut out: Vec<(String, bool)> = forms
        .into_iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| {
            let short = f.chars().count() < 4;
            (f, short)
        })
        .collect();
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    out.dedup();
    out
}

/// One TOML line with the value of every password-like key masked by the
/// rule; also the masked values' forms, longest first.
pub fn mask_secrets(line: &str) -> (String, Vec<String>) {
    let spans = secret_spans(line);
    let masked = mask_range(line, 0..line.len(), &spans);
    let forms = secret_forms(line, &spans)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    (masked, forms)
}

/// `message` with every form of a masked value replaced (rule 4).
pub fn mask_message(message: &str, forms: &[(String, bool)]) -> String {
    let mut message = message.to_owned();
    for (form, short) in forms {
        if *short {
            for (open, close) in [("\"", "\""), ("'", "'"), ("`", "`")] {
                message = message.replace(
                    &format!("{open}{form}{close}"),
                    &format!("{open}{MASK}{close}"),
                );
            }
        } else {
            message = message.replace(form.as_str(), MASK);
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key names that must be masked, generated from the words and the ways
    /// people spell and compose them.
    fn secret_keys() -> Vec<String> {
        let mut keys = Vec::new();
        for word in [
            "pass",
            "password",
            "passwd",
            "pasword",
            "passphrase",
            "pw",
            "pwd",
            "secret",
            "token",
            "credential",
        ] {
            for key in [
                word.to_owned(),
                word.to_uppercase(),
                format!("new_{word}"),
                format!("{word}_old"),
                format!("admin-{word}"),
                format!("x.{word}"),
                format!("\"{word}\""),
                format!("'{word}'"),
            ] {
                keys.push(key);
            }
        }
        keys
    }

    /// Every way a value can be written, with the secret in it.
    fn forms(secret: &str) -> Vec<String> {
        vec![
            format!("\"{secret}\""),
            format!("'{secret}'"),
            format!("\"\"\"\n{secret}\nsecond-{secret}\n\"\"\""),
            format!("'''{secret}\n  second-{secret}\n'''"),
            format!("[\"{secret}\", \"second-{secret}\"]"),
            format!("[\n  \"{secret}\",\n  \"second-{secret}\",\n]"),
            format!("{{ value = \"{secret}\" }}"),
            format!("\"{secret}"),
            format!("\"\"\"\n{secret}\n"),
        ]
    }

    #[test]
    fn no_form_of_a_password_reaches_an_error() {
        let mut n = 0;
        for key in secret_keys() {
            for (i, form) in forms("12345678").into_iter().enumerate() {
                let secret = format!("S3cr3t{n}x{i}");
                let value = form.replace("12345678", &secret);
                let text =
                    format!("[[account]]\nid = \"a\"\n{key} = {value}\nexpires = \"-10d\"\n");
                n += 1;
                // An error at every offset of the file, quoting the secret
                // in its message as serde and toml do.
                for offset in 0..text.len() {
                    if !text.is_char_boundary(offset) {
                        continue;
                    }
                    let message = format!("invalid type: string \"{secret}\", expected `{secret}`");
                    let shown = crate::error_at("w.toml", &text, offset, &message);
                    assert!(
                        !shown.contains(&secret),
                        "{key} = {value:?} at {offset}:\n{shown}"
                    );
                }
            }
        }
        assert!(n > 500, "{n} cases");
    }

    #[test]
    fn other_values_and_short_passwords_stay_readable() {
        let text = "message = \"550:...\"\nexit = 5\npass = \"b\"\nname = \"bob\"\n";
        let spans = secret_spans(text);
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].clone()], "\"b\"");
        let forms = secret_forms(text, &spans);
        assert_eq!(
            mask_message("unknown field `bob`, b: expected \"b\"", &forms),
            "unknown field `bob`, b: expected \"***\""
        );
        let line = 0..text.find('\n').unwrap();
        assert_eq!(mask_range(text, line, &spans), "message = \"550:...\"");
        for key in ["name", "message", "exit", "id", "expires", "compass_x"] {
            assert_eq!(is_secret_key(key), key.contains("pass"), "{key}");
        }
    }

    #[test]
    fn damaged_japanese_text_never_panics_and_masks_on_character_boundaries() {
        let text = "[[account]]\nid = \"acme\"\npassword = \"Acme-2026-pass\"\n\
                    [[step]]\npassword = \"acme-2026-pass\"\n[step.expect]\n\
                    message = \"550:証明書ファイルは取得できませんでした。認証に失敗しました。\"\n\
                    output = [\"電子証明書有効期限 28 日前時点のログインパスワード\"]\n\
                    pass = { old = \"旧パスワード\", new = '''新\nパスワード''' }\n";
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        for (a, &i) in bounds.iter().enumerate() {
            for &j in bounds.iter().skip(a + 1).take(48) {
                let damaged = format!("{}{}", &text[..i], &text[j..]);
                let spans = secret_spans(&damaged);
                for s in &spans {
                    assert!(damaged.is_char_boundary(s.start) && damaged.is_char_boundary(s.end));
                }
                let _ = mask_range(&damaged, 0..damaged.len(), &spans);
                let _ = secret_forms(&damaged, &spans);
            }
        }
    }
}
