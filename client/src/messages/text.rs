//! The customer-facing lines other than the class message, as values:
//! [`Text`] names each line and what it shows; the catalogue
//! (`catalogue/`) writes its Japanese beside its English.

use std::path::Path;

use super::class::Class;
use super::lang::Lang;
use crate::cert::CertFacts;
use crate::chain::ChainError;
use crate::error::Error;
use crate::net::NetErrorKind;
use crate::selection::{Ineligible, NoCertificate};
use crate::store::Recovered;

/// What the client is doing while it talks to the servers (D4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// D3.1: the three hosts, then the repositories' CA certificates and CRLs.
    CheckingAccess,
    /// 2.3: the login over mutual TLS.
    LoggingIn,
    /// 2.4: the new key, the CSR and the issuance.
    Issuing,
    /// Steps 7-9: the new certificate's chain, validation, trust.
    CheckingChain,
}

/// One line (or question) for the customer.
#[derive(Debug, Clone)]
pub enum Text<'a> {
    /// D4.5: the root question, with the thumbprint in 8-digit groups.
    RootQuestion {
        /// The root's subject.
        subject: &'a str,
        /// Its SHA-1, grouped.
        sha1: &'a str,
    },
    /// D4.1: the password prompt.
    PasswordPrompt,
    /// The PKCS#12 passphrase prompt.
    PassphrasePrompt,
    /// D4.2 その他: which number.
    PickQuestion {
        /// How many are listed.
        count: usize,
    },
    /// D4.4: a progress line (stderr, text mode only).
    Progress(Stage),
    /// One identity as the dialog shows it (D6.2's end of validity included).
    Identity {
        /// Its certificate.
        cert: &'a CertFacts,
    },
    /// A numbered line of the dialog; the default is marked `*`.
    Candidate {
        /// 1-based.
        number: usize,
        /// Whether it is the default (newest notBefore).
        default: bool,
        /// Its certificate.
        cert: &'a CertFacts,
    },
    /// `list` without `--all`: how many more there are.
    MoreCandidates {
        /// How many.
        count: usize,
    },
    /// An identity the dialog leaves out, and why.
    Excluded {
        /// Its serial.
        serial: &'a str,
        /// Why.
        why: &'a Ineligible,
    },
    /// `renew` completed a renewal an earlier run had stored (D7.3).
    CompletedEarlierIssuance,
    /// What opening the store put right after a run that ended early.
    Recovered(&'a Recovered),
    /// SIGINT, SIGTERM or SIGHUP arrived while the issuance was under way;
    /// it was acted on once the new certificate was on disk.
    InterruptedAfterStore {
        /// The stored new certificate's serial.
        serial: &'a str,
    },
    /// D4.2: the identity `renew` presents, before the login.
    Presenting {
        /// Its certificate.
        cert: &'a CertFacts,
    },
    /// D6.5: the identity that was presented, in a refusal's details.
    PresentedIdentity {
        /// Its certificate.
        cert: &'a CertFacts,
    },
    /// Another identity's renewal is stored without its chain.
    PendingRenewal {
        /// The stored new certificate.
        serial: &'a str,
        /// The identity it renews (what `--select` takes).
        from_serial: &'a str,
    },
    /// The certificate that logged in.
    PreviousCertificate {
        /// Its serial.
        serial: &'a str,
    },
    /// How long `renew` took.
    Elapsed {
        /// Seconds.
        secs: f64,
    },
    /// The new certificate (D5.2: issued to, issued by, validity).
    NewCertificate {
        /// It.
        cert: &'a CertFacts,
    },
    /// The new certificate's chain validated to a trusted root, revocation
    /// checked (D5.2: the certification path status of the store's dialog).
    PathStatusOk,
    /// Where an identity is stored.
    StoredIn {
        /// Its directory.
        dir: &'a Path,
    },
    /// Where `export` wrote.
    WrittenTo {
        /// The file.
        path: &'a Path,
    },
    /// The root was added to the trust list (D4.5).
    RootInstalled {
        /// Its SHA-1, grouped.
        sha1: &'a str,
    },
    /// The root was in the trust list already (D4.5: no question).
    RootAlreadyInstalled {
        /// Its SHA-1, grouped.
        sha1: &'a str,
    },
    /// `roots add`: added.
    RootAdded {
        /// Its subject.
        subject: &'a str,
        /// Its SHA-1, grouped.
        sha1: &'a str,
    },
    /// `roots add`: it was there already.
    RootWasTrusted {
        /// Its subject.
        subject: &'a str,
        /// Its SHA-1, grouped.
        sha1: &'a str,
    },
    /// `roots`: one trusted root.
    TrustedRoot {
        /// Its subject.
        subject: &'a str,
        /// Its SHA-1, grouped.
        sha1: &'a str,
        /// Its end of validity.
        not_after: &'a str,
    },
    /// `roots`: none.
    NoTrustedRoots,
    /// `roots`: the store does not exist yet, so nothing is trusted.
    NoStoreYet {
        /// The store directory.
        path: &'a Path,
    },
    /// `import`: the identity was there already.
    AlreadyInStore,
    /// `import`: the chain was completed from the repositories (AIA).
    ChainCompleted,
    /// `import`: no chain, so the identity cannot be selected (webra2 names
    /// the root, which only the chain shows), and how to fix it.
    ChainUnknown {
        /// The file to name again with `--chain` (`--cert`'s or `--p12`'s).
        source: &'a Path,
    },
    /// `import`: why the chain could not be fetched.
    ChainFetchFailed {
        /// What went wrong.
        why: &'a ChainError,
    },
    /// A refusal that came after the issuance: the certificate exists and
    /// is stored (D7.3).
    IssuedAndStored {
        /// The new certificate's serial.
        serial: &'a str,
    },
    /// The new certificate is stored, its chain will be fetched next run.
    StoredChainLater,
    /// The issuance answer was lost (D7.3).
    AnswerLost,
    /// The new certificate went to a recovery file.
    RecoverySaved {
        /// The file.
        path: &'a Path,
    },
    /// Which host failed.
    HostFailed {
        /// The host.
        host: &'a str,
        /// Whether it answered (wrongly) rather than not at all.
        answered: bool,
    },
    /// A server certificate that does not verify: interception (D3.2).
    Interception,
    /// The confirmation page's host must be reachable too.
    AllowConfirmationPage,
    /// The heading of the manual's host table (D6.1).
    HostTableHeading,
    /// One row of the manual's host table (D6.1): [`HOSTS`].
    HostTableRow {
        /// The host name.
        host: &'a str,
        /// The manual's address for it.
        ip: &'a str,
        /// HTTPS or HTTP.
        protocol: &'a str,
    },
    /// `check`: a host answered.
    AccessAnswered {
        /// The URL asked.
        url: &'a str,
        /// Milliseconds.
        ms: u128,
    },
    /// `check`: a host did not answer.
    AccessFailed {
        /// The URL asked.
        url: &'a str,
        /// What happened.
        kind: &'a NetErrorKind,
    },
    /// `verify`: the certificate presented.
    Presented {
        /// Its serial.
        serial: &'a str,
        /// Its end of validity.
        not_after: &'a str,
    },
    /// `verify`: the SSL state's remembered certificate was presented (D6.11).
    RememberedPresented {
        /// Its serial.
        serial: &'a str,
    },
    /// D6.11's remedy with the actual SSL-state directory, when known.
    ClearSslState {
        /// `--ssl-state DIR`.
        dir: Option<&'a Path>,
    },
    /// D4.5: the thumbprints differ.
    RootMismatch {
        /// The pinned one, grouped.
        expected: &'a str,
        /// The root's, grouped.
        got: &'a str,
    },
    /// D4.5: nothing was trusted after a mismatch.
    RootNotInstalled,
    /// D4.5: check the thumbprint and accept next time.
    RootCheckThenRetry,
    /// The detail line under the class message.
    Detail {
        /// What happened, in the customer's language.
        text: &'a str,
    },
    /// Writing the result failed (stdout closed, disk full).
    OutputFailed {
        /// What the OS said.
        error: &'a std::io::Error,
    },
    /// A command line clap could not read.
    CommandLine {
        /// What kind of mistake.
        kind: clap::error::ErrorKind,
        /// The argument concerned, if clap says.
        arg: Option<&'a str>,
        /// The value concerned (or, for a conflict, the other argument),
        /// if clap says.
        value: Option<&'a str>,
    },
    /// Where the usage is explained.
    SeeHelp,
}

/// The three hosts the tool reaches by itself, with the manual's
/// addresses and protocols (D3, D6.1).
pub const HOSTS: [(&str, &str, &str); 3] = [
    (crate::net::WEBRA2_HOST, "165.100.2.114", "HTTPS"),
    (crate::net::REPO1_HOST, "61.114.186.157", "HTTP"),
    (crate::net::REPOSITORY_HOST, "61.114.177.151", "HTTP"),
];

impl Text<'_> {
    /// The manual's host table (D6.1): its heading, then one row a host.
    pub fn host_table(lang: Lang) -> Vec<String> {
        let mut lines = vec![Text::HostTableHeading.render(lang)];
        for (host, ip, protocol) in HOSTS {
            lines.push(Text::HostTableRow { host, ip, protocol }.render(lang));
        }
        lines
    }

    /// The selection dialog's numbered lines, the default (first) marked
    /// (D4.2).
    pub fn numbered(certs: &[&CertFacts], lang: Lang) -> Vec<String> {
        certs
            .iter()
            .enumerate()
            .map(|(i, cert)| {
                Text::Candidate {
                    number: i + 1,
                    default: i == 0,
                    cert,
                }
                .render(lang)
            })
            .collect()
    }

    /// What went wrong, for the detail line ([`details`]: the Japanese and
    /// the English of every error side by side).
    pub fn describe(e: &Error, lang: Lang) -> String {
        super::catalogue::error(e, lang)
    }

    /// ENOCERT's remedy for this cause: D6.2's (apply for a reissue) only
    /// when a certificate expired 90 days ago or more, D6.3's when it is not
    /// here, and the way to give a chain or a store when that is what is
    /// missing.
    pub fn no_certificate_remedy(nc: &NoCertificate, lang: Lang) -> Vec<String> {
        let class = Class::NoCert.remedy(lang);
        let (expired, elsewhere) = (class[0].to_owned(), class[1].to_owned());
        let pick = |ja: &str, en: &str| lang.pick(ja, en).to_owned();
        let import = pick(
            "証明書をまだ取り込んでいない場合は、certrenew import で取り込んでください。",
            "if the certificate was not imported yet, import it with certrenew import",
        );
        let chain = pick(
            "証明書チェーンが不明な証明書は、チェーンのファイルを指定して取り込み直してください (certrenew import --cert FILE --key FILE --chain FILE)。",
            "import a certificate whose chain is unknown again with its chain (certrenew import --cert FILE --key FILE --chain FILE)",
        );
        let unreadable = pick(
            "ファイルを読み取れない証明書は、証明書と秘密鍵のファイルを指定して取り込み直してください (certrenew import)。読み取れないファイルは削除されず、ストア内の別の名前に移されます。",
            "import a certificate whose files cannot be read again (certrenew import); the damaged files are moved aside in the store, not deleted",
        );
        let check_list = pick(
            "ストアにある証明書は certrenew list --all --excluded で確認できます。",
            "certrenew list --all --excluded shows the certificates in the store",
        );
        let by_reason = |why: &Ineligible| match why {
            Ineligible::ExpiredTooLong { .. } => expired.clone(),
            Ineligible::ForeignCa { .. } => elsewhere.clone(),
            Ineligible::ChainUnknown => chain.clone(),
            Ineligible::Unreadable { .. } | Ineligible::Unfinished { .. } => unreadable.clone(),
        };
        let mut lines: Vec<String> = match nc {
            NoCertificate::NoStore { default, .. } => {
                let mut v = vec![import];
                if let Some(d) = default {
                    v.push(match lang {
                        Lang::Ja => {
                            format!("--store の指定を確認してください (既定のストア: {d})。")
                        }
                        Lang::En => format!("check --store (the default store is {d})"),
                    });
                }
                v.push(elsewhere);
                v
            }
            NoCertificate::EmptyStore => vec![import, elsewhere],
            NoCertificate::NoCandidate { reasons } => {
                reasons.iter().map(|(_, why)| by_reason(why)).collect()
            }
            NoCertificate::SerialNotFound(_) => vec![check_list, elsewhere],
            NoCertificate::Ineligible { why, .. } => vec![by_reason(why)],
            NoCertificate::NotChosen => vec![pick(
                "一覧の番号を入力して証明書を選択するか、--select SERIAL で指定してください。",
                "type the number of a listed certificate, or name one with --select SERIAL",
            )],
        };
        let mut seen = std::collections::HashSet::new();
        lines.retain(|l| seen.insert(l.clone()));
        lines
    }
}
