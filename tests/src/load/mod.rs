//! `harness load`: virtual customers, each with its own expired identity,
//! through full renewals against the RA, in-process, with the client's own
//! protocol code (`certrenew`'s TLS configuration, CSR, wire types, chain
//! fetch and validation) over real rustls.
//!
//! One renewal: a new TCP + mutual-TLS connection to webra2 with the
//! customer's expired certificate (a fresh `ClientConfig`, so no session
//! resumption), the login, a new P-256 key and CSR, the issuance on the
//! same connection, then (unless `--no-chain`) the chain and CRL fetches
//! from repo1 and repository and the chain's validation, as `certrenew
//! renew` does after the issuance. Phases are timed separately.
//!
//! Two models: closed (`--concurrency C` customers in flight, each starting
//! the next when done) and open (`--rate R` arrivals per second, each
//! renewal's latency measured from its *intended* start, so a stalled
//! server is not hidden by coordinated omission). Afterwards the RA's
//! orders are checked: every successful customer's order `fetched`, exactly
//! one renewal in the ledger for it, none for anybody else.
//!
//! The report's JSON schema is `docs/load.md`.

mod error;
mod html;
mod options;
mod run;
mod stats;
mod types;
mod world;

pub use error::LoadError;
pub use html::html;
pub use options::{LoadArgs, main, read_report, stderr_is_terminal, write};
pub use run::run;
pub use stats::{
    Condition, CryptoBound, ExactlyOnce, LoadReport, Percentiles, crypto_bound, decode, deltas,
    failing, operations, parse_fail_if, summary,
};
pub use types::{LoadOptions, Model, PHASES, Served, Stop};
pub use world::{season, season_size, season_text};

#[cfg(test)]
mod tests;
