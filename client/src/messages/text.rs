//! Every customer-facing line other than the class message, in both
//! languages: detail lines, remedies that depend on the case, prompts and
//! progress. Japanese is the default, and every line a Japanese customer
//! sees is Japanese; host names, URLs, serials, paths, HTTP status numbers,
//! thumbprints, flags and commands stay as they are. The English, technical
//! form of an error (its `Display`) goes to JSON `details.error` and to
//! `--lang en`; it never appears in a Japanese line.

use std::path::Path;

use super::{Class, Lang};
use crate::cert::{CertError, CertFacts};
use crate::chain::{ChainError, PathProblem};
use crate::clock::rfc3339;
use crate::confirm::NotConfirmed;
use crate::error::{Error, InputProblem, Usage};
use crate::net::{Limit, NetError, NetErrorKind};
use crate::selection::{Ineligible, NoCertificate};
use crate::store::{Recovered, StoreError};
use crate::trust::{MANUAL_ROOT_SHA1, RootRefused};

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

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.ja(),
            Lang::En => self.en(),
        }
    }

    fn ja(&self) -> String {
        match self {
            Text::RootQuestion { subject, sha1 } => format!(
                "発行者 {subject} のルート証明書をインストールしようとしています。\n拇印 (sha1): {sha1}\nこの証明書をインストールしますか? (y/N): "
            ),
            Text::PasswordPrompt => "ログインパスワード (電子証明書有効期限 28 日前時点のもの): ".into(),
            Text::PassphrasePrompt => "PKCS#12 のパスフレーズ: ".into(),
            Text::PickQuestion { count } => {
                format!("使用する証明書の番号を入力してください (1-{count}): ")
            }
            Text::Progress(stage) => match stage {
                Stage::CheckingAccess => "処理中: アクセスを確認しています",
                Stage::LoggingIn => "処理中: ログインしています",
                Stage::Issuing => "処理中: 証明書を発行しています",
                Stage::CheckingChain => "処理中: 証明書チェーンを確認しています",
            }
            .into(),
            Text::Identity { cert: c } => format!(
                "シリアル番号 {}  有効期間の開始 {}  有効期間の終了 {}  発行先 {}  発行者 {}",
                c.serial,
                rfc3339(c.not_before),
                rfc3339(c.not_after),
                c.subject,
                c.issuer
            ),
            Text::Candidate {
                number,
                default,
                cert,
            } => candidate(*number, *default, cert, Lang::Ja),
            Text::MoreCandidates { count } => {
                format!("ほかに {count} 件あります (--all で表示)。")
            }
            Text::Excluded { serial, why } => {
                format!("  (対象外) シリアル番号 {serial}: {}", ineligible_ja(why))
            }
            Text::CompletedEarlierIssuance => {
                "前回発行された証明書のインポートを完了しました (新たな発行は行っていません)。".into()
            }
            Text::Recovered(r) => match r {
                Recovered::Adopted { serial, dir, .. } => format!(
                    "前回の処理が途中で終了したため、保存が完了していなかった証明書 (シリアル番号 {serial}) をストアに追加しました: {}",
                    dir.display()
                ),
                Recovered::AnswerNotStored { .. } => "前回の更新は、新しい秘密鍵を保存した後、証明書を保存する前に終了しました。その秘密鍵は削除しました。次の更新で 550 (既に証明書を取得済み) となる場合は、証明書が発行されていますので、証明書の再発行を申請してください。".into(),
                Recovered::SetAside { dir } => format!(
                    "前回の処理が途中で終了して残ったデータを完成できないため、{} に保管しました。",
                    dir.display()
                ),
                Recovered::TemporariesRemoved { count } => {
                    format!("前回の処理が途中で終了して残った一時ファイル {count} 個を削除しました。")
                }
                Recovered::Tightened { dir, mode } => format!(
                    "ストアのディレクトリ {} のアクセス権を {mode:03o} から 700 に変更しました (本人以外が読めないようにするため)。",
                    dir.display()
                ),
            },
            Text::InterruptedAfterStore { serial } => format!(
                "中断の指示を受けたため、新しい証明書 (シリアル番号 {serial}) を保存してから終了します。certrenew renew を再度実行するとインポートを完了します。"
            ),
            Text::Presenting { cert: c } => format!(
                "使用する証明書: {} (シリアル番号 {}、有効期間の終了 {})",
                c.subject,
                c.serial,
                rfc3339(c.not_after)
            ),
            Text::PresentedIdentity { cert: c } => format!(
                "使用した証明書: {} (シリアル番号 {}、有効期間の終了 {})。別の証明書を使う場合は --select SERIAL または --all で選択してください。",
                c.subject,
                c.serial,
                rfc3339(c.not_after)
            ),
            Text::PendingRenewal {
                serial,
                from_serial,
            } => format!(
                "シリアル番号 {from_serial} の証明書を更新した証明書 (シリアル番号 {serial}) のインポートが完了していません。certrenew renew --select {from_serial} を実行すると完了します。"
            ),
            Text::PreviousCertificate { serial } => {
                format!("更新前の証明書: シリアル番号 {serial}")
            }
            Text::Elapsed { secs } => format!("所要時間: {secs:.2} 秒"),
            Text::NewCertificate { cert: c } => format!(
                "新しい証明書: シリアル番号 {}  発行先 {}  発行者 {}  有効期間 {} - {}",
                c.serial,
                c.subject,
                c.issuer,
                rfc3339(c.not_before),
                rfc3339(c.not_after)
            ),
            Text::PathStatusOk => "証明のパスの状態: この証明書は問題ありません。".into(),
            Text::StoredIn { dir } => format!("保存先: {}", dir.display()),
            Text::WrittenTo { path } => format!("出力先: {}", path.display()),
            Text::RootInstalled { sha1 } => {
                format!("ルート証明書をインストールしました (拇印 {sha1})。")
            }
            Text::RootAlreadyInstalled { sha1 } => {
                format!("ルート証明書はインストール済みです (拇印 {sha1})。")
            }
            Text::RootAdded { subject, sha1 } => format!("{subject} (拇印 (sha1): {sha1})"),
            Text::RootWasTrusted { subject, sha1 } => {
                format!("{subject} はすでに信頼されています (拇印 (sha1): {sha1})。")
            }
            Text::TrustedRoot {
                subject,
                sha1,
                not_after,
            } => format!("  {subject}  拇印 (sha1): {sha1}  有効期間の終了 {not_after}"),
            Text::NoTrustedRoots => "  (なし)".into(),
            Text::NoStoreYet { path } => format!(
                "証明書ストア {} はまだ作成されていません (certrenew import で作成されます)。",
                path.display()
            ),
            Text::AlreadyInStore => "この証明書は既にストアにあります。".into(),
            Text::ChainCompleted => {
                "証明書チェーン (発行元の認証局とルート証明書) をリポジトリから取得しました。"
                    .into()
            }
            Text::ChainUnknown { source } => format!(
                "証明書チェーン (発行元の認証局とルート証明書) が分からないため、この証明書は選択できません。チェーンのファイルを指定して取り込み直してください: certrenew import --cert {} --key FILE --chain FILE",
                source.display()
            ),
            Text::ChainFetchFailed { why } => format!(
                "リポジトリから証明書チェーンを取得できませんでした: {}",
                chain_ja(why)
            ),
            Text::IssuedAndStored { serial } => format!(
                "新しい証明書 (シリアル番号 {serial}) は発行済みで、秘密鍵とともにストアに保存されています。ルート証明書を信頼できる状態にして certrenew renew を再度実行すると、新たな発行なしにインポートを完了します。"
            ),
            Text::StoredChainLater => "新しい証明書と秘密鍵はストアに保存済みです。接続を確認して certrenew renew を再度実行すると、証明書チェーンの取得から再開します。".into(),
            Text::AnswerLost => "証明書の発行要求は送信しましたが、応答を受け取れませんでした。証明書は発行済みの可能性があります。お使いの証明書はそのまま残っています。再実行して「既に証明書を取得済み」(550) と表示された場合は、証明書の再発行を申請してください。".into(),
            Text::RecoverySaved { path } => format!(
                "新しい証明書と秘密鍵は {} に保存しました。このファイルを失わないでください (certrenew import --cert/--key で取り込めます)。",
                path.display()
            ),
            Text::HostFailed { host, answered } => {
                if *answered {
                    format!("正しい応答が得られなかった接続先: {host}")
                } else {
                    format!("接続できなかった接続先: {host}")
                }
            }
            Text::Interception => "サーバー証明書を確認できませんでした。ウイルス対策ソフトなどが通信を中継 (SSL 検査) している可能性があります。".into(),
            Text::AllowConfirmationPage => {
                "確認ページ webra1.secomtrust.net (HTTPS) への通信も許可してください。".into()
            }
            Text::HostTableHeading => "通信を許可する必要がある接続先:".into(),
            Text::HostTableRow {
                host,
                ip,
                protocol,
            } => format!("  {host}  {ip}  {protocol}"),
            Text::AccessAnswered { url, ms } => format!("  {url}  応答あり ({ms} ms)"),
            Text::AccessFailed { url, kind } => {
                format!("  {url}  応答なし: {}", net_kind_short_ja(kind))
            }
            Text::Presented { serial, not_after } => {
                format!("提示した証明書: シリアル番号 {serial}  有効期間の終了 {not_after}")
            }
            Text::RememberedPresented { serial } => format!(
                "SSL 状態に記憶されていた証明書を提示しました (シリアル番号 {serial})。"
            ),
            Text::ClearSslState { dir } => format!(
                "SSL 状態のクリアを行い ({})、すべてのブラウザーを閉じてから新しく開き、再度お試しください。",
                clear_command(*dir)
            ),
            Text::RootMismatch { expected, got } => format!(
                "ルート証明書の拇印 (SHA-1) が一致しません。期待値: {expected}  実際: {got}"
            ),
            Text::RootNotInstalled => "このルート証明書はインストールしていません。通信が中継・改ざんされている可能性があります。ネットワーク環境を確認し、解決しない場合は発行元にお問い合わせください。".into(),
            Text::RootCheckThenRetry => format!(
                "ルート証明書の拇印 (SHA-1) が {MANUAL_ROOT_SHA1} (または --root-sha1 の値) であることを確認し、インストールを許可して再度実行してください (端末がない場合は --yes)。"
            ),
            Text::Detail { text } => format!("詳細: {text}"),
            Text::OutputFailed { error } => {
                format!("certrenew: 結果を出力できませんでした ({})。", io_ja(error))
            }
            Text::CommandLine { kind, arg, value } => command_line_ja(*kind, *arg, *value),
            Text::SeeHelp => "使い方は certrenew --help で確認できます。".into(),
        }
    }

    fn en(&self) -> String {
        match self {
            Text::RootQuestion { subject, sha1 } => format!(
                "about to install the root certificate of {subject}\nthumbprint (sha1): {sha1}\ninstall this certificate? (y/N): "
            ),
            Text::PasswordPrompt => "login password (as it was 28 days before the certificate's expiry): ".into(),
            Text::PassphrasePrompt => "PKCS#12 passphrase: ".into(),
            Text::PickQuestion { count } => {
                format!("number of the certificate to use (1-{count}): ")
            }
            Text::Progress(stage) => match stage {
                Stage::CheckingAccess => "working: checking access",
                Stage::LoggingIn => "working: logging in",
                Stage::Issuing => "working: issuing the certificate",
                Stage::CheckingChain => "working: checking the certificate chain",
            }
            .into(),
            Text::Identity { cert: c } => format!(
                "serial {}  notBefore {}  notAfter {}  subject {}  issuer {}",
                c.serial,
                rfc3339(c.not_before),
                rfc3339(c.not_after),
                c.subject,
                c.issuer
            ),
            Text::Candidate {
                number,
                default,
                cert,
            } => candidate(*number, *default, cert, Lang::En),
            Text::MoreCandidates { count } => format!("{count} more (--all shows them)"),
            Text::Excluded { serial, why } => format!("  (excluded) serial {serial}: {why}"),
            Text::CompletedEarlierIssuance => {
                "completed the import of the certificate issued earlier (nothing new was issued)"
                    .into()
            }
            Text::Recovered(r) => match r {
                Recovered::Adopted { serial, dir, .. } => format!(
                    "an earlier run ended before it finished storing certificate serial {serial}; it is now in the store: {}",
                    dir.display()
                ),
                Recovered::AnswerNotStored { .. } => "an earlier renewal ended after saving its new private key and before storing the certificate; that key was removed. If the next renewal ends in 550 (already obtained), the certificate was issued: apply for a reissue".into(),
                Recovered::SetAside { dir } => format!(
                    "an earlier run left data that cannot be completed; kept in {}",
                    dir.display()
                ),
                Recovered::TemporariesRemoved { count } => {
                    format!("removed {count} temporary file(s) left by earlier runs that ended early")
                }
                Recovered::Tightened { dir, mode } => format!(
                    "store directory {} had mode {mode:03o}; made 700 so that only you can read it",
                    dir.display()
                ),
            },
            Text::InterruptedAfterStore { serial } => format!(
                "interrupted: stopping once the new certificate (serial {serial}) is stored; certrenew renew again completes the import"
            ),
            Text::Presenting { cert: c } => format!(
                "certificate presented: {} (serial {}, valid until {})",
                c.subject,
                c.serial,
                rfc3339(c.not_after)
            ),
            Text::PresentedIdentity { cert: c } => format!(
                "certificate presented: {} (serial {}, valid until {}); choose another with --select SERIAL or --all",
                c.subject,
                c.serial,
                rfc3339(c.not_after)
            ),
            Text::PendingRenewal {
                serial,
                from_serial,
            } => format!(
                "the renewal of serial {from_serial} (new serial {serial}) is not completely imported yet; certrenew renew --select {from_serial} completes it"
            ),
            Text::PreviousCertificate { serial } => format!("previous certificate: serial {serial}"),
            Text::Elapsed { secs } => format!("took {secs:.2} s"),
            Text::NewCertificate { cert: c } => format!(
                "new certificate: serial {}  subject {}  issuer {}  valid {} - {}",
                c.serial,
                c.subject,
                c.issuer,
                rfc3339(c.not_before),
                rfc3339(c.not_after)
            ),
            Text::PathStatusOk => {
                "certification path status: this certificate is OK (chain to a trusted root, not revoked)".into()
            }
            Text::StoredIn { dir } => format!("stored in {}", dir.display()),
            Text::WrittenTo { path } => format!("written to {}", path.display()),
            Text::RootInstalled { sha1 } => format!("root certificate installed ({sha1})"),
            Text::RootAlreadyInstalled { sha1 } => {
                format!("root certificate already installed ({sha1})")
            }
            Text::RootAdded { subject, sha1 } => format!("{subject} (sha1: {sha1})"),
            Text::RootWasTrusted { subject, sha1 } => {
                format!("{subject} was already trusted (sha1: {sha1})")
            }
            Text::TrustedRoot {
                subject,
                sha1,
                not_after,
            } => format!("  {subject}  sha1: {sha1}  notAfter {not_after}"),
            Text::NoTrustedRoots => "  (none)".into(),
            Text::NoStoreYet { path } => format!(
                "the certificate store {} does not exist yet (certrenew import creates it)",
                path.display()
            ),
            Text::AlreadyInStore => "this certificate was already in the store".into(),
            Text::ChainCompleted => {
                "its chain (issuing CA and root) was fetched from the repositories".into()
            }
            Text::ChainUnknown { source } => format!(
                "its chain (issuing CA and root) is unknown, so it cannot be selected; import it again with its chain: certrenew import --cert {} --key FILE --chain FILE",
                source.display()
            ),
            Text::ChainFetchFailed { why } => {
                format!("its chain could not be fetched from the repositories: {why}")
            }
            Text::IssuedAndStored { serial } => format!(
                "the new certificate (serial {serial}) was issued and is stored with its key; once its root can be trusted, run certrenew renew again to complete the import (nothing new is issued)"
            ),
            Text::StoredChainLater => "the new certificate and key are already in the store; once the hosts answer, run certrenew renew again to fetch the chain (no new issuance)".into(),
            Text::AnswerLost => "the issuance request was sent but its answer never arrived: the certificate may have been issued. Your current certificate is untouched. If running again gives 550 (already obtained), apply for a reissue".into(),
            Text::RecoverySaved { path } => format!(
                "the new certificate and its key were saved to {}; keep this file (certrenew import --cert/--key reads it)",
                path.display()
            ),
            Text::HostFailed { host, answered } => {
                if *answered {
                    format!("host whose answer failed: {host}")
                } else {
                    format!("host that failed: {host}")
                }
            }
            Text::Interception => "the server's certificate could not be verified: antivirus or a proxy may be intercepting TLS".into(),
            Text::AllowConfirmationPage => {
                "also allow traffic to the confirmation page webra1.secomtrust.net (HTTPS)".into()
            }
            Text::HostTableHeading => "hosts that must be reachable:".into(),
            Text::HostTableRow {
                host,
                ip,
                protocol,
            } => format!("  {host}  {ip}  {protocol}"),
            Text::AccessAnswered { url, ms } => format!("  {url}  answered ({ms} ms)"),
            Text::AccessFailed { url, kind } => format!("  {url}  no answer: {kind}"),
            Text::Presented { serial, not_after } => {
                format!("certificate presented: serial {serial}  notAfter {not_after}")
            }
            Text::RememberedPresented { serial } => format!(
                "the certificate remembered in the SSL state was presented (serial {serial})"
            ),
            Text::ClearSslState { dir } => format!(
                "clear the SSL state ({}), close all browsers, open a new one and retry",
                clear_command(*dir)
            ),
            Text::RootMismatch { expected, got } => format!(
                "the root's SHA-1 thumbprint does not match: expected {expected}, got {got}"
            ),
            Text::RootNotInstalled => "nothing was trusted: the connection may be intercepted or the server is not the vendor's; check the network and, if it persists, contact the CA".into(),
            Text::RootCheckThenRetry => format!(
                "check that the root's SHA-1 thumbprint is {MANUAL_ROOT_SHA1} (or the --root-sha1 value), then run again and accept it (--yes without a terminal)"
            ),
            Text::Detail { text } => format!("detail: {text}"),
            Text::OutputFailed { error } => format!("certrenew: writing the result failed: {error}"),
            Text::CommandLine { kind, arg, value } => {
                let mut s = format!(
                    "the command line cannot be read ({})",
                    kind.as_str().unwrap_or("unknown error")
                );
                if let Some(a) = arg {
                    s.push_str(&format!(": {a}"));
                }
                if let Some(v) = value {
                    s.push_str(&format!(" {v}"));
                }
                s
            }
            Text::SeeHelp => "certrenew --help explains the usage".into(),
        }
    }

    /// What went wrong, for the detail line: the English form is the
    /// error's own (technical) text; the Japanese one is written here.
    pub fn describe(e: &Error, lang: Lang) -> String {
        match lang {
            Lang::En => e.to_string(),
            Lang::Ja => describe_ja(e),
        }
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

fn candidate(number: usize, default: bool, cert: &CertFacts, lang: Lang) -> String {
    let mark = if default { "*" } else { " " };
    format!("{mark} [{number}] {}", Text::Identity { cert }.render(lang))
}

fn clear_command(dir: Option<&Path>) -> String {
    match dir {
        Some(d) => format!(
            "certrenew verify --ssl-state {} --clear-ssl-state",
            d.display()
        ),
        None => "certrenew verify --ssl-state DIR --clear-ssl-state".into(),
    }
}

fn describe_ja(e: &Error) -> String {
    match e {
        Error::Usage(u) => usage_ja(u),
        Error::Net(n) => net_ja(n),
        Error::AnswerLost(n) => format!(
            "証明書の発行要求に対する応答を受け取れませんでした。{}",
            net_ja(n)
        ),
        Error::Refused { host, status, .. } => {
            format!("{host} が要求を受け付けませんでした (HTTP {status})。")
        }
        Error::NoCertificate(nc) => no_certificate_ja(nc),
        Error::Store(se) => store_ja(se),
        Error::NotStored { serial, source, .. } => format!(
            "新しい証明書 (シリアル番号 {serial}) をストアに保存できませんでした。{}",
            store_ja(source)
        ),
        Error::Input { path, problem } => format!("{}: {}。", path.display(), input_ja(problem)),
        Error::Chain { serial, source } => format!(
            "新しい証明書 (シリアル番号 {serial}) はストアに保存しましたが、証明書チェーンを確認できませんでした。{}",
            chain_ja(source)
        ),
        Error::Root(r) | Error::RootAfterIssuance { refused: r, .. } => root_ja(r),
        Error::Confirm(c) => confirm_ja(c),
        Error::Internal(_) => "予期しないエラーが発生しました (技術的な内容は --output json の details.error に出力されます)。".into(),
    }
}

fn usage_ja(u: &Usage) -> String {
    match u {
        Usage::NoTerminal { flag } => format!(
            "標準入力が端末ではありません。{flag} を指定し、標準入力に 1 行で入力してください。"
        ),
        Usage::ReadStdin(_) => "標準入力を読み取れませんでした。".into(),
        Usage::ReadTerminal(_) => "端末から入力を読み取れませんでした。".into(),
        Usage::EmptyPassword => "パスワードが空です。".into(),
        Usage::EmptyPassphrase => "パスフレーズが空です。パスフレーズのない PKCS#12 ファイルでは秘密鍵が保護されません。".into(),
        Usage::AllNeedsTerminal => "--all は一覧から証明書を選ぶため端末が必要です。端末がない場合は --select SERIAL で指定してください。".into(),
        Usage::ServerCa { path, .. } => format!(
            "--server-ca {} からサーバーのルート証明書 (PEM 形式) を読み取れません。",
            path.display()
        ),
        Usage::NoStoreDir => "--store が指定されておらず、既定のストアの場所 (ホームディレクトリ) も分かりません。".into(),
        Usage::OutExists(p) => format!(
            "{} は既に存在します。--out に別のファイル名を指定してください。",
            p.display()
        ),
        Usage::ImportNeedsFiles => {
            "--p12 FILE、または --cert FILE と --key FILE を指定してください。".into()
        }
        Usage::KeyType { listed, asked, old } => {
            let listed = listed.join(", ");
            match (asked, old) {
                (Some(k), _) => format!(
                    "認証局が署名する鍵の種類は {listed} です。--key-type {k} は使用できません。"
                ),
                (None, Some(k)) => format!(
                    "認証局が署名する鍵の種類は {listed} で、現在の鍵の種類 {k} は含まれていません。鍵の種類を変えて更新する場合は --key-type で指定してください。"
                ),
                (None, None) => {
                    format!("認証局が署名する鍵の種類 ({listed}) のいずれも作成できません。")
                }
            }
        }
    }
}

fn net_ja(n: &NetError) -> String {
    let target = if n.url.is_empty() {
        "接続先".to_owned()
    } else {
        n.url.clone()
    };
    match &n.kind {
        NetErrorKind::Connect(_) => format!("{target} に接続できませんでした。"),
        NetErrorKind::Unresolved { name, .. } => {
            format!("{target} に接続できませんでした (接続先の名前 {name} を解決できません)。")
        }
        NetErrorKind::Timeout(_) => format!("{target} から時間内に応答がありませんでした。"),
        NetErrorKind::Tls { .. } => {
            format!("{target} との暗号化通信 (TLS) を確立できませんでした。")
        }
        NetErrorKind::Status(s) => {
            format!("{target} から想定外の応答 (HTTP {s}) が返されました。")
        }
        NetErrorKind::Body(_) => format!("{target} からの応答の内容を読み取れませんでした。"),
        NetErrorKind::TooLarge(l) => format!(
            "{target} からの応答が大きすぎるため、読み取りを中止しました ({} の上限 {} バイト)。",
            limit_ja(*l),
            l.bytes()
        ),
        NetErrorKind::Dropped(_) => format!("{target} との接続が応答の途中で切れました。"),
        NetErrorKind::Setup(_) => format!(
            "{target} への要求を送信できませんでした。--proxy、--server-ca、環境変数 HTTPS_PROXY などの接続設定を確認してください。"
        ),
    }
}

fn limit_ja(l: Limit) -> &'static str {
    match l {
        Limit::Json => "JSON の応答",
        Limit::Certificate => "CA 証明書",
        Limit::Crl => "CRL",
        Limit::ConfirmationPage => "確認ページ",
        Limit::Page => "ページ",
    }
}

fn net_kind_short_ja(kind: &NetErrorKind) -> String {
    match kind {
        NetErrorKind::Connect(_) => "接続できません".into(),
        NetErrorKind::Unresolved { name, .. } => format!("名前 {name} を解決できません"),
        NetErrorKind::Timeout(_) => "時間内に応答がありません".into(),
        NetErrorKind::Tls { .. } => "暗号化通信 (TLS) を確立できません".into(),
        NetErrorKind::Status(s) => format!("想定外の応答 (HTTP {s})"),
        NetErrorKind::Body(_) => "応答の内容を読み取れません".into(),
        NetErrorKind::TooLarge(l) => {
            format!(
                "応答が大きすぎます ({} の上限 {} バイト)",
                limit_ja(*l),
                l.bytes()
            )
        }
        NetErrorKind::Dropped(_) => "応答の途中で接続が切れました".into(),
        NetErrorKind::Setup(_) => "要求を送信できません (接続設定を確認してください)".into(),
    }
}

fn io_ja(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "見つかりません",
        K::PermissionDenied => "アクセスが拒否されました",
        K::AlreadyExists => "既に存在します",
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => "ディスクの空き容量が不足しています",
        K::ReadOnlyFilesystem => "読み取り専用です",
        K::NotADirectory => "ディレクトリではありません",
        K::IsADirectory => "ディレクトリです",
        K::BrokenPipe => "出力先が閉じられました",
        _ => "入出力エラーが発生しました",
    }
}

fn store_ja(se: &StoreError) -> String {
    match se {
        StoreError::Io { path, source } => format!(
            "{} を読み書きできませんでした ({})。",
            path.display(),
            io_ja(source)
        ),
        StoreError::Busy { waited, .. } => format!(
            "ストアは別の certrenew が使用中です ({} 秒待ちました)。",
            waited.as_secs()
        ),
        StoreError::Unreadable { path, source } => format!(
            "{} を読み取れませんでした ({})。",
            path.display(),
            cert_ja(source)
        ),
        StoreError::Exists(id) => format!("証明書 {id} は既にストアにあります。"),
        StoreError::KeyMismatch(serial) => {
            format!("秘密鍵がシリアル番号 {serial} の証明書のものではありません。")
        }
        StoreError::Missing(p) => format!("証明書ストア {} がありません。", p.display()),
        StoreError::Unfinished { dir, .. } => format!(
            "前回の処理が途中で終了して残った {} は、証明書として完成できないため保管してあります。",
            dir.display()
        ),
    }
}

fn cert_ja(ce: &CertError) -> &'static str {
    match ce {
        CertError::Certificate(_) => "X.509 証明書として読み取れません",
        CertError::NoPem(_) => "PEM 形式のデータが見つかりません",
        CertError::Key(_) => "秘密鍵を読み取れないか、対応していない形式です",
    }
}

fn input_ja(p: &InputProblem) -> String {
    match p {
        InputProblem::Read(_) => "ファイルを読み取れません".into(),
        InputProblem::NotPkcs12(_) => "PKCS#12 ファイルではないか、パスフレーズが違います".into(),
        InputProblem::NoKey => "秘密鍵が含まれていません".into(),
        InputProblem::Cert(ce) => cert_ja(ce).into(),
        InputProblem::NoCertificate => "証明書 (CERTIFICATE ブロック) が含まれていません".into(),
        InputProblem::BadBlock { block, why } => {
            format!(
                "{block} 番目の証明書ブロックを読み取れません ({})",
                cert_ja(why)
            )
        }
        InputProblem::NoMatchingCertificate => "秘密鍵に対応する証明書がありません".into(),
        InputProblem::NotOneCertificate(n) => {
            format!("証明書がちょうど 1 つ必要ですが、{n} 個あります")
        }
        InputProblem::NotRoot { subject, issuer } => {
            format!("{subject} はルート証明書ではありません (発行者: {issuer})")
        }
        InputProblem::NotCa { subject } => format!(
            "{subject} は認証局の証明書ではありません (基本制約 (basicConstraints) で認証局とされていません)"
        ),
    }
}

fn no_certificate_ja(nc: &NoCertificate) -> String {
    match nc {
        NoCertificate::NoStore { path, .. } => {
            format!("証明書ストア {} がありません。", path.display())
        }
        NoCertificate::EmptyStore => "ストアに証明書がありません。".into(),
        NoCertificate::NoCandidate { reasons } => format!(
            "ストアにある {} 件の証明書は、いずれも使用できません。",
            reasons.len()
        ),
        NoCertificate::SerialNotFound(s) => {
            format!("シリアル番号 {s} の証明書はストアにありません。")
        }
        NoCertificate::Ineligible { serial, why } => format!(
            "シリアル番号 {serial} の証明書は使用できません ({})。",
            ineligible_ja(why)
        ),
        NoCertificate::NotChosen => "一覧から証明書が選択されませんでした。".into(),
    }
}

fn ineligible_ja(why: &Ineligible) -> String {
    match why {
        Ineligible::ForeignCa { accepted } => {
            format!("接続先が受け付ける認証局 ({accepted}) の証明書ではありません")
        }
        Ineligible::ExpiredTooLong { days, not_after } => format!(
            "有効期間の終了 ({not_after}) から {days} 日経過しています。90 日以上経過した証明書は更新できません"
        ),
        Ineligible::ChainUnknown => {
            "証明書チェーン (発行元の認証局とルート証明書) が不明なため、接続先が受け付ける証明書か判断できません".into()
        }
        Ineligible::Unfinished { dir, .. } => format!(
            "前回の処理が途中で終了して残った {dir} は、証明書と秘密鍵がそろわないため完成できません (削除せずに保管しています)"
        ),
        Ineligible::Unreadable { file, problem } => match problem {
            Some(p) => format!("ストアにあるファイル {file} を読み取れません ({})", cert_ja(p)),
            None => format!("ストアにあるファイル {file} を読み取れません"),
        },
    }
}

fn chain_ja(ce: &ChainError) -> String {
    match ce {
        ChainError::Net(n) => net_ja(n),
        ChainError::NoIssuerUrl { subject } => {
            format!("{subject} には発行元の証明書の取得先 (AIA) がありません。")
        }
        ChainError::NoCrlUrl { subject } => {
            format!("{subject} には CRL の配布ポイントがありません。")
        }
        ChainError::TooLong => "ルート証明書までの証明書チェーンが長すぎます。".into(),
        ChainError::Invalid { at, problem } => format!(
            "{at} の時点で証明書チェーンを検証できません ({})。",
            path_problem_ja(problem)
        ),
        ChainError::Cert(c) => format!("証明書を読み取れません ({})。", cert_ja(c)),
    }
}

fn path_problem_ja(p: &PathProblem) -> &'static str {
    match p {
        PathProblem::Expired => "有効期間が終了した証明書があります",
        PathProblem::NotYetValid => "有効期間がまだ始まっていない証明書があります",
        PathProblem::Revoked => "失効した証明書があります",
        PathProblem::RevocationUnknown => "失効状態を確認できない証明書があります",
        PathProblem::CrlExpired => "有効期限の切れた CRL があります",
        PathProblem::UnknownIssuer => "ルート証明書につながりません",
        PathProblem::BadSignature => "署名を検証できません",
        PathProblem::NotForClientAuth => "クライアント認証用の証明書ではありません",
        PathProblem::NoRoot => "ルート証明書がありません",
        PathProblem::Unusable(_) => "使用できない証明書または CRL があります",
    }
}

fn root_ja(r: &RootRefused) -> String {
    match r {
        RootRefused::Mismatch {
            expected,
            got,
            subject,
        } => format!(
            "ルート証明書 {subject} の拇印 (sha1) {got} が、確認すべき拇印 {expected} と一致しません。"
        ),
        RootRefused::Declined { got, subject } => format!(
            "ルート証明書 {subject} (拇印 (sha1): {got}) のインストールが許可されませんでした。"
        ),
        RootRefused::NotAsked { got, subject } => format!(
            "ルート証明書 {subject} (拇印 (sha1): {got}) はまだ信頼されていません。端末がないため、インストールしてよいか確認できませんでした。"
        ),
    }
}

fn confirm_ja(c: &NotConfirmed) -> String {
    match c {
        NotConfirmed::NoIdentity { host, why } => format!(
            "{host} に提示できる証明書がありません。{}",
            no_certificate_ja(why)
        ),
        NotConfirmed::Unreachable(n) => net_ja(n),
        NotConfirmed::Page { url, status } => format!(
            "{url} は証明書が有効であることを示すページを返しませんでした (HTTP {status})。"
        ),
    }
}

fn command_line_ja(kind: clap::error::ErrorKind, arg: Option<&str>, value: Option<&str>) -> String {
    use clap::error::ErrorKind as K;
    let arg = arg.unwrap_or("");
    let value = value.unwrap_or("");
    match kind {
        K::InvalidValue | K::ValueValidation => {
            format!("{arg} の値「{value}」は使用できません。")
        }
        K::UnknownArgument => format!("{arg} というオプションはありません。"),
        K::InvalidSubcommand => format!("{value} というコマンドはありません。"),
        K::NoEquals => format!("{arg} には = で値を付けてください。"),
        K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => {
            format!("{arg} の値の数が正しくありません。")
        }
        K::ArgumentConflict if !value.is_empty() => {
            format!("{arg} と {value} は同時に指定できません。")
        }
        K::ArgumentConflict => format!("{arg} は、ほかに指定したオプションと同時には使えません。"),
        K::MissingRequiredArgument => format!("必要な指定がありません: {arg}"),
        K::MissingSubcommand | K::DisplayHelpOnMissingArgumentOrSubcommand => {
            "コマンド (renew、list、check、verify、import、export、roots) を指定してください。"
                .into()
        }
        K::InvalidUtf8 => "UTF-8 として読めない引数があります。".into(),
        _ => "コマンドの指定を読み取れませんでした。".into(),
    }
}
