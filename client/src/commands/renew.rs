//! `renew`: reads the password (D4.1) and runs the renewal (D4,
//! [`crate::renewal`]).

use super::{clock, net_config, open_store, policy, read_secret};
use crate::cli::{Global, RenewArgs};
use crate::env::Environment;
use crate::error::{Error, Usage};
use crate::messages::{Outcome, Progress, Text};
use crate::net::Net;
use crate::prompt::Prompter;
use crate::renewal::{self, Context};
use crate::selection::Choice;
use crate::store::Access;

pub async fn run(
    g: &Global,
    env: &Environment,
    a: &RenewArgs,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    let lang = g.lang;
    // D4.1: the password first.
    let password = read_secret(
        a.password_stdin,
        "--password-stdin",
        &Text::PasswordPrompt.render(lang),
        prompter,
    )?;
    if password.expose().is_empty() {
        return Err(Usage::EmptyPassword.into());
    }
    if a.all && !prompter.interactive() {
        return Err(Usage::AllNeedsTerminal.into());
    }
    let net = Net::new(net_config(g, env)?)?;
    let store = open_store(g, env, Access::Write)?;
    let choice = match (&a.select, a.all) {
        (Some(s), _) => Choice::Serial(s.clone()),
        (None, true) => Choice::Pick,
        (None, false) => Choice::Default,
    };
    let opts = renewal::Options {
        choice,
        key_type: a.key_type,
        trust: policy(g, a.yes)?,
    };
    let mut ctx = Context {
        net: &net,
        store: &store,
        clock: clock(g),
        lang,
        prompter,
        progress: Progress::new(lang, g.output),
    };
    renewal::renew(&mut ctx, &password, &opts).await
}
