//! The RA's journal as the harness reads it: from the in-process mock or
//! from a target's admin API, in one form (mock-ra's JSON), and the lines
//! transcripts show.

use serde::Deserialize;

/// Causes that are routine (pages, repository files, admin calls): `causes`
/// expectations list only the others, the server's decisions.
pub const ROUTINE_CAUSES: [&str; 3] = ["page", "served", "admin_ok"];

/// The client certificate a request came with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Presented {
    /// Serial, lowercase hex.
    pub serial: String,
}

/// One request and how it was answered (mock-ra's `GET /journal` form).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entry {
    /// Sequence number, from 1.
    pub seq: u64,
    /// The host (role) that answered.
    pub role: String,
    /// HTTP method; empty for a failed TLS handshake.
    #[serde(default)]
    pub method: String,
    /// Request path; empty for a failed TLS handshake.
    #[serde(default)]
    pub path: String,
    /// The client certificate of the connection.
    #[serde(default)]
    pub certificate: Option<Presented>,
    /// HTTP status; none for a failed TLS handshake.
    #[serde(default)]
    pub status: Option<u16>,
    /// The class of the answer; none for a success.
    #[serde(default)]
    pub class: Option<String>,
    /// The exact server-side cause.
    pub cause: String,
    /// The account concerned.
    #[serde(default)]
    pub account: Option<String>,
    /// The faults that acted.
    #[serde(default)]
    pub fault: Option<String>,
}

impl Entry {
    /// The in-process mock's entry in the same form as a remote one.
    pub fn from_mock(e: &mock_ra::JournalEntry) -> Result<Self, EntryError> {
        serde_json::to_value(e)
            .and_then(serde_json::from_value)
            .map_err(|source| EntryError { seq: e.seq, source })
    }

    /// Whether the cause is one of the server's decisions.
    pub fn is_decision(&self) -> bool {
        !ROUTINE_CAUSES.contains(&self.cause.as_str())
    }
}

/// A mock journal entry that does not fit the harness's form.
#[derive(Debug, thiserror::Error)]
#[error("journal entry {seq}: {source}")]
pub struct EntryError {
    /// The entry's sequence number.
    pub seq: u64,
    /// Why it does not fit.
    #[source]
    pub source: serde_json::Error,
}

/// The journal as transcripts show it. The client's access checks run
/// concurrently, so a run of consecutive page fetches (and of the faults,
/// failed handshakes and proxy requests met on the way) has no defined
/// order: it is sorted to keep transcripts stable.
pub fn lines(entries: &[Entry]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for e in entries {
        if e.cause == "page" || e.cause == "fault" || e.status.is_none() || e.role == "proxy" {
            run.push(line(e));
            continue;
        }
        run.sort();
        lines.append(&mut run);
        lines.push(line(e));
    }
    run.sort();
    lines.append(&mut run);
    lines
}

/// `role METHOD path -> status class cause (account) [fault NAME] cert SERIAL`,
/// as transcripts show it: `cert` is the client certificate the connection
/// was authenticated with (a resumed session's first one), when there was one.
pub fn line(e: &Entry) -> String {
    format!(
        "{} {} {} -> {} {} {}{}{}{}",
        e.role,
        if e.method.is_empty() { "-" } else { &e.method },
        if e.path.is_empty() { "-" } else { &e.path },
        e.status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        e.class.as_deref().unwrap_or("ok"),
        e.cause,
        e.account
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default(),
        e.fault
            .as_deref()
            .map(|f| format!(" [fault {f}]"))
            .unwrap_or_default(),
        e.certificate
            .as_ref()
            .map(|c| format!(" cert {}", c.serial))
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(json: serde_json::Value) -> Entry {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_line_shows_every_field_and_routine_causes_are_not_decisions() {
        let e = entry(serde_json::json!({
            "seq": 3, "role": "webra2", "method": "POST", "path": "/login",
            "status": 403, "class": "E550A", "cause": "wrong_password",
            "account": "a1", "fault": "slow", "certificate": {"serial": "0a", "subject": "CN=x"},
            "time": "2026-01-01T00:00:00Z"
        }));
        assert_eq!(
            line(&e),
            "webra2 POST /login -> 403 E550A wrong_password (a1) [fault slow] cert 0a"
        );
        assert!(e.is_decision());
        let page = entry(serde_json::json!({"seq": 1, "role": "webra1", "cause": "page"}));
        assert_eq!(line(&page), "webra1 - - -> - ok page");
        assert!(!page.is_decision());
    }

    #[test]
    fn concurrent_page_fetches_are_sorted_between_decisions() {
        let e = |role: &str, path: &str, cause: &str| {
            entry(serde_json::json!({"seq": 1, "role": role, "method": "GET",
                "path": path, "status": 200, "cause": cause}))
        };
        let got = lines(&[
            e("webra1", "/b", "page"),
            e("webra1", "/a", "page"),
            e("webra2", "/login", "login_ok"),
            e("webra1", "/d", "page"),
            e("webra1", "/c", "page"),
        ]);
        let paths: Vec<&str> = got.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
        assert_eq!(paths, ["/a", "/b", "/login", "/c", "/d"]);
    }
}
