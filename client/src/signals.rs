//! SIGINT, SIGTERM and SIGHUP held back while an issuance is under way
//! (D7.3): from the moment the one-shot issuance request is sent until the
//! certificate it brings is durable in the store, such a signal is only
//! noted; [`Hold::end`] returns it and `renew` then stops, exiting with
//! 128 + the signal's number (130, 143, 129), as a shell reports a process
//! the signal ended. Once a hold has started, a signal outside a hold ends
//! the process the same way at the next point where it waits for the
//! network (never in the middle of a store write, which does not wait).
//! SIGKILL cannot be held back: the store's write protocol covers it
//! ([`crate::store::PendingRenewal`]).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static HOLDING: AtomicBool = AtomicBool::new(false);
static HELD: AtomicI32 = AtomicI32::new(0);
static LISTENING: AtomicBool = AtomicBool::new(false);

/// The exit code for a process ended by signal `signal`.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

/// Signals held back until [`Hold::end`] (or until dropped, when the
/// renewal fails: the failure is reported and the process ends anyway).
#[derive(Debug)]
pub struct Hold(());

impl Hold {
    /// Starts holding the signals back. Must run inside the Tokio runtime.
    pub fn start() -> Self {
        HELD.store(0, Ordering::SeqCst);
        HOLDING.store(true, Ordering::SeqCst);
        if !LISTENING.swap(true, Ordering::SeqCst) {
            listen();
        }
        Hold(())
    }

    /// Stops holding; the number of a signal that arrived meanwhile.
    pub async fn end(self) -> Option<i32> {
        // A signal that arrived during the last, synchronous store write is
        // seen by the listening task only once the runtime runs it.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        HOLDING.store(false, Ordering::SeqCst);
        match HELD.swap(0, Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        HOLDING.store(false, Ordering::SeqCst);
    }
}

fn arrived(signal: i32) {
    if HOLDING.load(Ordering::SeqCst) {
        HELD.store(signal, Ordering::SeqCst);
    } else {
        std::process::exit(exit_code(signal));
    }
}

#[cfg(unix)]
fn listen() {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (SignalKind::interrupt(), 2),
        (SignalKind::terminate(), 15),
        (SignalKind::hangup(), 1),
    ];
    for (kind, number) in kinds {
        // Installing the handler happens here, synchronously; a handler
        // that cannot be installed leaves that signal's default action.
        if let Ok(mut s) = signal(kind) {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    arrived(number);
                }
            });
        }
    }
}

#[cfg(not(unix))]
fn listen() {
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            arrived(2);
        }
    });
}
