//! webra1, the confirmation page (protocol 3, D5.1): success only for a
//! currently valid, unrevoked certificate; the decision is on the
//! certificate of the TLS session, which on a resumed session is the one it
//! was first authenticated with (D6.11).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use certs_gen::CertInfo;

use crate::hosts::webra2::page;
use crate::net::connection::PeerCertificate;
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Class, Outcome, Role};
use crate::wire::problem::{escape, html, method_not_allowed, not_found};
use crate::wire::protocol::{Validity, within_validity};

/// Path of the confirmation page (D3.3).
pub const CONFIRM_PATH: &str = "/scira/doc/ymfg/";
/// The marker of a success page (protocol 3.1).
pub const CONFIRM_OK_MARKER: &str = r#"<meta name="certrenew-confirm" content="ok">"#;
/// The marker of an error page (protocol 3.1).
pub const CONFIRM_NG_MARKER: &str = r#"<meta name="certrenew-confirm" content="ng">"#;

/// The confirmation host's router.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    let router = Router::new()
        .route("/", get(top_page))
        .route(CONFIRM_PATH, get(confirm))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared.clone());
    crate::net::journal::journaled(router, shared, Role::Webra1)
}

async fn top_page() -> Response {
    html(
        StatusCode::OK,
        page(
            "電子証明書の確認",
            &format!("<p><a href=\"{CONFIRM_PATH}\">電子証明書の確認ページ</a></p>"),
        ),
        Outcome::ok(Cause::Page, None),
    )
}

async fn confirm(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerCertificate>>,
) -> Response {
    let now = shared.now();
    let der = peer.and_then(|Extension(p)| p.0);
    let info = der.as_ref().and_then(|d| CertInfo::from_der(d).ok());
    let (cause, account, subject) = match &info {
        // webra1 requires a certificate at the TLS layer; this is for
        // requests that did not come through it (tests with `oneshot`).
        None => (Cause::TlsNoClientCertificate, None, String::new()),
        Some(info) => {
            let state = shared.lock();
            let entry = state.ledger.get(&info.serial);
            let account = entry.and_then(|e| e.account.clone());
            let revoked = entry.is_some_and(|e| e.revoked_at(now));
            let cause = match within_validity(now, info.not_before, info.not_after) {
                Validity::NotYetValid => Cause::ConfirmNotYetValid,
                Validity::Expired => Cause::ConfirmExpired,
                Validity::Valid if revoked => Cause::ConfirmRevoked,
                Validity::Valid => Cause::ConfirmOk,
            };
            (cause, account, info.subject.clone())
        }
    };
    if cause == Cause::ConfirmOk {
        let body = confirm_page(
            CONFIRM_OK_MARKER,
            "電子証明書の確認",
            &format!(
                "<p>電子証明書は正常にご利用いただけます。</p>\n<p>{}</p>",
                escape(&subject)
            ),
        );
        html(StatusCode::OK, body, Outcome::ok(cause, account))
    } else {
        let reason = match cause {
            Cause::ConfirmExpired => "有効期限が切れています。",
            Cause::ConfirmNotYetValid => "有効期間がまだ始まっていません。",
            Cause::ConfirmRevoked => "失効しています。",
            _ => "提示されていません。",
        };
        let body = confirm_page(
            CONFIRM_NG_MARKER,
            "電子証明書を確認できませんでした",
            &format!(
                "<p>選択された電子証明書は{reason}</p>\n<p>{}</p>\n\
                 <p>ブラウザの SSL 状態をクリアし、すべてのブラウザを閉じてから再度お試しください。</p>",
                escape(&subject)
            ),
        );
        html(
            StatusCode::FORBIDDEN,
            body,
            Outcome {
                class: Some(Class::ECONFIRM),
                cause,
                account,
            },
        )
    }
}

fn confirm_page(marker: &str, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n{marker}\n\
         <title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    /// The confirmation page's answer for the demo customer's certificate
    /// with the clock at `at`.
    async fn confirm_at(shared: &Arc<Shared>, der: &[u8], at: time::OffsetDateTime) -> Cause {
        shared.clock.set(at).unwrap();
        let mut req = Request::get(CONFIRM_PATH).body(Body::empty()).unwrap();
        req.extensions_mut().insert(PeerCertificate(Some(
            rustls_pki_types::CertificateDer::from(der.to_vec()),
        )));
        let resp = app(shared.clone()).oneshot(req).await.unwrap();
        let cause = shared.journal.entries().last().unwrap().cause;
        let ok = resp.status() == StatusCode::OK;
        assert_eq!(ok, cause == Cause::ConfirmOk, "{cause}");
        cause
    }

    #[tokio::test]
    async fn valid_through_not_after_and_expired_one_second_later() {
        let world = crate::World::demo();
        let shared = Arc::new(Shared::new(&world, "t".into(), 1).unwrap());
        let identity = shared.lock().identities.values().next().cloned().unwrap();
        let info = identity.info().unwrap();
        let s = time::Duration::seconds(1);
        // RFC 5280 4.1.2.5: notBefore through notAfter, inclusive.
        assert_eq!(
            confirm_at(&shared, &identity.cert, info.not_before - s).await,
            Cause::ConfirmNotYetValid
        );
        assert_eq!(
            confirm_at(&shared, &identity.cert, info.not_before).await,
            Cause::ConfirmOk
        );
        assert_eq!(
            confirm_at(&shared, &identity.cert, info.not_after).await,
            Cause::ConfirmOk
        );
        assert_eq!(
            confirm_at(&shared, &identity.cert, info.not_after + s).await,
            Cause::ConfirmExpired
        );
    }
}
