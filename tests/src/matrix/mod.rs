//! The fault matrix: every fault kind on every host it applies to, each
//! cell a real run of certrenew against a fresh mock-ra whose world holds
//! that one fault. A cell is a generated case file, run by the same runner
//! as the catalogue, so it is checked the same way: the exit code (the
//! class), a time bound derived from the client's timeout flags, the
//! renewal order (consumed only where the issuance committed), and the
//! store (the old identity is never lost).
//!
//! Cells on webra2, repo1 and repository run `renew` (the tool reaches
//! those three by itself, D6.1); cells on webra1 run `verify`, the
//! confirmation page (D5.1): a page that arrives without success is
//! ECONFIRM, a page that cannot be reached is E115 with the network advice.

mod cells;
mod grid;
mod variants;

pub use cells::{Cell, case, case_text, cell_details, cells};
pub use grid::{client_time, grid, grid_html};
pub use variants::{
    ATTEMPTS, BACKOFF_TOTAL, CONNECT_TIMEOUT_SECS, Expected, SLACK, TIMEOUT_SECS, Variant,
    cell_bound, stage_bound, variants,
};

#[cfg(test)]
mod tests;
