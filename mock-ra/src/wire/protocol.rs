//! The protocol's shared constants: paths, limits, names. A leaf: it
//! imports no other module of the crate, and every layer may use it.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Path of the download page (D3.3).
pub const DOWNLOAD_PATH: &str = "/scira/doc/kkb/expiredrenew.html";
/// Path of the login (protocol 2.3).
pub const LOGIN_PATH: &str = "/scira/api/v1/renewal/login";
/// Path of the issuance (protocol 2.4).
pub const CERTIFICATE_PATH: &str = "/scira/api/v1/renewal/certificate";

/// The four hosts of the vendor the mock plays: what a fault names, what
/// the journal's host roles are (conversions to and from
/// [`crate::wire::journal::Role`] live with the roles).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Host {
    /// The RA (HTTPS).
    Webra2,
    /// The confirmation page (HTTPS).
    Webra1,
    /// Repository 1 (HTTP).
    Repo1,
    /// The repository (HTTP).
    Repository,
}

impl Host {
    /// Every host, in the manual's order of roles.
    pub const ALL: [Host; 4] = [Host::Webra2, Host::Webra1, Host::Repo1, Host::Repository];

    /// `webra2`, `webra1`, `repo1`, `repository`.
    pub fn as_str(self) -> &'static str {
        match self {
            Host::Webra2 => "webra2",
            Host::Webra1 => "webra1",
            Host::Repo1 => "repo1",
            Host::Repository => "repository",
        }
    }

    /// The short name, as [`Host::as_str`].
    pub fn name(self) -> &'static str {
        self.as_str()
    }

    /// The real hostname (`webra2.secomtrust.net`, ...).
    pub fn hostname(self) -> &'static str {
        match self {
            Host::Webra2 => certs_gen::names::WEBRA2_HOST,
            Host::Webra1 => certs_gen::names::WEBRA1_HOST,
            Host::Repo1 => certs_gen::names::REPO1_HOST,
            Host::Repository => certs_gen::names::REPOSITORY_HOST,
        }
    }

    /// The real port: 443 for the HTTPS hosts, 80 for the repositories.
    pub fn port(self) -> u16 {
        if self.is_https() { 443 } else { 80 }
    }

    /// webra2 and webra1 speak HTTPS.
    pub fn is_https(self) -> bool {
        matches!(self, Host::Webra2 | Host::Webra1)
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of the four hosts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown host `{0}`: expected webra2, webra1, repo1 or repository, or their hostnames")]
pub struct UnknownHost(pub String);

impl std::str::FromStr for Host {
    type Err = UnknownHost;

    /// The short name or the real hostname, in any ASCII case.
    fn from_str(s: &str) -> Result<Self, UnknownHost> {
        Host::ALL
            .into_iter()
            .find(|h| s.eq_ignore_ascii_case(h.as_str()) || s.eq_ignore_ascii_case(h.hostname()))
            .ok_or_else(|| UnknownHost(s.to_owned()))
    }
}

/// The key types the RA signs, by their wire names, in the order the
/// login offers them (protocol 2.3 `key_types`). The one list: the login
/// sends it and the CSR check (`issuance::check_csr`) accepts exactly it.
pub const KEY_TYPES: [&str; 4] = ["p256", "rsa2048", "rsa3072", "rsa4096"];

/// The one validity rule (RFC 5280 4.1.2.5): a certificate is valid from
/// notBefore *through* notAfter, both inclusive, compared in whole seconds
/// (the resolution of the certificate's times), so at exactly notAfter it
/// is still valid and one second later it has expired.
pub fn within_validity(
    now: OffsetDateTime,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Validity {
    let now = certs_gen::truncate_to_seconds(now);
    if now < not_before {
        Validity::NotYetValid
    } else if now > not_after {
        Validity::Expired
    } else {
        Validity::Valid
    }
}

/// Where a time falls against a certificate's validity ([`within_validity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Before notBefore.
    NotYetValid,
    /// From notBefore through notAfter.
    Valid,
    /// After notAfter.
    Expired,
}

/// The longest HTTP request head the proxy and the virtual hosts read.
pub const HEAD_LIMIT: usize = 16 * 1024;

/// A name usable as a directory: letters, digits, `-`, `_`, `.`, not `.`/`..`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// RFC 3339 with whole seconds, as everything here prints times.
pub fn rfc3339(t: OffsetDateTime) -> String {
    certs_gen::truncate_to_seconds(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_includes_both_ends_to_the_second() {
        let t = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let (nb, na) = (t, t + time::Duration::days(365));
        let s = time::Duration::seconds(1);
        assert_eq!(within_validity(nb - s, nb, na), Validity::NotYetValid);
        assert_eq!(within_validity(nb, nb, na), Validity::Valid);
        assert_eq!(within_validity(na, nb, na), Validity::Valid);
        assert_eq!(
            within_validity(na + time::Duration::milliseconds(999), nb, na),
            Validity::Valid
        );
        assert_eq!(within_validity(na + s, nb, na), Validity::Expired);
    }

    #[test]
    fn hosts_parse_from_their_names_and_hostnames_and_nothing_else() {
        for host in Host::ALL {
            assert_eq!(host.name().parse::<Host>(), Ok(host));
            assert_eq!(host.hostname().to_uppercase().parse::<Host>(), Ok(host));
        }
        assert_eq!(Host::Webra2.port(), 443);
        assert_eq!(Host::Repository.port(), 80);
        let err = "webra3.secomtrust.net".parse::<Host>().unwrap_err();
        assert!(err.to_string().contains("`webra3.secomtrust.net`"), "{err}");
    }
}
