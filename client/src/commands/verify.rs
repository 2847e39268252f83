//! `verify`: the confirmation page (D5.1) with the browser-like SSL
//! state (D6.11).

use super::CommandContext;
use crate::cert;
use crate::confirm::{Browser, Presentable, Remembered, SslState};
use crate::error::Error;
use crate::messages::{self, Outcome};
use crate::net::{self, Net};
use crate::selection::NoCertificate;
use crate::store::{Access, StoreError};
use std::path::PathBuf;

use clap::Args;

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Present the certificate with this serial number
    #[arg(long, value_name = "SERIAL")]
    pub select: Option<String>,
    /// Remember per site which certificate was presented, like a browser
    #[arg(long, value_name = "DIR")]
    pub ssl_state: Option<PathBuf>,
    /// Empty the SSL state first (the manual's remedy for D6.11): only the
    /// files certrenew wrote there are removed
    #[arg(long, requires = "ssl_state")]
    pub clear_ssl_state: bool,
}

pub async fn run(ctx: &mut CommandContext<'_>, a: &VerifyArgs) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    let net = Net::new(ctx.net_config()?)?;
    let store = ctx.open_store(Access::Read)?;
    let (ids, _) = store.identities()?;
    // An unknown --select is ENOCERT (D6.3), before any connection.
    if let Some(serial) = &a.select {
        let want = cert::normalize_serial(serial);
        if !ids
            .iter()
            .any(|i| cert::normalize_serial(&i.cert.serial) == want)
        {
            return Err(NoCertificate::SerialNotFound(serial.clone()).into());
        }
    }
    let mut presentable = Vec::new();
    for id in ids {
        let Ok(key) = store.load_key(&id) else {
            continue;
        };
        if let Ok(ck) = net::certified_key(&id.cert.der, &id.chain_der(), &key) {
            presentable.push(Presentable {
                identity: id,
                key: ck,
            });
        }
    }
    let state = match &a.ssl_state {
        Some(dir) => Some(SslState::open(dir, a.clear_ssl_state).map_err(|source| {
            Error::Store(StoreError::Io {
                path: dir.clone(),
                source,
            })
        })?),
        None => None,
    };
    let remembered = if a.select.is_none() {
        state
            .as_ref()
            .and_then(|s| s.remembered(net::WEBRA1_HOST))
            .filter(|r| presentable.iter().any(|p| p.identity.id == r.identity))
    } else {
        None
    };
    let browser = Browser::new(
        &net,
        presentable,
        ctx.clock(),
        a.select.clone(),
        remembered.as_ref().map(|r| r.identity.clone()),
    )?;
    let visit = browser.visit(&net).await;
    if let (Some(state), Some(p)) = (&state, &visit.presented) {
        // A browser that cannot write its cache still shows the page.
        let _ = state.remember(&Remembered {
            host: net::WEBRA1_HOST.into(),
            identity: p.id.clone(),
            serial: p.cert.serial.clone(),
        });
    }
    Ok(messages::verify_outcome(
        &visit,
        remembered.as_ref(),
        a.ssl_state.as_deref(),
        lang,
    ))
}
