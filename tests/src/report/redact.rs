//! Redaction for snapshots: the known values of one run replaced by stable
//! names, so a transcript compares across runs.

use crate::report::junit::transcript_text;
use crate::report::model::{CaseReport, Redactions};

/// Makes a transcript stable from run to run: known values by name, then
/// anything that looks like a serial, thumbprint, time, port or duration.
pub fn redact(text: &str, known: &Redactions) -> String {
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r#""ticket":"[^"]*""#, r#""ticket":"[ticket]""#),
            (r"\b[0-9A-F]{8}( [0-9A-F]{8}){4}\b", "[sha1]"),
            (r"\b[0-9a-fA-F]{40}\b", "[sha1]"),
            (r"\b[0-9a-f]{16}-\[serial", "[issuer]-[serial"),
            (r"\b[0-9a-f]{16}-[0-9a-f]{2,40}\b", "[identity]"),
            (r"\b[0-9a-f]{24,40}\b", "[serial]"),
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
                "[time]",
            ),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"\b\d+(\.\d+)? ?(ms|秒|s)\b", "[elapsed]"),
            (r"\d+(\.\d+)? ?秒", "[elapsed]"),
            (r"/tmp/[^\s/]+", "[tmp]"),
            (r"\.\d+\.tmp\b", ".[pid].tmp"),
        ]
        .into_iter()
        .filter_map(|(p, r)| regex::Regex::new(p).ok().map(|re| (re, r)))
        .collect()
    });
    let mut out = text.to_owned();
    let mut literals = known.literals.clone();
    literals.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in &literals {
        if !k.is_empty() {
            out = out.replace(k.as_str(), v);
        }
    }
    for (re, replacement) in patterns {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out
}

/// The transcript of a case as its snapshot holds it: every step's command,
/// exit code or status, output and journal lines, redacted.
pub fn snapshot_text(report: &CaseReport, known: &Redactions) -> String {
    redact(&transcript_text(report), known)
}
