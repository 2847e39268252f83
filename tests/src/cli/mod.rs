//! The `harness` binary's subcommands, beyond the dispatch in `main.rs`.

mod drift;
mod matrix;
mod run;
mod select;

pub(crate) use drift::drift;
pub(crate) use matrix::matrix;
pub(crate) use run::{emit, jobs_or, run_all, runner_for};
pub(crate) use select::{load_one, select};
