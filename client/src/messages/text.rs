//! Every customer-facing line other than the class message, in both
//! languages: detail lines, remedies that depend on the case, prompts and
//! progress. Japanese is the default and every line a customer sees in it
//! is Japanese; host names, serials, paths, HTTP status numbers and
//! thumbprints stay as they are. The English/technical detail of an error
//! goes to JSON `details` (and to `--lang en`), never into a Japanese line.

use std::path::Path;

use super::Lang;
use crate::cert::CertFacts;
use crate::clock::rfc3339;

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
    /// `renew` completed a renewal an earlier run had stored (D7.3).
    CompletedEarlierIssuance,
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
    /// Where an identity is stored.
    StoredIn {
        /// Its directory.
        dir: &'a Path,
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
    /// A refusal that came after the issuance: the certificate exists and
    /// is stored (D7.3).
    IssuedAndStored {
        /// The new certificate's serial.
        serial: &'a str,
    },
}

impl Text<'_> {
    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (Text::RootQuestion { subject, sha1 }, Lang::Ja) => format!(
                "発行者 {subject} のルート証明書をインストールしようとしています。\n拇印 (sha1): {sha1}\nこの証明書をインストールしますか? (y/N): "
            ),
            (Text::RootQuestion { subject, sha1 }, Lang::En) => format!(
                "about to install the root certificate of {subject}\nthumbprint (sha1): {sha1}\ninstall this certificate? (y/N): "
            ),
            (Text::CompletedEarlierIssuance, Lang::Ja) => {
                "前回発行された証明書のインポートを完了しました (新たな発行は行っていません)。"
                    .into()
            }
            (Text::CompletedEarlierIssuance, Lang::En) => {
                "completed the import of the certificate issued earlier (nothing new was issued)"
                    .into()
            }
            (
                Text::PendingRenewal {
                    serial,
                    from_serial,
                },
                Lang::Ja,
            ) => format!(
                "シリアル番号 {from_serial} の証明書を更新した証明書 (シリアル番号 {serial}) のインポートが完了していません。certrenew renew --select {from_serial} を実行すると完了します。"
            ),
            (
                Text::PendingRenewal {
                    serial,
                    from_serial,
                },
                Lang::En,
            ) => format!(
                "the renewal of serial {from_serial} (new serial {serial}) is not completely imported yet; certrenew renew --select {from_serial} completes it"
            ),
            (Text::PreviousCertificate { serial }, Lang::Ja) => {
                format!("更新前の証明書: シリアル番号 {serial}")
            }
            (Text::PreviousCertificate { serial }, Lang::En) => {
                format!("previous certificate: serial {serial}")
            }
            (Text::Elapsed { secs }, Lang::Ja) => format!("所要時間: {secs:.2} 秒"),
            (Text::Elapsed { secs }, Lang::En) => format!("took {secs:.2} s"),
            (Text::NewCertificate { cert: c }, Lang::Ja) => format!(
                "新しい証明書: シリアル番号 {}  発行先 {}  発行者 {}  有効期間 {} - {}",
                c.serial,
                c.subject,
                c.issuer,
                rfc3339(c.not_before),
                rfc3339(c.not_after)
            ),
            (Text::NewCertificate { cert: c }, Lang::En) => format!(
                "new certificate: serial {}  subject {}  issuer {}  valid {} - {}",
                c.serial,
                c.subject,
                c.issuer,
                rfc3339(c.not_before),
                rfc3339(c.not_after)
            ),
            (Text::StoredIn { dir }, Lang::Ja) => format!("保存先: {}", dir.display()),
            (Text::StoredIn { dir }, Lang::En) => format!("stored in {}", dir.display()),
            (Text::RootInstalled { sha1 }, Lang::Ja) => {
                format!("ルート証明書をインストールしました (拇印 {sha1})。")
            }
            (Text::RootInstalled { sha1 }, Lang::En) => {
                format!("root certificate installed ({sha1})")
            }
            (Text::RootAlreadyInstalled { sha1 }, Lang::Ja) => {
                format!("ルート証明書はインストール済みです (拇印 {sha1})。")
            }
            (Text::RootAlreadyInstalled { sha1 }, Lang::En) => {
                format!("root certificate already installed ({sha1})")
            }
            (Text::IssuedAndStored { serial }, Lang::Ja) => format!(
                "新しい証明書 (シリアル番号 {serial}) は発行済みで、秘密鍵とともにストアに保存されています。ルート証明書を信頼できる状態にして certrenew renew を再度実行すると、新たな発行なしにインポートを完了します。"
            ),
            (Text::IssuedAndStored { serial }, Lang::En) => format!(
                "the new certificate (serial {serial}) was issued and is stored with its key; once its root can be trusted, run certrenew renew again to complete the import (nothing new is issued)"
            ),
        }
    }
}
