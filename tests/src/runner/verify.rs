//! Checks that read beyond the transcript: whether the client-CA root is
//! trusted, and an exported identity checked by openssl against the CRLs
//! the repositories serve.

use std::time::Duration;

use crate::case::Host;
use crate::process::openssl;

use super::{EXPORT_PASSPHRASE, write};
use crate::runner::context::Context;
use crate::runner::error::RunError;

impl Context<'_> {
    pub(crate) fn root_trusted(&self) -> bool {
        let pem = &self.target.pki().client_root_pem;
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
            .is_ok_and(|der| self.store.trusts(der.as_ref()))
    }

    /// Exports an identity with the real binary and has openssl check it:
    /// the key belongs to the certificate, and the chain verifies to the
    /// client-CA root with the CRLs the repositories serve.
    pub(crate) fn verify_exported(&self, serial: &str) -> Result<(), RunError> {
        let p12 = self.work.join(format!("export-{serial}.p12"));
        let args = vec![
            "export".to_owned(),
            "--select".to_owned(),
            serial.to_owned(),
            "--out".to_owned(),
            p12.display().to_string(),
            "--passphrase-stdin".to_owned(),
        ];
        let run = self.certrenew(&args, Some(&format!("{EXPORT_PASSPHRASE}\n")), &[], false);
        if run.exit != Some(0) {
            return Err(RunError::Export {
                exit: run.exit,
                output: format!("{}{}", run.stdout, run.stderr),
            });
        }
        let pass = format!("pass:{EXPORT_PASSPHRASE}");
        let p12s = p12.display().to_string();
        let leaf = self.work.join("check-leaf.pem").display().to_string();
        let key = self.work.join("check-key.pem").display().to_string();
        openssl(&[
            "pkcs12", "-in", &p12s, "-passin", &pass, "-clcerts", "-nokeys", "-out", &leaf,
        ])?;
        openssl(&[
            "pkcs12", "-in", &p12s, "-passin", &pass, "-nocerts", "-nodes", "-out", &key,
        ])?;
        let from_cert = openssl(&["x509", "-in", &leaf, "-noout", "-pubkey"])?;
        let from_key = openssl(&["pkey", "-in", &key, "-pubout"])?;
        if from_cert.trim() != from_key.trim() {
            return Err(RunError::KeyMismatch);
        }
        let issuing = self.work.join("check-issuing.pem");
        write(&issuing, self.target.pki().issuing_ca_pem.as_bytes())?;
        let pki = self.target.pki();
        let mut crls = String::new();
        for (host, path) in [
            (Host::Repo1, &pki.issuing_ca_crl_path),
            (Host::Repository, &pki.root_crl_path),
        ] {
            let der = self.http_get(host, path)?;
            crls.push_str(&certs_gen::pem::crl(&der));
        }
        let crl_file = self.work.join("check-crls.pem");
        write(&crl_file, crls.as_bytes())?;
        openssl(&[
            "verify",
            "-CAfile",
            &self.client_root.display().to_string(),
            "-untrusted",
            &issuing.display().to_string(),
            "-crl_check_all",
            "-CRLfile",
            &crl_file.display().to_string(),
            "-purpose",
            "sslclient",
            &leaf,
        ])?;
        Ok(())
    }

    fn http_get(&self, host: Host, path: &str) -> Result<Vec<u8>, RunError> {
        let addr = self.target.addr(host)?;
        let url = format!("http://{}:{}{path}", host.hostname(), addr.port());
        let client = reqwest::Client::builder()
            .resolve(host.hostname(), addr)
            .timeout(Duration::from_secs(20))
            .no_proxy()
            .build()
            .map_err(RunError::Client)?;
        self.rt.block_on(async {
            let resp = client
                .get(&url)
                .send()
                .await
                .map_err(|source| RunError::Get {
                    url: url.clone(),
                    source,
                })?;
            if !resp.status().is_success() {
                return Err(RunError::GetRefused {
                    url,
                    status: resp.status(),
                });
            }
            resp.bytes()
                .await
                .map(|b| b.to_vec())
                .map_err(|source| RunError::Get { url, source })
        })
    }
}
