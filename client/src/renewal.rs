//! The renewal (D4, docs/protocol.md 5): password, preflight, selection,
//! login over mutual TLS with the (expired) identity, a new key and CSR,
//! the one-shot issuance, storing the new identity at once (D7.3), its chain
//! from the repositories, validation, the trust decision, done.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cert::{CertFacts, KeyType, pem_certificates};
use crate::chain::{self, ChainError};
use crate::clock::{Clock, rfc3339};
use crate::error::{Error, Usage};
use crate::messages::{Asking, Class, Lang, Outcome, Progress, Stage, Success, Text};
use crate::net::{self, BodyProblem, FixedClientCert, Net, NetErrorKind};
use crate::prompt::{ExposeSecret, Prompter, Secret};
use crate::selection::{self, Choice};
use crate::store::{Meta, Store, StoredIdentity};
use crate::trust::{self, Approval, Decision, Policy, TrustError};

/// The login path on webra2 (docs/protocol.md 2.3).
pub const LOGIN_PATH: &str = "/scira/api/v1/renewal/login";
/// The issuance path on webra2 (docs/protocol.md 2.4).
pub const CERTIFICATE_PATH: &str = "/scira/api/v1/renewal/certificate";

/// 2.3 request.
#[derive(Serialize)]
struct LoginRequest<'a> {
    password: &'a str,
}

/// 2.3 response.
#[derive(Debug, Deserialize)]
pub struct LoginResponse {
    /// Authorises one issuance.
    pub ticket: String,
    /// Until when (server clock).
    pub expires_at: String,
    /// The subject, RFC 4514, for people.
    pub subject: String,
    /// The subject the CSR must carry, base64 DER.
    pub subject_der: String,
    /// Key types the RA signs.
    pub key_types: Vec<String>,
}

/// 2.4 request.
#[derive(Serialize)]
struct CertificateRequest<'a> {
    ticket: &'a str,
    csr: String,
}

/// 2.4 response.
#[derive(Debug, Deserialize)]
pub struct CertificateResponse {
    /// The new certificate, PEM.
    pub certificate: String,
    /// Its serial.
    pub serial: String,
    /// Start of validity.
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
}

/// 2.5 problem body.
#[derive(Debug, Deserialize)]
struct Problem {
    class: String,
    #[serde(default)]
    detail: Option<String>,
}

/// What `renew` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which identity.
    pub choice: Choice,
    /// `--key-type`: else the old key's type when the RA lists it.
    pub key_type: Option<KeyType>,
    /// The trust decision's policy (pinned thumbprint, `--yes`).
    pub trust: Policy,
}

/// Everything a command works with.
pub struct Context<'a> {
    /// The network layer.
    pub net: &'a Net,
    /// The open store.
    pub store: &'a Store,
    /// The clock.
    pub clock: Clock,
    /// Message language.
    pub lang: Lang,
    /// The person, if any.
    pub prompter: &'a mut dyn Prompter,
    /// D4.4: what the customer is told while the network work goes on.
    pub progress: Progress,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("store", &self.store.root())
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

fn webra2_url(path: &str) -> Result<Url, Error> {
    Ok(net::parse_url(&format!(
        "https://{}{path}",
        net::WEBRA2_HOST
    ))?)
}

/// Runs the renewal with `password` (read by the caller, D4.1).
pub async fn renew(
    ctx: &mut Context<'_>,
    password: &Secret,
    opts: &Options,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let lang = ctx.lang;

    // D3.1: all three hosts and the store, before anything consumes the order.
    ctx.progress.show(Stage::CheckingAccess);
    let access = crate::access::check(ctx.net).await;
    if let Some(e) = access.first_failure() {
        return Err(Error::Net(e.clone()));
    }
    ctx.store.check_writable()?;

    let (ids, unreadable) = ctx.store.identities()?;

    // D4.2
    let old = selection::select(
        &ids,
        &access.ca_names,
        ctx.clock.now(),
        &opts.choice,
        &mut Asking::new(&mut *ctx.prompter, lang),
    )
    .map_err(|e| e.with_unreadable(&unreadable))?;

    // D4.2, D6.5: the customer sees which certificate is presented before
    // the login (the dialog shows it before OK; `--all` has just shown it),
    // and every refusal names it.
    if !matches!(opts.choice, Choice::Pick) {
        ctx.progress
            .note(&Text::Presenting { cert: &old.cert }.render(lang));
    }
    match renew_selected(ctx, password, opts, &ids, &old, started).await {
        Ok(o) => Ok(o.field("presented", presented_json(&old))),
        Err(e) if matches!(e.class(), Class::E550A | Class::NoCert | Class::E550F) => {
            let o = e
                .to_outcome_without_remedy(lang)
                .line(Text::PresentedIdentity { cert: &old.cert }.render(lang))
                .field("presented", presented_json(&old));
            Ok(e.add_remedy(o, lang))
        }
        Err(e) => Err(e),
    }
}

/// The presented identity in JSON (`details.presented`).
fn presented_json(id: &StoredIdentity) -> serde_json::Value {
    serde_json::json!({
        "id": id.id,
        "serial": id.cert.serial,
        "subject": id.cert.subject,
        "not_after": rfc3339(id.cert.not_after),
    })
}

/// The renewal once `old` is selected.
async fn renew_selected(
    ctx: &mut Context<'_>,
    password: &Secret,
    opts: &Options,
    ids: &[StoredIdentity],
    old: &StoredIdentity,
    started: Instant,
) -> Result<Outcome, Error> {
    let lang = ctx.lang;
    // D7.3: a renewal of the selected identity that an earlier run stored
    // without its chain is completed instead: its order is consumed, so a
    // login could only fail. Pending renewals of other identities are left
    // alone (they are completed when their identity is selected).
    if let Some(pending) = pending_renewal_of(ids, old) {
        let o = complete(ctx, pending, opts, None).await?;
        return Ok(timing(
            o.line(Text::CompletedEarlierIssuance.render(lang))
                .field("completed_earlier_issuance", true),
            started,
            lang,
        ));
    }
    let others = other_pending_renewals(ids, old, lang);

    // D3.1, D7.3: the selected identity's issuing CA and root, with their
    // CRLs, are the ones the new certificate will name. A repository that
    // cannot serve them stops the renewal here, before the one-shot
    // issuance, rather than after it. (An identity without AIA or CRL
    // URLs has nothing to check here; its chain is checked after.)
    let preflight = match chain::fetch(ctx.net, &old.cert).await {
        Ok(chain) => Some(chain),
        Err(ChainError::Net(e)) => return Err(Error::Net(e)),
        Err(_) => None,
    };
    // D4.5, before the login: the root is known already (from the
    // repository, else the identity's stored chain), so a root that will
    // not be trusted (another thumbprint, declined, or no terminal and no
    // --yes) stops the renewal while the order is still unused.
    let root = preflight
        .as_ref()
        .and_then(|c| c.root().cloned())
        .or_else(|| old.chain.last().filter(|c| c.is_self_issued()).cloned());
    let approval = match &root {
        Some(root) => Some(trust::approve(
            ctx.store,
            root,
            &opts.trust,
            &mut Asking::new(&mut *ctx.prompter, lang),
        )?),
        None => None,
    };

    ctx.progress.show(Stage::LoggingIn);
    let old_key = ctx.store.load_key(old)?;
    let ck = net::certified_key(&old.cert.der, &old.chain_der(), &old_key)
        .map_err(|e| Error::Internal(format!("identity {}: {e}", old.id)))?;
    let tls = ctx.net.tls(Some(Arc::new(FixedClientCert(ck))))?;
    let login_url = webra2_url(LOGIN_PATH)?;
    let client = ctx.net.client(&login_url, tls)?;

    // 2.3 login
    let body = serde_json::to_vec(&LoginRequest {
        password: password.expose_secret(),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let login: LoginResponse = post_json(ctx.net, &client, &login_url, body, 200).await?;
    let subject_der = STANDARD
        .decode(login.subject_der.as_bytes())
        .map_err(|e| bad_body(ctx.net, &login_url, format!("subject_der: {e}")))?;
    let key_type = choose_key_type(opts.key_type, old.cert.key_type, &login.key_types)?;

    // 2.4 issuance: never retried.
    ctx.progress.show(Stage::Issuing);
    let key = key_type
        .generate()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let csr = crate::csr::build(&key, &subject_der)
        .map_err(|e| bad_body(ctx.net, &login_url, e.to_string()))?;
    let cert_url = webra2_url(CERTIFICATE_PATH)?;
    let body = serde_json::to_vec(&CertificateRequest {
        ticket: &login.ticket,
        csr: STANDARD.encode(&csr),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let key_der = rustls_pki_types::PrivatePkcs8KeyDer::from(key.serialize_der());

    // D7.3: the new key is on disk before the request leaves, so that a
    // run that ends between the RA's 201 and the store finds it completed
    // by the next run (store::PendingRenewal); and signals are held back
    // from the request until the certificate is durable.
    let meta = Meta {
        origin: "renewed".into(),
        stored_at: ctx.clock.now(),
        renewed_from: Some(old.id.clone()),
    };
    let pending = ctx.store.begin_renewal(&key_der, &meta)?;
    let hold = crate::signals::Hold::start();
    let answer = post_issuance(ctx.net, &client, &cert_url, body)
        .await
        .and_then(|issued| {
            pem_certificates(issued.certificate.as_bytes())
                .ok()
                .and_then(|v| v.into_iter().next())
                .map(|der| (issued, der))
                .ok_or_else(|| {
                    Error::AnswerLost(ctx.net.err(
                        &cert_url,
                        NetErrorKind::Body(BodyProblem::NotProtocol(
                            "no certificate in the answer".into(),
                        )),
                    ))
                })
        });
    let (issued, new_der) = match answer {
        Ok(a) => a,
        Err(e) => {
            // Nothing to store: the key alone is of no use.
            ctx.store.abandon_renewal(pending);
            return Err(e);
        }
    };
    let stored = match ctx.store.finish_renewal(pending, &new_der, &key_der) {
        Ok(s) => s,
        Err(source) => {
            let serial = CertFacts::parse(&new_der)
                .map(|f| f.serial)
                .unwrap_or_else(|_| issued.serial.clone());
            let recovery =
                crate::store::write_recovery(ctx.store.root(), &new_der, &key_der, &serial);
            return Err(Error::NotStored {
                serial,
                source,
                recovery,
            });
        }
    };
    if let Some(signal) = hold.end().await {
        let line = Text::InterruptedAfterStore {
            serial: &stored.cert.serial,
        }
        .render(lang);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
        std::process::exit(crate::signals::exit_code(signal));
    }
    let mut o = complete(ctx, &stored, opts, approval.as_ref()).await?;
    for line in others {
        o = o.line(line);
    }
    Ok(timing(
        o.field("renewed_from", old.cert.serial.clone())
            .field("key_type", key_type.as_str())
            .line(
                Text::PreviousCertificate {
                    serial: &old.cert.serial,
                }
                .render(lang),
            ),
        started,
        lang,
    ))
}

/// Whether `id` is a renewal stored without its chain (steps 7-9 to do).
fn is_pending(id: &StoredIdentity) -> bool {
    !id.has_chain() && id.meta.as_ref().is_some_and(|m| m.origin == "renewed")
}

/// The renewal of `old` that an earlier run stored without its chain.
fn pending_renewal_of<'a>(
    ids: &'a [StoredIdentity],
    old: &StoredIdentity,
) -> Option<&'a StoredIdentity> {
    ids.iter()
        .filter(|i| is_pending(i))
        .filter(|i| i.meta.as_ref().and_then(|m| m.renewed_from.as_deref()) == Some(&old.id))
        .max_by_key(|i| i.cert.not_before)
}

/// A warning line for every other identity's pending renewal, saying how
/// to complete it.
fn other_pending_renewals(ids: &[StoredIdentity], old: &StoredIdentity, lang: Lang) -> Vec<String> {
    ids.iter()
        .filter(|i| is_pending(i))
        .filter_map(|i| {
            let from = i.meta.as_ref()?.renewed_from.as_deref()?;
            (from != old.id).then(|| {
                let from_serial = ids
                    .iter()
                    .find(|o| o.id == from)
                    .map(|o| o.cert.serial.clone())
                    .unwrap_or_else(|| from.rsplit('-').next().unwrap_or(from).to_owned());
                Text::PendingRenewal {
                    serial: &i.cert.serial,
                    from_serial: &from_serial,
                }
                .render(lang)
            })
        })
        .collect()
}

fn timing(o: Outcome, started: Instant, lang: Lang) -> Outcome {
    let secs = started.elapsed().as_secs_f64();
    o.field("elapsed_ms", (secs * 1000.0) as u64)
        .line(Text::Elapsed { secs }.render(lang))
}

/// Steps 7-9 for a new identity already in the store: chain, validation,
/// trust, chain stored. `approval` is the trust decision taken before the
/// login, if the root was known then. Every failure here comes after the
/// issuance, so each says the new certificate is issued and stored.
async fn complete(
    ctx: &mut Context<'_>,
    stored: &StoredIdentity,
    opts: &Options,
    approval: Option<&Approval>,
) -> Result<Outcome, Error> {
    let lang = ctx.lang;
    ctx.progress.show(Stage::CheckingChain);
    let serial = stored.cert.serial.clone();
    let chain_err = |source| Error::Chain {
        serial: serial.clone(),
        source,
    };
    let chain = chain::fetch(ctx.net, &stored.cert)
        .await
        .map_err(chain_err)?;
    // The RA's clock decides when the certificate starts: one a little
    // ahead of ours gives a notBefore in our future. Validating at that
    // instant then accepts the certificate the RA just issued, and still
    // checks everything else (signatures, EKU, revocation, expiry).
    let at = ctx.clock.now().max(stored.cert.not_before);
    chain::validate(&stored.cert, &chain, at).map_err(chain_err)?;
    let root = chain
        .root()
        .ok_or_else(|| Error::Internal("validated chain without a root".into()))?
        .clone();
    let decision = match approval.filter(|a| a.root.der == root.der) {
        Some(a) => trust::install(ctx.store, a)?,
        None => {
            let mut asking = Asking::new(&mut *ctx.prompter, lang);
            trust::decide(ctx.store, &root, &opts.trust, &mut asking).map_err(|e| match e {
                TrustError::Refused(refused) => Error::RootAfterIssuance {
                    serial: serial.clone(),
                    refused,
                },
                TrustError::Store(s) => Error::Store(s),
            })?
        }
    };
    let done = ctx.store.add_chain(stored, &chain.ders())?;
    let c = &done.cert;
    let grouped = crate::cert::group_thumbprint(&root.sha1).unwrap_or_default();
    Ok(Outcome::success(Success::Renewed)
        .field("serial", c.serial.clone())
        .field("subject", c.subject.clone())
        .field("issuer", c.issuer.clone())
        .field("not_before", rfc3339(c.not_before))
        .field("not_after", rfc3339(c.not_after))
        .field("identity_dir", done.dir.display().to_string())
        .field("root_sha1", grouped.clone())
        .field("root_installed", matches!(decision, Decision::Installed))
        .field("path_status", "ok")
        .line(Text::NewCertificate { cert: c }.render(lang))
        .line(Text::PathStatusOk.render(lang))
        .line(Text::StoredIn { dir: &done.dir }.render(lang))
        .line(
            match decision {
                Decision::Installed => Text::RootInstalled { sha1: &grouped },
                Decision::AlreadyTrusted => Text::RootAlreadyInstalled { sha1: &grouped },
            }
            .render(lang),
        ))
}

/// The new key's type: `--key-type` if the RA signs it; else the old
/// key's type (RSA of the same size) if the RA lists it. An old key of a
/// known type the RA does not list is refused rather than silently changed
/// (an RSA-4096 key is never renewed as RSA-2048): `--key-type` chooses
/// another. Only an old key of a type this client cannot make falls back
/// to the first type listed.
pub fn choose_key_type(
    asked: Option<KeyType>,
    old: Option<KeyType>,
    listed: &[String],
) -> Result<KeyType, Usage> {
    let usable: Vec<KeyType> = listed
        .iter()
        .filter_map(|s| KeyType::from_wire(s))
        .collect();
    let refused = || Usage::KeyType {
        listed: listed.to_vec(),
        asked,
        old,
    };
    match (asked, old) {
        (Some(k), _) | (None, Some(k)) => usable.contains(&k).then_some(k).ok_or_else(refused),
        (None, None) => usable.first().copied().ok_or_else(refused),
    }
}

fn bad_body(net: &Net, url: &Url, why: String) -> Error {
    Error::Net(net.err(url, NetErrorKind::Body(BodyProblem::NotProtocol(why))))
}

/// POSTs JSON and reads the answer: `expected` status -> `T`; a problem of
/// a customer class -> that class; anything else -> E115.
async fn post_json<T: DeserializeOwned>(
    net: &Net,
    client: &reqwest::Client,
    url: &Url,
    body: Vec<u8>,
    expected: u16,
) -> Result<T, Error> {
    let resp = json_post(client, url, body)
        .send()
        .await
        .map_err(|e| net.classify(url, &e))?;
    let status = resp.status().as_u16();
    let bytes = net::read_body(resp, net::Limit::Json)
        .await
        .map_err(|e| net.err(url, e.kind()))?;
    interpret(net, url, status, &bytes, expected)
}

/// A POST of a JSON body that asks for JSON back (protocol 2.3, 2.4).
fn json_post(client: &reqwest::Client, url: &Url, body: Vec<u8>) -> reqwest::RequestBuilder {
    client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
}

/// The one-shot issuance (2.4), never retried. When the request may have
/// reached the RA but no usable answer came back (the connection dropped
/// after sending, a timeout waiting, a 201 whose body cannot be read), the
/// error says so: the order may be consumed (D7.3) even though nothing
/// could be stored.
async fn post_issuance(
    net: &Net,
    client: &reqwest::Client,
    url: &Url,
    body: Vec<u8>,
) -> Result<CertificateResponse, Error> {
    let resp = json_post(client, url, body).send().await.map_err(|e| {
        let err = net.classify(url, &e);
        // Not connected, or the handshake failed: nothing reached the RA.
        if e.is_connect() || net::find_rustls_error(&e).is_some() {
            Error::Net(err)
        } else {
            Error::AnswerLost(err)
        }
    })?;
    let status = resp.status().as_u16();
    let bytes = match net::read_body(resp, net::Limit::Json).await {
        Ok(b) => b,
        Err(e) if status == 201 => return Err(Error::AnswerLost(net.err(url, e.kind()))),
        Err(e) => return Err(Error::Net(net.err(url, e.kind()))),
    };
    match interpret(net, url, status, &bytes, 201) {
        Err(Error::Net(e)) if status == 201 => Err(Error::AnswerLost(e)),
        other => other,
    }
}

fn interpret<T: DeserializeOwned>(
    net: &Net,
    url: &Url,
    status: u16,
    body: &[u8],
    expected: u16,
) -> Result<T, Error> {
    if status == expected {
        return serde_json::from_slice(body)
            .map_err(|e| bad_body(net, url, format!("status {status}: {e}")));
    }
    if let Ok(p) = serde_json::from_slice::<Problem>(body) {
        if (400..500).contains(&status)
            && let Some(class) = Class::from_wire(&p.class)
        {
            return Err(Error::Refused {
                class,
                status,
                host: url.host_str().unwrap_or_default().to_owned(),
            });
        }
        let detail = p.detail.map(|d| format!(": {d}")).unwrap_or_default();
        return Err(bad_body(
            net,
            url,
            format!("status {status}, problem {}{detail}", p.class),
        ));
    }
    Err(Error::Net(net.err(url, NetErrorKind::Status(status))))
}

#[cfg(test)]
mod tests;
