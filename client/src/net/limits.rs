//! How much of each kind of answer the client reads (E115 beyond).

use super::*;

/// The most the client reads of each kind of answer: a body longer than
/// this is E115 (`details.failure` = `body`), read no further, so a
/// misbehaving or hostile server cannot make the client hold more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The login's and the issuance's JSON (2.3, 2.4) and problem bodies:
    /// 64 KiB.
    Json,
    /// A CA certificate from a repository (DER or PEM): 64 KiB.
    Certificate,
    /// A CRL from a repository: 8 MiB (a large CA's CRL is a few MiB).
    Crl,
    /// The confirmation page (D5.1): 1 MiB.
    ConfirmationPage,
    /// A host's page in the access check (D3.1; the download page): 1 MiB.
    Page,
}

impl Limit {
    /// The limit in bytes.
    pub fn bytes(self) -> u64 {
        match self {
            Limit::Json | Limit::Certificate => 64 * 1024,
            Limit::Crl => 8 * 1024 * 1024,
            Limit::ConfirmationPage | Limit::Page => 1024 * 1024,
        }
    }
}

/// Reads a whole body, at most `limit` bytes: a `Content-Length` above the
/// limit fails before reading, a body that grows past it fails as soon as
/// it does.
pub async fn read_body(resp: reqwest::Response, limit: Limit) -> Result<Vec<u8>, BodyError> {
    let max = limit.bytes();
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut resp = resp;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if body.len() as u64 + chunk.len() as u64 > max {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why [`read_body`] failed.
#[derive(Debug)]
pub enum BodyError {
    /// The transport failed while reading.
    Read(reqwest::Error),
    /// Longer than the limit.
    TooLarge(Limit),
}

impl BodyError {
    /// What failed, as a request failure.
    pub fn kind(&self) -> NetErrorKind {
        match self {
            BodyError::Read(e) => classify(e),
            BodyError::TooLarge(l) => NetErrorKind::TooLarge(*l),
        }
    }
}
