//! `harness`: runs the scenario catalogue (work in progress).

fn main() {}
