//! Every customer-facing line other than the class message and the error
//! details ([`super::details`]): progress, prompts, the dialog's lines,
//! what was stored and fetched. Each line's Japanese sits beside its
//! English; host names, URLs, serials, paths, HTTP status numbers,
//! thumbprints, flags and commands stay as they are in both.

use std::path::Path;

use super::details::io;
use super::net::net_kind;
use super::selection::ineligible;
use super::verdicts::chain;
use crate::cert::CertFacts;
use crate::clock::rfc3339;
use crate::messages::lang::Lang;
use crate::messages::text::{Stage, Text};
use crate::store::Recovered;
use crate::trust::MANUAL_ROOT_SHA1;

impl Text<'_> {
    /// The text in `lang`: each line's Japanese and English side by side.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Text::RootQuestion { subject, sha1 } => match lang {
                Lang::Ja => format!(
                    "発行者 {subject} のルート証明書をインストールしようとしています。\n拇印 (sha1): {sha1}\nこの証明書をインストールしますか? (y/N): "
                ),
                Lang::En => format!(
                    "about to install the root certificate of {subject}\nthumbprint (sha1): {sha1}\ninstall this certificate? (y/N): "
                ),
            },
            Text::PasswordPrompt => match lang {
                Lang::Ja => "ログインパスワード (電子証明書有効期限 28 日前時点のもの): ".into(),
                Lang::En => "login password (as it was 28 days before the certificate's expiry): ".into(),
            },
            Text::PassphrasePrompt => match lang {
                Lang::Ja => "PKCS#12 のパスフレーズ: ".into(),
                Lang::En => "PKCS#12 passphrase: ".into(),
            },
            Text::PickQuestion { count } => match lang {
                Lang::Ja => {
                    format!("使用する証明書の番号を入力してください (1-{count}): ")
                }
                Lang::En => {
                    format!("number of the certificate to use (1-{count}): ")
                }
            },
            Text::Progress(stage) => match (stage, lang) {
                (Stage::CheckingAccess, Lang::Ja) => "処理中: アクセスを確認しています",
                (Stage::CheckingAccess, Lang::En) => "working: checking access",
                (Stage::LoggingIn, Lang::Ja) => "処理中: ログインしています",
                (Stage::LoggingIn, Lang::En) => "working: logging in",
                (Stage::Issuing, Lang::Ja) => "処理中: 証明書を発行しています",
                (Stage::Issuing, Lang::En) => "working: issuing the certificate",
                (Stage::CheckingChain, Lang::Ja) => "処理中: 証明書チェーンを確認しています",
                (Stage::CheckingChain, Lang::En) => "working: checking the certificate chain",
            }
            .into(),
            Text::Identity { cert: c } => match lang {
                Lang::Ja => format!(
                    "シリアル番号 {}  有効期間の開始 {}  有効期間の終了 {}  発行先 {}  発行者 {}",
                    c.serial,
                    rfc3339(c.not_before),
                    rfc3339(c.not_after),
                    c.subject,
                    c.issuer
                ),
                Lang::En => format!(
                    "serial {}  notBefore {}  notAfter {}  subject {}  issuer {}",
                    c.serial,
                    rfc3339(c.not_before),
                    rfc3339(c.not_after),
                    c.subject,
                    c.issuer
                ),
            },
            Text::Candidate {
                number,
                default,
                cert,
            } => candidate(*number, *default, cert, lang),
            Text::MoreCandidates { count } => match lang {
                Lang::Ja => {
                    format!("ほかに {count} 件あります (--all で表示)。")
                }
                Lang::En => format!("{count} more (--all shows them)"),
            },
            Text::Excluded { serial, why } => match lang {
                Lang::Ja => {
                    format!("  (対象外) シリアル番号 {serial}: {}", ineligible(why, Lang::Ja))
                }
                Lang::En => format!("  (excluded) serial {serial}: {why}"),
            },
            Text::CompletedEarlierIssuance => match lang {
                Lang::Ja => {
                    "前回発行された証明書のインポートを完了しました (新たな発行は行っていません)。".into()
                }
                Lang::En => {
                    "completed the import of the certificate issued earlier (nothing new was issued)"
                        .into()
                }
            },
            Text::Recovered(r) => match (r, lang) {
                (Recovered::Adopted { serial, dir, .. }, Lang::Ja) => format!(
                    "前回の処理が途中で終了したため、保存が完了していなかった証明書 (シリアル番号 {serial}) をストアに追加しました: {}",
                    dir.display()
                ),
                (Recovered::Adopted { serial, dir, .. }, Lang::En) => format!(
                    "an earlier run ended before it finished storing certificate serial {serial}; it is now in the store: {}",
                    dir.display()
                ),
                (Recovered::AnswerNotStored { .. }, Lang::Ja) => "前回の更新は、新しい秘密鍵を保存した後、証明書を保存する前に終了しました。その秘密鍵は削除しました。次の更新で 550 (既に証明書を取得済み) となる場合は、証明書が発行されていますので、証明書の再発行を申請してください。".into(),
                (Recovered::AnswerNotStored { .. }, Lang::En) => "an earlier renewal ended after saving its new private key and before storing the certificate; that key was removed. If the next renewal ends in 550 (already obtained), the certificate was issued: apply for a reissue".into(),
                (Recovered::SetAside { dir }, Lang::Ja) => format!(
                    "前回の処理が途中で終了して残ったデータを完成できないため、{} に保管しました。",
                    dir.display()
                ),
                (Recovered::SetAside { dir }, Lang::En) => format!(
                    "an earlier run left data that cannot be completed; kept in {}",
                    dir.display()
                ),
                (Recovered::TemporariesRemoved { count }, Lang::Ja) => {
                    format!("前回の処理が途中で終了して残った一時ファイル {count} 個を削除しました。")
                }
                (Recovered::TemporariesRemoved { count }, Lang::En) => {
                    format!("removed {count} temporary file(s) left by earlier runs that ended early")
                }
                (Recovered::Tightened { dir, mode }, Lang::Ja) => format!(
                    "ストアのディレクトリ {} のアクセス権を {mode:03o} から 700 に変更しました (本人以外が読めないようにするため)。",
                    dir.display()
                ),
                (Recovered::Tightened { dir, mode }, Lang::En) => format!(
                    "store directory {} had mode {mode:03o}; made 700 so that only you can read it",
                    dir.display()
                ),
            },
            Text::InterruptedAfterStore { serial } => match lang {
                Lang::Ja => format!(
                    "中断の指示を受けたため、新しい証明書 (シリアル番号 {serial}) を保存してから終了します。certrenew renew を再度実行するとインポートを完了します。"
                ),
                Lang::En => format!(
                    "interrupted: stopping once the new certificate (serial {serial}) is stored; certrenew renew again completes the import"
                ),
            },
            Text::Presenting { cert: c } => match lang {
                Lang::Ja => format!(
                    "使用する証明書: {} (シリアル番号 {}、有効期間の終了 {})",
                    c.subject,
                    c.serial,
                    rfc3339(c.not_after)
                ),
                Lang::En => format!(
                    "certificate presented: {} (serial {}, valid until {})",
                    c.subject,
                    c.serial,
                    rfc3339(c.not_after)
                ),
            },
            Text::PresentedIdentity { cert: c } => match lang {
                Lang::Ja => format!(
                    "使用した証明書: {} (シリアル番号 {}、有効期間の終了 {})。別の証明書を使う場合は --select SERIAL または --all で選択してください。",
                    c.subject,
                    c.serial,
                    rfc3339(c.not_after)
                ),
                Lang::En => format!(
                    "certificate presented: {} (serial {}, valid until {}); choose another with --select SERIAL or --all",
                    c.subject,
                    c.serial,
                    rfc3339(c.not_after)
                ),
            },
            Text::PendingRenewal {
                serial,
                from_serial,
            } => match lang {
                Lang::Ja => format!(
                    "シリアル番号 {from_serial} の証明書を更新した証明書 (シリアル番号 {serial}) のインポートが完了していません。certrenew renew --select {from_serial} を実行すると完了します。"
                ),
                Lang::En => format!(
                    "the renewal of serial {from_serial} (new serial {serial}) is not completely imported yet; certrenew renew --select {from_serial} completes it"
                ),
            },
            Text::PreviousCertificate { serial } => match lang {
                Lang::Ja => {
                    format!("更新前の証明書: シリアル番号 {serial}")
                }
                Lang::En => format!("previous certificate: serial {serial}"),
            },
            Text::Elapsed { secs } => match lang {
                Lang::Ja => format!("所要時間: {secs:.2} 秒"),
                Lang::En => format!("took {secs:.2} s"),
            },
            Text::NewCertificate { cert: c } => match lang {
                Lang::Ja => format!(
                    "新しい証明書: シリアル番号 {}  発行先 {}  発行者 {}  有効期間 {} - {}",
                    c.serial,
                    c.subject,
                    c.issuer,
                    rfc3339(c.not_before),
                    rfc3339(c.not_after)
                ),
                Lang::En => format!(
                    "new certificate: serial {}  subject {}  issuer {}  valid {} - {}",
                    c.serial,
                    c.subject,
                    c.issuer,
                    rfc3339(c.not_before),
                    rfc3339(c.not_after)
                ),
            },
            Text::PathStatusOk => match lang {
                Lang::Ja => "証明のパスの状態: この証明書は問題ありません。".into(),
                Lang::En => {
                    "certification path status: this certificate is OK (chain to a trusted root, not revoked)".into()
                }
            },
            Text::StoredIn { dir } => match lang {
                Lang::Ja => format!("保存先: {}", dir.display()),
                Lang::En => format!("stored in {}", dir.display()),
            },
            Text::WrittenTo { path } => match lang {
                Lang::Ja => format!("出力先: {}", path.display()),
                Lang::En => format!("written to {}", path.display()),
            },
            Text::RootInstalled { sha1 } => match lang {
                Lang::Ja => {
                    format!("ルート証明書をインストールしました (拇印 {sha1})。")
                }
                Lang::En => format!("root certificate installed ({sha1})"),
            },
            Text::RootAlreadyInstalled { sha1 } => match lang {
                Lang::Ja => {
                    format!("ルート証明書はインストール済みです (拇印 {sha1})。")
                }
                Lang::En => {
                    format!("root certificate already installed ({sha1})")
                }
            },
            Text::RootAdded { subject, sha1 } => match lang {
                Lang::Ja => format!("{subject} (拇印 (sha1): {sha1})"),
                Lang::En => format!("{subject} (sha1: {sha1})"),
            },
            Text::RootWasTrusted { subject, sha1 } => match lang {
                Lang::Ja => {
                    format!("{subject} はすでに信頼されています (拇印 (sha1): {sha1})。")
                }
                Lang::En => {
                    format!("{subject} was already trusted (sha1: {sha1})")
                }
            },
            Text::TrustedRoot {
                subject,
                sha1,
                not_after,
            } => match lang {
                Lang::Ja => format!("  {subject}  拇印 (sha1): {sha1}  有効期間の終了 {not_after}"),
                Lang::En => format!("  {subject}  sha1: {sha1}  notAfter {not_after}"),
            },
            Text::NoTrustedRoots => match lang {
                Lang::Ja => "  (なし)".into(),
                Lang::En => "  (none)".into(),
            },
            Text::NoStoreYet { path } => match lang {
                Lang::Ja => format!(
                    "証明書ストア {} はまだ作成されていません (certrenew import で作成されます)。",
                    path.display()
                ),
                Lang::En => format!(
                    "the certificate store {} does not exist yet (certrenew import creates it)",
                    path.display()
                ),
            },
            Text::AlreadyInStore => match lang {
                Lang::Ja => "この証明書は既にストアにあります。".into(),
                Lang::En => "this certificate was already in the store".into(),
            },
            Text::ChainCompleted => match lang {
                Lang::Ja => {
                    "証明書チェーン (発行元の認証局とルート証明書) をリポジトリから取得しました。"
                        .into()
                }
                Lang::En => {
                    "its chain (issuing CA and root) was fetched from the repositories".into()
                }
            },
            Text::ChainUnknown { source } => match lang {
                Lang::Ja => format!(
                    "証明書チェーン (発行元の認証局とルート証明書) が分からないため、この証明書は選択できません。チェーンのファイルを指定して取り込み直してください: certrenew import --cert {} --key FILE --chain FILE",
                    source.display()
                ),
                Lang::En => format!(
                    "its chain (issuing CA and root) is unknown, so it cannot be selected; import it again with its chain: certrenew import --cert {} --key FILE --chain FILE",
                    source.display()
                ),
            },
            Text::ChainFetchFailed { why } => match lang {
                Lang::Ja => format!(
                    "リポジトリから証明書チェーンを取得できませんでした: {}",
                    chain(why, Lang::Ja)
                ),
                Lang::En => {
                    format!("its chain could not be fetched from the repositories: {why}")
                }
            },
            Text::IssuedAndStored { serial } => match lang {
                Lang::Ja => format!(
                    "新しい証明書 (シリアル番号 {serial}) は発行済みで、秘密鍵とともにストアに保存されています。ルート証明書を信頼できる状態にして certrenew renew を再度実行すると、新たな発行なしにインポートを完了します。"
                ),
                Lang::En => format!(
                    "the new certificate (serial {serial}) was issued and is stored with its key; once its root can be trusted, run certrenew renew again to complete the import (nothing new is issued)"
                ),
            },
            Text::StoredChainLater => match lang {
                Lang::Ja => "新しい証明書と秘密鍵はストアに保存済みです。接続を確認して certrenew renew を再度実行すると、証明書チェーンの取得から再開します。".into(),
                Lang::En => "the new certificate and key are already in the store; once the hosts answer, run certrenew renew again to fetch the chain (no new issuance)".into(),
            },
            Text::AnswerLost => match lang {
                Lang::Ja => "証明書の発行要求は送信しましたが、応答を受け取れませんでした。証明書は発行済みの可能性があります。お使いの証明書はそのまま残っています。再実行して「既に証明書を取得済み」(550) と表示された場合は、証明書の再発行を申請してください。".into(),
                Lang::En => "the issuance request was sent but its answer never arrived: the certificate may have been issued. Your current certificate is untouched. If running again gives 550 (already obtained), apply for a reissue".into(),
            },
            Text::RecoverySaved { path } => match lang {
                Lang::Ja => format!(
                    "新しい証明書と秘密鍵は {} に保存しました。このファイルを失わないでください (certrenew import --cert/--key で取り込めます)。",
                    path.display()
                ),
                Lang::En => format!(
                    "the new certificate and its key were saved to {}; keep this file (certrenew import --cert/--key reads it)",
                    path.display()
                ),
            },
            Text::HostFailed { host, answered } => match lang {
                Lang::Ja => {
                    if *answered {
                        format!("正しい応答が得られなかった接続先: {host}")
                    } else {
                        format!("接続できなかった接続先: {host}")
                    }
                }
                Lang::En => {
                    if *answered {
                        format!("host whose answer failed: {host}")
                    } else {
                        format!("host that failed: {host}")
                    }
                }
            },
            Text::Interception => match lang {
                Lang::Ja => "サーバー証明書を確認できませんでした。ウイルス対策ソフトなどが通信を中継 (SSL 検査) している可能性があります。".into(),
                Lang::En => "the server's certificate could not be verified: antivirus or a proxy may be intercepting TLS".into(),
            },
            Text::AllowConfirmationPage => match lang {
                Lang::Ja => {
                    "確認ページ webra1.secomtrust.net (HTTPS) への通信も許可してください。".into()
                }
                Lang::En => {
                    "also allow traffic to the confirmation page webra1.secomtrust.net (HTTPS)".into()
                }
            },
            Text::HostTableHeading => match lang {
                Lang::Ja => "通信を許可する必要がある接続先:".into(),
                Lang::En => "hosts that must be reachable:".into(),
            },
            // The same in both languages: data, not words.
            Text::HostTableRow {
                host,
                ip,
                protocol,
            } => format!("  {host}  {ip}  {protocol}"),
            Text::AccessAnswered { url, ms } => match lang {
                Lang::Ja => format!("  {url}  応答あり ({ms} ms)"),
                Lang::En => format!("  {url}  answered ({ms} ms)"),
            },
            Text::AccessFailed { url, kind } => match lang {
                Lang::Ja => {
                    format!("  {url}  応答なし: {}", net_kind(kind, Lang::Ja))
                }
                Lang::En => format!("  {url}  no answer: {kind}"),
            },
            Text::Presented { serial, not_after } => match lang {
                Lang::Ja => {
                    format!("提示した証明書: シリアル番号 {serial}  有効期間の終了 {not_after}")
                }
                Lang::En => {
                    format!("certificate presented: serial {serial}  notAfter {not_after}")
                }
            },
            Text::RememberedPresented { serial } => match lang {
                Lang::Ja => format!(
                    "SSL 状態に記憶されていた証明書を提示しました (シリアル番号 {serial})。"
                ),
                Lang::En => format!(
                    "the certificate remembered in the SSL state was presented (serial {serial})"
                ),
            },
            Text::ClearSslState { dir } => match lang {
                Lang::Ja => format!(
                    "SSL 状態のクリアを行い ({})、すべてのブラウザーを閉じてから新しく開き、再度お試しください。",
                    clear_command(*dir)
                ),
                Lang::En => format!(
                    "clear the SSL state ({}), close all browsers, open a new one and retry",
                    clear_command(*dir)
                ),
            },
            Text::RootMismatch { expected, got } => match lang {
                Lang::Ja => format!(
                    "ルート証明書の拇印 (SHA-1) が一致しません。期待値: {expected}  実際: {got}"
                ),
                Lang::En => format!(
                    "the root's SHA-1 thumbprint does not match: expected {expected}, got {got}"
                ),
            },
            Text::RootNotInstalled => match lang {
                Lang::Ja => "このルート証明書はインストールしていません。通信が中継・改ざんされている可能性があります。ネットワーク環境を確認し、解決しない場合は発行元にお問い合わせください。".into(),
                Lang::En => "nothing was trusted: the connection may be intercepted or the server is not the vendor's; check the network and, if it persists, contact the CA".into(),
            },
            Text::RootCheckThenRetry => match lang {
                Lang::Ja => format!(
                    "ルート証明書の拇印 (SHA-1) が {MANUAL_ROOT_SHA1} (または --root-sha1 の値) であることを確認し、インストールを許可して再度実行してください (端末がない場合は --yes)。"
                ),
                Lang::En => format!(
                    "check that the root's SHA-1 thumbprint is {MANUAL_ROOT_SHA1} (or the --root-sha1 value), then run again and accept it (--yes without a terminal)"
                ),
            },
            Text::Detail { text } => match lang {
                Lang::Ja => format!("詳細: {text}"),
                Lang::En => format!("detail: {text}"),
            },
            Text::OutputFailed { error } => match lang {
                Lang::Ja => {
                    format!("certrenew: 結果を出力できませんでした ({})。", io(error, Lang::Ja))
                }
                Lang::En => format!("certrenew: writing the result failed: {error}"),
            },
            Text::CommandLine { kind, arg, value } => match lang {
                Lang::Ja => command_line_ja(*kind, *arg, *value),
                Lang::En => {
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
            },
            Text::SeeHelp => match lang {
                Lang::Ja => "使い方は certrenew --help で確認できます。".into(),
                Lang::En => "certrenew --help explains the usage".into(),
            },
        }
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
