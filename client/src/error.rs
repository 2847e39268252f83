//! The crate's error type and the one place that maps each error to the
//! class the customer sees ([`Error::class`]).
//!
//! Errors are data. The errors' texts, Japanese and English (the English is
//! their `Display`, the technical form in JSON `details.error` and `--lang
//! en`), are the catalogue's (`messages/catalogue/`), and the outcome shown
//! for an error ([`Error::to_outcome`]) is built by the presentation layer
//! (`messages/present.rs`), not here.

use std::path::PathBuf;

use crate::cert::{CertError, KeyType};
use crate::chain::ChainError;
use crate::confirm::NotConfirmed;
use crate::messages::class::Class;
use crate::net::NetError;
use crate::selection::NoCertificate;
use crate::store::StoreError;

/// Why a command line cannot be carried out (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Usage {
    /// A secret is needed, stdin is not a terminal and the flag is missing.
    NoTerminal {
        /// `--password-stdin` or `--passphrase-stdin`.
        flag: &'static str,
    },
    /// Standard input could not be read.
    ReadStdin(String),
    /// The terminal could not be read.
    ReadTerminal(String),
    /// An empty password.
    EmptyPassword,
    /// An empty PKCS#12 passphrase for `export`: the key would be
    /// readable by anyone who gets the file.
    EmptyPassphrase,
    /// `--all` without a terminal.
    AllNeedsTerminal,
    /// `--server-ca` cannot be used.
    ServerCa {
        /// The file.
        path: PathBuf,
        /// Why (read error, not PEM, no certificate).
        why: String,
    },
    /// No `--store` and no home directory.
    NoStoreDir,
    /// `export --out` names a file that exists.
    OutExists(PathBuf),
    /// `import` without the files it needs.
    ImportNeedsFiles,
    /// The RA does not sign a key type that may be used.
    KeyType {
        /// What the RA lists.
        listed: Vec<String>,
        /// `--key-type`, if given.
        asked: Option<KeyType>,
        /// The old key's type, if known.
        old: Option<KeyType>,
    },
}

/// What is wrong with a file given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// It cannot be read.
    Read(String),
    /// Not PKCS#12, or the passphrase is wrong.
    NotPkcs12(String),
    /// No private key in it.
    NoKey,
    /// A key, certificate or PEM text that cannot be used.
    Cert(#[from] CertError),
    /// No CERTIFICATE block.
    NoCertificate,
    /// One block (1-based, in file order) is not a certificate.
    BadBlock {
        /// Which block.
        block: usize,
        /// Why.
        why: CertError,
    },
    /// No certificate matches the private key.
    NoMatchingCertificate,
    /// `roots add`: not exactly one certificate.
    NotOneCertificate(usize),
    /// `roots add`: not self-issued.
    NotRoot {
        /// Its subject.
        subject: String,
        /// Its issuer.
        issuer: String,
    },
    /// `roots add`: self-issued but not a CA (basicConstraints cA missing).
    NotCa {
        /// Its subject.
        subject: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command line that cannot be carried out (e.g. no terminal and no
    /// `--password-stdin`).
    Usage(#[from] Usage),
    /// A host did not answer, or not as the protocol says (D6.1).
    Net(#[from] NetError),
    /// The issuance request may have reached the RA, but no usable answer
    /// came back: the certificate may be issued (the order consumed)
    /// while nothing could be stored (D7.3). The old identity is kept.
    AnswerLost(NetError),
    /// The RA refused with one of the customer's classes (docs/protocol.md 2.5).
    Refused {
        /// ENOCERT, E550A or E550F.
        class: Class,
        /// The HTTP status.
        status: u16,
        /// The host.
        host: String,
    },
    /// No identity could be chosen (D6.2, D6.3).
    NoCertificate(#[from] NoCertificate),
    /// The store could not be read or written (D8.3).
    Store(#[from] StoreError),
    /// The new certificate could not be stored; where it was saved instead.
    NotStored {
        /// The new certificate's serial.
        serial: String,
        /// Why the store refused.
        source: StoreError,
        /// The recovery file, if one could be written.
        recovery: Option<PathBuf>,
    },
    /// A file given on the command line is unusable (wrong passphrase, no
    /// key, not a root, ...).
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: InputProblem,
    },
    /// The new certificate's chain could not be built or validated.
    Chain {
        /// The new certificate's serial.
        serial: String,
        /// What went wrong.
        source: ChainError,
    },
    /// The root was not trusted (D4.5), before anything was issued.
    Root(#[from] crate::trust::RootRefused),
    /// The root was not trusted, but only once the new certificate had
    /// been issued and stored (its root could not be known before).
    RootAfterIssuance {
        /// The new certificate's serial.
        serial: String,
        /// Why the root was not trusted.
        refused: crate::trust::RootRefused,
    },
    /// The confirmation page did not confirm (D5.1, D6.11).
    Confirm(#[from] NotConfirmed),
    /// A bug.
    Internal(String),
}

impl From<crate::trust::TrustError> for Error {
    fn from(e: crate::trust::TrustError) -> Self {
        match e {
            crate::trust::TrustError::Refused(r) => Error::Root(r),
            crate::trust::TrustError::Store(s) => Error::Store(s),
        }
    }
}

impl Error {
    /// An unusable file given on the command line.
    pub fn input(path: &std::path::Path, problem: impl Into<InputProblem>) -> Self {
        Error::Input {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// The class the customer sees: the one mapping from errors to classes.
    pub fn class(&self) -> Class {
        match self {
            Error::Usage(_) => Class::Usage,
            Error::Net(_) | Error::AnswerLost(_) => Class::E115,
            Error::Refused { class, .. } => *class,
            Error::NoCertificate(_) => Class::NoCert,
            Error::Store(_) | Error::NotStored { .. } | Error::Input { .. } => Class::EImport,
            Error::Chain { source, .. } => match source {
                // A repository that does not answer is D6.1.
                ChainError::Net(_) => Class::E115,
                _ => Class::EImport,
            },
            Error::Root(_) | Error::RootAfterIssuance { .. } => Class::RootNotTrusted,
            // The confirmation page could not be reached at all: a
            // connection problem (D6.1's advice), not D6.11's stale state.
            Error::Confirm(NotConfirmed::Unreachable(_)) => Class::E115,
            Error::Confirm(NotConfirmed::NoIdentity { .. } | NotConfirmed::Page { .. }) => {
                Class::EConfirm
            }
            Error::Internal(_) => Class::Internal,
        }
    }
}
