//! `harness load --target PROFILE`: the load's world handed to a target
//! through its state-change endpoint (docs/protocol.md section 7), then
//! loaded as a served mock is: the state's hosts, its admin API for the
//! customers' identities and orders. The state is torn down when the run
//! ends.

use std::path::{Path, PathBuf};

use crate::hosts::Connection;
use crate::remote::{Profile, RemoteError};

/// Why the load's world could not be set up on a target. The texts are the
/// ones `harness load --target` prints, each source's text after `: `.
#[derive(Debug, thiserror::Error)]
pub enum TargetStateError {
    /// The profile could not be read, or the target refused the state; the
    /// text already says why.
    #[error("{0}")]
    Remote(RemoteError),
    /// The work directory for the ready line could not be made.
    #[error("cannot make a work directory")]
    WorkDir(#[source] std::io::Error),
    /// The world file could not be read.
    #[error("cannot read {}", path.display())]
    ReadWorld {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The generated season could not be written.
    #[error("cannot write the season's world")]
    WriteSeason(#[source] std::io::Error),
    /// The world is not TOML; the text points at the place.
    #[error("{0}")]
    Toml(String),
    /// The world could not be turned into the state's JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The state's web root could not be written.
    #[error("cannot write the web root")]
    WriteWebRoot(#[source] std::io::Error),
    /// The ready line could not be written.
    #[error("cannot write the ready line")]
    WriteReady(#[source] std::io::Error),
}

/// A target holding the load's world for one run.
#[derive(Debug)]
pub struct TargetState {
    /// The world file the customers come from (the one given, or the
    /// generated season written here).
    pub world: PathBuf,
    /// A ready line for the state, in `mock-ra serve`'s form.
    pub ready: PathBuf,
    profile: Profile,
    id: String,
    _dir: tempfile::TempDir,
}

impl TargetState {
    /// Reads the profile, sets the world (`world`, or `default_text`) up on
    /// the target and writes the ready line the load reads.
    pub fn set_up(
        profile: &Path,
        world: Option<&Path>,
        default_text: &str,
    ) -> Result<Self, TargetStateError> {
        let profile = Profile::from_file(profile).map_err(TargetStateError::Remote)?;
        let dir = tempfile::Builder::new()
            .prefix("harness-load-")
            .tempdir()
            .map_err(TargetStateError::WorkDir)?;
        let (world, text) = match world {
            Some(p) => (
                p.to_path_buf(),
                std::fs::read_to_string(p).map_err(|source| TargetStateError::ReadWorld {
                    path: p.to_path_buf(),
                    source,
                })?,
            ),
            None => {
                let p = dir.path().join("season.toml");
                std::fs::write(&p, default_text).map_err(TargetStateError::WriteSeason)?;
                (p, default_text.to_owned())
            }
        };
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            TargetStateError::Toml(fileformat::toml_error(
                &world.display().to_string(),
                &text,
                &e,
            ))
        })?;
        let json = serde_json::to_value(table)?;
        let state = profile
            .post_state("harness load", json)
            .map_err(TargetStateError::Remote)?;
        let web_root = dir.path().join("web-root.pem");
        std::fs::write(&web_root, &state.web_root_pem).map_err(TargetStateError::WriteWebRoot)?;
        let connection = Connection {
            server_ca: web_root.display().to_string(),
            root_sha1: state.client_root_sha1.clone(),
            hosts: state.hosts.clone(),
            now: state.now.clone(),
        };
        let webra2 = state
            .hosts
            .get(&crate::hosts::Host::Webra2)
            .cloned()
            .unwrap_or_default();
        let ready = dir.path().join("ready.json");
        let line = serde_json::json!({
            "webra2": format!("https://{webra2}"),
            "admin": state.admin,
            "admin_token": state.admin_token,
            "web_root_pem": web_root.display().to_string(),
            "certrenew_args": connection.certrenew_args(),
        });
        std::fs::write(&ready, format!("{line}\n")).map_err(TargetStateError::WriteReady)?;
        Ok(Self {
            world,
            ready,
            profile,
            id: state.id,
            _dir: dir,
        })
    }
}

impl Drop for TargetState {
    fn drop(&mut self) {
        if let Err(e) = self.profile.delete_state(&self.id) {
            eprintln!("harness load: the target's state was not torn down: {e}");
        }
    }
}
