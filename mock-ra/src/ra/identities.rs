//! Identities made on first use: a generated customer's key and
//! certificate (the world's `[[customers]]`) cost a key generation and a
//! signature each, which for a season's 100,000 customers would keep the
//! mock from starting for seconds. What is known in advance (serial,
//! validity, subject) is fixed when the world starts, so the ledger, the
//! CRL and the login decision work with it; the key and the certificate are
//! made the first time someone asks for the identity, once, and then stay
//! (a reset keeps them: the ledger still names the same certificate).

use std::sync::{Arc, OnceLock};

use certs_gen::{CertInfo, ClientSpec, Identity, Pki};

/// A key and certificate made on first use.
pub struct LazyIdentity {
    pki: Arc<Pki>,
    spec: ClientSpec,
    serial: String,
    made: OnceLock<Result<Made, IdentityError>>,
}

/// Why a generated customer's identity could not be made. It is made once:
/// the error is kept and handed out again (hence the shared sources).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The PKI could not make the key or sign the certificate.
    #[error("making identity {serial}: {source}")]
    Make {
        /// The serial fixed for it, lowercase hex.
        serial: String,
        /// The PKI's error.
        #[source]
        source: Arc<certs_gen::Error>,
    },
    /// The certificate made does not read back.
    #[error("reading identity {serial}: {source}")]
    Read {
        /// The serial fixed for it, lowercase hex.
        serial: String,
        /// The PKI's error.
        #[source]
        source: Arc<certs_gen::Error>,
    },
    /// The certificate made carries another serial than the one fixed.
    #[error("identity made with serial {made}, expected {expected}")]
    Serial {
        /// The serial the certificate carries.
        made: String,
        /// The serial fixed when the world started.
        expected: String,
    },
}

/// A made identity and what x509-cert reads from its certificate.
#[derive(Debug, Clone)]
pub struct Made {
    /// Key, certificate, chain.
    pub identity: Identity,
    /// Its certificate's facts.
    pub info: CertInfo,
}

impl std::fmt::Debug for LazyIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyIdentity")
            .field("serial", &self.serial)
            .field("made", &self.made.get().is_some())
            .finish_non_exhaustive()
    }
}

impl LazyIdentity {
    /// An identity `spec` describes, its serial fixed now (random when the
    /// spec has none), made on the first [`Self::get`].
    pub fn new(pki: Arc<Pki>, mut spec: ClientSpec) -> Self {
        let serial = spec
            .serial
            .get_or_insert_with(certs_gen::random_serial)
            .clone();
        Self {
            pki,
            spec,
            serial: hex::encode(serial),
            made: OnceLock::new(),
        }
    }

    /// The certificate's serial, lowercase hex, as x509-cert prints it.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The identity, made now if nobody asked before. Callers that hold
    /// the state lock should clone the `Arc` and call this after releasing
    /// it: making costs a key generation and a signature.
    pub fn get(&self) -> Result<&Made, IdentityError> {
        self.made
            .get_or_init(|| {
                let identity =
                    self.pki
                        .issue_client(&self.spec)
                        .map_err(|e| IdentityError::Make {
                            serial: self.serial.clone(),
                            source: Arc::new(e),
                        })?;
                let info = identity.info().map_err(|e| IdentityError::Read {
                    serial: self.serial.clone(),
                    source: Arc::new(e),
                })?;
                if info.serial != self.serial {
                    return Err(IdentityError::Serial {
                        made: info.serial,
                        expected: self.serial.clone(),
                    });
                }
                Ok(Made { identity, info })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The identity if it has been made, without making it.
    pub fn if_made(&self) -> Option<&Made> {
        self.made.get().and_then(|r| r.as_ref().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockError;

    #[test]
    fn an_identity_that_came_out_wrong_says_so_through_the_mock_error() {
        let e = IdentityError::Serial {
            made: "02".into(),
            expected: "01".into(),
        };
        assert_eq!(e.to_string(), "identity made with serial 02, expected 01");
        let e = MockError::Identity {
            name: "cust000001".into(),
            source: e,
        };
        assert_eq!(
            e.to_string(),
            "identity `cust000001`: identity made with serial 02, expected 01"
        );
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("identity made with serial 02, expected 01")
        );
    }
}
