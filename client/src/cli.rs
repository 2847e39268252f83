//! The command line: flags (clap derive), and running a command to its
//! [`Outcome`]. `main` only parses, calls [`run`] and renders.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::cert::{self, CertFacts, KeyType};
use crate::chain::{self, ChainError};
use crate::clock::{Clock, rfc3339};
use crate::confirm::{self, Browser, Presentable, Remembered, SslState};
use crate::env::Environment;
use crate::error::{Error, InputProblem, Usage};
use crate::messages::{Lang, Outcome, OutputFormat, Progress, Success, Text};
use crate::net::{self, ConnectTo, Net, NetConfig, ProxySettings, RetryPolicy};
use crate::prompt::{NoQuestions, Prompter, Secret};
use crate::renewal::{self, Context};
use crate::selection::{self, CaNames, Choice, Ineligible, NoCertificate};
use crate::store::{Access, Meta, Store, StoreError, StoredIdentity};
use crate::trust::{self, MANUAL_ROOT_SHA1, Policy};

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
9 ECONFIRM.";

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
    match rt.block_on(dispatch(cli, env, prompter)) {
        Ok(o) => o,
        Err(e) => e.to_outcome(lang),
    }
}

fn store_dir(g: &Global, env: &Environment) -> Result<PathBuf, Error> {
    g.store
        .clone()
        .or_else(|| env.default_store())
        .ok_or(Error::Usage(Usage::NoStoreDir))
}

/// Opens the store. Only [`Access::Create`] makes one; for the others a
/// missing store is ENOCERT (D6.3: nothing is installed here), saying
/// where the default store is when `--store` named another directory.
fn open_store(g: &Global, env: &Environment, access: Access) -> Result<Store, Error> {
    let dir = store_dir(g, env)?;
    Store::open(&dir, access).map_err(|e| match e {
        StoreError::Missing(path) => {
            let default = match &g.store {
                Some(given) if env.default_store().as_ref() != Some(given) => {
                    env.default_store_display()
                }
                _ => None,
            };
            Error::NoCertificate(NoCertificate::NoStore { path, default })
        }
        other => other.into(),
    })
}

fn net_config(g: &Global, env: &Environment) -> Result<NetConfig, Error> {
    let server_roots = match &g.server_ca {
        Some(p) => {
            let bad = |why: String| {
                Error::Usage(Usage::ServerCa {
                    path: p.clone(),
                    why,
                })
            };
            let text = std::fs::read(p).map_err(|e| bad(e.to_string()))?;
            let roots = cert::pem_certificates(&text).map_err(|e| bad(e.to_string()))?;
            if roots.is_empty() {
                return Err(bad("no CERTIFICATE block".into()));
            }
            Some(roots)
        }
        None => None,
    };
    Ok(NetConfig {
        mappings: g.connect_to.clone(),
        server_roots,
        connect_timeout: g.connect_timeout,
        timeout: g.timeout,
        proxy: ProxySettings {
            all: g.proxy.clone(),
            https: env.https_proxy.clone(),
            http: env.http_proxy.clone(),
            no_proxy: env.no_proxy.clone(),
        },
        retry: RetryPolicy {
            attempts: g.retries + 1,
            ..RetryPolicy::default()
        },
    })
}

fn clock(g: &Global) -> Clock {
    g.danger_now.unwrap_or_default()
}

/// The trust policy of `--root-sha1` (already checked by its parser).
fn policy(g: &Global, yes: bool) -> Result<Policy, Error> {
    Policy::new(&g.root_sha1, yes).ok_or_else(|| {
        Error::Internal("--root-sha1 passed its parser but is not 40 hex digits".into())
    })
}

async fn dispatch(
    cli: &Cli,
    env: &Environment,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let g = &cli.global;
    let lang = g.lang;
    match &cli.command {
        Command::Renew(a) => {
            // D4.1: the password first.
            let password = read_secret(
                a.password_stdin,
                "--password-stdin",
                &Text::PasswordPrompt.render(lang),
                prompter,
            )?;
            if password.expose().is_empty() {
                return Err(Usage::EmptyPassword.into());
            }
            if a.all && !prompter.interactive() {
                return Err(Usage::AllNeedsTerminal.into());
            }
            let net = Net::new(net_config(g, env)?)?;
            let store = open_store(g, env, Access::Write)?;
            let choice = match (&a.select, a.all) {
                (Some(s), _) => Choice::Serial(s.clone()),
                (None, true) => Choice::Pick,
                (None, false) => Choice::Default,
            };
            let opts = renewal::Options {
                choice,
                key_type: a.key_type,
                trust: policy(g, a.yes)?,
            };
            let mut ctx = Context {
                net: &net,
                store: &store,
                clock: clock(g),
                lang,
                prompter,
                progress: Progress::new(lang, g.output),
            };
            renewal::renew(&mut ctx, &password, &opts).await
        }
        Command::List(a) => list(g, env, a).await,
        Command::Check => {
            let net = Net::new(net_config(g, env)?)?;
            let report = crate::access::check(&net).await;
            Ok(crate::access::outcome(&report, lang))
        }
        Command::Verify(a) => verify(g, env, a).await,
        Command::Import(a) => import(g, env, a, prompter).await,
        Command::Export(a) => export(g, env, a, prompter),
        Command::Roots(RootsArgs { action: None }) => roots(g, env),
        Command::Roots(RootsArgs {
            action: Some(RootsAction::Add { file, yes }),
        }) => roots_add(g, env, file, *yes, prompter),
    }
}

fn read_secret(
    from_stdin: bool,
    flag: &'static str,
    prompt: &str,
    prompter: &mut dyn Prompter,
) -> Result<Secret, Error> {
    if from_stdin {
        return prompter
            .stdin_line()
            .map_err(|e| Usage::ReadStdin(e.to_string()).into());
    }
    if !prompter.interactive() {
        return Err(Usage::NoTerminal { flag }.into());
    }
    prompter
        .secret(prompt)
        .map_err(|e| Usage::ReadTerminal(e.to_string()).into())
}

fn identity_json(id: &StoredIdentity, default: bool) -> serde_json::Value {
    let c = &id.cert;
    serde_json::json!({
        "id": id.id,
        "serial": c.serial,
        "subject": c.subject,
        "issuer": c.issuer,
        "not_before": rfc3339(c.not_before),
        "not_after": rfc3339(c.not_after),
        "has_chain": id.has_chain(),
        "default": default,
    })
}

async fn list(g: &Global, env: &Environment, a: &ListArgs) -> Result<Outcome, Error> {
    let lang = g.lang;
    let store = open_store(g, env, Access::Read)?;
    let names = if a.offline {
        CaNames::any()
    } else {
        let net = Net::new(net_config(g, env)?)?;
        crate::access::probe_webra2(&net).await?
    };
    let (ids, bad) = store.identities()?;
    let now = clock(g).now();
    let excluded: Vec<(&StoredIdentity, Ineligible)> = ids
        .iter()
        .filter_map(|id| selection::check(id, &names, now).err().map(|why| (id, why)))
        .collect();
    // Identities whose files cannot be read are excluded too, and said so.
    let unreadable = selection::unreadable_reasons(&bad);
    let excluded_json: Vec<serde_json::Value> = excluded
        .iter()
        .map(|(id, why)| {
            serde_json::json!({
                "serial": id.cert.serial,
                "not_after": rfc3339(id.cert.not_after),
                "has_chain": id.has_chain(),
                "why": why.to_string(),
            })
        })
        .chain(unreadable.iter().map(|(serial, why)| {
            serde_json::json!({ "serial": serial, "unreadable": true, "why": why.to_string() })
        }))
        .collect();
    let cands = selection::candidates(&ids, &names, now);
    if cands.is_empty() {
        // Same reasons as the dialog would give (D6.2, D6.3); every
        // excluded identity is listed with why (so `--excluded` shows them
        // even when nothing can be chosen).
        let e = selection::select(&ids, &names, now, &Choice::Default, &mut NoQuestions, lang)
            .err()
            .map(|e| e.with_unreadable(&bad))
            .map(Error::NoCertificate)
            .unwrap_or_else(|| Error::Internal("no candidates yet a selection".into()));
        return Ok(e
            .to_outcome(lang)
            .field("candidates", Vec::<serde_json::Value>::new())
            .field("excluded", excluded_json)
            .field("ca_names", names.describe()));
    }
    let shown: &[&StoredIdentity] = if a.all { &cands } else { &cands[..1] };
    let mut o = Outcome::success(Success::Listed);
    for line in selection::numbered(shown, lang) {
        o = o.line(line);
    }
    if !a.all && cands.len() > 1 {
        o = o.line(
            Text::MoreCandidates {
                count: cands.len() - 1,
            }
            .render(lang),
        );
    }
    if a.excluded {
        let all = excluded
            .iter()
            .map(|(id, why)| (id.cert.serial.as_str(), why))
            .chain(unreadable.iter().map(|(s, why)| (s.as_str(), why)));
        for (serial, why) in all {
            o = o.line(Text::Excluded { serial, why }.render(lang));
        }
    }
    Ok(o.field(
        "candidates",
        shown
            .iter()
            .enumerate()
            .map(|(i, id)| identity_json(id, i == 0))
            .collect::<Vec<_>>(),
    )
    .field("excluded", excluded_json)
    .field("ca_names", names.describe()))
}

async fn verify(g: &Global, env: &Environment, a: &VerifyArgs) -> Result<Outcome, Error> {
    let lang = g.lang;
    let net = Net::new(net_config(g, env)?)?;
    let store = open_store(g, env, Access::Read)?;
    let (ids, _) = store.identities()?;
    // An unknown --select is ENOCERT (D6.3), before any connection.
    if let Some(serial) = &a.select {
        let want = cert::normalize_serial(serial);
        if !ids
            .iter()
            .any(|i| cert::normalize_serial(&i.cert.serial) == want)
        {
            return Err(NoCertificate::SerialNotFound(serial.clone()).into());
        }
    }
    let mut presentable = Vec::new();
    for id in ids {
        let Ok(key) = store.load_key(&id) else {
            continue;
        };
        if let Ok(ck) = net::certified_key(&id.cert.der, &id.chain_der(), &key) {
            presentable.push(Presentable {
                identity: id,
                key: ck,
            });
        }
    }
    let state = match &a.ssl_state {
        Some(dir) => Some(SslState::open(dir, a.clear_ssl_state).map_err(|source| {
            Error::Store(StoreError::Io {
                path: dir.clone(),
                source,
            })
        })?),
        None => None,
    };
    let remembered = if a.select.is_none() {
        state
            .as_ref()
            .and_then(|s| s.remembered(net::WEBRA1_HOST))
            .filter(|r| presentable.iter().any(|p| p.identity.id == r.identity))
    } else {
        None
    };
    let browser = Browser::new(
        &net,
        presentable,
        clock(g),
        a.select.clone(),
        remembered.as_ref().map(|r| r.identity.clone()),
    )?;
    let visit = browser.visit(&net).await;
    if let (Some(state), Some(p)) = (&state, &visit.presented) {
        // A browser that cannot write its cache still shows the page.
        let _ = state.remember(&Remembered {
            host: net::WEBRA1_HOST.into(),
            identity: p.id.clone(),
            serial: p.cert.serial.clone(),
        });
    }
    Ok(confirm::outcome(
        &visit,
        remembered.as_ref(),
        a.ssl_state.as_deref(),
        lang,
    ))
}

fn read_file(p: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(p).map_err(|e| Error::input(p, InputProblem::Read(e.to_string())))
}

/// Orders `pool` into the chain above `leaf`: issuer after issuer, up to a
/// self-issued root or the first missing link.
fn order_chain(leaf: &CertFacts, pool: &[CertFacts]) -> Vec<CertFacts> {
    let mut out: Vec<CertFacts> = Vec::new();
    let mut current = leaf.clone();
    while !current.is_self_issued() && out.len() < 8 {
        let Some(next) = pool
            .iter()
            .find(|c| c.subject_der == current.issuer_der && c.der != current.der)
        else {
            break;
        };
        out.push(next.clone());
        current = next.clone();
    }
    out
}

/// Completes `known` (the part of `leaf`'s chain that came with it) up to
/// the root from the repositories the certificates name (AIA), through
/// the global network options, and checks the path (signatures, dates at
/// the leaf's start, client-auth EKU; no revocation: the old certificate
/// may be expired). Nothing is fetched when `known` ends in a root.
async fn complete_chain(
    g: &Global,
    env: &Environment,
    leaf: &CertFacts,
    known: &[CertFacts],
) -> Result<Vec<CertFacts>, ChainError> {
    let net = Net::new(net_config(g, env).map_err(|e| {
        ChainError::Net(net::NetError {
            host: String::new(),
            url: String::new(),
            kind: net::NetErrorKind::Setup(e.to_string()),
        })
    })?)?;
    let cas = chain::fetch_cas(&net, leaf, known).await?;
    chain::validate_path(leaf, &cas, leaf.not_before)?;
    Ok(cas)
}

/// A certificate given to `import`, with where it came from: the file and
/// its 1-based place in it (PEM block, PKCS#12 entry).
type Block = (PathBuf, usize, Vec<u8>);

async fn import(
    g: &Global,
    env: &Environment,
    a: &ImportArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = g.lang;
    // Every certificate with where it came from (file, 1-based block).
    let (source, key, certs): (PathBuf, _, Vec<Block>) = if let Some(p12) = &a.p12 {
        let data = read_file(p12)?;
        let pass = read_secret(
            a.passphrase_stdin,
            "--passphrase-stdin",
            &Text::PassphrasePrompt.render(lang),
            prompter,
        )?;
        let ks = p12_keystore::KeyStore::from_pkcs12(
            &data,
            pass.expose(),
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| Error::input(p12, InputProblem::NotPkcs12(e.to_string())))?;
        let mut key = None;
        let mut certs = Vec::new();
        for (_, entry) in ks.entries() {
            match entry {
                p12_keystore::KeyStoreEntry::PrivateKeyChain(c) => {
                    if key.is_none() {
                        key = Some(rustls_pki_types::PrivatePkcs8KeyDer::from(
                            c.key().as_der().to_vec(),
                        ));
                    }
                    certs.extend(c.certs().iter().map(|c| c.as_der().to_vec()));
                }
                p12_keystore::KeyStoreEntry::Certificate(c) => certs.push(c.as_der().to_vec()),
                p12_keystore::KeyStoreEntry::Secret(_) => {}
            }
        }
        let key = key.ok_or_else(|| Error::input(p12, InputProblem::NoKey))?;
        let certs = certs
            .into_iter()
            .enumerate()
            .map(|(i, c)| (p12.clone(), i + 1, c))
            .collect();
        (p12.clone(), key, certs)
    } else {
        let (Some(cert_path), Some(key_path)) = (&a.cert, &a.key) else {
            return Err(Usage::ImportNeedsFiles.into());
        };
        let key_text = zeroize::Zeroizing::new(read_file(key_path)?);
        let key = cert::pem_private_key(&key_text).map_err(|e| Error::input(key_path, e))?;
        let mut certs = Vec::new();
        for p in std::iter::once(cert_path).chain(a.chain.iter()) {
            let text = read_file(p)?;
            let found = cert::pem_certificates(&text).map_err(|e| Error::input(p, e))?;
            if found.is_empty() {
                return Err(Error::input(p, InputProblem::NoCertificate));
            }
            certs.extend(
                found
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (p.clone(), i + 1, c.to_vec())),
            );
        }
        (cert_path.clone(), key, certs)
    };
    // A block that is not a certificate is an error that names it, never
    // silently dropped.
    let facts = certs
        .iter()
        .map(|(path, block, der)| {
            CertFacts::parse(der)
                .map_err(|why| Error::input(path, InputProblem::BadBlock { block: *block, why }))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let spki = cert::key_spki(&key).map_err(|e| Error::input(&source, e))?;
    let leaf = facts
        .iter()
        .find(|f| f.spki_der == spki)
        .ok_or_else(|| Error::input(&source, InputProblem::NoMatchingCertificate))?
        .clone();
    let given = order_chain(&leaf, &facts);
    // webra2 names the client-CA root, which only the chain shows: without
    // it the identity could never be selected (D4.2). Complete it from the
    // repositories when it does not reach a root.
    let reaches_root = leaf.is_self_issued() || given.last().is_some_and(CertFacts::is_self_issued);
    let (chain, fetched) = if reaches_root {
        (given, None)
    } else {
        match complete_chain(g, env, &leaf, &given).await {
            Ok(cas) => (cas, Some(Ok(()))),
            Err(e) => (given, Some(Err(e))),
        }
    };
    let store = open_store(g, env, Access::Create)?;
    let meta = Meta {
        origin: "imported".into(),
        stored_at: clock(g).now(),
        renewed_from: None,
    };
    let (stored, already) = match store.add_identity(&leaf.der, &key, &meta) {
        Ok(s) => (s, false),
        Err(StoreError::Exists(id)) => {
            let (ids, _) = store.identities()?;
            let s = ids
                .into_iter()
                .find(|i| i.id == id)
                .ok_or(StoreError::Exists(id))?;
            (s, true)
        }
        Err(e) => return Err(e.into()),
    };
    let chain_reaches_root = chain.last().is_some_and(CertFacts::is_self_issued);
    let stored = if !stored.has_chain() && chain_reaches_root {
        let ders: Vec<_> = chain.iter().map(|c| c.der.clone()).collect();
        store.add_chain(&stored, &ders)?
    } else {
        stored
    };
    let mut o = Outcome::success(Success::Imported)
        .field("identity", identity_json(&stored, false))
        .field("already_present", already)
        .line(selection::describe(&stored, lang))
        .line(Text::StoredIn { dir: &stored.dir }.render(lang));
    if already {
        o = o.line(Text::AlreadyInStore.render(lang));
    }
    match &fetched {
        Some(Ok(())) if stored.has_chain() => {
            o = o
                .field("chain_fetched", true)
                .line(Text::ChainCompleted.render(lang));
        }
        Some(Err(e)) => {
            o = o.field("chain_error", e.to_string());
        }
        _ => {}
    }
    if !stored.has_chain() && !stored.cert.is_self_issued() {
        o = o
            .field("selectable", false)
            .line(Text::ChainUnknown { source: &source }.render(lang));
        if let Some(Err(e)) = &fetched {
            o = o.line(Text::ChainFetchFailed { why: e }.render(lang));
        }
    }
    Ok(o)
}

fn export(
    g: &Global,
    env: &Environment,
    a: &ExportArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = g.lang;
    let store = open_store(g, env, Access::Read)?;
    let (ids, bad) = store.identities()?;
    let want = cert::normalize_serial(&a.select);
    let id = ids
        .iter()
        .find(|i| cert::normalize_serial(&i.cert.serial) == want)
        .ok_or_else(|| {
            // A damaged copy of that identity is named as such.
            selection::unreadable_reasons(&bad)
                .into_iter()
                .find(|(serial, _)| cert::normalize_serial(serial) == want)
                .map(|(serial, why)| NoCertificate::Ineligible { serial, why })
                .unwrap_or_else(|| NoCertificate::SerialNotFound(a.select.clone()))
        })?;
    if a.out.exists() {
        return Err(Usage::OutExists(a.out.clone()).into());
    }
    let pass = read_secret(
        a.passphrase_stdin,
        "--passphrase-stdin",
        &Text::PassphrasePrompt.render(lang),
        prompter,
    )?;
    // A PKCS#12 file without a passphrase leaves the key readable by
    // anyone who gets the file.
    if pass.expose().is_empty() {
        return Err(Usage::EmptyPassphrase.into());
    }
    let key = store.load_key(id)?;
    let internal = |e: p12_keystore::error::Error| Error::Internal(format!("PKCS#12: {e}"));
    let p12_key = p12_keystore::PrivateKey::from_der(key.secret_pkcs8_der()).map_err(internal)?;
    let certs = std::iter::once(&id.cert.der)
        .chain(id.chain.iter().map(|c| &c.der))
        .map(|c| p12_keystore::Certificate::from_der(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    let local_key_id = hex::decode(&id.cert.sha1).unwrap_or_default();
    let chain = p12_keystore::PrivateKeyChain::new(local_key_id, p12_key, certs);
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry(
        &format!("certrenew-{}", id.cert.serial),
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    let bytes = zeroize::Zeroizing::new(ks.writer(pass.expose()).write().map_err(internal)?);
    crate::store::write_new(&a.out, &bytes, true)?;
    Ok(Outcome::success(Success::Exported)
        .field("file", a.out.display().to_string())
        .field("serial", id.cert.serial.clone())
        .line(selection::describe(id, lang))
        .line(Text::WrittenTo { path: &a.out }.render(lang)))
}

fn roots_add(
    g: &Global,
    env: &Environment,
    file: &Path,
    yes: bool,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = g.lang;
    let text = read_file(file)?;
    let certs = cert::pem_certificates(&text).map_err(|e| Error::input(file, e))?;
    let [der] = certs.as_slice() else {
        return Err(Error::input(
            file,
            InputProblem::NotOneCertificate(certs.len()),
        ));
    };
    let root = CertFacts::parse(der).map_err(|e| Error::input(file, e))?;
    if !root.is_self_issued() {
        return Err(Error::input(
            file,
            InputProblem::NotRoot {
                subject: root.subject.clone(),
                issuer: root.issuer.clone(),
            },
        ));
    }
    // A root is a CA: a self-issued end-entity certificate must not become
    // a trust anchor.
    if !root.is_ca {
        return Err(Error::input(
            file,
            InputProblem::NotCa {
                subject: root.subject.clone(),
            },
        ));
    }
    let policy = policy(g, yes)?;
    let store = open_store(g, env, Access::Create)?;
    let decision = trust::decide(&store, &root, &policy, prompter, lang)?;
    let grouped = cert::group_thumbprint(&root.sha1).unwrap_or_default();
    let line = match decision {
        trust::Decision::Installed => Text::RootAdded {
            subject: &root.subject,
            sha1: &grouped,
        },
        trust::Decision::AlreadyTrusted => Text::RootWasTrusted {
            subject: &root.subject,
            sha1: &grouped,
        },
    };
    Ok(Outcome::success(Success::RootAdded)
        .line(line.render(lang))
        .field("subject", root.subject.clone())
        .field("sha1", grouped)
        .field("installed", matches!(decision, trust::Decision::Installed)))
}

fn roots(g: &Global, env: &Environment) -> Result<Outcome, Error> {
    let lang = g.lang;
    let dir = store_dir(g, env)?;
    let store = match Store::open(&dir, Access::Read) {
        Ok(s) => s,
        // No store yet: nothing is trusted, and nothing is created.
        Err(StoreError::Missing(path)) => {
            return Ok(Outcome::success(Success::Roots)
                .line(Text::NoTrustedRoots.render(lang))
                .line(Text::NoStoreYet { path: &path }.render(lang))
                .field("roots", Vec::<serde_json::Value>::new())
                .field("store_exists", false));
        }
        Err(e) => return Err(e.into()),
    };
    let roots = store.trusted_roots()?;
    let mut o = Outcome::success(Success::Roots);
    let mut list = Vec::new();
    for r in &roots {
        let grouped = cert::group_thumbprint(&r.sha1).unwrap_or_default();
        o = o.line(
            Text::TrustedRoot {
                subject: &r.subject,
                sha1: &grouped,
                not_after: &rfc3339(r.not_after),
            }
            .render(lang),
        );
        list.push(serde_json::json!({
            "subject": r.subject,
            "sha1": grouped,
            "not_after": rfc3339(r.not_after),
        }));
    }
    if roots.is_empty() {
        o = o.line(Text::NoTrustedRoots.render(lang));
    }
    Ok(o.field("roots", list))
}
