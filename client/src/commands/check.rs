//! `check`: can webra2, repo1 and repository be reached (D3.1)?

use super::net_config;
use crate::access;
use crate::cli::Global;
use crate::env::Environment;
use crate::error::Error;
use crate::messages::Outcome;
use crate::net::Net;

pub async fn run(g: &Global, env: &Environment) -> Result<Outcome, Error> {
    let net = Net::new(net_config(g, env)?)?;
    let report = access::check(&net).await;
    Ok(access::outcome(&report, g.lang))
}
