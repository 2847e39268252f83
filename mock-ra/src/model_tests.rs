//! A model-based property test of accounts, orders, tickets and the lock
//! (issue 14 section 6): generated sequences of logins, issuances, clock
//! moves, reissues, password changes and admin actions run against the
//! real webra2 router (through `oneshot`, with the presented certificate
//! as the request extension the TLS layer would insert) and against a
//! small reference model written from docs/protocol.md 2.3-2.6 alone.
//! After every step the answer (status, class, journal cause) and each
//! account's failures, lock and order must agree. `MODEL_CASES` overrides
//! the number of sequences (default 10,000).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

use crate::net::connection::PeerCertificate;
use crate::ra::accounts::{CertStatus, OrderState, Password};
use crate::ra::state::{AccountPatch, Shared};
use crate::world::{AccountSpec, World};

const ACCOUNTS: [&str; 2] = ["a", "b"];
/// Each account's certificate ends this long after the start: `a` is in
/// its renewal window (order ready by the clock), `b` not yet.
const EXPIRES: [&str; 2] = ["-10d", "+40d"];
const INITIAL_PASSWORD: &str = "pw-0";

/// One generated step.
#[derive(Debug, Clone)]
enum Op {
    /// A login with one of the account's certificates and a password.
    Login { acct: usize, cert: usize, pw: Pw },
    /// An issuance with one of the account's tickets, presenting one of
    /// its certificates.
    Issue {
        acct: usize,
        ticket: usize,
        cert: usize,
    },
    /// The clock moves.
    Advance(Duration),
    /// The operator reissues.
    Reissue(usize),
    /// The customer changes the password (at the current time).
    ChangePassword(usize),
    /// The operator locks or unlocks.
    SetLocked(usize, bool),
    /// The operator sets the order.
    SetOrder(usize, OrderState),
    /// The operator sets or clears the password expiry, days from now.
    SetExpiry(usize, Option<i64>),
}

/// Which password a login sends.
#[derive(Debug, Clone, Copy)]
enum Pw {
    /// The latest one set.
    Latest,
    /// The one set before it (the initial one at first).
    Previous,
    /// Never set.
    Wrong,
}

fn op() -> impl Strategy<Value = Op> {
    let acct = 0..ACCOUNTS.len();
    prop_oneof![
        6 => (acct.clone(), 0..3usize, prop_oneof![3 => Just(Pw::Latest), 1 => Just(Pw::Previous), 2 => Just(Pw::Wrong)])
            .prop_map(|(acct, cert, pw)| Op::Login { acct, cert, pw }),
        4 => (acct.clone(), 0..3usize, 0..3usize).prop_map(|(acct, ticket, cert)| Op::Issue { acct, ticket, cert }),
        3 => prop_oneof![
            Just(Duration::minutes(1)),
            Just(Duration::minutes(6)),
            Just(Duration::days(1)),
            Just(Duration::days(13)),
            Just(Duration::days(30)),
            Just(Duration::days(61)),
            Just(Duration::days(89)),
            Just(Duration::days(200)),
        ]
        .prop_map(Op::Advance),
        1 => acct.clone().prop_map(Op::Reissue),
        1 => acct.clone().prop_map(Op::ChangePassword),
        1 => (acct.clone(), any::<bool>()).prop_map(|(a, l)| Op::SetLocked(a, l)),
        1 => (acct.clone(), prop_oneof![Just(OrderState::Ready), Just(OrderState::Fetched), Just(OrderState::NotCreated)])
            .prop_map(|(a, o)| Op::SetOrder(a, o)),
        1 => (acct, proptest::option::of(-5i64..30)).prop_map(|(a, d)| Op::SetExpiry(a, d)),
    ]
}

/// The reference model of one account.
#[derive(Debug, Clone)]
struct MAccount {
    /// Certificates, oldest first: DER, serial, notAfter, status.
    certs: Vec<(Vec<u8>, String, OffsetDateTime, CertStatus)>,
    /// Password changes, oldest first (the initial one at the epoch).
    passwords: Vec<(OffsetDateTime, String)>,
    failures: u32,
    locked: bool,
    expires: Option<OffsetDateTime>,
    order: Option<OrderState>,
    /// Tickets handed out, oldest first.
    tickets: Vec<String>,
}

#[derive(Debug, Clone)]
struct MTicket {
    account: usize,
    serial: String,
    expires: OffsetDateTime,
    used: bool,
}

struct Model {
    now: OffsetDateTime,
    accounts: Vec<MAccount>,
    tickets: HashMap<String, MTicket>,
}

/// What the model predicts, or the mock answered: status, class, cause.
type Answer = (u16, Option<String>, String);

const WINDOW: Duration = Duration::days(90);
const REFERENCE: Duration = Duration::days(28);
const THRESHOLD: u32 = 5;
const TTL: Duration = Duration::minutes(5);
const LIFETIME: Duration = Duration::days(365);

impl Model {
    fn order(&self, a: &MAccount) -> OrderState {
        if let Some(o) = a.order {
            return o;
        }
        match a.certs.iter().rev().find(|c| c.3 == CertStatus::Current) {
            Some(c) if self.now >= c.2 - REFERENCE => OrderState::Ready,
            _ => OrderState::NotCreated,
        }
    }

    fn password_at(a: &MAccount, at: OffsetDateTime) -> &str {
        a.passwords
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .map_or(INITIAL_PASSWORD, |(_, p)| p.as_str())
    }

    /// Protocol 2.6 steps 2-9 (3 and 5 cannot happen here: every
    /// certificate presented is an account's, and only reissued ones are
    /// revoked, which step 4 catches first).
    fn standing(&mut self, acct: usize, cert: usize, password: Option<&str>) -> Result<(), Answer> {
        let refuse = |status: u16, class: &str, cause: &str| {
            Err((status, Some(class.to_owned()), cause.to_owned()))
        };
        let now = self.now;
        let (not_after, status) = {
            let c = &self.accounts[acct].certs[cert];
            (c.2, c.3)
        };
        if now - not_after >= WINDOW {
            return refuse(403, "ENOCERT", "expired_too_long");
        }
        if status == CertStatus::Reissued {
            return refuse(403, "E550A", "reissued");
        }
        let a = &mut self.accounts[acct];
        if a.locked {
            return refuse(403, "E550A", "password_locked");
        }
        if let Some(pw) = password {
            if Self::password_at(a, not_after - REFERENCE) != pw {
                a.failures += 1;
                if a.failures >= THRESHOLD {
                    a.locked = true;
                }
                return refuse(403, "E550A", "wrong_password");
            }
            a.failures = 0;
        }
        if a.expires.is_some_and(|e| now >= e) {
            return refuse(403, "E550A", "password_expired");
        }
        let a = &self.accounts[acct];
        match self.order(a) {
            OrderState::NotCreated => refuse(409, "E550F", "not_created"),
            OrderState::Fetched => refuse(409, "E550F", "already_fetched"),
            OrderState::Ready => Ok(()),
        }
    }
}

struct Harness {
    shared: Arc<Shared>,
    rt: tokio::runtime::Runtime,
    /// One CSR per account (the RA may sign the same key twice).
    csrs: Vec<String>,
    /// The initial certificates' DER, by account.
    initial: Vec<Vec<u8>>,
    /// How often each journal cause was answered, over all sequences.
    seen: std::cell::RefCell<std::collections::BTreeMap<String, u64>>,
}

fn harness() -> Harness {
    let start = certs_gen::truncate_to_seconds(OffsetDateTime::now_utc());
    let mut world = World::default().frozen_at(start);
    world.accounts = ACCOUNTS
        .iter()
        .zip(EXPIRES)
        .map(|(id, e)| {
            AccountSpec::new(id, INITIAL_PASSWORD, fileformat::Offset::parse(e).unwrap())
        })
        .collect();
    let shared = Arc::new(Shared::new(&world, "t".into(), 1).unwrap());
    let state = shared.lock();
    let initial: Vec<Vec<u8>> = ACCOUNTS
        .iter()
        .map(|id| {
            let serial = state.accounts[*id].current_serial().unwrap().to_owned();
            state
                .ledger
                .get(&serial)
                .unwrap()
                .certificate()
                .unwrap()
                .0
                .to_vec()
        })
        .collect();
    // Each CSR built from the certificate's subject bytes, as a client
    // builds it from the login's subject_der.
    let csrs = initial
        .iter()
        .map(|der| {
            use certs_gen::der_tlv;
            use rcgen::{PublicKeyData, SigningKey};
            use x509_parser::prelude::FromDer;
            let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
            let subject = cert.subject().as_raw().to_vec();
            let key = certs_gen::KeyType::P256.generate().unwrap();
            let info = der_tlv(
                0x30,
                &[
                    der_tlv(0x02, &[0]),
                    subject,
                    key.subject_public_key_info(),
                    vec![0xa0, 0x00],
                ]
                .concat(),
            );
            let signature = key.sign(&info).unwrap();
            // ecdsa-with-SHA256, no parameters.
            let algorithm = der_tlv(
                0x30,
                &der_tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
            );
            let bits = der_tlv(0x03, &[&[0u8][..], &signature].concat());
            STANDARD.encode(der_tlv(0x30, &[info, algorithm, bits].concat()))
        })
        .collect();
    drop(state);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Harness {
        shared,
        rt,
        csrs,
        initial,
        seen: Default::default(),
    }
}

impl Harness {
    fn post(&self, path: &str, der: &[u8], body: serde_json::Value) -> (Answer, serde_json::Value) {
        let mut req = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(PeerCertificate(Some(CertificateDer::from(der.to_vec()))));
        let app = crate::hosts::webra2::app(self.shared.clone());
        let (status, bytes) = self.rt.block_on(async {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status().as_u16();
            (
                status,
                axum::body::to_bytes(resp.into_body(), 1 << 20)
                    .await
                    .unwrap(),
            )
        });
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let entry = self.shared.journal.entries().pop().unwrap();
        *self
            .seen
            .borrow_mut()
            .entry(entry.cause.as_str().to_owned())
            .or_default() += 1;
        let class = entry.class.map(|c| c.as_str().to_owned());
        ((status, class, entry.cause.as_str().to_owned()), json)
    }
}

/// Runs `ops` on a fresh mock and the model; the first divergence, if any.
fn run(h: &Harness, ops: &[Op]) -> Result<(), String> {
    h.shared.reset();
    let mut model = Model {
        now: h.shared.now(),
        accounts: (0..ACCOUNTS.len())
            .map(|i| {
                let state = h.shared.lock();
                let acc = &state.accounts[ACCOUNTS[i]];
                let c = acc.current().unwrap();
                MAccount {
                    certs: vec![(
                        h.initial[i].clone(),
                        c.serial.clone(),
                        c.not_after,
                        CertStatus::Current,
                    )],
                    passwords: Vec::new(),
                    failures: 0,
                    locked: false,
                    expires: None,
                    order: None,
                    tickets: Vec::new(),
                }
            })
            .collect(),
        tickets: HashMap::new(),
    };
    let mut changes = 0u32;
    for (step, op) in ops.iter().enumerate() {
        let fail = |what: String| Err(format!("step {step} {op:?}: {what}"));
        match op {
            Op::Login { acct, cert, pw } => {
                let a = &model.accounts[*acct];
                let cert = (*cert).min(a.certs.len() - 1);
                let latest = a
                    .passwords
                    .last()
                    .map_or(INITIAL_PASSWORD.to_owned(), |p| p.1.clone());
                let previous = match a.passwords.len() {
                    0 | 1 => INITIAL_PASSWORD.to_owned(),
                    n => a.passwords[n - 2].1.clone(),
                };
                let password = match pw {
                    Pw::Latest => latest,
                    Pw::Previous => previous,
                    Pw::Wrong => "never-set".to_owned(),
                };
                let der = a.certs[cert].0.clone();
                let serial = a.certs[cert].1.clone();
                let (got, body) = h.post(
                    crate::hosts::webra2::LOGIN_PATH,
                    &der,
                    serde_json::json!({ "password": password }),
                );
                let want = match model.standing(*acct, cert, Some(&password)) {
                    Ok(()) => (200, None, "ticket_issued".to_owned()),
                    Err(a) => a,
                };
                if got != want {
                    return fail(format!("login: mock {got:?}, model {want:?}"));
                }
                if got.0 == 200 {
                    let token = body["ticket"].as_str().unwrap().to_owned();
                    model.tickets.insert(
                        token.clone(),
                        MTicket {
                            account: *acct,
                            serial,
                            expires: certs_gen::truncate_to_seconds(model.now + TTL),
                            used: false,
                        },
                    );
                    model.accounts[*acct].tickets.push(token);
                }
            }
            Op::Issue { acct, ticket, cert } => {
                let a = &model.accounts[*acct];
                let Some(token) = a.tickets.iter().rev().nth(*ticket).cloned() else {
                    continue;
                };
                let cert = (*cert).min(a.certs.len() - 1);
                let der = a.certs[cert].0.clone();
                let serial = a.certs[cert].1.clone();
                let (got, body) = h.post(
                    crate::hosts::webra2::CERTIFICATE_PATH,
                    &der,
                    serde_json::json!({ "ticket": token, "csr": h.csrs[*acct] }),
                );
                let t = model.tickets[&token].clone();
                let want = if t.used || model.now >= t.expires || t.serial != serial {
                    (400, Some("bad_ticket".to_owned()), "bad_ticket".to_owned())
                } else {
                    model.tickets.get_mut(&token).unwrap().used = true;
                    // The ticket's certificate (the presented one, as checked).
                    let tcert = model.accounts[t.account]
                        .certs
                        .iter()
                        .position(|c| c.1 == t.serial)
                        .unwrap();
                    match model.standing(t.account, tcert, None) {
                        Ok(()) => (201, None, "issued".to_owned()),
                        Err(a) => a,
                    }
                };
                if got != want {
                    return fail(format!("issue: mock {got:?}, model {want:?}: {body}"));
                }
                if got.0 == 201 {
                    let pem = body["certificate"].as_str().unwrap();
                    let new_der =
                        <CertificateDer<'static> as rustls_pki_types::pem::PemObject>::from_pem_slice(pem.as_bytes())
                            .unwrap()
                            .to_vec();
                    let not_after = certs_gen::truncate_to_seconds(model.now) + LIFETIME;
                    let a = &mut model.accounts[t.account];
                    for c in &mut a.certs {
                        if c.3 == CertStatus::Current {
                            c.3 = CertStatus::Renewed;
                        }
                    }
                    let new_serial = body["serial"].as_str().unwrap().to_owned();
                    a.certs
                        .push((new_der, new_serial, not_after, CertStatus::Current));
                    a.order = Some(OrderState::Fetched);
                }
            }
            Op::Advance(by) => {
                h.shared.clock.advance(*by).unwrap();
                model.now += *by;
            }
            Op::Reissue(acct) => {
                let view = h.shared.reissue(ACCOUNTS[*acct]).unwrap();
                let der = h
                    .shared
                    .lock()
                    .ledger
                    .get(&view.serial)
                    .unwrap()
                    .certificate()
                    .unwrap()
                    .0
                    .to_vec();
                let a = &mut model.accounts[*acct];
                for c in &mut a.certs {
                    if c.3 == CertStatus::Current {
                        c.3 = CertStatus::Reissued;
                    }
                }
                let not_after = certs_gen::truncate_to_seconds(model.now) + LIFETIME;
                a.certs
                    .push((der, view.serial, not_after, CertStatus::Current));
                a.order = None;
            }
            Op::ChangePassword(acct) => {
                changes += 1;
                let pw = format!("pw-{changes}");
                h.shared
                    .patch_account(
                        ACCOUNTS[*acct],
                        AccountPatch {
                            password: Some(Password::new(pw.clone())),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                model.accounts[*acct].passwords.push((model.now, pw));
            }
            Op::SetLocked(acct, locked) => {
                h.shared
                    .patch_account(
                        ACCOUNTS[*acct],
                        AccountPatch {
                            locked: Some(*locked),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                model.accounts[*acct].locked = *locked;
            }
            Op::SetOrder(acct, order) => {
                h.shared
                    .patch_account(
                        ACCOUNTS[*acct],
                        AccountPatch {
                            order: Some(*order),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                model.accounts[*acct].order = Some(*order);
            }
            Op::SetExpiry(acct, days) => {
                let at = days.map(|d| model.now + Duration::days(d));
                h.shared
                    .patch_account(
                        ACCOUNTS[*acct],
                        AccountPatch {
                            password_expires: Some(at),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                model.accounts[*acct].expires = at;
            }
        }
        // The accounts as the admin API shows them.
        for (i, id) in ACCOUNTS.iter().enumerate() {
            let view = h.shared.account(id).unwrap();
            let m = &model.accounts[i];
            let want = (m.failures, m.locked, model.order(m));
            let got = (view.failures, view.locked, view.order);
            if got != want {
                return fail(format!("account {id}: mock {got:?}, model {want:?}"));
            }
            let statuses: Vec<Option<CertStatus>> =
                view.certificates.iter().map(|c| c.status).collect();
            let want: Vec<Option<CertStatus>> = m.certs.iter().map(|c| Some(c.3)).collect();
            if statuses != want {
                return fail(format!(
                    "account {id} certificates: mock {statuses:?}, model {want:?}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn the_mock_agrees_with_the_reference_model() {
    let cases = std::env::var("MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let h = harness();
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(op(), 1..24), |ops| {
        run(&h, &ops).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The sequences reached every answer the model knows.
    let seen = h.seen.borrow();
    for cause in [
        "ticket_issued",
        "issued",
        "wrong_password",
        "password_locked",
        "password_expired",
        "reissued",
        "expired_too_long",
        "not_created",
        "already_fetched",
        "bad_ticket",
    ] {
        assert!(
            seen.get(cause).copied().unwrap_or(0) * 1000 >= u64::from(cases),
            "{cause} answered too rarely: {seen:?}"
        );
    }
    eprintln!("model: {cases} sequences, answers {seen:?}");
}
