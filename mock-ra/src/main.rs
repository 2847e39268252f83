//! `mock-ra`: the vendor's four hosts on loopback, for the renewal client.
//!
//! Exit codes: 0 stopped cleanly (SIGINT/SIGTERM), 1 error (world file,
//! bind, state directory), 2 usage.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use mock_ra::served::{self as ready, DemoInfo, ReadyLine};
use mock_ra::{DEMO_ACCOUNT, DEMO_PASSWORD};
use mock_ra::{MockRa, Ports, World};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A mock of the CA vendor's hosts (webra2, webra1, repo1, repository) for
/// renewing an expired client certificate, with an admin API and a journal.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start every host (on 127.0.0.1 unless --bind), print the ready line
    /// (JSON) on stdout and a hint on stderr, and run until SIGINT/SIGTERM.
    Serve(Box<ServeArgs>),
    /// Check a world or case file and exit (0: valid, 1: the error).
    Check {
        /// The file to check.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List every fault kind with its layer, parameters and what it does.
    Faults,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// A case file: its world part (`[pki]`, `[clock]`, `[[account]]`,
    /// `[[fault]]`, ...) sets the mock up; `[case]`, `[client]` and
    /// `[[step]]` are ignored.
    #[arg(long, value_name = "FILE", conflicts_with = "world")]
    scenario: Option<PathBuf>,

    /// A world file [default: the demo world: account `demo`, certificate
    /// expired 10 days ago, order ready].
    #[arg(long, value_name = "FILE")]
    world: Option<PathBuf>,

    /// Where to write the web root and the identities [default: a new
    /// temporary directory, removed on exit].
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,

    /// Start the virtual clock here (RFC 3339) instead of the world's.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,

    /// Freeze the virtual clock.
    #[arg(long)]
    frozen: bool,

    /// Admin bearer token [default: random].
    #[arg(long, value_name = "TOKEN")]
    admin_token: Option<String>,

    /// Seed of every fault's random draw, instead of the world's `[faults]
    /// seed` [default: random; printed in the ready line as `fault_seed`].
    #[arg(long, value_name = "N")]
    fault_seed: Option<u64>,

    /// Serve provider states (the admin API's `POST /states`) keeping this
    /// world's `[policy]`, as a production RA keeps its own.
    #[arg(long)]
    keep_policy: bool,

    /// After the ready line, write a target profile for this instance (the
    /// harness's `--target FILE`) and serve provider states.
    #[arg(long, value_name = "FILE")]
    write_target: Option<PathBuf>,

    #[command(flatten)]
    network: NetworkArgs,

    #[command(flatten)]
    ports: PortArgs,

    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Limits (every listener)")]
struct LimitArgs {
    /// Seconds a request head may take to arrive (HTTP/1.1); then the
    /// connection is closed, journaled `header_timeout`
    #[arg(long, value_name = "SECS", default_value_t = mock_ra::Limits::DEFAULT.header_read.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,

    /// Seconds a request body may take to arrive after its head; then
    /// `408`, journaled `body_timeout`
    #[arg(long, value_name = "SECS", default_value_t = mock_ra::Limits::DEFAULT.body.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: u64,

    /// Seconds a connection may stay open with no request in flight
    /// (keep-alive, or a first request never completed)
    #[arg(long, value_name = "SECS", default_value_t = mock_ra::Limits::DEFAULT.idle.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,

    /// Connections open at once per listener; more are closed at once,
    /// journaled `connection_limit`
    #[arg(long, value_name = "N", default_value_t = mock_ra::Limits::DEFAULT.connections as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,

    /// Journal entries kept; older ones are dropped and counted
    /// (`GET /journal/stats`, header `journal-dropped`)
    #[arg(long, value_name = "N", default_value_t = mock_ra::JOURNAL_CAPACITY as u64, value_parser = clap::value_parser!(u64).range(1..))]
    journal_capacity: u64,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Network")]
struct NetworkArgs {
    /// The address the hosts and the proxy bind
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: IpAddr,

    /// The address the admin API binds, whatever --bind is. It changes
    /// everything with one bearer token: anything but loopback only on a
    /// network you trust (a compose network, a lab), its port unpublished
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    admin_bind: IpAddr,

    /// Virtual hosting: webra2 and webra1 on one HTTPS port, picked by the
    /// TLS SNI (each with its own TLS policy), repo1 and repository on one
    /// HTTP port, picked by the Host header; what the real names need when
    /// they all resolve to one address (containers, a hosts file).
    #[arg(long)]
    vhost: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Ports (0: pick a free one)")]
struct PortArgs {
    /// webra2 (HTTPS); not with --vhost.
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 0,
        conflicts_with = "vhost"
    )]
    webra2_port: u16,
    /// webra1 (HTTPS); not with --vhost.
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 0,
        conflicts_with = "vhost"
    )]
    webra1_port: u16,
    /// repo1 (HTTP); not with --vhost.
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 0,
        conflicts_with = "vhost"
    )]
    repo1_port: u16,
    /// repository (HTTP); not with --vhost.
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 0,
        conflicts_with = "vhost"
    )]
    repository_port: u16,
    /// With --vhost: the shared HTTPS port of webra2 and webra1.
    #[arg(long, value_name = "PORT", default_value_t = 0, requires = "vhost")]
    https_port: u16,
    /// With --vhost: the shared HTTP port of repo1 and repository.
    #[arg(long, value_name = "PORT", default_value_t = 0, requires = "vhost")]
    http_port: u16,
    /// The admin API (HTTP, bearer token). Not for any network you do not
    /// trust: see --bind.
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    admin_port: u16,
    /// The forward proxy (HTTP, CONNECT).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    proxy_port: u16,
}

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { file } => check(&file),
        Command::Faults => emit(&fault_kinds()),
        Command::Serve(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")
            .and_then(|rt| rt.block_on(serve(*args, started))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-ra: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check(file: &Path) -> anyhow::Result<()> {
    let world = World::from_file(file)?;
    emit(&format!(
        "{}: valid ({} accounts, {} identities outside accounts, {} faults)\n",
        file.display(),
        world.account_count(),
        world.identities.len(),
        world.faults.len()
    ))
}

/// Writes a command's result on stdout: a reader that went away (`| head`)
/// is not an error, any other failure to write (a full disk) is.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the output"),
    }
}

/// The `faults` listing: every kind, its layer, parameters and doc line.
fn fault_kinds() -> String {
    use mock_ra::FaultKind;
    let mut out =
        String::from("kind                    layer       parameters               what it does\n");
    for kind in FaultKind::ALL {
        let layer = kind.layer().as_str();
        let params = kind
            .params()
            .iter()
            .map(|(k, required)| {
                if *required {
                    (*k).to_owned()
                } else {
                    format!("[{k}]")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!(
            "{:<23} {layer:<11} {params:<24} {}\n",
            kind.as_str(),
            kind.doc()
        ));
    }
    out.push_str(
        "\nEvery fault names a `host` (webra2, webra1, repo1, repository); schedules: every event\n\
         (default), `times = N`, `from`/`to` (1-based, inclusive), `probability` (seeded by\n\
         `[faults] seed` or --fault-seed). refuse and unresolvable take no schedule.\n",
    );
    out
}

async fn serve(args: ServeArgs, started: Instant) -> anyhow::Result<()> {
    let file = args.scenario.as_ref().or(args.world.as_ref());
    let (mut world, demo) = match file {
        Some(path) => (World::from_file(path)?, false),
        None => (World::demo(), true),
    };
    if let Some(now) = &args.now {
        let at = OffsetDateTime::parse(now, &Rfc3339).with_context(|| {
            format!("--now {now}: expected RFC 3339, e.g. 2026-11-25T00:00:00Z")
        })?;
        certs_gen::check_now(at).with_context(|| format!("--now {now}"))?;
        world.clock.now = Some(at);
    }
    if args.frozen {
        world.clock.frozen = true;
    }
    let states = (args.keep_policy || args.write_target.is_some()).then(|| {
        let kept = args.keep_policy.then(|| world.policy.clone());
        mock_ra::served::ProviderStates::new(kept, args.network.bind)
    });
    let p = &args.ports;
    let mut builder = MockRa::builder(world)
        .ports(Ports {
            webra2: p.webra2_port,
            webra1: p.webra1_port,
            repo1: p.repo1_port,
            repository: p.repository_port,
            admin: p.admin_port,
            proxy: p.proxy_port,
        })
        .bind(args.network.bind)
        .admin_bind(args.network.admin_bind)
        .limits(mock_ra::Limits {
            header_read: std::time::Duration::from_secs(args.limits.header_timeout),
            body: std::time::Duration::from_secs(args.limits.body_timeout),
            idle: std::time::Duration::from_secs(args.limits.idle_timeout),
            connections: usize::try_from(args.limits.max_connections).unwrap_or(usize::MAX),
        })
        .journal_capacity(usize::try_from(args.limits.journal_capacity).unwrap_or(usize::MAX));
    if let Some(states) = &states {
        builder = builder.admin_routes(states.routes());
    }
    if args.network.vhost {
        builder = builder.vhost(p.https_port, p.http_port);
    }
    if let Some(token) = args.admin_token {
        builder = builder.admin_token(token);
    }
    if let Some(seed) = args.fault_seed {
        builder = builder.fault_seed(seed);
    }
    let mock = builder.start().await?;
    let (state_dir, temporary) = match args.state_dir {
        Some(dir) => (dir, false),
        None => (new_temp_dir()?, true),
    };
    let files = ready::write_state_dir(&mock, &state_dir)?;
    let demo = demo.then(|| DemoInfo {
        account: DEMO_ACCOUNT.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        identity: files
            .identities
            .get(DEMO_ACCOUNT)
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
    });
    let line = ReadyLine::new(&mock, &files, demo, started.elapsed().as_millis());
    mock.publish_ready(&line);
    // One write of the whole line: a reader of a redirected stdout (the
    // compose health check) sees all of it or nothing.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(format!("{}\n", line.to_json()).as_bytes())
            .and_then(|()| out.flush())
            .context("cannot write the ready line")?;
    }
    eprint!("{}", ready::hint(&line));
    if let Some(path) = &args.write_target {
        mock_ra::served::write_target(&mock, &files, path)?;
    }
    wait_for_signal().await?;
    eprintln!("mock-ra: shutting down");
    mock.shutdown().await;
    if temporary {
        let _ = std::fs::remove_dir_all(&state_dir);
    }
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn new_temp_dir() -> anyhow::Result<PathBuf> {
    let suffix = &mock_ra::served::random_token()[..12];
    let dir = std::env::temp_dir().join(format!("mock-ra-{}-{suffix}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create state directory {}", dir.display()))?;
    Ok(dir)
}

async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("cannot watch SIGINT")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot watch Ctrl-C")?;
    Ok(())
}
