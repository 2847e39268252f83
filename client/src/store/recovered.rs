//! What opening the store put right: data the command reports.

use std::path::PathBuf;

/// What opening the store found left by an earlier run that ended early
/// (killed, power lost) and put right. Each is said once, by the run that
/// did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// A complete identity (certificate and matching key) left in a
    /// temporary directory was added to the store under its name.
    Adopted {
        /// The certificate's serial.
        serial: String,
        /// Where it is now.
        dir: PathBuf,
        /// Whether it was a renewal (its chain is completed by `renew`).
        renewal: bool,
    },
    /// A renewal that saved its new key and then ended before the RA's
    /// answer was stored: removed (a key without its certificate is of no
    /// use). The RA may have issued the certificate (D7.3).
    AnswerNotStored {
        /// The identity it renewed, if recorded.
        renewed_from: Option<String>,
    },
    /// A temporary identity that cannot be completed, kept under this name.
    SetAside {
        /// The hidden directory it is kept in.
        dir: PathBuf,
    },
    /// Temporary files and directories of runs that ended early, removed.
    TemporariesRemoved {
        /// How many.
        count: usize,
    },
    /// A store directory others could read or enter was made 0700.
    Tightened {
        /// The directory.
        dir: PathBuf,
        /// Its mode before.
        mode: u32,
    },
}
