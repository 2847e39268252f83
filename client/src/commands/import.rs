//! `import`: an identity from PKCS#12 or PEM files; a chain that does not
//! reach a root is completed from the repositories the certificate names.

use std::path::PathBuf;

use super::{CommandContext, identity_json, read_file, read_secret};
use crate::cert::{self, CertFacts};
use crate::chain::{self, ChainError};
use crate::error::{Error, InputProblem, Usage};
use crate::messages::{Outcome, Success, Text};
use crate::net::{self, Net};
use crate::pkcs12;
use crate::prompt::{ExposeSecret, Prompter};
use crate::store::{Access, Meta, StoreError};
use clap::Args;

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
    ctx: &CommandContext<'_>,
    leaf: &CertFacts,
    known: &[CertFacts],
) -> Result<Vec<CertFacts>, ChainError> {
    let net = Net::new(ctx.net_config().map_err(|e| {
        ChainError::Net(net::NetError {
            host: String::new(),
            url: String::new(),
            kind: net::NetErrorKind::Setup(net::SetupProblem::Options(e.to_string())),
        })
    })?)?;
    let cas = chain::fetch_cas(&net, leaf, known).await?;
    chain::validate_path(leaf, &cas, leaf.not_before)?;
    Ok(cas)
}

/// A certificate given to `import`, with where it came from: the file and
/// its 1-based place in it (PEM block, PKCS#12 entry).
type Block = (PathBuf, usize, Vec<u8>);

pub async fn run(
    ctx: &mut CommandContext<'_>,
    a: &ImportArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    // Every certificate with where it came from (file, 1-based block).
    let (source, key, certs): (PathBuf, _, Vec<Block>) = if let Some(p12) = &a.p12 {
        let data = read_file(p12)?;
        let pass = read_secret(
            a.passphrase_stdin,
            "--passphrase-stdin",
            &Text::PassphrasePrompt.render(lang),
            prompter,
        )?;
        let pkcs12::Contents { key, certs } = pkcs12::read(&data, pass.expose_secret())
            .map_err(|e| Error::input(p12, InputProblem::NotPkcs12(e.to_string())))?;
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
        match complete_chain(ctx, &leaf, &given).await {
            Ok(cas) => (cas, Some(Ok(()))),
            Err(e) => (given, Some(Err(e))),
        }
    };
    let store = ctx.open_store(Access::Create)?;
    let meta = Meta {
        origin: "imported".into(),
        stored_at: ctx.clock().now(),
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
        .line(Text::Identity { cert: &stored.cert }.render(lang))
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
