//! `certs-gen`: writes a complete test PKI to a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use certs_gen::KeyType;
use certs_gen::export::Generated;
use certs_gen::spec::{ClientEntry, Spec};
use clap::Parser;
use fileformat::Offset;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Make a test PKI for the renewal harness: a web root with server
/// certificates for webra1/webra2.secomtrust.net, a client-CA root with its
/// issuing CA, client identities in chosen validity states, CRLs, PKCS#12
/// bundles and a manifest with SHA-1/SHA-256 thumbprints.
///
/// Without --spec or --client it makes a default set of identities: valid,
/// expired-10d, expired-89d23h, expired-90d, expired-400d, not-yet-valid,
/// revoked, and foreign-ca (from an unrelated CA).
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES, after_long_help = LONG_HELP)]
struct Cli {
    /// Directory to write into (created; must be empty unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// A TOML spec of the PKI and its client identities (format below, in
    /// --help)
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,

    /// Key type of the CAs, the servers and every client identity that names
    /// none of its own (overrides the spec's top-level `key_type`)
    #[arg(long, value_name = "TYPE")]
    key_type: Option<KeyType>,

    /// The time validity windows are relative to, RFC 3339 [default: now].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,

    /// A client identity NAME=EXPIRES, e.g. `alice=-10d` (expired 10 days ago)
    /// or `bob=+300d`; repeatable; replaces the default set.
    #[arg(long = "client", value_name = "NAME=EXPIRES")]
    clients: Vec<String>,

    /// Passphrase of the PKCS#12 bundles [default: changeit].
    #[arg(long, value_name = "PASS")]
    p12_passphrase: Option<String>,

    /// Write into a directory that already has files: what an earlier run
    /// wrote there (manifest.json, web/, client-ca/, foreign-ca/, clients/)
    /// is removed first, so two PKIs never mix; other files are left alone
    #[arg(long)]
    force: bool,
}

const EXAMPLES: &str = "\
Examples:
  certs-gen --out pki
  certs-gen --out pki --key-type rsa2048 --client alice=-10d --client bob=-90d
  certs-gen --out pki --spec my-pki.toml --now 2026-11-25T00:00:00Z
  openssl verify -CAfile pki/client-ca/root.pem -untrusted pki/client-ca/issuing.pem \\
      -attime $(date -d '-11 days' +%s) pki/clients/expired-10d/cert.pem";

/// `--help`: the examples, then the spec format and the offset grammar.
const LONG_HELP: &str = "\
Examples:
  certs-gen --out pki
  certs-gen --out pki --key-type rsa2048 --client alice=-10d --client bob=-90d
  certs-gen --out pki --spec my-pki.toml --now 2026-11-25T00:00:00Z
  openssl verify -CAfile pki/client-ca/root.pem -untrusted pki/client-ca/issuing.pem \\
      -attime $(date -d '-11 days' +%s) pki/clients/expired-10d/cert.pem

The spec (--spec FILE, TOML; unknown keys are errors with file:line:column):
  key_type = \"p256\"                  # or \"rsa2048\"
  now = \"2026-11-25T00:00:00Z\"       # default: the current time (2010..2999)
  p12_passphrase = \"changeit\"        # of every PKCS#12 bundle (a test value)

  [[client]]                         # one table per identity
  name = \"expired-10d\"               # directory under clients/: letters, digits, - _ .
  cn = \"ACME Trading user01\"         # default: the name
  expires = \"-10d\"                   # notAfter, relative to now
  lifetime = \"365d\"                  # notBefore = notAfter - lifetime (default 365d)
  not_before = \"+1d\"                 # or a start relative to now (wins over lifetime)
  key_type = \"rsa2048\"               # default: the PKI's
  revoked = true                     # list it on the issuing CA's CRL
  ca = \"foreign\"                     # issue from an unrelated CA (default \"test\")

Times relative to now (EXPIRES, lifetime, not_before): an optional sign, then
numbers with units d, h, m, s in that order, each at most once: -10d,
+89d23h59m, 30s, 0. At most 20 years (7305d) either way.";

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("certs-gen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut spec = match &cli.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read spec {}", path.display()))?;
            Spec::from_toml(&path.display().to_string(), &text)?
        }
        None => Spec::default_set(),
    };
    if !cli.clients.is_empty() {
        spec.clients = cli
            .clients
            .iter()
            .map(|c| parse_client_flag(c))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(k) = cli.key_type {
        spec.key_type = k;
    }
    if let Some(now) = &cli.now {
        spec.now = Some(OffsetDateTime::parse(now, &Rfc3339).with_context(|| {
            format!("--now {now}: expected RFC 3339, e.g. 2026-11-25T00:00:00Z")
        })?);
    }
    if let Some(p) = cli.p12_passphrase {
        spec.p12_passphrase = p;
    }
    if !cli.force && cli.out.exists() {
        let non_empty = std::fs::read_dir(&cli.out)
            .with_context(|| format!("cannot read {}", cli.out.display()))?
            .next()
            .is_some();
        if non_empty {
            anyhow::bail!(
                "{} is not empty: choose an empty directory or pass --force",
                cli.out.display()
            );
        }
    }
    let generated = Generated::from_spec(&spec)?;
    if cli.force {
        // What an earlier run wrote goes first, so the new manifest lists
        // everything there is and no old certificate of another PKI stays.
        for name in certs_gen::export::WRITTEN {
            let path = cli.out.join(name);
            let gone = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match gone {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
    }
    let manifest = generated.write(&cli.out)?;
    use std::fmt::Write as _;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "wrote {} files to {} in {} ms ({}, now {})",
        manifest.files.len() + 1,
        cli.out.display(),
        started.elapsed().as_millis(),
        manifest.key_type,
        manifest.now.format(&Rfc3339).unwrap_or_default()
    );
    let _ = writeln!(text, "client-CA root SHA-1: {}", manifest.client_root_sha1);
    for c in &generated.clients {
        let info = c.identity.info()?;
        let _ = writeln!(
            text,
            "  clients/{:<16} serial {}  notAfter {}{}",
            c.name,
            info.serial,
            info.not_after.format(&Rfc3339).unwrap_or_default(),
            if c.revoked { "  (revoked)" } else { "" }
        );
    }
    emit(&text)
}

/// Writes the summary on stdout: a reader that went away (`| head`) is
/// not an error, any other failure to write (a full disk) is.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the summary"),
    }
}

fn parse_client_flag(flag: &str) -> anyhow::Result<ClientEntry> {
    let (name, expires) = flag
        .split_once('=')
        .with_context(|| format!("--client {flag}: expected NAME=EXPIRES, e.g. alice=-10d"))?;
    let expires = Offset::parse(expires).with_context(|| format!("--client {flag}"))?;
    Ok(ClientEntry::new(name, expires))
}
