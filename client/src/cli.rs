//! The command line: the commands composed from their own arguments
//! (each command's module owns its flags, [`commands`] the global ones),
//! and running a command to its [`Outcome`]. `main` only parses, calls
//! [`run`] and renders.

use clap::{Parser, Subcommand};

use crate::commands::export::ExportArgs;
use crate::commands::import::ImportArgs;
use crate::commands::list::ListArgs;
use crate::commands::renew::RenewArgs;
use crate::commands::roots::RootsArgs;
use crate::commands::verify::VerifyArgs;
use crate::commands::{self, CommandContext, Global};
use crate::env::Environment;
use crate::error::Error;
use crate::messages::Outcome;
use crate::prompt::Prompter;

const EXAMPLES: &str = "\
Examples:
  # check that the three hosts answer (D3.1)
  certrenew check
  # bring the old certificate into the store, then renew it (you type the password)
  certrenew import --p12 old.p12
  certrenew renew
  # the same without a terminal (scripts): the password from a file only you can read
  install -m 600 /dev/null ~/.certrenew-pass   # then write the password into it
  certrenew renew --password-stdin --yes < ~/.certrenew-pass
  # against a mock or staging server: keep the real names, connect elsewhere
  certrenew --server-ca web-root.pem \\
    --connect-to webra2.secomtrust.net:443:127.0.0.1:40123 \\
    --connect-to webra1.secomtrust.net:443:127.0.0.1:40124 \\
    --connect-to repo1.secomtrust.net:80:127.0.0.1:40125 \\
    --connect-to repository.secomtrust.net:80:127.0.0.1:40126 renew
  # check the new certificate on the confirmation page (D5.1)
  certrenew verify --ssl-state ~/.cache/certrenew-ssl --clear-ssl-state

Exit codes: 0 success, 1 internal error, 2 usage, 3 E115 (a host did not
answer), 4 ENOCERT, 5 E550A, 6 E550F, 7 root not trusted, 8 EIMPORT,
9 ECONFIRM; 130/143/129 a SIGINT/SIGTERM/SIGHUP held back during the
issuance, acted on once the new certificate is stored.";

/// Renews an expired bank client certificate (up to 90 days after its
/// expiry) and imports the new one, as the vendor's renewal tool does.
#[derive(Debug, Parser)]
#[command(name = "certrenew", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Renew the certificate: password, access check, selection, login,
    /// new key, issuance, import (D4)
    #[command(after_help = "Examples:
  certrenew renew                       # asks for the password, shows the root's thumbprint
  certrenew renew --all                 # pick from every candidate (その他)
  certrenew renew --password-stdin --yes --select 27ccde0a... < ~/.certrenew-pass
  certrenew renew --key-type rsa2048    # another key type than the old key's

The password is the internet-banking login password as it was 28 days
before the certificate's expiry (D2.1). Type it when asked, or keep it in
a file only you can read (chmod 600) and give that file on stdin with
--password-stdin. It is never read from the command line or the
environment.")]
    Renew(RenewArgs),
    /// Show the certificates the selection dialog offers (D4.2)
    #[command(after_help = "Examples:
  certrenew list                 # the default choice: newest notBefore
  certrenew list --all           # every candidate, and why others are left out
  certrenew --output json list --all --offline")]
    List(ListArgs),
    /// Check that webra2, repo1 and repository answer (D3.1)
    #[command(after_help = "Examples:
  certrenew check
  certrenew --proxy http://proxy.example:8080 check
Exit 0 when all three answer, 3 (E115) otherwise, with the host table.")]
    Check,
    /// Open the confirmation page with a certificate (D5.1, D6.11)
    #[command(after_help = "Examples:
  certrenew verify                                   # selection as the dialog does
  certrenew verify --select 6d791d64...              # a given certificate
  certrenew verify --ssl-state ~/.cache/certrenew-ssl                     # like a browser
  certrenew verify --ssl-state ~/.cache/certrenew-ssl --clear-ssl-state   # the D6.11 remedy")]
    Verify(VerifyArgs),
    /// Put a certificate and its key into the store
    #[command(after_help = "Examples:
  certrenew import --p12 old.p12                      # asks for the passphrase
  echo changeit | certrenew import --p12 old.p12 --passphrase-stdin
  certrenew import --cert cert.pem --key key.pem --chain chain.pem
Without --chain (and for a PKCS#12 without one) the chain is fetched from
the repositories the certificate names; a certificate whose chain stays
unknown is imported, but cannot be selected until it is imported again
with --chain.")]
    Import(ImportArgs),
    /// Write a certificate, its key and chain as PKCS#12
    #[command(after_help = "Examples:
  certrenew export --select 6d791d64... --out new.p12
  openssl pkcs12 -info -in new.p12            # browsers and openssl read it")]
    Export(ExportArgs),
    /// List the trusted client-CA roots, or install one (D4.5)
    Roots(RootsArgs),
}

/// Runs the command and returns its outcome; never panics on input.
pub fn run(cli: &Cli, env: &Environment, prompter: &mut dyn Prompter) -> Outcome {
    let lang = cli.global.lang;
    let mut ctx = CommandContext::new(&cli.global, env);
    let outcome = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => match rt.block_on(dispatch(&cli.command, &mut ctx, prompter)) {
            Ok(o) => o,
            Err(e) => e.to_outcome(lang),
        },
        Err(e) => Error::Internal(format!("async runtime: {e}")).to_outcome(lang),
    };
    ctx.finish(outcome)
}

async fn dispatch(
    command: &Command,
    ctx: &mut CommandContext<'_>,
    prompter: &mut dyn Prompter,
) -> Result<Outcome, Error> {
    match command {
        Command::Renew(a) => commands::renew::run(ctx, a, prompter).await,
        Command::List(a) => commands::list::run(ctx, a).await,
        Command::Check => commands::check::run(ctx).await,
        Command::Verify(a) => commands::verify::run(ctx, a).await,
        Command::Import(a) => commands::import::run(ctx, a, prompter).await,
        Command::Export(a) => commands::export::run(ctx, a, prompter),
        Command::Roots(a) => commands::roots::run(ctx, a, prompter),
    }
}
