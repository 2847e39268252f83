//! The process environment, read in one place (STYLE 15): proxies and the
//! directories the default store lives in. Nothing else calls `std::env::var`.

use std::path::PathBuf;

/// The environment variables certrenew honours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `HTTPS_PROXY` / `https_proxy`.
    pub https_proxy: Option<String>,
    /// `HTTP_PROXY` / `http_proxy`.
    pub http_proxy: Option<String>,
    /// `NO_PROXY` / `no_proxy`.
    pub no_proxy: Option<String>,
    /// `XDG_DATA_HOME` (Unix).
    pub xdg_data_home: Option<PathBuf>,
    /// `HOME` (Unix) or `USERPROFILE` (Windows).
    pub home: Option<PathBuf>,
    /// `APPDATA` (Windows).
    pub appdata: Option<PathBuf>,
}

fn var(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

impl Environment {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self {
            https_proxy: var(&["HTTPS_PROXY", "https_proxy"]),
            http_proxy: var(&["HTTP_PROXY", "http_proxy"]),
            no_proxy: var(&["NO_PROXY", "no_proxy"]),
            xdg_data_home: var(&["XDG_DATA_HOME"]).map(PathBuf::from),
            home: var(&["HOME", "USERPROFILE"]).map(PathBuf::from),
            appdata: var(&["APPDATA"]).map(PathBuf::from),
        }
    }

    /// The default store directory: `%APPDATA%\certrenew` on Windows,
    /// `~/Library/Application Support/certrenew` on macOS,
    /// `$XDG_DATA_HOME/certrenew` or `~/.local/share/certrenew` elsewhere.
    pub fn default_store(&self) -> Option<PathBuf> {
        if cfg!(windows) {
            return self.appdata.as_ref().map(|d| d.join("certrenew"));
        }
        if cfg!(target_os = "macos") {
            return self
                .home
                .as_ref()
                .map(|h| h.join("Library/Application Support/certrenew"));
        }
        match (&self.xdg_data_home, &self.home) {
            (Some(x), _) if x.is_absolute() => Some(x.join("certrenew")),
            (_, Some(h)) => Some(h.join(".local/share/certrenew")),
            _ => None,
        }
    }
}

impl Environment {
    /// Where the default store is, as people write it (`~/...`,
    /// `$XDG_DATA_HOME/...`, `%APPDATA%\...`): the same rule as
    /// [`Environment::default_store`], without this machine's home path.
    pub fn default_store_display(&self) -> Option<String> {
        if cfg!(windows) {
            return self
                .appdata
                .as_ref()
                .map(|_| r"%APPDATA%\certrenew".to_owned());
        }
        if cfg!(target_os = "macos") {
            return self
                .home
                .as_ref()
                .map(|_| "~/Library/Application Support/certrenew".to_owned());
        }
        match (&self.xdg_data_home, &self.home) {
            (Some(x), _) if x.is_absolute() => Some("$XDG_DATA_HOME/certrenew".to_owned()),
            (_, Some(_)) => Some("~/.local/share/certrenew".to_owned()),
            _ => None,
        }
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn the_default_store_follows_xdg() {
        let mut env = Environment {
            home: Some("/home/u".into()),
            ..Default::default()
        };
        assert_eq!(
            env.default_store(),
            Some(PathBuf::from("/home/u/.local/share/certrenew"))
        );
        assert_eq!(
            env.default_store_display().as_deref(),
            Some("~/.local/share/certrenew")
        );
        env.xdg_data_home = Some("/data".into());
        assert_eq!(env.default_store(), Some(PathBuf::from("/data/certrenew")));
        assert_eq!(
            env.default_store_display().as_deref(),
            Some("$XDG_DATA_HOME/certrenew")
        );
        env.xdg_data_home = Some("relative".into());
        assert_eq!(
            env.default_store(),
            Some(PathBuf::from("/home/u/.local/share/certrenew"))
        );
    }
}
