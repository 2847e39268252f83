//! The client under test talks to loopback servers: a proxy set in the
//! environment of whoever runs the tests must not reach it.

use std::process::Command;

/// `.no_proxy()` on a command: removes the proxy variables certrenew reads.
pub trait NoProxy {
    /// The command without `HTTPS_PROXY`, `HTTP_PROXY` and their lowercase forms.
    fn no_proxy(&mut self) -> &mut Self;
}

impl NoProxy for Command {
    fn no_proxy(&mut self) -> &mut Self {
        for var in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] {
            self.env_remove(var);
        }
        self
    }
}
