//! `check`: can webra2, repo1 and repository be reached (D3.1)?

use super::CommandContext;
use crate::access;
use crate::error::Error;
use crate::messages::Outcome;
use crate::net::Net;

/// Runs `check`.
pub async fn run(ctx: &mut CommandContext<'_>) -> Result<Outcome, Error> {
    let net = Net::new(ctx.net_config()?)?;
    let report = access::check(&net).await;
    Ok(access::outcome(&report, ctx.global.lang))
}
