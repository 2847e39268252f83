//! What every file format of the workspace shares: the certs-gen spec,
//! mock-ra's world file, the harness's case files, target profiles and the
//! drift files all read alike.
//!
//! - Spans: a byte offset as 1-based `line:column` ([`line_column`]), a key
//!   path into a TOML document ([`Seg`]) and where its value starts
//!   ([`offset_of`]).
//! - Errors: `file:line:column: message`, then the line quoted with a caret
//!   under the column ([`error_at`], [`error_at_path`], [`toml_error`]).
//! - Secrets: the one masking rule (`src/redact.rs`, applied by
//!   [`error_at`]): a password in a file never reaches an error message,
//!   even from a file that is not valid TOML yet.
//! - Relative times: [`Offset`] (`-10d`, `+89d23h59m`, `0`), how every file
//!   describes a certificate's window so that nothing generated can rot.
//!
//! A leaf: it depends on no crate of the workspace, and each of them may
//! depend on it.

mod located;
mod redact;
mod reltime;
mod span;

pub use located::{error_at, error_at_path, toml_error};
pub use redact::{MASK, SECRET_WORDS, is_secret_key, mask_secrets};
pub use reltime::{Offset, OffsetError};
pub use span::{Seg, line_column, offset_of};
