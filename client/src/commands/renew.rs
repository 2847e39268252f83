//! `renew`: reads the password (D4.1) and runs the renewal (D4,
//! [`crate::renewal`]).

use super::{CommandContext, read_secret};
use crate::cert::KeyType;
use crate::error::{Error, Usage};
use crate::messages::{Outcome, Progress, Text};
use crate::net::Net;
use crate::prompt::{ExposeSecret, Prompter};
use crate::renewal::{self, Context};
use crate::selection::Choice;
use crate::store::Access;
use clap::Args;

/// `renew`.
#[derive(Debug, Args)]
pub struct RenewArgs {
    /// Read the login password (as of 28 days before expiry, D2.1) as one
    /// line from stdin instead of the terminal
    #[arg(long)]
    pub password_stdin: bool,
    /// Accept the CA's root without asking (only if its thumbprint equals --root-sha1)
    #[arg(long)]
    pub yes: bool,
    /// Use the certificate with this serial number (hex)
    #[arg(long, value_name = "SERIAL", conflicts_with = "all")]
    pub select: Option<String>,
    /// Show every candidate and pick one by number (その他; needs a terminal)
    #[arg(long)]
    pub all: bool,
    /// Type of the new key [default: the old key's type (RSA of the same
    /// size); refused if the RA does not sign it, rather than changed]
    #[arg(long, value_enum, value_name = "TYPE")]
    pub key_type: Option<KeyType>,
}

pub async fn run(
    ctx: &mut CommandContext<'_>,
    a: &RenewArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let g = ctx.global;
    let lang = g.lang;
    // D4.1: the password first.
    let password = read_secret(
        a.password_stdin,
        "--password-stdin",
        &Text::PasswordPrompt.render(lang),
        prompter,
    )?;
    if password.expose_secret().is_empty() {
        return Err(Usage::EmptyPassword.into());
    }
    if a.all && !prompter.interactive() {
        return Err(Usage::AllNeedsTerminal.into());
    }
    let net = Net::new(ctx.net_config()?)?;
    let store = ctx.open_store(Access::Write)?;
    let choice = match (&a.select, a.all) {
        (Some(s), _) => Choice::Serial(s.clone()),
        (None, true) => Choice::Pick,
        (None, false) => Choice::Default,
    };
    let opts = renewal::Options {
        choice,
        key_type: a.key_type,
        trust: ctx.policy(a.yes)?,
    };
    let mut ctx = Context {
        net: &net,
        store: &store,
        clock: ctx.clock(),
        lang,
        prompter,
        progress: Progress::new(lang, g.output),
    };
    renewal::renew(&mut ctx, &password, &opts).await
}
