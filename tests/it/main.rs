//! The harness crate's tests as one binary (`cargo test -p harness --test
//! it`): every file of this folder is a module, so a change to the harness
//! links one test executable, not one per file. A test's name is its
//! file's: `cargo test -p harness --test it client_renewal::` runs
//! `client_renewal.rs`. `support` is what the client end-to-end modules
//! share.
//!
//! The case catalogue (`scenarios.rs`), the fault matrix (`matrix.rs`) and
//! the compose topology (`containers.rs`) stay binaries of their own: they
//! generate their tests at run time with libtest-mimic (`harness = false`),
//! each with its own thread count, and are run by name
//! (`--test scenarios`, `--test matrix`, `--test containers`).

mod architecture;
mod body_limits;
mod cli;
mod client_confirm_session;
mod client_renewal;
mod client_texts;
mod crash_matrix;
mod guards;
mod layers;
mod load;
mod reports;
mod repositories;
mod repro;
mod robustness;
mod store_damage;
mod support;
mod targets;
mod terminal;
