//! What the runner and its expectations share: the runner's settings and
//! the context of one running case. A leaf: the runner's steps and the
//! expectations read it, and neither imports the other through it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::case::Case;
use crate::remote::Profile;
use crate::store::StoreProbe;
use crate::target::Target;

/// Where the certrenew binary is, and which RA the cases run against.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The binary under test.
    pub certrenew: PathBuf,
    /// A remote target; `None`: mock-ra in-process for each case.
    pub target: Option<Arc<Profile>>,
}

/// Everything one running case needs.
pub(crate) struct Context<'a> {
    pub(super) runner: &'a Runner,
    pub(super) case: &'a Case,
    pub(crate) target: &'a dyn Target,
    pub(super) rt: &'a tokio::runtime::Runtime,
    pub(super) work: PathBuf,
    pub(crate) store: StoreProbe,
    pub(super) web_root: PathBuf,
    pub(super) client_root: PathBuf,
    pub(crate) baseline: Vec<String>,
}
