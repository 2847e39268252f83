//! Fault injection (DESIGN "Faults"): every way the mock can misbehave, by
//! name, on which host, and when.
//!
//! A fault is declared in the world (`[[fault]]` tables of a world or case
//! file) and is in force before the first connection; the admin API and
//! [`crate::MockRa`] list, add and remove faults at run time. Each fault
//! works at one *layer*, which decides what it counts as one "request" for
//! its schedule:
//!
//! | layer | kinds | one event is |
//! |---|---|---|
//! | listener | `refuse` | (none: nothing listens, so nothing can be counted) |
//! | name | `unresolvable` | (none: the name never resolves; it lives in `certrenew_args`) |
//! | connection | `hang`, `reset`, `reset_after`, `latency`, `bandwidth`, `close_after`, `slow_close` | an accepted TCP connection |
//! | tls | `tls_unknown_ca`, `tls_expired`, `tls_wrong_host`, `tls_stall`, `tls_foreign_ca_request` | an accepted TCP connection to webra2/webra1 |
//! | http | `status`, `empty`, `truncate`, `malformed_json`, `block_page`, `commit_then_lose` | a request whose path matches |
//! | proxy | `proxy_block`, `proxy_auth` | a request to the forward proxy for that host |
//!
//! A schedule picks events by number (1 = the first event the fault sees
//! after it was added): every event (the default), the first `times`, the
//! events `from`..=`to`, each of those only with a `probability` drawn from
//! the world's seed. The draw for event `n` of a fault depends only on the
//! seed, the fault's number and `n`, so the same seed gives the same faults
//! whatever else runs concurrently.

//!
//! This module is the faults' data: what a fault is (`kind`) and how it
//! is declared and checked (`spec`). Applying them belongs to the network,
//! `net::faults`: the faults in force and their counters, the seeded
//! schedule, the faulty stream below TLS and the HTTP faults.

pub(crate) mod kind;
pub(crate) mod spec;

pub use kind::{FaultKind, Layer};
pub use spec::{FaultError, FaultSettings, FaultSpec, MAX_MS, SpecError, SpecField};
