//! The names the test PKI uses: the vendor's hostnames, the CA names and the
//! per-CA repository paths (DOMAIN D3, D8.5).

/// The RA: login and issuance over mutual TLS (D3).
pub const WEBRA2_HOST: &str = "webra2.secomtrust.net";
/// The confirmation page, client certificate required (D3.3, D5.1).
pub const WEBRA1_HOST: &str = "webra1.secomtrust.net";
/// Repository 1: CA certificates and their CRLs, plain HTTP (D3).
pub const REPO1_HOST: &str = "repo1.secomtrust.net";
/// The repository: roots and their CRLs, plain HTTP (D3).
pub const REPOSITORY_HOST: &str = "repository.secomtrust.net";

/// Names given to the CAs of one test PKI. Two PKIs made with different
/// names are unrelated trees (the "foreign CA" of the selection cases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiNames {
    /// Organisation written into every CA and server certificate.
    pub organization: String,
    /// Common name of the web root (the servers' TLS certificates chain to it).
    pub web_root_cn: String,
    /// Common name of the client-CA root (the root the customer checks, D4.5).
    pub client_root_cn: String,
    /// Common name of the issuing CA below the client-CA root.
    pub issuing_ca_cn: String,
    /// Path segment of the issuing CA on repo1: `/sppca/<slug>/<slug>.cer`.
    pub issuing_ca_slug: String,
    /// Path segment of the root on repository: `/<slug>/<slug>ca.cer`.
    pub root_slug: String,
    /// Organisation written into client certificates (the bank's service).
    pub client_organization: String,
}

impl Default for PkiNames {
    fn default() -> Self {
        Self {
            organization: "CertRenew Test PKI".into(),
            web_root_cn: "CertRenew Test Web Root".into(),
            client_root_cn: "CertRenew Test Client Root CA".into(),
            issuing_ca_cn: "CertRenew Test Client CA 1".into(),
            issuing_ca_slug: "testca1".into(),
            root_slug: "TestRoot1".into(),
            client_organization: "CertRenew Test Bank".into(),
        }
    }
}

impl PkiNames {
    /// Names of a second, unrelated CA: identities it issues must never be
    /// offered to the RA (D4.2).
    pub fn foreign() -> Self {
        Self {
            organization: "Other Test CA".into(),
            web_root_cn: "Other Test Web Root".into(),
            client_root_cn: "Other Test Client Root CA".into(),
            issuing_ca_cn: "Other Test Client CA".into(),
            issuing_ca_slug: "otherca".into(),
            root_slug: "OtherRoot".into(),
            client_organization: "Other Test Bank".into(),
        }
    }

    /// Path of the issuing CA certificate on repo1.
    pub fn issuing_ca_cert_path(&self) -> String {
        format!("/sppca/{0}/{0}.cer", self.issuing_ca_slug)
    }

    /// Path of the issuing CA's CRL on repo1.
    pub fn issuing_ca_crl_path(&self) -> String {
        format!("/sppca/{0}/{0}.crl", self.issuing_ca_slug)
    }

    /// Path of the client-CA root certificate on repository.
    pub fn root_cert_path(&self) -> String {
        format!("/{0}/{0}ca.cer", self.root_slug)
    }

    /// Path of the client-CA root's CRL on repository.
    pub fn root_crl_path(&self) -> String {
        format!("/{0}/{0}CRL.crl", self.root_slug)
    }

    /// `http://repo1.../sppca/<slug>/<slug>.cer`, the AIA caIssuers of client certificates.
    pub fn issuing_ca_cert_url(&self) -> String {
        format!("http://{REPO1_HOST}{}", self.issuing_ca_cert_path())
    }

    /// The CRL distribution point of client certificates.
    pub fn issuing_ca_crl_url(&self) -> String {
        format!("http://{REPO1_HOST}{}", self.issuing_ca_crl_path())
    }

    /// The AIA caIssuers of the issuing CA certificate.
    pub fn root_cert_url(&self) -> String {
        format!("http://{REPOSITORY_HOST}{}", self.root_cert_path())
    }

    /// The CRL distribution point of the issuing CA certificate.
    pub fn root_crl_url(&self) -> String {
        format!("http://{REPOSITORY_HOST}{}", self.root_crl_path())
    }
}
