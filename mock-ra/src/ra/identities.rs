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
    made: OnceLock<Result<Made, String>>,
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
    pub fn get(&self) -> Result<&Made, String> {
        self.made
            .get_or_init(|| {
                let identity = self
                    .pki
                    .issue_client(&self.spec)
                    .map_err(|e| format!("making identity {}: {e}", self.serial))?;
                let info = identity
                    .info()
                    .map_err(|e| format!("reading identity {}: {e}", self.serial))?;
                if info.serial != self.serial {
                    return Err(format!(
                        "identity made with serial {}, expected {}",
                        info.serial, self.serial
                    ));
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
