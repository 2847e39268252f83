//! The scenario harness: case files in, mock-ra in-process, the real
//! certrenew binary as a subprocess, reports out.

pub mod bench;
pub mod case;
pub mod catalogue;
pub mod diagnose;
pub mod drift;
pub mod expect;
pub mod hosts;
pub mod journal;
pub mod load;
pub mod load_target;
pub mod matrix;
pub mod placeholders;
pub mod process;
pub mod provisioned;
pub mod remote;
pub mod report;
pub mod repro;
pub mod runner;
pub mod store;
pub mod target;
