//! The chain, the root and the confirmation page: why each was not
//! accepted, the Japanese beside the English.

use super::cert::cert;
use super::net::net;
use super::selection::no_certificate;
use crate::chain::{ChainError, MAX_DEPTH, PathProblem};
use crate::confirm::NotConfirmed;
use crate::messages::lang::Lang;
use crate::trust::RootRefused;

/// Why the chain could not be built or does not validate.
pub fn chain(ce: &ChainError, lang: Lang) -> String {
    match (ce, lang) {
        (ChainError::Net(n), _) => net(n, lang),
        (ChainError::NoIssuerUrl { subject }, Lang::Ja) => {
            format!("{subject} には発行元の証明書の取得先 (AIA) がありません。")
        }
        (ChainError::NoIssuerUrl { subject }, Lang::En) => {
            format!("{subject}: no AIA caIssuers URL to fetch its issuer from")
        }
        (ChainError::NoCrlUrl { subject }, Lang::Ja) => {
            format!("{subject} には CRL の配布ポイントがありません。")
        }
        (ChainError::NoCrlUrl { subject }, Lang::En) => {
            format!("{subject}: no CRL distribution point")
        }
        (ChainError::TooLong, Lang::Ja) => "ルート証明書までの証明書チェーンが長すぎます。".into(),
        (ChainError::TooLong, Lang::En) => {
            format!("no self-signed root within {MAX_DEPTH} certificates above the leaf")
        }
        (ChainError::Invalid { at, problem }, Lang::Ja) => format!(
            "{at} の時点で証明書チェーンを検証できません ({})。",
            path_problem(problem, lang)
        ),
        (ChainError::Invalid { at, problem }, Lang::En) => format!(
            "the certificate path does not validate at {at}: {}",
            path_problem(problem, lang)
        ),
        (ChainError::Cert(c), Lang::Ja) => format!("証明書を読み取れません ({})。", cert(c, lang)),
        (ChainError::Cert(c), Lang::En) => cert(c, lang),
    }
}

/// Why a certificate path does not validate.
pub fn path_problem(p: &PathProblem, lang: Lang) -> String {
    let text = match p {
        PathProblem::Expired => lang.pick(
            "有効期間が終了した証明書があります",
            "a certificate has expired",
        ),
        PathProblem::NotYetValid => lang.pick(
            "有効期間がまだ始まっていない証明書があります",
            "a certificate is not valid yet",
        ),
        PathProblem::Revoked => lang.pick("失効した証明書があります", "a certificate is revoked"),
        PathProblem::RevocationUnknown => lang.pick(
            "失効状態を確認できない証明書があります",
            "the revocation status of a certificate is unknown",
        ),
        PathProblem::CrlExpired => {
            lang.pick("有効期限の切れた CRL があります", "a CRL has expired")
        }
        PathProblem::UnknownIssuer => lang.pick(
            "ルート証明書につながりません",
            "the path does not lead to the root",
        ),
        PathProblem::BadSignature => {
            lang.pick("署名を検証できません", "a signature does not verify")
        }
        PathProblem::NotForClientAuth => lang.pick(
            "クライアント認証用の証明書ではありません",
            "the certificate is not for client authentication",
        ),
        PathProblem::NoRoot => lang.pick("ルート証明書がありません", "no root in the chain"),
        PathProblem::Unusable(what) => {
            return match lang {
                Lang::Ja => "使用できない証明書または CRL があります".into(),
                Lang::En => format!("unusable certificate or CRL ({what})"),
            };
        }
    };
    text.into()
}

/// Why the root was not trusted (D4.5).
pub fn root(r: &RootRefused, lang: Lang) -> String {
    match (r, lang) {
        (
            RootRefused::Mismatch {
                expected,
                got,
                subject,
            },
            Lang::Ja,
        ) => format!(
            "ルート証明書 {subject} の拇印 (sha1) {got} が、確認すべき拇印 {expected} と一致しません。"
        ),
        (
            RootRefused::Mismatch {
                expected,
                got,
                subject,
            },
            Lang::En,
        ) => format!("root {subject} has SHA-1 {got}, expected {expected}"),
        (RootRefused::Declined { got, subject }, Lang::Ja) => format!(
            "ルート証明書 {subject} (拇印 (sha1): {got}) のインストールが許可されませんでした。"
        ),
        (RootRefused::Declined { got, subject }, Lang::En) => {
            format!("installing root {subject} (SHA-1 {got}) was declined")
        }
        (RootRefused::NotAsked { got, subject }, Lang::Ja) => format!(
            "ルート証明書 {subject} (拇印 (sha1): {got}) はまだ信頼されていません。端末がないため、インストールしてよいか確認できませんでした。"
        ),
        (RootRefused::NotAsked { got, subject }, Lang::En) => format!(
            "root {subject} (SHA-1 {got}) is not trusted yet and there is no terminal to ask; pass --yes to accept it"
        ),
    }
}

/// Why the confirmation page did not confirm (D5.1, D6.11).
pub fn confirm(c: &NotConfirmed, lang: Lang) -> String {
    match (c, lang) {
        (NotConfirmed::NoIdentity { host, why }, Lang::Ja) => format!(
            "{host} に提示できる証明書がありません。{}",
            no_certificate(why, lang)
        ),
        (NotConfirmed::NoIdentity { host, why }, Lang::En) => format!(
            "no certificate could be presented to {host}: {}",
            no_certificate(why, lang)
        ),
        (NotConfirmed::Unreachable(n), _) => net(n, lang),
        (NotConfirmed::Page { url, status }, Lang::Ja) => format!(
            "{url} は証明書が有効であることを示すページを返しませんでした (HTTP {status})。"
        ),
        (NotConfirmed::Page { url, status }, Lang::En) => {
            format!("{url} answered {status} without the success marker")
        }
    }
}
