//! The fault matrix: every fault kind on every host it applies to, each
//! cell a real run of certrenew against a fresh mock-ra whose world holds
//! that one fault. A cell is a generated case file, run by the same runner
//! as the catalogue, so it is checked the same way: the exit code (the
//! class), a time bound derived from the client's timeout flags, the
//! renewal order (consumed only where the issuance committed), and the
//! store (the old identity is never lost).
//!
//! Cells on webra2, repo1 and repository run `renew` (the tool reaches
//! those three by itself, D6.1); cells on webra1 run `verify`, the
//! confirmation page (D5.1): a page that arrives without success is
//! ECONFIRM, a page that cannot be reached is E115 with the network advice.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use mock_ra::{FaultHost, FaultKind, FaultSpec};

use crate::case::{Case, CaseError};
use crate::report::CaseReport;

/// `--connect-timeout` of every cell, seconds.
pub const CONNECT_TIMEOUT_SECS: u64 = 1;
/// `--timeout` of every cell, seconds.
pub const TIMEOUT_SECS: u64 = 2;
/// Attempts of an idempotent GET (certrenew's default `--retries 2`).
pub const ATTEMPTS: u64 = 3;
/// certrenew's waits between attempts: 0.25 s, then 0.5 s.
pub const BACKOFF_TOTAL: Duration = Duration::from_millis(750);
/// What the cell may take beyond the network's share: starting the
/// process, making a key, other cells on the same cores.
pub const SLACK: Duration = Duration::from_secs(3);

/// How long one failing stage may take under the matrix's flags: every
/// attempt waits for the longer of the two timeouts, plus the backoff.
pub fn stage_bound() -> Duration {
    Duration::from_secs(ATTEMPTS * TIMEOUT_SECS.max(CONNECT_TIMEOUT_SECS)) + BACKOFF_TOTAL
}

/// The bound every cell must finish within.
pub fn cell_bound() -> Duration {
    stage_bound() + SLACK
}

/// The class a cell must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The fault does not stop the client (latency within the timeouts, a
    /// slow close, an allowing proxy): exit 0.
    Success,
    /// A host did not answer, or not as the protocol says (D6.1): exit 3.
    E115,
    /// No identity the site accepts (D4.2, D6.3): exit 4.
    NoCert,
    /// The confirmation page does not show success (D5.1): exit 9.
    EConfirm,
}

impl Expected {
    /// certrenew's exit code for it.
    pub fn exit(self) -> i32 {
        match self {
            Expected::Success => 0,
            Expected::E115 => 3,
            Expected::NoCert => 4,
            Expected::EConfirm => 9,
        }
    }

    /// `success`, `E115`, `ENOCERT`, `ECONFIRM`.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Success => "success",
            Expected::E115 => "E115",
            Expected::NoCert => "ENOCERT",
            Expected::EConfirm => "ECONFIRM",
        }
    }
}

/// One row of the matrix: a fault kind with its parameters.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The row's name (`latency`, `latency-beyond-timeout`, ...).
    pub name: &'static str,
    /// The fault (none for the baseline rows).
    pub kind: Option<FaultKind>,
    /// Its parameters.
    pub params: fn(&mut FaultSpec),
    /// The client goes through the mock's forward proxy.
    pub proxy: bool,
    /// The fault leaves the client working.
    pub benign: bool,
    /// The only host the row applies to (path-scoped rows); every host the
    /// fault is valid on when `None`.
    pub only: Option<FaultHost>,
    /// The fault lets the server commit the issuance and damages the answer
    /// after it (the D7.3 trap): the order is consumed.
    pub commits: bool,
}

fn no_params(_: &mut FaultSpec) {}

/// webra2's login path (docs/protocol.md 2.3).
const LOGIN_PATH: &str = "/scira/api/v1/renewal/login";
/// webra2's one-shot issuance path (docs/protocol.md 2.4).
const CERTIFICATE_PATH: &str = "/scira/api/v1/renewal/certificate";

/// Every row, in the order of the documentation.
pub fn variants() -> Vec<Variant> {
    let v = |name, kind: Option<FaultKind>, params: fn(&mut FaultSpec), benign| Variant {
        name,
        kind,
        params,
        proxy: false,
        benign,
        only: None,
        commits: false,
    };
    let via_proxy = |name, kind: Option<FaultKind>, benign| Variant {
        name,
        kind,
        params: no_params,
        proxy: true,
        benign,
        only: None,
        commits: false,
    };
    // HTTP faults on one webra2 path: the login, or the one-shot issuance.
    let on_webra2 = |name, kind: FaultKind, params: fn(&mut FaultSpec), commits| Variant {
        name,
        kind: Some(kind),
        params,
        proxy: false,
        benign: false,
        only: Some(FaultHost::Webra2),
        commits,
    };
    use FaultKind::*;
    vec![
        v("none", None, no_params, true),
        v("refuse", Some(Refuse), no_params, false),
        v("hang", Some(Hang), no_params, false),
        v("reset", Some(Reset), no_params, false),
        v(
            "reset_after",
            Some(ResetAfter),
            |s| s.bytes = Some(100),
            false,
        ),
        v(
            "latency",
            Some(Latency),
            |s| {
                s.ms = Some(40);
                s.jitter_ms = Some(20);
            },
            true,
        ),
        v(
            "latency-beyond-timeout",
            Some(Latency),
            |s| s.ms = Some(3000),
            false,
        ),
        v(
            "bandwidth",
            Some(Bandwidth),
            |s| s.bytes_per_sec = Some(100),
            false,
        ),
        v(
            "close_after",
            Some(CloseAfter),
            |s| s.bytes = Some(100),
            false,
        ),
        v("slow_close", Some(SlowClose), |s| s.ms = Some(1500), true),
        v("tls_unknown_ca", Some(TlsUnknownCa), no_params, false),
        v("tls_expired", Some(TlsExpired), no_params, false),
        v("tls_wrong_host", Some(TlsWrongHost), no_params, false),
        v("tls_stall", Some(TlsStall), no_params, false),
        v(
            "tls_foreign_ca_request",
            Some(TlsForeignCaRequest),
            no_params,
            false,
        ),
        v("status-500", Some(Status), |s| s.status = Some(500), false),
        v(
            "status-503-retry-after",
            Some(Status),
            |s| {
                s.status = Some(503);
                s.retry_after = Some(1);
            },
            false,
        ),
        v("status-404", Some(Status), |s| s.status = Some(404), false),
        v("empty", Some(Empty), no_params, false),
        v("truncate", Some(Truncate), no_params, false),
        v("malformed_json", Some(MalformedJson), no_params, false),
        v("block_page", Some(BlockPage), no_params, false),
        v("commit_then_lose", Some(CommitThenLose), no_params, false),
        on_webra2(
            "login-status-500",
            Status,
            |s| {
                s.status = Some(500);
                s.path = Some(LOGIN_PATH.into());
            },
            false,
        ),
        on_webra2(
            "login-malformed_json",
            MalformedJson,
            |s| s.path = Some(LOGIN_PATH.into()),
            false,
        ),
        on_webra2(
            "certificate-status-500",
            Status,
            |s| {
                s.status = Some(500);
                s.path = Some(CERTIFICATE_PATH.into());
            },
            false,
        ),
        on_webra2(
            "certificate-truncate",
            Truncate,
            |s| s.path = Some(CERTIFICATE_PATH.into()),
            true,
        ),
        on_webra2(
            "certificate-malformed_json",
            MalformedJson,
            |s| s.path = Some(CERTIFICATE_PATH.into()),
            true,
        ),
        via_proxy("proxy", None, true),
        via_proxy("proxy_block", Some(ProxyBlock), false),
        via_proxy("proxy_auth", Some(ProxyAuth), false),
        v("unresolvable", Some(Unresolvable), no_params, false),
    ]
}

/// One cell: a variant on a host, and what must follow.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The row.
    pub variant: Variant,
    /// The column.
    pub host: FaultHost,
    /// The class it must end in.
    pub expected: Expected,
    /// Why that class (the manual's mapping).
    pub why: &'static str,
    /// The renewal order may be consumed: the issuance committed.
    pub order_consumed: bool,
}

impl Cell {
    /// `<variant>@<host>`: the cell's name in reports.
    pub fn name(&self) -> String {
        format!("{}@{}", self.variant.name, self.host)
    }

    /// The fault of the cell's world, if any.
    pub fn fault(&self) -> Option<FaultSpec> {
        let kind = self.variant.kind?;
        let mut spec = FaultSpec::new(self.host, kind);
        (self.variant.params)(&mut spec);
        Some(spec)
    }
}

/// Whether a variant applies to a host.
fn applies(variant: &Variant, host: FaultHost) -> bool {
    if variant.only.is_some_and(|only| only != host) {
        return false;
    }
    match variant.kind {
        None => true,
        Some(kind) => {
            let mut spec = FaultSpec::new(host, kind);
            (variant.params)(&mut spec);
            spec.check().is_ok()
        }
    }
}

/// Every cell, row by row.
pub fn cells() -> Vec<Cell> {
    let mut out = Vec::new();
    for variant in variants() {
        for host in FaultHost::ALL {
            if !applies(&variant, host) {
                continue;
            }
            let (expected, why, order_consumed) = expectation(&variant, host);
            out.push(Cell {
                variant: variant.clone(),
                host,
                expected,
                why,
                order_consumed,
            });
        }
    }
    out
}

fn expectation(variant: &Variant, host: FaultHost) -> (Expected, &'static str, bool) {
    if host == FaultHost::Webra1 {
        return if variant.benign {
            (
                Expected::Success,
                "the confirmation page still shows success",
                false,
            )
        } else {
            match variant.kind {
                // webra1 answered, but not with the success page.
                Some(
                    FaultKind::Status
                    | FaultKind::Empty
                    | FaultKind::MalformedJson
                    | FaultKind::BlockPage
                    | FaultKind::TlsForeignCaRequest,
                ) => (
                    Expected::EConfirm,
                    "D5.1: webra1 answered without the success page (or asked for a CA no identity has): ECONFIRM",
                    false,
                ),
                // Nothing usable arrived: the network's fault, not the
                // browser's SSL state, so the D6.1 advice is the right one.
                _ => (
                    Expected::E115,
                    "D6.1: the confirmation page could not be reached or its answer was cut: E115, with the network advice rather than D6.11's",
                    false,
                ),
            }
        };
    }
    if variant.benign {
        return (
            Expected::Success,
            "the client works through it; the order is consumed by the renewal itself",
            true,
        );
    }
    match variant.kind {
        Some(FaultKind::TlsForeignCaRequest) => (
            Expected::NoCert,
            "D4.2/D6.3: the RA names a CA no installed certificate chains to, so the dialog has nothing to offer: 証明書がありません",
            false,
        ),
        Some(FaultKind::CommitThenLose) => (
            Expected::E115,
            "D7.3: the issuance commits and its answer is lost: E115 now, E550F on the next run",
            true,
        ),
        Some(_) if variant.commits => (
            Expected::E115,
            "D7.3: the issuance commits and its answer arrives damaged: E115 now (the answer may be lost), E550F on the next run",
            true,
        ),
        _ => (
            Expected::E115,
            "D6.1: a host the tool reaches by itself did not answer, or not as the protocol says",
            false,
        ),
    }
}

/// The kinds of detail line (in `harness diagnose`'s names) a failing cell
/// may end in. Where there is one, the cell's run checks it (its `output`
/// expectation), so what `diagnose` says of a cell is what the cell shows;
/// a reset on a repository races the request (refused before it was sent,
/// or dropped after), so it may end in either.
pub fn cell_details(c: &Cell) -> Vec<&'static str> {
    if c.variant.kind == Some(FaultKind::Reset) && !c.host.is_https() {
        return vec!["net:connect", "net:dropped"];
    }
    cell_detail(c).into_iter().collect()
}

fn cell_detail(c: &Cell) -> Option<&'static str> {
    use FaultKind::*;
    let kind = c.variant.kind?;
    if c.expected == Expected::Success {
        return None;
    }
    if c.host == FaultHost::Webra1 && c.expected == Expected::EConfirm {
        return Some(match kind {
            TlsForeignCaRequest => "confirm:no-identity",
            _ => "confirm:page",
        });
    }
    if c.variant.commits || kind == CommitThenLose {
        return Some("answer-lost");
    }
    Some(match kind {
        Refuse => "net:connect",
        Unresolvable => "net:unresolved",
        Hang | Bandwidth | TlsStall => "net:timeout",
        Latency => "net:timeout",
        // Over TLS the handshake is what breaks: no connection at all.
        Reset | ResetAfter | CloseAfter | ProxyBlock | ProxyAuth if c.host.is_https() => {
            "net:connect"
        }
        Reset | ResetAfter | CloseAfter => "net:dropped",
        TlsUnknownCa | TlsExpired | TlsWrongHost => "net:tls",
        TlsForeignCaRequest => "no-certificate:no-candidate",
        Status | ProxyBlock | ProxyAuth => "net:status",
        Empty | Truncate | MalformedJson | BlockPage => "net:body",
        SlowClose | CommitThenLose => return None,
    })
}

/// The behaviours a generated case may name.
fn known_ids() -> BTreeSet<String> {
    [
        "D1.1", "D4.2", "D5.1", "D6.1", "D6.3", "D7.3", "E115", "ENOCERT", "ECONFIRM",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// The cell as a case file.
pub fn case_text(cell: &Cell) -> String {
    let mut t = String::new();
    let name = cell.name().replace('@', "-at-");
    let reproduces = match cell.expected {
        Expected::Success => r#"["D1.1"]"#,
        Expected::E115 if cell.order_consumed => r#"["D7.3", "E115"]"#,
        Expected::E115 => r#"["D6.1", "E115"]"#,
        Expected::NoCert => r#"["D4.2", "D6.3", "ENOCERT"]"#,
        Expected::EConfirm => r#"["D5.1", "ECONFIRM"]"#,
    };
    let _ = writeln!(
        t,
        "[case]\nname = \"{name}\"\nstory = \"{}: {} (exit {}) within {:.2} s. {}\"\nreproduces = {reproduces}\n",
        cell.name(),
        cell.expected.as_str(),
        cell.expected.exit(),
        cell_bound().as_secs_f64(),
        cell.why.replace('"', "'"),
    );
    let mut args = vec![
        "--connect-timeout".to_owned(),
        CONNECT_TIMEOUT_SECS.to_string(),
        "--timeout".to_owned(),
        TIMEOUT_SECS.to_string(),
    ];
    if cell.variant.proxy {
        args.extend(["--proxy".to_owned(), "{proxy}".to_owned()]);
    }
    let args: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
    let _ = writeln!(
        t,
        "[client]\nidentities = [\"acme\"]\nargs = [{}]\n",
        args.join(", ")
    );
    // webra1 cells need a certificate that is valid now (the page checks
    // it); the others an expired one to renew.
    let (expires, order) = if cell.host == FaultHost::Webra1 {
        ("+200d", "ready")
    } else {
        ("-10d", "ready")
    };
    let _ = writeln!(
        t,
        "[[account]]\nid = \"acme\"\ncn = \"ACME Trading acme\"\npassword = \"Acme-2026-pass\"\norder = \"{order}\"\n[[account.certificate]]\nexpires = \"{expires}\"\n"
    );
    if let Some(fault) = cell.fault() {
        let body = toml::to_string(&fault).unwrap_or_default();
        let _ = writeln!(t, "[[fault]]\n{body}");
    }
    let within = cell_bound().as_secs_f64().ceil() as u64;
    if cell.host == FaultHost::Webra1 {
        let _ = writeln!(t, "[[step]]\ncertrenew = [\"verify\"]");
    } else {
        let _ = writeln!(
            t,
            "[[step]]\ncertrenew = [\"renew\", \"--yes\"]\npassword = \"Acme-2026-pass\""
        );
    }
    let order_after = match (cell.host, cell.order_consumed) {
        (FaultHost::Webra1, _) => "ready",
        (_, true) => "fetched",
        (_, false) => "ready",
    };
    let new = usize::from(cell.expected == Expected::Success && cell.host != FaultHost::Webra1);
    // The journal shows the fault acted (nothing reaches the mock for
    // refuse and unresolvable) or, for the proxy rows, that the client
    // went through the proxy.
    let mut journal = Vec::new();
    if let Some(fault) = cell.fault()
        && fault.kind.schedulable()
    {
        journal.push(format!("[fault {}]", fault.default_name()));
    }
    if cell.variant.proxy {
        journal.push("proxy ".to_owned());
    }
    let journal: Vec<String> = journal.iter().map(|j| format!("\"{j}\"")).collect();
    // The detail line `harness diagnose` says the cell ends in.
    let kinds = cell_details(cell);
    let output: Vec<String> = (kinds.len() == 1)
        .then(|| kinds[0])
        .and_then(crate::diagnose::distinctive)
        .map(|d| format!("output = [{}]\n", toml_string(&d)))
        .into_iter()
        .collect();
    let _ = writeln!(
        t,
        "[step.expect]\n{}exit = {}\nwithin = \"{within}s\"\nno_output = [\"Acme-2026-pass\", \"panicked\"]\njournal = [{}]\naccount = {{ id = \"acme\", order = \"{order_after}\" }}\nstore = {{ identities = {}, new = {new}, kept = [\"acme\"]{} }}",
        output.concat(),
        cell.expected.exit(),
        journal.join(", "),
        1 + new,
        // A renewal that succeeded under a fault is a real one: openssl
        // checks the new identity's key and chain.
        if new == 1 {
            ", new_verifies = true"
        } else {
            ""
        },
    );
    t
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The cell as a parsed case.
pub fn case(cell: &Cell) -> Result<Case, CaseError> {
    let name = cell.name().replace('@', "-at-");
    Case::parse(
        &PathBuf::from(format!("matrix/{name}.toml")),
        case_text(cell),
        &known_ids(),
    )
}

/// How long certrenew ran in a cell (the case's time without the mock's
/// start and stop).
pub fn client_time(r: &CaseReport) -> Duration {
    r.steps.iter().map(|s| s.elapsed).sum()
}

/// The grid: one row per variant, one column per host, each cell its
/// expected class and certrenew's time, `!` where it failed.
pub fn grid(cells: &[Cell], reports: &[CaseReport], total: Duration) -> String {
    let mut out = String::new();
    let row_w = variants().iter().map(|v| v.name.len()).max().unwrap_or(8);
    let col_w = 20;
    let _ = write!(out, "{:<row_w$}", "fault \\ host");
    for host in FaultHost::ALL {
        let _ = write!(out, "  {:<col_w$}", host.as_str());
    }
    out.push('\n');
    let _ = writeln!(out, "{}", "-".repeat(row_w + (col_w + 2) * 4));
    for variant in variants() {
        if !cells.iter().any(|c| c.variant.name == variant.name) {
            continue;
        }
        let _ = write!(out, "{:<row_w$}", variant.name);
        for host in FaultHost::ALL {
            let found = cells
                .iter()
                .zip(reports)
                .find(|(c, _)| c.variant.name == variant.name && c.host == host);
            let text = match found {
                None => "-".to_owned(),
                Some((_, r)) if matches!(r.outcome, crate::report::Outcome::Skipped { .. }) => {
                    "skipped".to_owned()
                }
                Some((c, r)) => format!(
                    "{}{} {:.1}s",
                    if r.passed() { "" } else { "!" },
                    c.expected.as_str(),
                    client_time(r).as_secs_f64()
                ),
            };
            let _ = write!(out, "  {text:<col_w$}");
        }
        out.push('\n');
    }
    let passed = reports.iter().filter(|r| r.passed()).count();
    let skipped = reports
        .iter()
        .filter(|r| matches!(r.outcome, crate::report::Outcome::Skipped { .. }))
        .count();
    let skipped_text = if skipped > 0 {
        format!(", {skipped} skipped (the target lacks what they need)")
    } else {
        String::new()
    };
    let slowest = reports
        .iter()
        .max_by_key(|r| client_time(r))
        .map(|r| format!(", slowest {} {:.2}s", r.name, client_time(r).as_secs_f64()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} cells: {passed} passed, {} failed{skipped_text} in {:.2}s (bound per cell {:.2}s = {} x {} s + {:.2} s backoff + {} s slack{slowest})",
        reports.len(),
        reports.len() - passed - skipped,
        total.as_secs_f64(),
        cell_bound().as_secs_f64(),
        ATTEMPTS,
        TIMEOUT_SECS.max(CONNECT_TIMEOUT_SECS),
        BACKOFF_TOTAL.as_secs_f64(),
        SLACK.as_secs(),
    );
    out
}

/// The grid as HTML: one row per fault kind, one column per host, each
/// cell its class and time, linking to the cell's details below it
/// (anchors are the reports' names, `<variant>@<host>`).
pub fn grid_html(cells: &[Cell], reports: &[CaseReport]) -> String {
    use crate::report::xml;
    let mut out = String::from(
        "<h2>fault kind &#xD7; host</h2><p>Each cell: the class certrenew must end in and its time; a red cell failed. Click a cell for its transcript.</p>\n<table class=\"grid\"><tr><th>fault \\ host</th>",
    );
    for host in FaultHost::ALL {
        let _ = write!(out, "<th>{}</th>", host.as_str());
    }
    out.push_str("</tr>\n");
    for variant in variants() {
        if !cells.iter().any(|c| c.variant.name == variant.name) {
            continue;
        }
        let _ = write!(out, "<tr><th>{}</th>", xml(variant.name));
        for host in FaultHost::ALL {
            let found = cells
                .iter()
                .zip(reports)
                .find(|(c, _)| c.variant.name == variant.name && c.host == host);
            match found {
                None => out.push_str("<td>-</td>"),
                Some((c, r)) => {
                    let _ = write!(
                        out,
                        "<td{}><a href=\"#{}\">{}{} {:.1}s</a></td>",
                        if r.passed() { "" } else { " class=\"bad\"" },
                        xml(&r.name),
                        if r.passed() { "" } else { "&#x2717; " },
                        c.expected.as_str(),
                        client_time(r).as_secs_f64()
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n<h2>cells</h2>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_kind_has_a_row_and_every_cell_is_a_valid_case() {
        let rows: Vec<FaultKind> = variants().iter().filter_map(|v| v.kind).collect();
        for kind in FaultKind::ALL {
            assert!(rows.contains(&kind), "no matrix row for {kind}");
        }
        let cells = cells();
        for cell in &cells {
            case(cell).unwrap_or_else(|e| panic!("{}: {e}\n{}", cell.name(), case_text(cell)));
        }
        // TLS kinds only on the HTTPS hosts; commit_then_lose only on webra2.
        let on = |name: &str| {
            cells
                .iter()
                .filter(|c| c.variant.name == name)
                .map(|c| c.host)
                .collect::<Vec<_>>()
        };
        assert_eq!(on("tls_stall"), [FaultHost::Webra2, FaultHost::Webra1]);
        assert_eq!(on("commit_then_lose"), [FaultHost::Webra2]);
        assert_eq!(on("hang").len(), 4);
        // The order is consumed only where the issuance committed or the
        // renewal succeeded.
        for c in &cells {
            if c.order_consumed {
                assert!(
                    c.expected == Expected::Success
                        || c.variant.kind == Some(FaultKind::CommitThenLose)
                        || c.variant.commits,
                    "{}",
                    c.name()
                );
            }
        }
        // The path rows act on webra2 only, and only the damaged issuance
        // answers consume the order.
        for name in [
            "login-status-500",
            "login-malformed_json",
            "certificate-status-500",
        ] {
            assert_eq!(on(name), [FaultHost::Webra2], "{name}");
            assert!(
                cells
                    .iter()
                    .any(|c| c.variant.name == name && !c.order_consumed)
            );
        }
        for name in ["certificate-truncate", "certificate-malformed_json"] {
            assert_eq!(on(name), [FaultHost::Webra2], "{name}");
            assert!(
                cells
                    .iter()
                    .any(|c| c.variant.name == name && c.order_consumed)
            );
        }
        assert!(cells.len() >= 100, "{}", cells.len());
    }

    #[test]
    fn the_scenarios_readme_names_every_kind() {
        let readme = include_str!("../../scenarios/README.md");
        for kind in FaultKind::ALL {
            assert!(
                readme.contains(&format!("| `{kind}` |")),
                "scenarios/README.md has no row for {kind}"
            );
        }
    }
}
