//! The connection-level faults that shape the server's byte stream, below
//! TLS: `latency`, `bandwidth`, `close_after`, `reset_after`, `slow_close`,
//! and the stall of `tls_stall`. [`FaultyStream`] wraps the accepted TCP
//! stream; every role's TLS and HTTP run on top of it unchanged. It can
//! also hand out again bytes read before it was made (the request head the
//! HTTP virtual host was chosen by).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::registry::Applied;
use super::schedule::splitmix64;
use crate::faults::kind::FaultKind;

/// How many bytes of the ServerHello `tls_stall` lets through.
pub(crate) const TLS_STALL_AFTER: u64 = 48;

/// The shaping faults acting on one connection, combined.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shaping {
    /// Each answer (the first write after the client sent something) waits
    /// this long, plus up to `jitter` either way.
    latency: Option<(Duration, Duration)>,
    /// At most this many bytes a second.
    bandwidth: Option<u64>,
    /// A clean close once this many bytes were sent.
    close_after: Option<u64>,
    /// A reset once this many bytes were sent.
    reset_after: Option<u64>,
    /// Nothing more is sent once this many bytes were sent.
    stall_after: Option<u64>,
    /// Closing waits this long.
    slow_close: Option<Duration>,
    /// Jitter's random state, from the fault's event seed.
    rng: u64,
}

impl Shaping {
    /// The combination of `applied` (the plan's shaping faults, plus a
    /// stall when `stall` is set).
    pub fn new(applied: &[Applied], stall: bool) -> Self {
        let mut s = Shaping::default();
        for a in applied {
            let spec = &a.spec;
            let ms = |v: Option<u64>| Duration::from_millis(v.unwrap_or(0));
            match spec.kind {
                FaultKind::Latency => {
                    s.latency = Some((ms(spec.ms), ms(spec.jitter_ms)));
                    s.rng = a.event_seed;
                }
                FaultKind::Bandwidth => s.bandwidth = spec.bytes_per_sec,
                FaultKind::CloseAfter => s.close_after = spec.bytes,
                FaultKind::ResetAfter => s.reset_after = spec.bytes,
                FaultKind::SlowClose => s.slow_close = Some(ms(spec.ms)),
                _ => {}
            }
        }
        if stall {
            s.stall_after = Some(TLS_STALL_AFTER);
        }
        s
    }

    fn next_delay(&mut self) -> Option<Duration> {
        let (base, jitter) = self.latency?;
        if jitter.is_zero() {
            return Some(base);
        }
        self.rng = splitmix64(self.rng);
        let span = jitter.as_millis() as u64 * 2 + 1;
        let offset = (self.rng % span) as i64 - jitter.as_millis() as i64;
        let ms = (base.as_millis() as i64 + offset).max(0) as u64;
        Some(Duration::from_millis(ms))
    }
}

/// Which limit ends the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Close,
    Reset,
    Stall,
}

/// A TCP stream whose writes are shaped by [`Shaping`].
#[derive(Debug)]
pub(crate) struct FaultyStream {
    inner: TcpStream,
    shaping: Shaping,
    written: u64,
    /// The next write starts a new answer and waits for the latency.
    armed: bool,
    delay: Option<Pin<Box<Sleep>>>,
    /// Bandwidth: when the next byte may go.
    next_send: Option<Instant>,
    closing: Option<Pin<Box<Sleep>>>,
    closed_slowly: bool,
    /// A limit was reached: every further write fails.
    dead: bool,
    /// Bytes already read from the socket (the HTTP request head a virtual
    /// host was chosen by), handed out again before the socket's.
    replay: Vec<u8>,
}

impl FaultyStream {
    /// Wraps an accepted stream.
    pub fn new(inner: TcpStream, shaping: Shaping) -> Self {
        Self {
            inner,
            shaping,
            written: 0,
            armed: true,
            delay: None,
            next_send: None,
            closing: None,
            closed_slowly: false,
            dead: false,
            replay: Vec::new(),
        }
    }

    /// Reads `bytes` first (they were read from `inner` already).
    pub fn replaying(mut self, bytes: Vec<u8>) -> Self {
        self.replay = bytes;
        self
    }

    /// Bytes left before a limit, and which limit it is.
    fn remaining(&self) -> Option<(u64, Limit)> {
        [
            (self.shaping.stall_after, Limit::Stall),
            (self.shaping.reset_after, Limit::Reset),
            (self.shaping.close_after, Limit::Close),
        ]
        .into_iter()
        .filter_map(|(l, which)| l.map(|l| (l.saturating_sub(self.written), which)))
        .min_by_key(|(left, _)| *left)
    }
}

fn sleep_ready(slot: &mut Option<Pin<Box<Sleep>>>, cx: &mut Context<'_>) -> Poll<()> {
    match slot {
        Some(s) => match s.as_mut().poll(cx) {
            Poll::Ready(()) => {
                *slot = None;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        },
        None => Poll::Ready(()),
    }
}

impl AsyncRead for FaultyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.replay.is_empty() {
            let n = this.replay.len().min(buf.remaining());
            buf.put_slice(&this.replay[..n]);
            this.replay.drain(..n);
            this.armed = true;
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            // The client said something: the next write is a new answer.
            this.armed = true;
        }
        r
    }
}

impl AsyncWrite for FaultyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.dead {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "fault: the connection was ended",
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut room = buf.len();
        if let Some((left, which)) = this.remaining() {
            if left == 0 {
                match which {
                    // Never woken: the connection task ends on the
                    // handshake timeout or at shutdown.
                    Limit::Stall => return Poll::Pending,
                    Limit::Reset => {
                        this.dead = true;
                        let _ = this.inner.set_zero_linger();
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::ConnectionReset,
                            "fault: reset_after",
                        )));
                    }
                    Limit::Close => {
                        match Pin::new(&mut this.inner).poll_shutdown(cx) {
                            Poll::Pending => return Poll::Pending,
                            Poll::Ready(_) => {}
                        }
                        this.dead = true;
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::BrokenPipe,
                            "fault: close_after",
                        )));
                    }
                }
            }
            room = room.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        if this.armed {
            if this.delay.is_none()
                && let Some(d) = this.shaping.next_delay()
            {
                this.delay = Some(Box::pin(tokio::time::sleep(d)));
            }
            if sleep_ready(&mut this.delay, cx).is_pending() {
                return Poll::Pending;
            }
            this.armed = false;
        }
        if let Some(bps) = this.shaping.bandwidth {
            match this.next_send {
                Some(at) if at > Instant::now() => {
                    if this.delay.is_none() {
                        this.delay = Some(Box::pin(tokio::time::sleep_until(at)));
                    }
                    if sleep_ready(&mut this.delay, cx).is_pending() {
                        return Poll::Pending;
                    }
                }
                _ => this.delay = None,
            }
            // At most a twentieth of a second's worth at a time.
            let chunk = usize::try_from((bps / 20).max(1)).unwrap_or(usize::MAX);
            room = room.min(chunk);
        }
        match Pin::new(&mut this.inner).poll_write(cx, &buf[..room]) {
            Poll::Ready(Ok(n)) => {
                this.written += n as u64;
                if let Some(bps) = this.shaping.bandwidth {
                    let cost = Duration::from_secs_f64(n as f64 / bps as f64);
                    let start = this
                        .next_send
                        .filter(|t| *t > Instant::now())
                        .unwrap_or_else(Instant::now);
                    this.next_send = Some(start + cost);
                }
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(d) = this.shaping.slow_close
            && !this.closed_slowly
        {
            if this.closing.is_none() {
                this.closing = Some(Box::pin(tokio::time::sleep(d)));
            }
            if sleep_ready(&mut this.closing, cx).is_pending() {
                return Poll::Pending;
            }
            this.closed_slowly = true;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultSpec;
    use crate::wire::protocol::Host;

    fn applied(kind: FaultKind, f: impl FnOnce(&mut FaultSpec)) -> Applied {
        let mut spec = FaultSpec::new(Host::Repo1, kind);
        f(&mut spec);
        Applied {
            name: "t".into(),
            spec,
            event_seed: 99,
        }
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_repeats_with_the_seed() {
        let a = applied(FaultKind::Latency, |s| {
            s.ms = Some(100);
            s.jitter_ms = Some(20);
        });
        let draws = |mut s: Shaping| (0..50).map(|_| s.next_delay()).collect::<Vec<_>>();
        let one = draws(Shaping::new(std::slice::from_ref(&a), false));
        let two = draws(Shaping::new(&[a], false));
        assert_eq!(one, two);
        for d in one.into_iter().flatten() {
            assert!((80..=120).contains(&d.as_millis()), "{d:?}");
        }
    }

    #[test]
    fn the_smallest_limit_ends_the_stream() {
        let shaping = Shaping::new(
            &[
                applied(FaultKind::CloseAfter, |s| s.bytes = Some(100)),
                applied(FaultKind::ResetAfter, |s| s.bytes = Some(10)),
            ],
            false,
        );
        assert_eq!(shaping.reset_after, Some(10));
        assert_eq!(shaping.close_after, Some(100));
    }
}
