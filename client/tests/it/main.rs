//! The client's integration tests: one test binary (`autotests = false`),
//! each file a module, so the library and its test code link once.
//!
//! - `customer_texts`: what the customer reads when no server is
//!   involved, through the built binary.
//! - `http`: the plain-HTTP layer (repositories, redirects, every status
//!   and body shape) against wiremock servers.
//!
//! The end-to-end tests against the real mock are the harness's
//! (`tests/` at the workspace root).

// Test code: a panic here is a failed test, which is what an unwrap means.
#![allow(clippy::unwrap_used)]

mod customer_texts;
mod http;
