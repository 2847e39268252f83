//! The matrix's variants: every fault kind with its parameters, the class
//! each must end in, and the timeouts and bounds every cell runs with. A
//! leaf: the cells and the grid both read it.

use std::time::Duration;

use mock_ra::{FaultKind, FaultSpec, Host as FaultHost};

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
