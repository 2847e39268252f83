//! The four hosts as the harness handles them: the one place that maps a
//! case file's host to mock-ra's roles and fault hosts, and that builds
//! certrenew's connection arguments from where the hosts are.

use std::collections::BTreeMap;

use mock_ra::{Host as FaultHost, Role};

pub use crate::case::Host;

/// Every host, in the order certrenew's arguments name them.
pub const ALL: [Host; 4] = Host::ALL;

/// mock-ra's role for a host.
pub fn role_of(host: Host) -> Role {
    host.role()
}

/// mock-ra's fault host for a host (the same type).
pub fn fault_host_of(host: Host) -> FaultHost {
    host
}

/// The host a profile or a case names (`webra2`, `webra1`, `repo1`,
/// `repository`); the real hostnames are not accepted here.
pub fn parse(name: &str) -> Option<Host> {
    ALL.into_iter().find(|h| h.as_str() == name)
}

/// The short name case files and profiles use.
pub fn short_name(host: Host) -> &'static str {
    host.as_str()
}

/// Where certrenew connects for each host, and what it checks there: what
/// the harness turns into certrenew's connection arguments. The real
/// hostnames stay in SNI, certificate checks and `Host`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    /// Host to `ADDRESS:PORT` (an IP address or a name) it is reached at.
    pub hosts: BTreeMap<Host, String>,
    /// The web trust anchor (PEM file).
    pub server_ca: String,
    /// The client-CA root pin (40 hex digits).
    pub root_sha1: String,
    /// The virtual time the target runs at, if not the real one (RFC 3339).
    pub now: Option<String>,
}

impl Connection {
    /// `--server-ca`, one `--connect-to` per host, `--root-sha1` and, for a
    /// virtual clock, `--danger-now`.
    pub fn certrenew_args(&self) -> Vec<String> {
        let mut args = vec!["--server-ca".to_owned(), self.server_ca.clone()];
        for host in ALL {
            if let Some(to) = self.hosts.get(&host) {
                args.push("--connect-to".to_owned());
                args.push(format!("{}:{}:{to}", host.hostname(), host.port()));
            }
        }
        args.extend(["--root-sha1".to_owned(), self.root_sha1.clone()]);
        if let Some(now) = &self.now {
            args.extend(["--danger-now".to_owned(), now.clone()]);
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_args_name_every_host_with_its_real_name() {
        let mut c = Connection {
            server_ca: "/w/web-root.pem".into(),
            root_sha1: "ab".repeat(20),
            ..Default::default()
        };
        for (i, h) in ALL.into_iter().enumerate() {
            c.hosts.insert(h, format!("127.0.0.1:{}", 4000 + i));
        }
        let args = c.certrenew_args();
        assert_eq!(args[..2], ["--server-ca", "/w/web-root.pem"]);
        let connect: Vec<&String> = args
            .iter()
            .skip(1)
            .zip(args.iter().skip(2))
            .filter(|(flag, _)| *flag == "--connect-to")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(connect.len(), 4);
        assert_eq!(
            *connect[0],
            format!("{}:443:127.0.0.1:4000", certs_gen::names::WEBRA2_HOST)
        );
        assert_eq!(
            *connect[3],
            format!("{}:80:127.0.0.1:4003", certs_gen::names::REPOSITORY_HOST)
        );
        assert!(!args.contains(&"--danger-now".to_owned()));
        c.now = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            c.certrenew_args()[args.len()..],
            ["--danger-now", "2026-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn short_names_round_trip() {
        for h in ALL {
            assert_eq!(parse(short_name(h)), Some(h));
        }
        assert_eq!(parse("webra3"), None);
    }
}

/// Why a target host's `name:port` gives no socket address.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The lookup failed.
    #[error("cannot resolve: {0}")]
    Lookup(#[source] std::io::Error),
    /// It gave no address.
    #[error("resolves to no address")]
    NoAddress,
}
