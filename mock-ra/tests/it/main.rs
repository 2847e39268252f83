//! mock-ra's integration tests, one binary (linking is the slow part of a
//! test cycle): each file here is a module, `common` the support they
//! share. `tests/console.rs` is separate because it runs under
//! libtest-mimic (`harness = false`) to report a missing browser as
//! ignored with its reason, which libtest cannot say at run time.
//!
//! Run one module with a filter: `cargo test -p mock-ra --test it layers::`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

mod clocks;
mod containers;
mod faults;
mod hosts;
mod library;
mod limits;
mod masking;
mod rechecks;
mod renewal;
mod robustness;
mod season;
mod serve;
mod states;
mod strict;
mod vhost;
