//! Every entry of the catalogue has both languages: the class lines and
//! remedies, every error detail (one sample of each variant) and every
//! other line. The Japanese is Japanese, the English is not, and an
//! error's English is its `Display`.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::cert::{CertFacts, KeyType};
use crate::messages::{Class, Stage, Success, Text};
use crate::net::{BodyProblem, SetupProblem, Transport};
use crate::store::Recovered;

fn japanese(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

fn both(what: &str, ja: &str, en: &str) {
    assert!(japanese(ja), "{what}: the Japanese is not Japanese: {ja:?}");
    assert!(!en.trim().is_empty(), "{what}: no English");
    assert!(!japanese(en), "{what}: the English is Japanese: {en:?}");
}

#[test]
fn every_class_line_and_remedy_has_japanese_and_english() {
    let successes = [
        Success::Renewed,
        Success::Listed,
        Success::Reachable,
        Success::Confirmed,
        Success::Imported,
        Success::Exported,
        Success::Roots,
        Success::RootAdded,
    ];
    for c in Class::FAILURES
        .into_iter()
        .chain(successes.map(Class::Success))
    {
        both(c.name(), c.message(Lang::Ja), c.message(Lang::En));
        let (ja, en) = (c.remedy(Lang::Ja), c.remedy(Lang::En));
        assert_eq!(ja.len(), en.len(), "{c}: remedies");
        for (j, e) in ja.iter().zip(en) {
            both(c.name(), j, e);
        }
    }
}

fn transport() -> Transport {
    Transport {
        io: Some(std::io::ErrorKind::ConnectionRefused),
        detail: "tcp connect error".into(),
    }
}

fn net_error(kind: NetErrorKind) -> NetError {
    NetError {
        host: "repo1.secomtrust.net".into(),
        url: "http://repo1.secomtrust.net/".into(),
        kind,
    }
}

fn net_kinds() -> Vec<NetErrorKind> {
    vec![
        NetErrorKind::Connect(transport()),
        NetErrorKind::Unresolved {
            name: "x.invalid".into(),
            detail: "no such name".into(),
        },
        NetErrorKind::Timeout(transport()),
        NetErrorKind::Tls {
            error: Box::new(rustls::Error::General("alert".into())),
            detail: "handshake".into(),
        },
        NetErrorKind::Status(500),
        NetErrorKind::Body(BodyProblem::NotProtocol("not JSON".into())),
        NetErrorKind::Body(BodyProblem::Read(transport())),
        NetErrorKind::TooLarge(crate::net::Limit::Crl),
        NetErrorKind::Dropped(transport()),
        NetErrorKind::Setup(SetupProblem::Options("bad".into())),
    ]
}

fn no_certificates() -> Vec<NoCertificate> {
    let why = Ineligible::ChainUnknown;
    vec![
        NoCertificate::NoStore {
            path: "/s".into(),
            default: Some("~/.certrenew".into()),
        },
        NoCertificate::EmptyStore,
        NoCertificate::NoCandidate {
            reasons: ineligibles()
                .into_iter()
                .map(|i| ("01".into(), i))
                .collect(),
        },
        NoCertificate::SerialNotFound("01".into()),
        NoCertificate::Ineligible {
            serial: "01".into(),
            why,
        },
        NoCertificate::NotChosen,
    ]
}

fn ineligibles() -> Vec<Ineligible> {
    vec![
        Ineligible::ForeignCa {
            accepted: "CN=CA".into(),
        },
        Ineligible::ChainUnknown,
        Ineligible::ExpiredTooLong {
            days: 90,
            not_after: "2020-01-01T00:00:00Z".into(),
        },
        Ineligible::Unreadable {
            file: "cert.pem".into(),
            problem: Some(CertError::NoPem("CERTIFICATE")),
        },
        Ineligible::Unreadable {
            file: "key.pem".into(),
            problem: None,
        },
        Ineligible::Unfinished {
            dir: ".unfinished.1".into(),
            why: "no key".into(),
        },
    ]
}

fn roots() -> Vec<RootRefused> {
    let (got, subject) = ("AAAA".to_owned(), "CN=Root".to_owned());
    vec![
        RootRefused::Mismatch {
            expected: "BBBB".into(),
            got: got.clone(),
            subject: subject.clone(),
        },
        RootRefused::Declined {
            got: got.clone(),
            subject: subject.clone(),
        },
        RootRefused::NotAsked { got, subject },
    ]
}

fn store_errors() -> Vec<StoreError> {
    vec![
        StoreError::Io {
            path: "/s/x".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        },
        StoreError::Busy {
            path: "/s/.lock".into(),
            waited: Duration::from_secs(30),
        },
        StoreError::Unreadable {
            path: "/s/cert.pem".into(),
            source: CertError::Certificate("bad".into()),
        },
        StoreError::Exists("01".into()),
        StoreError::KeyMismatch("01".into()),
        StoreError::Missing("/s".into()),
        StoreError::Unfinished {
            dir: "/s/.x".into(),
            why: "no key".into(),
        },
    ]
}

/// One sample of every variant of every error a customer can meet.
fn errors() -> Vec<Error> {
    let mut v: Vec<Error> = vec![
        Usage::NoTerminal {
            flag: "--password-stdin",
        }
        .into(),
        Usage::ReadStdin("eof".into()).into(),
        Usage::ReadTerminal("eof".into()).into(),
        Usage::EmptyPassword.into(),
        Usage::EmptyPassphrase.into(),
        Usage::AllNeedsTerminal.into(),
        Usage::ServerCa {
            path: "ca.pem".into(),
            why: "no CERTIFICATE block".into(),
        }
        .into(),
        Usage::NoStoreDir.into(),
        Usage::OutExists("out.p12".into()).into(),
        Usage::ImportNeedsFiles.into(),
    ];
    for (asked, old) in [
        (Some(KeyType::P256), None),
        (None, Some(KeyType::Rsa2048)),
        (None, None),
    ] {
        v.push(
            Usage::KeyType {
                listed: vec!["ecdsa-p256".into()],
                asked,
                old,
            }
            .into(),
        );
    }
    for kind in net_kinds() {
        v.push(Error::Net(net_error(kind.clone())));
        v.push(Error::AnswerLost(net_error(kind.clone())));
        v.push(Error::Chain {
            serial: "02".into(),
            source: ChainError::Net(net_error(kind.clone())),
        });
        v.push(Error::Confirm(NotConfirmed::Unreachable(net_error(kind))));
    }
    v.push(Error::Net(NetError {
        host: String::new(),
        url: String::new(),
        kind: NetErrorKind::Status(404),
    }));
    v.push(Error::Refused {
        class: Class::E550A,
        status: 403,
        host: "webra2.secomtrust.net".into(),
    });
    for nc in no_certificates() {
        v.push(Error::Confirm(NotConfirmed::NoIdentity {
            host: "webra1.secomtrust.net".into(),
            why: nc.clone(),
        }));
        v.push(Error::NoCertificate(nc));
    }
    for se in store_errors() {
        v.push(Error::NotStored {
            serial: "02".into(),
            source: StoreError::Exists("02".into()),
            recovery: Some("/tmp/r.pem".into()),
        });
        v.push(Error::Store(se));
    }
    v.push(Error::NotStored {
        serial: "02".into(),
        source: StoreError::Missing("/s".into()),
        recovery: None,
    });
    let certs = [
        CertError::Certificate("bad".into()),
        CertError::NoPem("PRIVATE KEY"),
        CertError::Key("bad".into()),
    ];
    let mut problems = vec![
        InputProblem::Read("denied".into()),
        InputProblem::NotPkcs12("mac".into()),
        InputProblem::NoKey,
        InputProblem::NoCertificate,
        InputProblem::BadBlock {
            block: 2,
            why: CertError::Certificate("bad".into()),
        },
        InputProblem::NoMatchingCertificate,
        InputProblem::NotOneCertificate(2),
        InputProblem::NotRoot {
            subject: "CN=A".into(),
            issuer: "CN=B".into(),
        },
        InputProblem::NotCa {
            subject: "CN=A".into(),
        },
    ];
    problems.extend(certs.iter().cloned().map(InputProblem::Cert));
    for problem in problems {
        v.push(Error::Input {
            path: "in.pem".into(),
            problem,
        });
    }
    let paths = [
        PathProblem::Expired,
        PathProblem::NotYetValid,
        PathProblem::Revoked,
        PathProblem::RevocationUnknown,
        PathProblem::CrlExpired,
        PathProblem::UnknownIssuer,
        PathProblem::BadSignature,
        PathProblem::NotForClientAuth,
        PathProblem::NoRoot,
        PathProblem::Unusable("BadDer".into()),
    ];
    let mut chains = vec![
        ChainError::NoIssuerUrl {
            subject: "CN=A".into(),
        },
        ChainError::NoCrlUrl {
            subject: "CN=A".into(),
        },
        ChainError::TooLong,
    ];
    chains.extend(paths.into_iter().map(|problem| ChainError::Invalid {
        at: "2020-01-01T00:00:00Z".into(),
        problem,
    }));
    chains.extend(certs.into_iter().map(ChainError::Cert));
    for source in chains {
        v.push(Error::Chain {
            serial: "02".into(),
            source,
        });
    }
    for r in roots() {
        v.push(Error::RootAfterIssuance {
            serial: "02".into(),
            refused: r.clone(),
        });
        v.push(Error::Root(r));
    }
    v.push(Error::Confirm(NotConfirmed::Page {
        url: "https://webra1.secomtrust.net/".into(),
        status: 200,
    }));
    v.push(Error::Internal("bug".into()));
    v
}

#[test]
fn every_error_detail_has_japanese_and_english_and_the_english_is_its_display() {
    for e in errors() {
        let (ja, en) = (error(&e, Lang::Ja), error(&e, Lang::En));
        both(&format!("{e:?}"), &ja, &en);
        assert_eq!(en, e.to_string());
        assert_eq!(Text::describe(&e, Lang::En), en);
    }
    for k in net_kinds() {
        both(
            &format!("{k:?}"),
            &net_kind(&k, Lang::Ja),
            &net_kind(&k, Lang::En),
        );
        assert_eq!(net_kind(&k, Lang::En), k.to_string());
    }
    for i in ineligibles() {
        both(&format!("{i:?}"), &ineligible(&i, Lang::Ja), &i.to_string());
    }
}

#[test]
fn every_line_has_japanese_and_english() {
    let now = time::OffsetDateTime::now_utc();
    let pki = certs_gen::Pki::generate(certs_gen::KeyType::P256, now).unwrap();
    let cert = CertFacts::parse(pki.client_root.der()).unwrap();
    let cert = &cert;
    let dir = Path::new("/s/identities/01");
    let why = Ineligible::ChainUnknown;
    let chain_error = ChainError::TooLong;
    let kind = NetErrorKind::Status(503);
    let io_error = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
    let recovered = [
        Recovered::Adopted {
            serial: "02".into(),
            dir: dir.into(),
            renewal: true,
        },
        Recovered::AnswerNotStored { renewed_from: None },
        Recovered::SetAside { dir: dir.into() },
        Recovered::TemporariesRemoved { count: 2 },
        Recovered::Tightened {
            dir: dir.into(),
            mode: 0o755,
        },
    ];
    let (subject, sha1, serial) = ("CN=Root", "AAAA BBBB", "01");
    let mut texts = vec![
        Text::RootQuestion { subject, sha1 },
        Text::PasswordPrompt,
        Text::PassphrasePrompt,
        Text::PickQuestion { count: 2 },
        Text::Identity { cert },
        Text::Candidate {
            number: 1,
            default: true,
            cert,
        },
        Text::MoreCandidates { count: 2 },
        Text::Excluded { serial, why: &why },
        Text::CompletedEarlierIssuance,
        Text::InterruptedAfterStore { serial },
        Text::Presenting { cert },
        Text::PresentedIdentity { cert },
        Text::PendingRenewal {
            serial,
            from_serial: "00",
        },
        Text::PreviousCertificate { serial },
        Text::Elapsed { secs: 1.5 },
        Text::NewCertificate { cert },
        Text::PathStatusOk,
        Text::StoredIn { dir },
        Text::WrittenTo { path: dir },
        Text::RootInstalled { sha1 },
        Text::RootAlreadyInstalled { sha1 },
        Text::RootAdded { subject, sha1 },
        Text::RootWasTrusted { subject, sha1 },
        Text::TrustedRoot {
            subject,
            sha1,
            not_after: "2030-01-01T00:00:00Z",
        },
        Text::NoTrustedRoots,
        Text::NoStoreYet { path: dir },
        Text::AlreadyInStore,
        Text::ChainCompleted,
        Text::ChainUnknown { source: dir },
        Text::ChainFetchFailed { why: &chain_error },
        Text::IssuedAndStored { serial },
        Text::StoredChainLater,
        Text::AnswerLost,
        Text::RecoverySaved { path: dir },
        Text::HostFailed {
            host: "repo1.secomtrust.net",
            answered: true,
        },
        Text::HostFailed {
            host: "repo1.secomtrust.net",
            answered: false,
        },
        Text::Interception,
        Text::AllowConfirmationPage,
        Text::HostTableHeading,
        Text::AccessAnswered {
            url: "http://repo1.secomtrust.net/",
            ms: 3,
        },
        Text::AccessFailed {
            url: "http://repo1.secomtrust.net/",
            kind: &kind,
        },
        Text::Presented {
            serial,
            not_after: "2030-01-01T00:00:00Z",
        },
        Text::RememberedPresented { serial },
        Text::ClearSslState { dir: None },
        Text::ClearSslState { dir: Some(dir) },
        Text::RootMismatch {
            expected: "AAAA",
            got: "BBBB",
        },
        Text::RootNotInstalled,
        Text::RootCheckThenRetry,
        Text::Detail { text: "x" },
        Text::OutputFailed { error: &io_error },
        Text::CommandLine {
            kind: clap::error::ErrorKind::UnknownArgument,
            arg: Some("--bogus"),
            value: None,
        },
        Text::SeeHelp,
    ];
    texts.extend(recovered.iter().map(Text::Recovered));
    texts.extend(
        [
            Stage::CheckingAccess,
            Stage::LoggingIn,
            Stage::Issuing,
            Stage::CheckingChain,
        ]
        .map(Text::Progress),
    );
    for t in &texts {
        both(&format!("{t:?}"), &t.render(Lang::Ja), &t.render(Lang::En));
    }
    // The host table's rows are data, the same in both languages.
    let (ja, en) = (Text::host_table(Lang::Ja), Text::host_table(Lang::En));
    both("host table", &ja[0], &en[0]);
    assert_eq!(ja[1..], en[1..]);
    assert_eq!(ja.len(), 1 + crate::messages::HOSTS.len());
}
