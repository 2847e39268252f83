//! `list`: the selection dialog's candidates (D4.2), and with
//! `--excluded` the identities left out and why.

use super::{CommandContext, identity_json};
use crate::clock::rfc3339;
use crate::error::Error;
use crate::messages::{Outcome, Success, Text};
use crate::net::Net;
use crate::prompt::NoQuestions;
use crate::selection::{self, CaNames, Choice, Ineligible};
use crate::store::{Access, StoredIdentity};
use clap::Args;

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show every candidate, not only the default one (その他)
    #[arg(long)]
    pub all: bool,
    /// Do not ask webra2 which CAs it accepts; treat every CA as accepted
    #[arg(long)]
    pub offline: bool,
    /// Also show the installed identities the dialog does not offer (a CA
    /// the site does not accept, expired 90 days or more), and why
    #[arg(long)]
    pub excluded: bool,
}

pub async fn run(ctx: &mut CommandContext<'_>, a: &ListArgs) -> Result<Outcome, Error> {
    let lang = ctx.global.lang;
    let store = ctx.open_store(Access::Read)?;
    let names = if a.offline {
        CaNames::any()
    } else {
        let net = Net::new(ctx.net_config()?)?;
        crate::access::probe_webra2(&net).await?
    };
    let (ids, bad) = store.identities()?;
    let now = ctx.clock().now();
    let excluded: Vec<(&StoredIdentity, Ineligible)> = ids
        .iter()
        .filter_map(|id| selection::check(id, &names, now).err().map(|why| (id, why)))
        .collect();
    // Identities whose files cannot be read are excluded too, and said so.
    let unreadable = selection::unreadable_reasons(&bad);
    let excluded_json: Vec<serde_json::Value> = excluded
        .iter()
        .map(|(id, why)| {
            serde_json::json!({
                "serial": id.cert.serial,
                "not_after": rfc3339(id.cert.not_after),
                "has_chain": id.has_chain(),
                "why": why.to_string(),
            })
        })
        .chain(unreadable.iter().map(|(serial, why)| {
            serde_json::json!({ "serial": serial, "unreadable": true, "why": why.to_string() })
        }))
        .collect();
    let cands = selection::candidates(&ids, &names, now);
    if cands.is_empty() {
        // Same reasons as the dialog would give (D6.2, D6.3); every
        // excluded identity is listed with why (so `--excluded` shows them
        // even when nothing can be chosen).
        let e = selection::select(&ids, &names, now, &Choice::Default, &mut NoQuestions)
            .err()
            .map(|e| e.with_unreadable(&bad))
            .map(Error::NoCertificate)
            .unwrap_or_else(|| Error::Internal("no candidates yet a selection".into()));
        return Ok(e
            .to_outcome(lang)
            .field("candidates", Vec::<serde_json::Value>::new())
            .field("excluded", excluded_json)
            .field("ca_names", names.describe()));
    }
    let shown: &[&StoredIdentity] = if a.all { &cands } else { &cands[..1] };
    let mut o = Outcome::success(Success::Listed);
    let certs: Vec<_> = shown.iter().map(|id| &id.cert).collect();
    for line in Text::numbered(&certs, lang) {
        o = o.line(line);
    }
    if !a.all && cands.len() > 1 {
        o = o.line(
            Text::MoreCandidates {
                count: cands.len() - 1,
            }
            .render(lang),
        );
    }
    if a.excluded {
        let all = excluded
            .iter()
            .map(|(id, why)| (id.cert.serial.as_str(), why))
            .chain(unreadable.iter().map(|(s, why)| (s.as_str(), why)));
        for (serial, why) in all {
            o = o.line(Text::Excluded { serial, why }.render(lang));
        }
    }
    Ok(o.field(
        "candidates",
        shown
            .iter()
            .enumerate()
            .map(|(i, id)| identity_json(id, i == 0))
            .collect::<Vec<_>>(),
    )
    .field("excluded", excluded_json)
    .field("ca_names", names.describe()))
}
