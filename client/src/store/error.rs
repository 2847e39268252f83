//! Why the store could not be read or written. A leaf of `store`.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cert::CertError;

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file system refused.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Another certrenew holds the store.
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// A file in the store or given to import that is not what it should be.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: CertError,
    },
    /// The identity is already there (create-new semantics).
    Exists(String),
    /// The key is not the certificate's.
    KeyMismatch(String),
    /// A command that only reads (or renews what is there) was pointed at
    /// a store that does not exist; only `import` and `roots add` create one.
    Missing(PathBuf),
    /// An identity an earlier run left half-written that could not be
    /// completed; it is kept, set aside under this hidden name.
    Unfinished {
        /// The set-aside directory.
        dir: PathBuf,
        /// Why it cannot be completed.
        why: String,
    },
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
