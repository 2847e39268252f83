//! How much of the mock a peer may hold, and for how long (docs in the
//! README's "Bounded resources"). A leaf: every listener reads these from
//! the shared state, and `serve` flags set them.

use std::time::Duration;

/// The bounds every listener enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From the first byte of a request head (HTTP/1.1) to its end; a
    /// slow head is closed without an answer.
    pub header_read: Duration,
    /// From the head to the end of the request body; a slow body gets
    /// `408` (`request_timeout`) and the connection is closed.
    pub body: Duration,
    /// How long a connection may stay open with no request in flight (a
    /// keep-alive connection between requests, or one that never completes
    /// its first request, HTTP/1.1 or h2); then it is closed (h2: GOAWAY).
    pub idle: Duration,
    /// Connections open at once per listener; one more is accepted and
    /// closed at once, journaled as `connection_limit`.
    pub connections: usize,
}

impl Limits {
    /// 10 s for a request head, 30 s for a body, 60 s idle, 512 connections
    /// per listener: generous for any client, finite for a slow one.
    pub const DEFAULT: Limits = Limits {
        header_read: Duration::from_secs(10),
        body: Duration::from_secs(30),
        idle: Duration::from_secs(60),
        connections: 512,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// The journal keeps this many entries unless told otherwise (about
/// 0.5 KiB each: some 10 MiB); older ones are dropped and counted.
pub const JOURNAL_CAPACITY: usize = 20_000;
