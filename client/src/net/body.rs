//! Reading a body within its [`Limit`].

use super::classify::classify;
use super::failure::NetErrorKind;
use super::limits::Limit;

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
