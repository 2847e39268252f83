//! The console: a web page for QA on the admin listener (`/console`).
//!
//! The page, its script, style and texts are compiled in and served
//! without the token: they hold no data, only the token prompt and an empty
//! shell. Everything the page shows comes from the admin API, called by the
//! script with the bearer token the user typed (kept in the tab's
//! `sessionStorage`, never in a URL or a cookie). A strict
//! Content-Security-Policy allows the page's own script, style and
//! requests only; the script writes every value with `textContent`.
//!
//! Two admin routes exist for the console and are documented with the rest
//! of the API: `GET /ready` (the ready line's client commands, once `serve`
//! has published it) and `GET /fault-kinds` (what the add-fault form offers).

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::control::admin_reply::AdminError;
use crate::control::ready::{ReadyLine, shell_quote};
use crate::faults::{FaultKind, FaultSpec, SpecError, SpecField};
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Outcome};
use crate::wire::protocol::Host;

const PAGE: &str = include_str!("console/console.html");
const SCRIPT: &str = include_str!("console/console.js");
const STYLE: &str = include_str!("console/console.css");
const TEXTS: &str = include_str!("console/texts.json");
const ICON: &str = include_str!("console/icon.svg");

/// The policy of every console asset: its own script, style, icon and
/// requests only; no inline script or style, no frames, no forms posting
/// elsewhere, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The console's assets, served without the token (they hold no data).
pub(crate) fn assets() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/console",
            get(|| async { asset(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/console/",
            get(|| async { asset(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/console/console.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/console/console.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route(
            "/console/texts.json",
            get(|| async { asset(TEXTS, "application/json") }),
        )
        .route(
            "/console/icon.svg",
            get(|| async { asset(ICON, "image/svg+xml") }),
        )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.extensions_mut().insert(Outcome::ok(Cause::Page, None));
    r
}

/// One client command of the console's panel.
#[derive(Debug, Clone, Serialize)]
struct Command {
    /// What it does: `import`, `list`, `renew`, `verify`.
    what: &'static str,
    /// The identity it is about, if any.
    identity: Option<String>,
    /// The command line, for a POSIX shell.
    text: String,
}

/// `GET /ready`: the ready line's client-facing part.
#[derive(Debug, Serialize)]
struct ReadyView {
    /// `certrenew_args`, with `--danger-now` at the virtual now.
    certrenew_args: Vec<String>,
    /// The commands, ready to copy.
    commands: Vec<Command>,
    state_dir: String,
    web_root_pem: String,
    fault_seed: u64,
}

/// The ready line's arguments with `--danger-now` moved to `now` (the
/// clock may have been set or advanced since the line was printed).
fn args_at(args: &[String], now: Option<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--danger-now" {
            it.next();
            continue;
        }
        out.push(a.clone());
    }
    if let Some(now) = now {
        out.push("--danger-now".to_owned());
        out.push(now);
    }
    out
}

fn commands(line: &ReadyLine, args: &[String]) -> Vec<Command> {
    let args = args
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let store = "--store ./store";
    let password = line
        .demo
        .as_ref()
        .map(|d| shell_quote(&d.password))
        .unwrap_or_else(|| "PASSWORD".to_owned());
    let mut out = Vec::new();
    for (name, dir) in &line.identities {
        let file = |f: &str| shell_quote(&std::path::Path::new(dir).join(f).display().to_string());
        out.push(Command {
            what: "import",
            identity: Some(name.clone()),
            text: format!(
                "certrenew {args} {store} import --cert {} --key {} --chain {}",
                file("cert.pem"),
                file("key.pem"),
                file("chain.pem")
            ),
        });
    }
    out.push(Command {
        what: "list",
        identity: None,
        text: format!("certrenew {args} {store} list"),
    });
    out.push(Command {
        what: "renew",
        identity: None,
        text: format!(
            "printf '%s\\n' {password} | certrenew {args} {store} renew --password-stdin --yes"
        ),
    });
    out.push(Command {
        what: "verify",
        identity: None,
        text: format!("certrenew {args} {store} verify"),
    });
    out
}

/// `GET /ready` (admin API, behind the token).
pub(crate) async fn ready(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
) -> Result<Response, AdminError> {
    let line = shared
        .console
        .0
        .get()
        .and_then(|l| l.downcast_ref::<ReadyLine>())
        .ok_or_else(|| {
            AdminError::NotFound(
                "no ready line: this mock was started in-process and nothing published one".into(),
            )
        })?;
    let now = (!shared.clock.is_real()).then(|| crate::wire::protocol::rfc3339(shared.now()));
    let args = args_at(&line.certrenew_args, now);
    let view = ReadyView {
        commands: commands(line, &args),
        certrenew_args: args,
        state_dir: line.state_dir.clone(),
        web_root_pem: line.web_root_pem.clone(),
        fault_seed: shared.faults.seed(),
    };
    Ok(crate::control::admin_reply::ok(StatusCode::OK, &view, None))
}

/// One fault kind as the add-fault form offers it.
#[derive(Debug, Serialize)]
struct KindView {
    kind: &'static str,
    layer: &'static str,
    /// `(key, required)`.
    params: Vec<Param>,
    /// The hosts that can carry it.
    hosts: Vec<&'static str>,
    /// Whether it takes a schedule (`times`, `from`, `to`, `probability`).
    schedulable: bool,
    /// Whether it takes a `path` (on some host).
    path: bool,
    doc: &'static str,
}

#[derive(Debug, Serialize)]
struct Param {
    key: &'static str,
    required: bool,
}

fn kinds() -> Vec<KindView> {
    FaultKind::ALL
        .iter()
        .map(|&kind| {
            // The hosts are those `check` does not refuse for the host
            // itself: the one place that decides it.
            let hosts = Host::ALL
                .iter()
                .filter(|&&h| {
                    !matches!(
                        FaultSpec::new(h, kind).check(),
                        Err(SpecError {
                            field: SpecField::Host,
                            ..
                        })
                    )
                })
                .map(|h| h.as_str())
                .collect();
            let path = Host::ALL.iter().any(|&h| {
                let mut spec = FaultSpec::new(h, kind);
                spec.path = Some(crate::hosts::webra2::CERTIFICATE_PATH.to_owned());
                !matches!(
                    spec.check(),
                    Err(SpecError {
                        field: SpecField::Path | SpecField::Host,
                        ..
                    })
                )
            });
            KindView {
                kind: kind.as_str(),
                layer: kind.layer().as_str(),
                params: kind
                    .params()
                    .iter()
                    .map(|&(key, required)| Param { key, required })
                    .collect(),
                hosts,
                schedulable: kind.schedulable(),
                path,
                doc: kind.doc(),
            }
        })
        .collect()
}

/// `GET /fault-kinds` (admin API, behind the token).
pub(crate) async fn fault_kinds() -> Response {
    crate::control::admin_reply::ok(StatusCode::OK, &kinds(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danger_now_follows_the_clock() {
        let args: Vec<String> = [
            "--server-ca",
            "w.pem",
            "--danger-now",
            "2026-01-01T00:00:00Z",
            "--root-sha1",
            "ab",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            args_at(&args, Some("2026-02-01T00:00:00Z".into())),
            [
                "--server-ca",
                "w.pem",
                "--root-sha1",
                "ab",
                "--danger-now",
                "2026-02-01T00:00:00Z"
            ]
        );
        assert_eq!(
            args_at(&args, None),
            ["--server-ca", "w.pem", "--root-sha1", "ab"]
        );
    }

    #[test]
    fn kinds_know_their_hosts_and_paths() {
        let all = kinds();
        let get = |k: &str| all.iter().find(|v| v.kind == k).unwrap();
        assert_eq!(get("tls_expired").hosts, ["webra2", "webra1"]);
        assert_eq!(get("commit_then_lose").hosts, ["webra2"]);
        assert_eq!(get("hang").hosts.len(), 4);
        assert!(get("status").path && !get("hang").path);
        assert!(!get("refuse").schedulable && get("status").schedulable);
        assert_eq!(all.len(), FaultKind::ALL.len());
    }
}
