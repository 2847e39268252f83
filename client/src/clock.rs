//! The one clock every date decision goes through (`--danger-now`).

use time::OffsetDateTime;

/// Where "now" comes from: the system, or a fixed instant to reproduce a
/// customer's situation (`--danger-now RFC3339`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Always this instant.
    Fixed(OffsetDateTime),
}

impl Clock {
    /// The current instant according to this clock.
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(t) => *t,
        }
    }

    /// Parses an RFC 3339 instant into a fixed clock.
    pub fn parse_fixed(s: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map(Clock::Fixed)
    }
}

/// An instant as RFC 3339 text (`2026-11-25T21:00:00Z`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stays_put() {
        let c = Clock::parse_fixed("2026-11-25T21:00:00Z").unwrap();
        assert_eq!(c.now(), c.now());
        assert_eq!(rfc3339(c.now()), "2026-11-25T21:00:00Z");
        assert!(Clock::parse_fixed("yesterday").is_err());
    }
}
