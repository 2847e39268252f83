//! Times written relative to a "now": `-10d`, `+89d23h59m`, `400d`, `0`.
//!
//! Case files, the certs-gen spec and mock-ra's world all describe
//! certificates this way, so nothing generated can rot.

use std::fmt;

use time::Duration;

/// A signed offset such as `-89d23h59m`: days, hours, minutes and seconds, in
/// that order, each at most once; a leading `+` or `-`; `0` alone is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offset(pub Duration);

/// Why an offset did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time offset `{input}`: {reason} (expected e.g. `-10d`, `+89d23h59m`, `30s`)")]
pub struct OffsetError {
    input: String,
    reason: &'static str,
}

impl Offset {
    /// The longest offset [`Offset::parse`] takes: 20 years of 365.25 days,
    /// far beyond any validity window of this domain.
    pub const MAX_SECONDS: i64 = 7_305 * 86_400;

    /// Parses the offset syntax described on the type.
    pub fn parse(input: &str) -> Result<Self, OffsetError> {
        let err = |reason| OffsetError {
            input: input.to_owned(),
            reason,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let (negative, body) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if body == "0" {
            return Ok(Offset(Duration::ZERO));
        }
        if body.is_empty() {
            return Err(err("a sign needs a number after it"));
        }
        let units = [('d', 86_400i64), ('h', 3_600), ('m', 60), ('s', 1)];
        let mut next_unit = 0;
        let mut total: i64 = 0;
        let mut digits = String::new();
        for c in body.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let Some(pos) = units.iter().position(|(u, _)| *u == c) else {
                return Err(err("units are d, h, m and s"));
            };
            if pos < next_unit {
                return Err(err("units must come in the order d, h, m, s, each once"));
            }
            if digits.is_empty() {
                return Err(err("a unit needs a number before it"));
            }
            let n: i64 = digits.parse().map_err(|_| err("the number is too large"))?;
            total = n
                .checked_mul(units[pos].1)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| err("the offset is too large"))?;
            digits.clear();
            next_unit = pos + 1;
        }
        if !digits.is_empty() {
            return Err(err("a number needs a unit after it"));
        }
        // With "now" in the range of `check_now`, keeps every instant
        // writable in a certificate.
        if total > Self::MAX_SECONDS {
            return Err(err("the offset is too large (at most 20 years, 7305d)"));
        }
        Ok(Offset(Duration::seconds(if negative {
            -total
        } else {
            total
        })))
    }

    /// The offset as a duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl std::str::FromStr for Offset {
    type Err = OffsetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.0.whole_seconds();
        if secs == 0 {
            return f.write_str("0");
        }
        if secs < 0 {
            f.write_str("-")?;
            secs = -secs;
        } else {
            f.write_str("+")?;
        }
        for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Offset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Offset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Offset::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(Offset::parse("-10d").unwrap().0, Duration::days(-10));
        assert_eq!(
            Offset::parse("+89d23h59m").unwrap().0,
            Duration::days(89) + Duration::hours(23) + Duration::minutes(59)
        );
        assert_eq!(Offset::parse("400d").unwrap().0, Duration::days(400));
        assert_eq!(Offset::parse("30s").unwrap().0, Duration::seconds(30));
        assert_eq!(Offset::parse("0").unwrap().0, Duration::ZERO);
        assert_eq!(Offset::parse("-0").unwrap().0, Duration::ZERO);
    }

    #[test]
    fn rejects_what_is_ambiguous() {
        for bad in [
            "",
            "-",
            "10",
            "d",
            "10x",
            "1h2d",
            "1d1d",
            "--1d",
            "1.5d",
            "99999999999999999999d",
            "7306d",
            "-7305d1s",
        ] {
            assert!(Offset::parse(bad).is_err(), "{bad:?} should not parse");
        }
        let msg = Offset::parse("1h2d").unwrap_err().to_string();
        assert!(msg.contains("`1h2d`") && msg.contains("order"), "{msg}");
    }

    #[test]
    fn twenty_years_is_the_longest_offset() {
        assert_eq!(Offset::parse("+7305d").unwrap().0, Duration::days(7_305));
        assert_eq!(Offset::parse("-7305d").unwrap().0, Duration::days(-7_305));
        let msg = Offset::parse("+7306d").unwrap_err().to_string();
        assert!(msg.contains("at most 20 years"), "{msg}");
    }

    #[test]
    fn display_round_trips() {
        for s in ["-10d", "+89d23h59m", "+1s", "0", "-90d"] {
            assert_eq!(Offset::parse(s).unwrap().to_string(), s);
        }
    }
}
