//! How much of each kind of answer the client reads (E115 beyond).

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
