//! The `certrenew` binary: parse, run, print, exit with the class's code.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use certrenew::Outcome;
use certrenew::cli::{self, Cli};
use certrenew::env::Environment;
use certrenew::messages::{Class, Lang, OutputFormat, Text};
use certrenew::prompt::Terminal;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return command_line_error(&e, &args),
    };
    let lang = cli.global.lang;
    let env = Environment::from_process();
    // Standard input is read through the prompter only, one locked read at
    // a time (a lock held here would block every question asked later).
    let mut prompter = Terminal::detect();
    let outcome = cli::run(&cli, &env, &mut prompter);
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    if let Err(e) = outcome.render(lang, cli.global.output, &mut out, &mut err) {
        let _ = writeln!(err, "{}", Text::OutputFailed { error: &e }.render(lang));
        return ExitCode::from(Class::Internal.exit_code());
    }
    ExitCode::from(outcome.exit_code())
}

/// The value of `--NAME VALUE` or `--NAME=VALUE` on a command line clap
/// could not read (the last one wins, as it would for clap).
fn raw_option(args: &[OsString], name: &str) -> Option<String> {
    let flag = format!("--{name}");
    let with_eq = format!("--{name}=");
    let mut found = None;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == flag {
            found = it.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix(&with_eq) {
            found = Some(v.to_owned());
        }
    }
    found
}

fn context_text(e: &clap::Error, kind: ContextKind) -> Option<String> {
    e.get(kind).map(|v| match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join(", "),
        other => other.to_string(),
    })
}

/// A command line clap could not read: exit 2, said in the customer's
/// language (`--lang` as written on that line), and as the JSON object
/// when `--output json` is on it. `--help` and `--version` print as clap
/// does.
fn command_line_error(e: &clap::Error, args: &[OsString]) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // A reader that went away (`| head`) wanted no more; a full disk
        // is said, as any result that cannot be written.
        if let Err(error) = e.print()
            && error.kind() != io::ErrorKind::BrokenPipe
        {
            let lang = match raw_option(args, "lang").as_deref() {
                Some("en") => Lang::En,
                _ => Lang::Ja,
            };
            let _ = writeln!(
                io::stderr(),
                "{}",
                Text::OutputFailed { error: &error }.render(lang)
            );
            return ExitCode::from(Class::Internal.exit_code());
        }
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(0));
    }
    let lang = match raw_option(args, "lang").as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    };
    let format = match raw_option(args, "output").as_deref() {
        Some("json") => OutputFormat::Json,
        _ => OutputFormat::Text,
    };
    let arg = context_text(e, ContextKind::InvalidArg);
    let value = context_text(e, ContextKind::InvalidValue)
        .or_else(|| context_text(e, ContextKind::InvalidSubcommand))
        .or_else(|| context_text(e, ContextKind::PriorArg));
    let clap_text = e.render().to_string();
    if format == OutputFormat::Text && lang == Lang::En {
        // clap's own English message, with the usage line.
        let _ = e.print();
        return ExitCode::from(Class::Usage.exit_code());
    }
    let mut o = Outcome::new(Class::Usage)
        .field("error", clap_text.trim_end())
        // clap's name for the mistake (`UnknownArgument`, ...), for machines.
        .field("kind", format!("{:?}", e.kind()))
        .line(
            Text::Detail {
                text: &Text::CommandLine {
                    kind: e.kind(),
                    arg: arg.as_deref(),
                    value: value.as_deref(),
                }
                .render(lang),
            }
            .render(lang),
        )
        .line(Text::SeeHelp.render(lang));
    if let Some(a) = &arg {
        o = o.field("argument", a.as_str());
    }
    if let Some(v) = &value {
        o = o.field("value", v.as_str());
    }
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    if o.render(lang, format, &mut out, &mut err).is_err() {
        return ExitCode::from(Class::Internal.exit_code());
    }
    ExitCode::from(Class::Usage.exit_code())
}
