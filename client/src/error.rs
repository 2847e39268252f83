//! The crate's error type and the one place that maps each error to the
//! class the customer sees ([`Error::class`]).

use std::path::PathBuf;

use crate::chain::ChainError;
use crate::messages::{Class, Lang, Outcome, Text};
use crate::net::{NetError, NetErrorKind};
use crate::selection::NoCertificate;
use crate::store::StoreError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command line that cannot be carried out (e.g. no terminal and no
    /// `--password-stdin`).
    #[error("{0}")]
    Usage(String),
    /// A host did not answer, or not as the protocol says (D6.1).
    #[error(transparent)]
    Net(#[from] NetError),
    /// The issuance request may have reached the RA, but no usable answer
    /// came back: the certificate may be issued (the order consumed)
    /// while nothing could be stored (D7.3). The old identity is kept.
    #[error("the answer to the issuance request was lost: {0}")]
    AnswerLost(NetError),
    /// The RA refused with one of the customer's classes (docs/protocol.md 2.5).
    #[error("{host} answered {status} {class}")]
    Refused {
        /// ENOCERT, E550A or E550F.
        class: Class,
        /// The HTTP status.
        status: u16,
        /// The host.
        host: String,
    },
    /// No identity could be chosen (D6.2, D6.3).
    #[error(transparent)]
    NoCertificate(#[from] NoCertificate),
    /// The store could not be read or written (D8.3).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The new certificate could not be stored; where it was saved instead.
    #[error("the new certificate {serial} could not be stored ({source}); {}", match recovery {
        Some(p) => format!("it was saved to {}", p.display()),
        None => "it could not be saved anywhere else either".to_owned(),
    })]
    NotStored {
        /// The new certificate's serial.
        serial: String,
        /// Why the store refused.
        source: StoreError,
        /// The recovery file, if one could be written.
        recovery: Option<PathBuf>,
    },
    /// A file given to `import` is unusable (wrong passphrase, no key, ...).
    #[error("{}: {reason}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The new certificate's chain could not be built or validated.
    #[error("the new certificate {serial} is stored, but its chain is not: {source}")]
    Chain {
        /// The new certificate's serial.
        serial: String,
        /// What went wrong.
        source: ChainError,
    },
    /// The root was not trusted (D4.5), before anything was issued.
    #[error(transparent)]
    Root(#[from] crate::trust::RootRefused),
    /// The root was not trusted, but only once the new certificate had
    /// been issued and stored (its root could not be known before).
    #[error("the new certificate {serial} is issued and stored, but {refused}")]
    RootAfterIssuance {
        /// The new certificate's serial.
        serial: String,
        /// Why the root was not trusted.
        refused: crate::trust::RootRefused,
    },
    /// The confirmation page did not confirm (D5.1, D6.11).
    #[error(transparent)]
    Confirm(#[from] crate::confirm::NotConfirmed),
    /// A bug.
    #[error("internal error: {0}")]
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
            Error::Confirm(_) => Class::EConfirm,
            Error::Internal(_) => Class::Internal,
        }
    }

    /// The outcome printed for this error: the class, this error as a detail
    /// line, the lines only this error knows, and the class's remedy.
    pub fn to_outcome(&self, lang: Lang) -> Outcome {
        self.to_outcome_without_remedy(lang).with_remedy(lang)
    }

    /// [`Error::to_outcome`] without the remedy, for callers that add lines
    /// of their own before it.
    pub fn to_outcome_without_remedy(&self, lang: Lang) -> Outcome {
        let mut o = Outcome::new(self.class()).field("error", self.to_string());
        let detail = match lang {
            Lang::Ja => format!("詳細: {self}"),
            Lang::En => format!("detail: {self}"),
        };
        o = o.line(detail);
        match self {
            Error::Net(e) => {
                o = net_lines(o, e, lang);
            }
            Error::AnswerLost(e) => {
                o = net_lines(o, e, lang)
                    .field("issuance_answer_lost", true)
                    .line(match lang {
                        Lang::Ja => "証明書の発行要求は送信しましたが、応答を受け取れませんでした。証明書は発行済みの可能性があります。お使いの証明書はそのまま残っています。再実行して「既に証明書を取得済み」(550) と表示された場合は、証明書の再発行を申請してください。".to_owned(),
                        Lang::En => "the issuance request was sent but its answer never arrived: the certificate may have been issued. Your current certificate is untouched. If running again gives 550 (already obtained), apply for a reissue".to_owned(),
                    });
            }
            Error::Refused { host, status, .. } => {
                o = o.field("host", host.clone()).field("status", *status);
            }
            Error::NotStored {
                recovery: Some(p),
                serial,
                ..
            } => {
                o = o
                    .line(match lang {
                        Lang::Ja => format!(
                            "新しい証明書と秘密鍵は {} に保存しました。このファイルを失わないでください (certrenew import --cert/--key で取り込めます)。",
                            p.display()
                        ),
                        Lang::En => format!(
                            "the new certificate and its key were saved to {}; keep this file (certrenew import --cert/--key reads it)",
                            p.display()
                        ),
                    })
                    .field("recovery_file", p.display().to_string())
                    .field("serial", serial.clone());
            }
            Error::Chain { serial, source } => {
                if let ChainError::Net(e) = source {
                    o = net_lines(o, e, lang);
                }
                o = o.field("serial", serial.clone()).line(match lang {
                    Lang::Ja => "新しい証明書と秘密鍵はストアに保存済みです。接続を確認して certrenew renew を再度実行すると、証明書チェーンの取得から再開します。".to_owned(),
                    Lang::En => "the new certificate and key are already in the store; once the hosts answer, run certrenew renew again to fetch the chain (no new issuance)".to_owned(),
                });
            }
            Error::Root(r) => {
                o = r.lines(o, lang);
            }
            Error::RootAfterIssuance { serial, refused } => {
                o = refused
                    .lines(o, lang)
                    .field("serial", serial.clone())
                    .field("issued_and_stored", true)
                    .line(Text::IssuedAndStored { serial }.render(lang));
            }
            Error::Confirm(c) => {
                o = c.lines(o, lang);
            }
            _ => {}
        }
        o
    }
}

/// The host table of D6.1 and which host failed.
fn net_lines(mut o: Outcome, e: &NetError, lang: Lang) -> Outcome {
    o = o.field("host", e.host.clone()).field("url", e.url.clone());
    let kind = match &e.kind {
        NetErrorKind::Connect(_) => "connect",
        NetErrorKind::Timeout(_) => "timeout",
        NetErrorKind::Tls(_) => "tls",
        NetErrorKind::Status(_) => "status",
        NetErrorKind::Body(_) => "body",
        NetErrorKind::Dropped(_) => "dropped",
        NetErrorKind::Setup(_) => "setup",
    };
    o = o.field("failure", kind);
    if !e.host.is_empty() {
        let answered = matches!(
            e.kind,
            NetErrorKind::Status(_) | NetErrorKind::Body(_) | NetErrorKind::Dropped(_)
        );
        o = o.line(match (lang, answered) {
            (Lang::Ja, false) => format!("接続できなかった接続先: {}", e.host),
            (Lang::Ja, true) => format!("正しい応答が得られなかった接続先: {}", e.host),
            (Lang::En, false) => format!("host that failed: {}", e.host),
            (Lang::En, true) => format!("host whose answer failed: {}", e.host),
        });
    }
    if let NetErrorKind::Tls(_) = e.kind {
        o = o.line(match lang {
            Lang::Ja => "サーバー証明書を確認できませんでした。ウイルス対策ソフトなどが通信を中継 (SSL 検査) している可能性があります。".to_owned(),
            Lang::En => "the server's certificate could not be verified: antivirus or a proxy may be intercepting TLS".to_owned(),
        });
    }
    host_table(o, lang)
}

/// The manual's table of hosts (D3, D6.1).
pub fn host_table(mut o: Outcome, lang: Lang) -> Outcome {
    o = o.line(lang.pick(
        "通信を許可する必要がある接続先:",
        "hosts that must be reachable:",
    ));
    for (host, ip, proto) in HOSTS {
        o = o.line(format!("  {host}  {ip}  {proto}"));
    }
    o
}

/// The three hosts the tool reaches by itself, with the manual's IPs (D3).
pub const HOSTS: [(&str, &str, &str); 3] = [
    (crate::net::WEBRA2_HOST, "165.100.2.114", "HTTPS"),
    (crate::net::REPO1_HOST, "61.114.186.157", "HTTP"),
    (crate::net::REPOSITORY_HOST, "61.114.177.151", "HTTP"),
];
