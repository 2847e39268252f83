//! The `certrenew` binary: parse, run, print, exit with the class's code.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use certrenew::cli::{self, Cli};
use certrenew::env::Environment;
use certrenew::prompt::Terminal;

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(io::stderr(), "certrenew: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap: exit 2 for usage errors, 0 for --help/--version.
            e.print()?;
            return Ok(ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)));
        }
    };
    let env = Environment::from_process();
    // Standard input is read through the prompter only, one locked read at
    // a time (a lock held here would block every question asked later).
    let mut prompter = Terminal::detect();
    let outcome = cli::run(&cli, &env, &mut prompter);
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    outcome.render(cli.global.lang, cli.global.output, &mut out, &mut err)?;
    Ok(ExitCode::from(outcome.exit_code()))
}
