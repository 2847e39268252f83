//! `export`: one identity as a PKCS#12 file.

use super::{CommandContext, read_secret};
use crate::cert;
use crate::error::{Error, Usage};
use crate::messages::{Outcome, Success, Text};
use crate::pkcs12;
use crate::prompt::{ExposeSecret, Prompter};
use crate::selection::{self, NoCertificate};
use crate::store::Access;
use std::path::PathBuf;

use clap::Args;

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Serial number of the certificate to export
    #[arg(long, value_name = "SERIAL")]
    pub select: String,
    /// The PKCS#12 file to write (must not exist)
    #[arg(long, value_name = "FILE.p12")]
    pub out: PathBuf,
    /// Read the passphrase (not empty) as one line from stdin
    #[arg(long)]
    pub passphrase_stdin: bool,
}

pub fn run(
    ctx: &mut CommandContext<'_>,
    a: &ExportArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    let store = ctx.open_store(Access::Read)?;
    let (ids, bad) = store.identities()?;
    let want = cert::normalize_serial(&a.select);
    let id = ids
        .iter()
        .find(|i| cert::normalize_serial(&i.cert.serial) == want)
        .ok_or_else(|| {
            // A damaged copy of that identity is named as such.
            selection::unreadable_reasons(&bad)
                .into_iter()
                .find(|(serial, _)| cert::normalize_serial(serial) == want)
                .map(|(serial, why)| NoCertificate::Ineligible { serial, why })
                .unwrap_or_else(|| NoCertificate::SerialNotFound(a.select.clone()))
        })?;
    if a.out.exists() {
        return Err(Usage::OutExists(a.out.clone()).into());
    }
    let pass = read_secret(
        a.passphrase_stdin,
        "--passphrase-stdin",
        &Text::PassphrasePrompt.render(lang),
        prompter,
    )?;
    // A PKCS#12 file without a passphrase leaves the key readable by
    // anyone who gets the file.
    if pass.expose_secret().is_empty() {
        return Err(Usage::EmptyPassphrase.into());
    }
    let key = store.load_key(id)?;
    let local_key_id = hex::decode(&id.cert.sha1).unwrap_or_default();
    let certs = std::iter::once(&id.cert.der)
        .chain(id.chain.iter().map(|c| &c.der))
        .map(|c| c.as_ref());
    let bytes = pkcs12::write(
        key.secret_pkcs8_der(),
        certs,
        local_key_id,
        &format!("certrenew-{}", id.cert.serial),
        pass.expose_secret(),
    )
    .map_err(|e| Error::Internal(format!("PKCS#12: {e}")))?;
    crate::store::write_new(&a.out, &bytes, true)?;
    Ok(Outcome::success(Success::Exported)
        .field("file", a.out.display().to_string())
        .field("serial", id.cert.serial.clone())
        .line(Text::Identity { cert: &id.cert }.render(lang))
        .line(Text::WrittenTo { path: &a.out }.render(lang)))
}
