//! The cells: each variant on every host it applies to, what must follow,
//! and the case file each cell is run as.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use mock_ra::{FaultKind, FaultSpec, Host as FaultHost};

use crate::case::{Case, CaseError};

use crate::matrix::variants::{
    CONNECT_TIMEOUT_SECS, Expected, TIMEOUT_SECS, Variant, cell_bound, variants,
};

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
        .and_then(crate::diagnose::details::distinctive)
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
