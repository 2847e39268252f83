//! The details of a request that failed (E115's causes): each kind's
//! Japanese beside its English.

use crate::messages::lang::Lang;
use crate::net::{Limit, NetError, NetErrorKind};

/// A request that failed, as a sentence naming what was asked.
pub fn net(n: &NetError, lang: Lang) -> String {
    let target = if n.url.is_empty() {
        "接続先".to_owned()
    } else {
        n.url.clone()
    };
    match (&n.kind, lang) {
        (kind, Lang::En) => format!("{}: {}", n.url, net_kind(kind, lang)),
        (NetErrorKind::Connect(_), Lang::Ja) => format!("{target} に接続できませんでした。"),
        (NetErrorKind::Unresolved { name, .. }, Lang::Ja) => {
            format!("{target} に接続できませんでした (接続先の名前 {name} を解決できません)。")
        }
        (NetErrorKind::Timeout(_), Lang::Ja) => {
            format!("{target} から時間内に応答がありませんでした。")
        }
        (NetErrorKind::Tls { .. }, Lang::Ja) => {
            format!("{target} との暗号化通信 (TLS) を確立できませんでした。")
        }
        (NetErrorKind::Status(s), Lang::Ja) => {
            format!("{target} から想定外の応答 (HTTP {s}) が返されました。")
        }
        (NetErrorKind::Body(_), Lang::Ja) => {
            format!("{target} からの応答の内容を読み取れませんでした。")
        }
        (NetErrorKind::TooLarge(l), Lang::Ja) => format!(
            "{target} からの応答が大きすぎるため、読み取りを中止しました ({} の上限 {} バイト)。",
            limit(*l, lang),
            l.bytes()
        ),
        (NetErrorKind::Dropped(_), Lang::Ja) => {
            format!("{target} との接続が応答の途中で切れました。")
        }
        (NetErrorKind::Setup(_), Lang::Ja) => format!(
            "{target} への要求を送信できませんでした。--proxy、--server-ca、環境変数 HTTPS_PROXY などの接続設定を確認してください。"
        ),
    }
}

/// How a request failed, short (the `check` lines); the English is the
/// technical text with what the library said.
pub fn net_kind(kind: &NetErrorKind, lang: Lang) -> String {
    match (kind, lang) {
        (NetErrorKind::Connect(_), Lang::Ja) => "接続できません".into(),
        (NetErrorKind::Connect(t), Lang::En) => format!("could not connect: {t}"),
        (NetErrorKind::Unresolved { name, .. }, Lang::Ja) => {
            format!("名前 {name} を解決できません")
        }
        (NetErrorKind::Unresolved { detail, .. }, Lang::En) => {
            format!("could not connect: {detail}")
        }
        (NetErrorKind::Timeout(_), Lang::Ja) => "時間内に応答がありません".into(),
        (NetErrorKind::Timeout(t), Lang::En) => format!("timed out: {t}"),
        (NetErrorKind::Tls { .. }, Lang::Ja) => "暗号化通信 (TLS) を確立できません".into(),
        (NetErrorKind::Tls { detail, .. }, Lang::En) => format!("TLS failed: {detail}"),
        (NetErrorKind::Status(s), Lang::Ja) => format!("想定外の応答 (HTTP {s})"),
        (NetErrorKind::Status(s), Lang::En) => format!("unexpected HTTP status {s}"),
        (NetErrorKind::Body(_), Lang::Ja) => "応答の内容を読み取れません".into(),
        (NetErrorKind::Body(b), Lang::En) => format!("unreadable answer: {b}"),
        (NetErrorKind::TooLarge(l), Lang::Ja) => format!(
            "応答が大きすぎます ({} の上限 {} バイト)",
            limit(*l, lang),
            l.bytes()
        ),
        (NetErrorKind::TooLarge(l), Lang::En) => format!(
            "the answer is larger than the {} limit of {} bytes",
            limit(*l, lang),
            l.bytes()
        ),
        (NetErrorKind::Dropped(_), Lang::Ja) => "応答の途中で接続が切れました".into(),
        (NetErrorKind::Dropped(t), Lang::En) => {
            format!("the connection dropped before the answer: {t}")
        }
        (NetErrorKind::Setup(_), Lang::Ja) => {
            "要求を送信できません (接続設定を確認してください)".into()
        }
        (NetErrorKind::Setup(p), Lang::En) => format!("cannot send the request: {p}"),
    }
}

/// The kind of answer a [`Limit`] bounds.
pub fn limit(l: Limit, lang: Lang) -> &'static str {
    match l {
        Limit::Json => lang.pick("JSON の応答", "JSON answer"),
        Limit::Certificate => lang.pick("CA 証明書", "CA certificate"),
        Limit::Crl => lang.pick("CRL", "CRL"),
        Limit::ConfirmationPage => lang.pick("確認ページ", "confirmation page"),
        Limit::Page => lang.pick("ページ", "page"),
    }
}
