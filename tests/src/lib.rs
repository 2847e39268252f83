//! The scenario harness: case files in, mock-ra in-process, the real
//! certrenew binary as a subprocess, reports out.

pub mod bench;
pub mod case;
pub mod catalogue;
pub mod matrix;
pub mod report;
pub mod runner;
