//! `[[customers]]`: N generated customers in one table (a renewal season),
//! instead of N `[[account]]` tables.
//!
//! ```toml
//! [[customers]]
//! count = 100000
//! id = "cust{n:06}"          # {n} is 1..=count; {n:06} zero-pads to 6 digits
//! password = "pw-{n}"        # the initial password, same placeholders
//! cn = "ACME user {n}"       # default: the id
//! expires_from = "-80d"      # notAfter of customer 1 ...
//! expires_to = "-1d"         # ... of customer `count`, the others evenly between
//! key_type = "p256"          # default: the PKI's
//! order = "ready"            # default: as for [[account]]
//! ```
//!
//! Each customer is an account with one current certificate whose key and
//! certificate are made on first use (`identities`): the world starts in
//! milliseconds per thousand customers.

use certs_gen::KeyType;
use fileformat::{Offset, Seg};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::invalid::Invalid;
use crate::ra::accounts::{OrderState, Password};

/// The most customers one table may generate.
pub const MAX_CUSTOMERS: u32 = 1_000_000;

/// `[[customers]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersSpec {
    /// How many customers.
    pub count: u32,
    /// Account id pattern; `{n}` (or `{n:0W}`) is the customer's number.
    #[serde(default = "default_id")]
    pub id: String,
    /// Common-name pattern; the id when absent.
    pub cn: Option<String>,
    /// Initial password pattern.
    pub password: Password,
    /// notAfter of customer 1, relative to now.
    pub expires_from: Offset,
    /// notAfter of the last customer; `expires_from` when absent.
    pub expires_to: Option<Offset>,
    /// Key type; the PKI's when absent.
    pub key_type: Option<KeyType>,
    /// The renewal order; decided by the clock when absent.
    pub order: Option<OrderState>,
}

fn default_id() -> String {
    "customer{n:06}".to_owned()
}

/// One generated customer, its patterns filled in.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Account id (also its identity's name).
    pub id: String,
    /// Common name.
    pub cn: String,
    /// Initial password.
    pub password: Password,
    /// notAfter relative to now.
    pub expires: Duration,
}

/// What is wrong with a `[[customers]]` pattern (`id`, `cn`, `password`);
/// the text names the pattern and says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// A `{` that no `}` closes.
    #[error("`{pattern}`: `{{` without `}}`: write {{n}} or {{n:06}}")]
    Unclosed {
        /// The pattern.
        pattern: String,
    },
    /// A placeholder other than `{n}` and `{n:0W}` (W 1-9).
    #[error(
        "`{pattern}`: unknown placeholder `{{{placeholder}}}`: expected {{n}} or {{n:0W}} (W 1-9)"
    )]
    Placeholder {
        /// The pattern.
        pattern: String,
        /// What stood between the braces.
        placeholder: String,
    },
    /// A `}` that no `{` opened.
    #[error("`{pattern}`: `}}` without `{{`")]
    Unopened {
        /// The pattern.
        pattern: String,
    },
}

/// Fills `{n}` and `{n:0W}` in `pattern` with `n`; the error says what is
/// wrong with the pattern.
pub fn expand(pattern: &str, n: u32) -> Result<String, PatternError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| PatternError::Unclosed {
            pattern: pattern.to_owned(),
        })?;
        match &after[..close] {
            "n" => out.push_str(&n.to_string()),
            inner => {
                let width = inner
                    .strip_prefix("n:0")
                    .and_then(|w| w.parse::<usize>().ok())
                    .filter(|w| (1..=9).contains(w))
                    .ok_or_else(|| PatternError::Placeholder {
                        pattern: pattern.to_owned(),
                        placeholder: inner.to_owned(),
                    })?;
                out.push_str(&format!("{n:0width$}"));
            }
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(PatternError::Unopened {
            pattern: pattern.to_owned(),
        });
    }
    out.push_str(rest);
    Ok(out)
}

impl CustomersSpec {
    /// Customer `n` (1-based).
    pub fn customer(&self, n: u32) -> Result<Customer, PatternError> {
        let id = expand(&self.id, n)?;
        let cn = match &self.cn {
            Some(p) => expand(p, n)?,
            None => id.clone(),
        };
        let password = Password::new(expand(self.password.expose(), n)?);
        Ok(Customer {
            id,
            cn,
            password,
            expires: self.expires_at(n),
        })
    }

    /// notAfter of customer `n` relative to now: spread evenly from
    /// `expires_from` (customer 1) to `expires_to` (the last), to the second.
    pub fn expires_at(&self, n: u32) -> Duration {
        let from = self.expires_from.duration();
        let to = self.expires_to.unwrap_or(self.expires_from).duration();
        if self.count <= 1 {
            return from;
        }
        let span = (to - from).whole_seconds() as i128;
        let step = span * i128::from(n.saturating_sub(1)) / i128::from(self.count - 1);
        from + Duration::seconds(step as i64)
    }

    /// Checks what serde cannot; the error names the offending key.
    pub(crate) fn check(&self) -> Result<(), Invalid> {
        let at = |k: &str| vec![Seg::key(k)];
        if self.count == 0 || self.count > MAX_CUSTOMERS {
            return Err(Invalid::new(
                at("count"),
                format!(
                    "customers.count = {}: expected 1 to {MAX_CUSTOMERS}",
                    self.count
                ),
            ));
        }
        if self.count > 1 && !self.id.contains("{n") {
            return Err(Invalid::new(
                at("id"),
                format!(
                    "customers.id `{}` has no {{n}}: {} customers would share one id",
                    self.id, self.count
                ),
            ));
        }
        for (key, pattern) in [
            ("id", Some(self.id.as_str())),
            ("cn", self.cn.as_deref()),
            ("password", Some(self.password.expose())),
        ] {
            if let Some(p) = pattern {
                // The pattern's own mistakes, not the password's text.
                expand(p, 1).map_err(|e| {
                    let e = if key == "password" {
                        "the password pattern has a bad placeholder: expected {n} or {n:0W} (W 1-9)"
                            .to_owned()
                    } else {
                        format!("customers.{key} {e}")
                    };
                    Invalid::new(at(key), e)
                })?;
            }
        }
        for n in [1, self.count] {
            let id = expand(&self.id, n).map_err(|e| Invalid::new(at("id"), e.to_string()))?;
            if !crate::wire::protocol::valid_name(&id) {
                return Err(Invalid::new(
                    at("id"),
                    format!(
                        "customers.id makes `{id}`: use letters, digits, `-`, `_` and `.` only"
                    ),
                ));
            }
        }
        let probe = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        for (key, offset) in [
            ("expires_from", Some(self.expires_from)),
            ("expires_to", self.expires_to),
        ] {
            if let Some(o) = offset {
                let not_after = probe + o.duration();
                if not_after - certs_gen::DEFAULT_CLIENT_LIFETIME >= not_after {
                    return Err(Invalid::new(
                        at(key),
                        format!("customers.{key} `{o}`: out of range"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_fill_in_the_number_and_refuse_what_they_do_not_know() {
        assert_eq!(expand("cust{n:06}", 42).unwrap(), "cust000042");
        assert_eq!(expand("pw-{n}-{n}", 7).unwrap(), "pw-7-7");
        assert_eq!(expand("plain", 7).unwrap(), "plain");
        assert_eq!(
            expand("a{x}", 1).unwrap_err().to_string(),
            "`a{x}`: unknown placeholder `{x}`: expected {n} or {n:0W} (W 1-9)"
        );
        assert_eq!(
            expand("a{n", 1).unwrap_err().to_string(),
            "`a{n`: `{` without `}`: write {n} or {n:06}"
        );
        assert_eq!(
            expand("a}", 1).unwrap_err(),
            PatternError::Unopened {
                pattern: "a}".into()
            }
        );
        assert_eq!(
            expand("a}", 1).unwrap_err().to_string(),
            "`a}`: `}` without `{`"
        );
    }

    #[test]
    fn expiries_spread_evenly_over_the_window() {
        let spec = CustomersSpec {
            count: 5,
            id: default_id(),
            cn: None,
            password: Password::new("p"),
            expires_from: Offset(Duration::days(-80)),
            expires_to: Some(Offset(Duration::days(-40))),
            key_type: None,
            order: None,
        };
        let days: Vec<i64> = (1..=5).map(|n| spec.expires_at(n).whole_days()).collect();
        assert_eq!(days, [-80, -70, -60, -50, -40]);
    }
}
