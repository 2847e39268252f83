//! An `[[account]]`: building one, and checking it against the world it
//! is in.

use super::*;

impl AccountSpec {
    /// An account with one current certificate that ends at `now + expires`.
    pub fn new(id: &str, password: &str, expires: Offset) -> Self {
        Self {
            id: id.to_owned(),
            cn: None,
            password: Password::new(password),
            password_change: Vec::new(),
            failures: 0,
            locked: false,
            password_expires: None,
            order: None,
            key_type: None,
            certificate: vec![CertificateSpec::expiring(expires)],
        }
    }

    /// The common name of its certificates.
    pub fn common_name(&self) -> &str {
        self.cn.as_deref().unwrap_or(&self.id)
    }

    /// Statuses after defaults: explicit ones as given, otherwise the last
    /// certificate current and earlier ones reissued.
    pub fn statuses(&self) -> Vec<CertStatus> {
        let last = self.certificate.len().saturating_sub(1);
        self.certificate
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.status.unwrap_or(if i == last {
                    CertStatus::Current
                } else {
                    CertStatus::Reissued
                })
            })
            .collect()
    }

    /// Identity names after defaults.
    pub fn certificate_names(&self) -> Vec<String> {
        let statuses = self.statuses();
        self.certificate
            .iter()
            .zip(&statuses)
            .enumerate()
            .map(|(i, (c, s))| match (&c.name, s) {
                (Some(n), _) => n.clone(),
                (None, CertStatus::Current) => self.id.clone(),
                (None, _) => format!("{}-{}", self.id, i + 1),
            })
            .collect()
    }

    /// Checks what serde cannot; the error names the offending key.
    pub(crate) fn check(&self) -> Result<(), Invalid> {
        if !crate::wire::protocol::valid_name(&self.id) {
            return Err(Invalid::new(
                vec![Seg::key("id")],
                format!(
                    "account id `{}`: use letters, digits, `-`, `_` and `.` only",
                    self.id
                ),
            ));
        }
        if self.certificate.is_empty() {
            return Err(Invalid::new(
                vec![],
                format!(
                    "account `{}` has no certificate: add an [[account.certificate]] with `expires`",
                    self.id
                ),
            ));
        }
        let statuses = self.statuses();
        let current = statuses
            .iter()
            .filter(|s| **s == CertStatus::Current)
            .count();
        if current != 1 {
            return Err(Invalid::new(
                vec![Seg::key("certificate")],
                format!(
                    "account `{}` has {current} current certificates: expected exactly one",
                    self.id
                ),
            ));
        }
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        for (i, c) in self.certificate.iter().enumerate() {
            let (nb, na) = c.window(now);
            if na <= nb {
                return Err(Invalid::new(
                    vec![Seg::key("certificate"), Seg::Index(i), Seg::key("expires")],
                    format!(
                        "certificate {} of account `{}`: validity ends ({}) before it starts ({})",
                        i + 1,
                        self.id,
                        c.expires,
                        Offset(nb - now)
                    ),
                ));
            }
            if let Some(n) = &c.name
                && !crate::wire::protocol::valid_name(n)
            {
                return Err(Invalid::new(
                    vec![Seg::key("certificate"), Seg::Index(i), Seg::key("name")],
                    format!("identity name `{n}`: use letters, digits, `-`, `_` and `.` only"),
                ));
            }
        }
        Ok(())
    }
}
