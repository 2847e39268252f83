//! The options of every command (usable before or after the command), and
//! the parsers of their values.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::cert;
use crate::clock::Clock;
use crate::messages::{Lang, OutputFormat};
use crate::net::ConnectTo;
use crate::trust::MANUAL_ROOT_SHA1;

fn parse_now(s: &str) -> Result<Clock, String> {
    Clock::parse_fixed(s).map_err(|e| format!("expected an RFC 3339 instant: {e}"))
}

fn parse_sha1(s: &str) -> Result<String, String> {
    cert::normalize_thumbprint(s)
        .ok_or_else(|| "expected 40 hex digits (spaces and colons allowed)".to_owned())
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if v.is_finite() && v > 0.0 && v < 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err("expected seconds more than 0 and less than 86400".into())
    }
}

/// `--proxy`: an http:// or https:// URL with a host (and maybe a port and
/// credentials), as reqwest takes it; anything else is a usage error.
fn parse_proxy(s: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(s)
        .map_err(|e| format!("expected a URL such as http://proxy.example:8080 ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "expected an http:// or https:// proxy URL, got scheme {:?}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("expected a URL with a host, such as http://proxy.example:8080".into());
    }
    reqwest::Proxy::all(s).map_err(|e| format!("not a usable proxy URL: {e}"))?;
    Ok(s.to_owned())
}

/// Options shared by all commands (usable before or after the command).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The certificate store [default: the user's data dir, e.g. ~/.local/share/certrenew]
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Trust only the roots in this PEM file for the servers' TLS
    /// certificates [default: the platform's verifier]
    #[arg(long, global = true, value_name = "FILE")]
    pub server_ca: Option<PathBuf>,
    /// Connect to ADDR:PORT when a URL names HOST:PORT, keeping HOST for
    /// SNI and certificate checks (curl style; repeatable)
    #[arg(long = "connect-to", global = true, value_name = "HOST:PORT:ADDR:PORT")]
    pub connect_to: Vec<ConnectTo>,
    /// Pinned SHA-1 thumbprint of the client-CA root (D4.5)
    #[arg(long, global = true, value_name = "HEX", default_value = MANUAL_ROOT_SHA1, value_parser = parse_sha1)]
    pub root_sha1: String,
    /// Evaluate every certificate date as of this instant instead of the
    /// system clock: the 90-day rule and the selection, and also the
    /// validation of chains and CRLs (what is valid, expired or revoked).
    /// For reproducing a customer's situation (a test PKI, a mock's virtual
    /// clock); it does not change what the servers decide. Dangerous against
    /// a real server: an expired or revoked CA can pass as valid
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub danger_now: Option<Clock>,
    /// Message language
    #[arg(long, global = true, value_enum, value_name = "LANG", default_value_t = Lang::Ja)]
    pub lang: Lang,
    /// Output format: text (message on stderr/stdout) or one JSON object on stdout
    #[arg(long, global = true, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Seconds to connect, TLS handshake included (more than 0, less than 86400)
    #[arg(long, global = true, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub connect_timeout: Duration,
    /// Seconds for a whole request (more than 0, less than 86400)
    #[arg(long, global = true, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    pub timeout: Duration,
    /// Send every request through this proxy (http:// or https:// URL)
    /// [default: HTTPS_PROXY, HTTP_PROXY, NO_PROXY]
    #[arg(long, global = true, value_name = "URL", value_parser = parse_proxy)]
    pub proxy: Option<String>,
    /// Times a failed idempotent GET (access check, CA certificates, CRLs)
    /// is tried again, waiting 0.25 s, then 0.5 s, ... (or a 503's
    /// Retry-After up to --timeout); the issuance is never retried
    #[arg(long, global = true, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
}
