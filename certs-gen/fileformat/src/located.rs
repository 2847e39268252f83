//! `file:line:column: message` with the line quoted: how every file error
//! of the workspace reads.

use crate::redact;
use crate::span::{Seg, line_column, line_range, offset_of};

/// Formats a TOML error as `path:line:column: message` with the line quoted.
pub fn toml_error(path: &str, text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end();
    match err.span() {
        Some(span) => error_at(path, text, span.start, message),
        None => format!("{path}: {message}"),
    }
}

/// `path:line:column: message`, then the line at `offset` quoted with a
/// caret under the column: how every file error of the workspace reads.
/// Values of password-like keys anywhere in the file are masked by the one
/// rule of the `redact` module (on [`crate::is_secret_key`]), in the quote
/// (a line inside a multi-line password included) and in the message, so a
/// typo in a file that holds a password never prints it.
pub fn error_at(path: &str, text: &str, offset: usize, message: &str) -> String {
    let (line, column) = line_column(text, offset);
    let spans = redact::secret_spans(text);
    let range = line_range(text, line);
    let quoted = redact::mask_range(text, range, &spans);
    let message = redact::mask_message(message, &redact::secret_forms(text, &spans));
    format!(
        "{path}:{line}:{column}: {message}\n  |\n{line:>3} | {quoted}\n  | {caret:>width$}",
        caret = "^",
        width = column
    )
}

/// A semantic error at the value `path` points to, in the form of
/// [`error_at`] (`file: message` when the text is not TOML).
pub fn error_at_path(file: &str, text: &str, path: &[Seg], message: &str) -> String {
    match offset_of(text, path) {
        Some(offset) => error_at(file, text, offset, message),
        None => format!("{file}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask_secrets;

    #[test]
    fn the_line_is_quoted_with_a_caret_under_the_column() {
        let text = "[x]\nname = 1\n";
        assert_eq!(
            error_at("f.toml", text, 11, "invalid type"),
            "f.toml:2:8: invalid type\n  |\n  2 | name = 1\n  |        ^"
        );
        let err = toml::from_str::<toml::Table>("a = \n").unwrap_err();
        assert!(
            toml_error("g.toml", "a = \n", &err).starts_with("g.toml:1:"),
            "{err}"
        );
        assert_eq!(error_at_path("h", "a = ", &[], "why"), "h: why");
    }

    #[test]
    fn password_values_never_reach_an_error() {
        for (line, secret) in [
            ("password = 12345678", "12345678"),
            (r#"pasword = "Sup3r-secret""#, "Sup3r-secret"),
            (
                r#"password_change = [{ at = "soon", password = "N3w-secret" }]"#,
                "N3w-secret",
            ),
            ("passphrase = 'changeit'", "changeit"),
            (
                r#"admin = { action = "change_password", account = "acme", password = "Ne\"w" }"#,
                "Ne\\\"w",
            ),
            (r#"  pwd="x-1", other = 2"#, "x-1"),
        ] {
            let text = format!("[x]\n{line}\n");
            let message = format!("invalid type: integer `{secret}`, expected a string");
            let shown = error_at("f.toml", &text, 4 + line.len() / 2, &message);
            assert!(!shown.contains(secret), "{line}: {shown}");
            assert!(shown.starts_with("f.toml:2:"), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
        // Other values stay as written.
        let (line, secrets) = mask_secrets(r#"message = "550:...", exit = 5"#);
        assert_eq!(line, r#"message = "550:...", exit = 5"#);
        assert!(secrets.is_empty());
        let (line, _) = mask_secrets(r#"password_change = [{ at = "-30d", password = "b" }]"#);
        assert_eq!(
            line,
            r#"password_change = [{ at = "-30d", password = *** }]"#
        );
    }
}
