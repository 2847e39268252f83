//! The command line: flags (clap derive), and running a command to its
//! [`Outcome`]. `main` only parses, calls [`run`] and renders.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::cert::{self, KeyType};
use crate::clock::Clock;
use crate::commands;
use crate::env::Environment;
use crate::error::Error;
use crate::messages::{Lang, Outcome, OutputFormat};
use crate::net::ConnectTo;
use crate::prompt::Prompter;
use crate::trust::MANUAL_ROOT_SHA1;

const EXAMPLES: &str = "\
Examples:
  # check that the three hosts answer (D3.1)
  certrenew check
  # bring the old certificate into the store, then renew it (you type the password)
  certrenew import --p12 old.p12
  certrenew renew
  # the same without a terminal (scripts): the password from a file only you can read
  install -m 600 /dev/null ~/.certrenew-pass   # then write the password into it
  certrenew renew --password-stdin --yes < ~/.certrenew-pass
  # against a mock or staging server: keep the real names, connect elsewhere
  certrenew --server-ca web-root.pem \\
    --connect-to webra2.secomtrust.net:443:127.0.0.1:40123 \\
    --connect-to webra1.secomtrust.net:443:127.0.0.1:40124 \\
    --connect-to repo1.secomtrust.net:80:127.0.0.1:40125 \\
    --connect-to repository.secomtrust.net:80:127.0.0.1:40126 renew
  # check the new certificate on the confirmation page (D5.1)
  certrenew verify --ssl-state ~/.cache/certrenew-ssl --clear-ssl-state

Exit codes: 0 success, 1 internal error, 2 usage, 3 E115 (a host did not
answer), 4 ENOCERT, 5 E550A, 6 E550F, 7 root not trusted, 8 EIMPORT,
9 ECONFIRM; 130/143/129 a SIGINT/SIGTERM/SIGHUP held back during the
issuance, acted on once the new certificate is stored.";

/// Renews an expired bank client certificate (up to 90 days after its
/// expiry) and imports the new one, as the vendor's renewal tool does.
#[derive(Debug, Parser)]
#[command(name = "certrenew", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Renew the certificate: password, access check, selection, login,
    /// new key, issuance, import (D4)
    #[command(after_help = "Examples:
  certrenew renew                       # asks for the password, shows the root's thumbprint
  certrenew renew --all                 # pick from every candidate (その他)
  certrenew renew --password-stdin --yes --select 27ccde0a... < ~/.certrenew-pass
  certrenew renew --key-type rsa2048    # another key type than the old key's

The password is the internet-banking login password as it was 28 days
before the certificate's expiry (D2.1). Type it when asked, or keep it in
a file only you can read (chmod 600) and give that file on stdin with
--password-stdin. It is never read from the command line or the
environment.")]
    Renew(RenewArgs),
    /// Show the certificates the selection dialog offers (D4.2)
    #[command(after_help = "Examples:
  certrenew list                 # the default choice: newest notBefore
  certrenew list --all           # every candidate, and why others are left out
  certrenew --output json list --all --offline")]
    List(ListArgs),
    /// Check that webra2, repo1 and repository answer (D3.1)
    #[command(after_help = "Examples:
  certrenew check
  certrenew --proxy http://proxy.example:8080 check
Exit 0 when all three answer, 3 (E115) otherwise, with the host table.")]
    Check,
    /// Open the confirmation page with a certificate (D5.1, D6.11)
    #[command(after_help = "Examples:
  certrenew verify                                   # selection as the dialog does
  certrenew verify --select 6d791d64...              # a given certificate
  certrenew verify --ssl-state ~/.cache/certrenew-ssl                     # like a browser
  certrenew verify --ssl-state ~/.cache/certrenew-ssl --clear-ssl-state   # the D6.11 remedy")]
    Verify(VerifyArgs),
    /// Put a certificate and its key into the store
    #[command(after_help = "Examples:
  certrenew import --p12 old.p12                      # asks for the passphrase
  echo changeit | certrenew import --p12 old.p12 --passphrase-stdin
  certrenew import --cert cert.pem --key key.pem --chain chain.pem
Without --chain (and for a PKCS#12 without one) the chain is fetched from
the repositories the certificate names; a certificate whose chain stays
unknown is imported, but cannot be selected until it is imported again
with --chain.")]
    Import(ImportArgs),
    /// Write a certificate, its key and chain as PKCS#12
    #[command(after_help = "Examples:
  certrenew export --select 6d791d64... --out new.p12
  openssl pkcs12 -info -in new.p12            # browsers and openssl read it")]
    Export(ExportArgs),
    /// List the trusted client-CA roots, or install one (D4.5)
    Roots(RootsArgs),
}

/// `roots`.
#[derive(Debug, Args)]
pub struct RootsArgs {
    /// Without an action: list the trusted roots with their SHA-1 thumbprints
    #[command(subcommand)]
    pub action: Option<RootsAction>,
}

/// `roots add`.
#[derive(Debug, Subcommand)]
pub enum RootsAction {
    /// Install a client-CA root into the trust list, by the same rule as
    /// renew: its SHA-1 must equal --root-sha1, and you confirm it (or --yes)
    Add {
        /// The root certificate, PEM
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Accept without asking (only if the thumbprint equals --root-sha1)
        #[arg(long)]
        yes: bool,
    },
}

/// `renew`.
#[derive(Debug, Args)]
pub struct RenewArgs {
    /// Read the login password (as of 28 days before expiry, D2.1) as one
    /// line from stdin instead of the terminal
    #[arg(long)]
    pub password_stdin: bool,
    /// Accept the CA's root without asking (only if its thumbprint equals --root-sha1)
    #[arg(long)]
    pub yes: bool,
    /// Use the certificate with this serial number (hex)
    #[arg(long, value_name = "SERIAL", conflicts_with = "all")]
    pub select: Option<String>,
    /// Show every candidate and pick one by number (その他; needs a terminal)
    #[arg(long)]
    pub all: bool,
    /// Type of the new key [default: the old key's type (RSA of the same
    /// size); refused if the RA does not sign it, rather than changed]
    #[arg(long, value_enum, value_name = "TYPE")]
    pub key_type: Option<KeyType>,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show every candidate, not only the default one (その他)
    #[arg(long)]
    pub all: bool,
    /// Do not ask webra2 which CAs it accepts; treat every CA as accepted
    #[arg(long)]
    pub offline: bool,
    /// Also show the installed identities the dialog does not offer (a CA
    /// the site does not accept, expired 90 days or more), and why
    #[arg(long)]
    pub excluded: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Present the certificate with this serial number
    #[arg(long, value_name = "SERIAL")]
    pub select: Option<String>,
    /// Remember per site which certificate was presented, like a browser
    #[arg(long, value_name = "DIR")]
    pub ssl_state: Option<PathBuf>,
    /// Empty the SSL state first (the manual's remedy for D6.11): only the
    /// files certrenew wrote there are removed
    #[arg(long, requires = "ssl_state")]
    pub clear_ssl_state: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A PKCS#12 file (key, certificate, chain)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cert", "key", "chain"], required_unless_present = "cert")]
    pub p12: Option<PathBuf>,
    /// Read the PKCS#12 passphrase as one line from stdin
    #[arg(long, requires = "p12")]
    pub passphrase_stdin: bool,
    /// PEM certificate (may also hold its chain)
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// PEM chain (issuing CA, root) [default: fetched from the
    /// repositories the certificate names (AIA), with the global network
    /// options]
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub chain: Option<PathBuf>,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Serial number of the certificate to export
    #[arg(long, value_name = "SERIAL")]
    pub select: String,
    /// The PKCS#12 file to write (must not exist)
    #[arg(long, value_name = "FILE.p12")]
    pub out: PathBuf,
    /// Read the passphrase (not empty) as one line from stdin
    #[arg(long)]
    pub passphrase_stdin: bool,
}

/// Runs the command and returns its outcome; never panics on input.
pub fn run(cli: &Cli, env: &Environment, prompter: &mut dyn Prompter) -> Outcome {
    let lang = cli.global.lang;
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Error::Internal(format!("async runtime: {e}")).to_outcome(lang),
    };
    let outcome = match rt.block_on(dispatch(cli, env, prompter)) {
        Ok(o) => o,
        Err(e) => e.to_outcome(lang),
    };
    commands::with_recovered(outcome, lang)
}

async fn dispatch(
    cli: &Cli,
    env: &Environment,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let g = &cli.global;
    match &cli.command {
        Command::Renew(a) => commands::renew::run(g, env, a, prompter).await,
        Command::List(a) => commands::list::run(g, env, a).await,
        Command::Check => commands::check::run(g, env).await,
        Command::Verify(a) => commands::verify::run(g, env, a).await,
        Command::Import(a) => commands::import::run(g, env, a, prompter).await,
        Command::Export(a) => commands::export::run(g, env, a, prompter),
        Command::Roots(RootsArgs { action: None }) => commands::roots::list(g, env),
        Command::Roots(RootsArgs {
            action: Some(RootsAction::Add { file, yes }),
        }) => commands::roots::add(g, env, file, *yes, prompter),
    }
}
