//! The one catalogue of customer-facing words: the class lines and
//! remedies, every other line and every error detail, its Japanese (the
//! default; every line a Japanese customer sees is Japanese) beside its
//! English. The English of an error is also its `Display`, the technical
//! form in JSON `details.error` and `--lang en`, so each English text is
//! written here and nowhere else; the Japanese never shows the English.

use std::fmt;

use super::lang::Lang;
use crate::cert::CertError;
use crate::chain::{ChainError, PathProblem};
use crate::confirm::NotConfirmed;
use crate::error::{Error, InputProblem, Usage};
use crate::net::{NetError, NetErrorKind};
use crate::selection::{Ineligible, NoCertificate};
use crate::store::StoreError;
use crate::trust::RootRefused;

mod cert;
mod classes;
mod details;
mod lines;
mod net;
mod selection;
mod verdicts;

pub use cert::cert;
pub use details::{error, input, store, usage};
pub use net::{net, net_kind};
pub use selection::{ineligible, no_certificate};
pub use verdicts::{chain, confirm, path_problem, root};

/// Each type's `Display` is its English detail text from this catalogue.
macro_rules! english_display {
    ($($t:ty => $say:path),* $(,)?) => {
        $(impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&$say(self, Lang::En))
            }
        })*
    };
}

english_display! {
    Error => error,
    Usage => usage,
    InputProblem => input,
    NetError => net,
    NetErrorKind => net_kind,
    StoreError => store,
    CertError => cert,
    NoCertificate => no_certificate,
    Ineligible => ineligible,
    ChainError => chain,
    PathProblem => path_problem,
    RootRefused => root,
    NotConfirmed => confirm,
}

#[cfg(test)]
mod tests;
