//! certs-gen's integration tests, one binary (linking is the slow part of a
//! test cycle): each file a module.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod cli;
mod openssl;
mod roundtrip;
