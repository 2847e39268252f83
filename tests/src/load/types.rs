//! The load's shared vocabulary: what a run is asked to do, the RA and
//! the customers it runs against, one renewal's sample. A leaf: the load's
//! other modules all read it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use certrenew::net::Net;
use time::OffsetDateTime;

use crate::load::error::LoadError;

/// The phases of one renewal, in order.
pub const PHASES: [&str; 4] = ["handshake", "login", "issuance", "chain"];

/// How customers arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// `C` customers in flight at any time.
    Closed { concurrency: usize },
    /// `R` arrivals per second, whatever the RA's pace.
    Open { rate: f64 },
}

/// When the run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this many customers started.
    Customers(usize),
    /// After this long (no new customer starts after it).
    Duration(Duration),
}

/// A served mock-ra: its ready line, and the world file it was started
/// with (for the customers' ids and passwords).
#[derive(Debug, Clone)]
pub struct Served {
    /// The ready line (JSON) `mock-ra serve` printed.
    pub ready: PathBuf,
}

/// What `harness load` is asked to do.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Closed or open.
    pub model: Model,
    /// Customers or duration.
    pub stop: Stop,
    /// The world: its `[[customers]]` are the virtual customers (and its
    /// faults apply). Default: a season generated for the run.
    pub world: Option<PathBuf>,
    /// Against a served mock instead of one in-process.
    pub served: Option<Served>,
    /// Skip the chain and CRL fetches.
    pub no_chain: bool,
    /// Print progress on stderr (a terminal).
    pub progress: bool,
}

/// One renewal's outcome.
#[derive(Debug, Clone)]
pub(super) struct Sample {
    /// The customer (index into the customer list).
    pub(super) customer: usize,
    /// Intended start, from the run's start.
    pub(super) intended: Duration,
    /// From the intended start to the end.
    pub(super) latency: Duration,
    /// Each phase's time (zero when not reached).
    pub(super) phases: [Duration; 4],
    /// The error class, if it failed.
    pub(super) error: Option<String>,
}

/// A virtual customer: id, password, identity.
pub(super) struct Customer {
    pub(super) id: String,
    pub(super) password: String,
    pub(super) certified: Arc<rustls::sign::CertifiedKey>,
}

/// The RA as the load sees it.
pub(super) struct Ra {
    pub(super) webra2: SocketAddr,
    pub(super) net: Net,
    /// The RA's now, for the chain's validation (its clock may be virtual).
    pub(super) now: Box<dyn Fn() -> OffsetDateTime + Send + Sync>,
    pub(super) orders: Box<dyn Fn() -> Result<Vec<mock_ra::OrderSummary>, LoadError> + Send + Sync>,
}
