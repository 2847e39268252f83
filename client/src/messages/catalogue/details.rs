//! The details of the errors of the command line, the store and the files
//! given: each variant's Japanese beside its English.

use super::cert::cert;
use super::net::net;
use super::selection::no_certificate;
use super::verdicts::{chain, confirm, root};
use crate::error::{Error, InputProblem, Usage};
use crate::messages::lang::Lang;
use crate::store::StoreError;

/// The detail line's text for `e`.
pub fn error(e: &Error, lang: Lang) -> String {
    match (e, lang) {
        (Error::Usage(u), _) => usage(u, lang),
        (Error::Net(n), _) => net(n, lang),
        (Error::AnswerLost(n), Lang::Ja) => format!(
            "証明書の発行要求に対する応答を受け取れませんでした。{}",
            net(n, lang)
        ),
        (Error::AnswerLost(n), Lang::En) => format!(
            "the answer to the issuance request was lost: {}",
            net(n, lang)
        ),
        (Error::Refused { host, status, .. }, Lang::Ja) => {
            format!("{host} が要求を受け付けませんでした (HTTP {status})。")
        }
        (
            Error::Refused {
                host,
                status,
                class,
            },
            Lang::En,
        ) => format!("{host} answered {status} {class}"),
        (Error::NoCertificate(nc), _) => no_certificate(nc, lang),
        (Error::Store(se), _) => store(se, lang),
        (Error::NotStored { serial, source, .. }, Lang::Ja) => format!(
            "新しい証明書 (シリアル番号 {serial}) をストアに保存できませんでした。{}",
            store(source, lang)
        ),
        (
            Error::NotStored {
                serial,
                source,
                recovery,
            },
            Lang::En,
        ) => format!(
            "the new certificate {serial} could not be stored ({}); {}",
            store(source, lang),
            match recovery {
                Some(p) => format!("it was saved to {}", p.display()),
                None => "it could not be saved anywhere else either".to_owned(),
            }
        ),
        (Error::Input { path, problem }, Lang::Ja) => {
            format!("{}: {}。", path.display(), input(problem, lang))
        }
        (Error::Input { path, problem }, Lang::En) => {
            format!("{}: {}", path.display(), input(problem, lang))
        }
        (Error::Chain { serial, source }, Lang::Ja) => format!(
            "新しい証明書 (シリアル番号 {serial}) はストアに保存しましたが、証明書チェーンを確認できませんでした。{}",
            chain(source, lang)
        ),
        (Error::Chain { serial, source }, Lang::En) => format!(
            "the new certificate {serial} is stored, but its chain is not: {}",
            chain(source, lang)
        ),
        (Error::Root(r), _) => root(r, lang),
        (Error::RootAfterIssuance { refused, .. }, Lang::Ja) => root(refused, lang),
        (Error::RootAfterIssuance { serial, refused }, Lang::En) => format!(
            "the new certificate {serial} is issued and stored, but {}",
            root(refused, lang)
        ),
        (Error::Confirm(c), _) => confirm(c, lang),
        (Error::Internal(_), Lang::Ja) => "予期しないエラーが発生しました (技術的な内容は --output json の details.error に出力されます)。".into(),
        (Error::Internal(why), Lang::En) => format!("internal error: {why}"),
    }
}

/// Why a command line cannot be carried out.
pub fn usage(u: &Usage, lang: Lang) -> String {
    match (u, lang) {
        (Usage::NoTerminal { flag }, Lang::Ja) => format!(
            "標準入力が端末ではありません。{flag} を指定し、標準入力に 1 行で入力してください。"
        ),
        (Usage::NoTerminal { flag }, Lang::En) => format!(
            "stdin is not a terminal: pass {flag} and write the secret as one line on stdin"
        ),
        (Usage::ReadStdin(_), Lang::Ja) => "標準入力を読み取れませんでした。".into(),
        (Usage::ReadStdin(why), Lang::En) => format!("reading stdin: {why}"),
        (Usage::ReadTerminal(_), Lang::Ja) => "端末から入力を読み取れませんでした。".into(),
        (Usage::ReadTerminal(why), Lang::En) => format!("reading the terminal: {why}"),
        (Usage::EmptyPassword, Lang::Ja) => "パスワードが空です。".into(),
        (Usage::EmptyPassword, Lang::En) => "the password is empty".into(),
        (Usage::EmptyPassphrase, Lang::Ja) => "パスフレーズが空です。パスフレーズのない PKCS#12 ファイルでは秘密鍵が保護されません。".into(),
        (Usage::EmptyPassphrase, Lang::En) => {
            "the passphrase is empty: a PKCS#12 file without one leaves the private key unprotected"
                .into()
        }
        (Usage::AllNeedsTerminal, Lang::Ja) => "--all は一覧から証明書を選ぶため端末が必要です。端末がない場合は --select SERIAL で指定してください。".into(),
        (Usage::AllNeedsTerminal, Lang::En) => {
            "--all asks which certificate to use and needs a terminal; use --select SERIAL".into()
        }
        (Usage::ServerCa { path, .. }, Lang::Ja) => format!(
            "--server-ca {} からサーバーのルート証明書 (PEM 形式) を読み取れません。",
            path.display()
        ),
        (Usage::ServerCa { path, why }, Lang::En) => {
            format!("--server-ca {}: {why}", path.display())
        }
        (Usage::NoStoreDir, Lang::Ja) => "--store が指定されておらず、既定のストアの場所 (ホームディレクトリ) も分かりません。".into(),
        (Usage::NoStoreDir, Lang::En) => {
            "no --store given and no home directory to default to".into()
        }
        (Usage::OutExists(p), Lang::Ja) => format!(
            "{} は既に存在します。--out に別のファイル名を指定してください。",
            p.display()
        ),
        (Usage::OutExists(p), Lang::En) => format!("{} exists; choose another --out", p.display()),
        (Usage::ImportNeedsFiles, Lang::Ja) => {
            "--p12 FILE、または --cert FILE と --key FILE を指定してください。".into()
        }
        (Usage::ImportNeedsFiles, Lang::En) => "give --p12 FILE, or --cert FILE --key FILE".into(),
        (Usage::KeyType { listed, asked, old }, _) => {
            let listed = listed.join(", ");
            match (asked, old, lang) {
                (Some(k), _, Lang::Ja) => format!(
                    "認証局が署名する鍵の種類は {listed} です。--key-type {k} は使用できません。"
                ),
                (Some(k), _, Lang::En) => {
                    format!("the RA signs {listed}; --key-type {k} is not among them")
                }
                (None, Some(k), Lang::Ja) => format!(
                    "認証局が署名する鍵の種類は {listed} で、現在の鍵の種類 {k} は含まれていません。鍵の種類を変えて更新する場合は --key-type で指定してください。"
                ),
                (None, Some(k), Lang::En) => format!(
                    "the RA signs {listed}; the old key's type {k} is not among them (renewing with another type needs --key-type)"
                ),
                (None, None, Lang::Ja) => {
                    format!("認証局が署名する鍵の種類 ({listed}) のいずれも作成できません。")
                }
                (None, None, Lang::En) => {
                    format!("the RA signs {listed}; none of them can be made here")
                }
            }
        }
    }
}

/// What is wrong with a file given on the command line.
pub fn input(p: &InputProblem, lang: Lang) -> String {
    match (p, lang) {
        (InputProblem::Read(_), Lang::Ja) => "ファイルを読み取れません".into(),
        (InputProblem::Read(why), Lang::En) => format!("cannot read it: {why}"),
        (InputProblem::NotPkcs12(_), Lang::Ja) => {
            "PKCS#12 ファイルではないか、パスフレーズが違います".into()
        }
        (InputProblem::NotPkcs12(why), Lang::En) => {
            format!("not a PKCS#12 file, or a wrong passphrase: {why}")
        }
        (InputProblem::NoKey, Lang::Ja) => "秘密鍵が含まれていません".into(),
        (InputProblem::NoKey, Lang::En) => "no private key in the file".into(),
        (InputProblem::Cert(ce), _) => cert(ce, lang),
        (InputProblem::NoCertificate, Lang::Ja) => {
            "証明書 (CERTIFICATE ブロック) が含まれていません".into()
        }
        (InputProblem::NoCertificate, Lang::En) => "no CERTIFICATE block".into(),
        (InputProblem::BadBlock { block, why }, Lang::Ja) => format!(
            "{block} 番目の証明書ブロックを読み取れません ({})",
            cert(why, lang)
        ),
        (InputProblem::BadBlock { block, why }, Lang::En) => format!(
            "certificate block {block} cannot be read: {}",
            cert(why, lang)
        ),
        (InputProblem::NoMatchingCertificate, Lang::Ja) => {
            "秘密鍵に対応する証明書がありません".into()
        }
        (InputProblem::NoMatchingCertificate, Lang::En) => {
            "no certificate matches the private key".into()
        }
        (InputProblem::NotOneCertificate(n), Lang::Ja) => {
            format!("証明書がちょうど 1 つ必要ですが、{n} 個あります")
        }
        (InputProblem::NotOneCertificate(n), Lang::En) => {
            format!("expected exactly one CERTIFICATE block, found {n}")
        }
        (InputProblem::NotRoot { subject, issuer }, Lang::Ja) => {
            format!("{subject} はルート証明書ではありません (発行者: {issuer})")
        }
        (InputProblem::NotRoot { subject, issuer }, Lang::En) => {
            format!("{subject} is not a root: it is issued by {issuer}")
        }
        (InputProblem::NotCa { subject }, Lang::Ja) => format!(
            "{subject} は認証局の証明書ではありません (基本制約 (basicConstraints) で認証局とされていません)"
        ),
        (InputProblem::NotCa { subject }, Lang::En) => {
            format!("{subject} is not a CA certificate (no basicConstraints cA)")
        }
    }
}

/// What went wrong with the store.
pub fn store(se: &StoreError, lang: Lang) -> String {
    match (se, lang) {
        (StoreError::Io { path, source }, Lang::Ja) => format!(
            "{} を読み書きできませんでした ({})。",
            path.display(),
            io(source, lang)
        ),
        (StoreError::Io { path, source }, Lang::En) => {
            format!("{}: {}", path.display(), io(source, lang))
        }
        (StoreError::Busy { waited, .. }, Lang::Ja) => format!(
            "ストアは別の certrenew が使用中です ({} 秒待ちました)。",
            waited.as_secs()
        ),
        (StoreError::Busy { path, waited }, Lang::En) => format!(
            "{}: the store is in use by another certrenew (waited {}s)",
            path.display(),
            waited.as_secs()
        ),
        (StoreError::Unreadable { path, source }, Lang::Ja) => format!(
            "{} を読み取れませんでした ({})。",
            path.display(),
            cert(source, lang)
        ),
        (StoreError::Unreadable { path, source }, Lang::En) => {
            format!("{}: {}", path.display(), cert(source, lang))
        }
        (StoreError::Exists(id), Lang::Ja) => format!("証明書 {id} は既にストアにあります。"),
        (StoreError::Exists(id), Lang::En) => format!("identity {id} is already in the store"),
        (StoreError::KeyMismatch(serial), Lang::Ja) => {
            format!("秘密鍵がシリアル番号 {serial} の証明書のものではありません。")
        }
        (StoreError::KeyMismatch(serial), Lang::En) => {
            format!("the private key does not belong to the certificate {serial}")
        }
        (StoreError::Missing(p), Lang::Ja) => {
            format!("証明書ストア {} がありません。", p.display())
        }
        (StoreError::Missing(p), Lang::En) => {
            format!("{}: no certificate store here", p.display())
        }
        (StoreError::Unfinished { dir, .. }, Lang::Ja) => format!(
            "前回の処理が途中で終了して残った {} は、証明書として完成できないため保管してあります。",
            dir.display()
        ),
        (StoreError::Unfinished { dir, why }, Lang::En) => format!(
            "{}: an unfinished identity that cannot be completed: {why}",
            dir.display()
        ),
    }
}

/// What the OS said: in Japanese by its kind, in English its own text.
pub fn io(e: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    if lang == Lang::En {
        return e.to_string();
    }
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
    .into()
}
