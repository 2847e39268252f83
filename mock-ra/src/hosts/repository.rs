//! repo1 and repository (protocol 4, D8.5): DER certificates and CRLs on
//! per-CA paths over plain HTTP. CRLs are made on each request from the
//! issuance ledger at the virtual now. `HEAD` works as `GET` without a body.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::hosts::webra2::page;
use crate::ra::state::Shared;
use crate::wire::journal::{Cause, Outcome, Role};
use crate::wire::problem::{ApiError, html, method_not_allowed, not_found};

/// repo1: the issuing CA's certificate and CRL.
pub(crate) fn repo1_app(shared: Arc<Shared>) -> Router {
    let names = &shared.pki.names;
    let (cert, crl) = (names.issuing_ca_cert_path(), names.issuing_ca_crl_path());
    let index = index_page("repo1", &[&cert, &crl]);
    let router = Router::new()
        .route("/", get(move || async move { index_response(index) }))
        .route(&cert, get(issuing_ca_cert))
        .route(&crl, get(issuing_ca_crl))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared.clone());
    crate::net::journal::journaled(router, shared, Role::Repo1)
}

/// repository: the client-CA root's certificate and CRL.
pub(crate) fn repository_app(shared: Arc<Shared>) -> Router {
    let names = &shared.pki.names;
    let (cert, crl) = (names.root_cert_path(), names.root_crl_path());
    let index = index_page("repository", &[&cert, &crl]);
    let router = Router::new()
        .route("/", get(move || async move { index_response(index) }))
        .route(&cert, get(root_cert))
        .route(&crl, get(root_crl))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared.clone());
    crate::net::journal::journaled(router, shared, Role::Repository)
}

fn index_page(role: &str, paths: &[&str]) -> String {
    let items: String = paths
        .iter()
        .map(|p| format!("<li><a href=\"{p}\">{p}</a></li>\n"))
        .collect();
    page(
        &format!("{role} リポジトリ"),
        &format!("<ul>\n{items}</ul>"),
    )
}

fn index_response(index: String) -> Response {
    html(StatusCode::OK, index, Outcome::ok(Cause::Page, None))
}

fn der_response(content_type: &'static str, der: Vec<u8>) -> Response {
    let mut r = der.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.extensions_mut().insert(Outcome::ok(Cause::Served, None));
    r
}

async fn issuing_ca_cert(State(shared): State<Arc<Shared>>) -> Response {
    der_response(
        "application/pkix-cert",
        shared.pki.issuing_ca.der().to_vec(),
    )
}

async fn root_cert(State(shared): State<Arc<Shared>>) -> Response {
    der_response(
        "application/pkix-cert",
        shared.pki.client_root.der().to_vec(),
    )
}

async fn issuing_ca_crl(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let crl = shared
        .issuing_crl()
        .map_err(|e| ApiError::Internal(format!("issuing CA CRL: {e}")))?;
    Ok(der_response("application/pkix-crl", crl.to_vec()))
}

async fn root_crl(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let crl = shared
        .root_crl()
        .map_err(|e| ApiError::Internal(format!("root CRL: {e}")))?;
    Ok(der_response("application/pkix-crl", crl.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn serves_der_and_head_and_crl_numbers_increase() {
        let s = Arc::new(Shared::new(&crate::World::demo(), "t".into(), 1).unwrap());
        let path = s.pki.names.issuing_ca_cert_path();
        let resp = repo1_app(s.clone())
            .oneshot(Request::get(&path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/pkix-cert"
        );
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&bytes[..], &s.pki.issuing_ca.der()[..]);
        let resp = repo1_app(s.clone())
            .oneshot(Request::head(&path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let a = s.issuing_crl().unwrap();
        let b = s.issuing_crl().unwrap();
        assert_ne!(a, b);
    }
}
