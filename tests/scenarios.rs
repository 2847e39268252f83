//! One test per case file (work in progress).

fn main() {}
