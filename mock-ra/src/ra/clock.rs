//! The virtual clock every decision, certificate and CRL uses: real time plus
//! an offset, or frozen at an instant. Tests move it instead of waiting.

use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// How the clock tells the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Real time plus this offset (zero: the real clock).
    Running(Duration),
    /// Always this instant until moved.
    Frozen(OffsetDateTime),
}

/// A settable clock shared by all roles of one mock.
#[derive(Debug)]
pub struct Clock {
    mode: Mutex<Mode>,
}

impl Clock {
    /// The real clock.
    pub fn real() -> Self {
        Self::with_mode(Mode::Running(Duration::ZERO))
    }

    /// A clock that reads `now` at this moment and then runs at real speed
    /// (`frozen = false`) or stays at `now` (`frozen = true`).
    pub fn starting_at(now: OffsetDateTime, frozen: bool) -> Self {
        if frozen {
            Self::with_mode(Mode::Frozen(now))
        } else {
            Self::with_mode(Mode::Running(now - OffsetDateTime::now_utc()))
        }
    }

    fn with_mode(mode: Mode) -> Self {
        Self {
            mode: Mutex::new(mode),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The virtual "now".
    pub fn now(&self) -> OffsetDateTime {
        match *self.lock() {
            Mode::Running(offset) => OffsetDateTime::now_utc() + offset,
            Mode::Frozen(at) => at,
        }
    }

    /// Moves the clock to `at`; a running clock keeps running from there.
    /// An instant no PKI can be made around ([`certs_gen::check_now`]) is
    /// refused and the clock stays where it was.
    pub fn set(&self, at: OffsetDateTime) -> Result<(), certs_gen::Error> {
        certs_gen::check_now(at)?;
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Running(_) => Mode::Running(at - OffsetDateTime::now_utc()),
            Mode::Frozen(_) => Mode::Frozen(at),
        };
        Ok(())
    }

    /// Moves the clock by `by` (negative: back); refused, and the clock
    /// left alone, when that leaves the range of [`certs_gen::check_now`].
    pub fn advance(&self, by: Duration) -> Result<(), certs_gen::Error> {
        let mut mode = self.lock();
        let now = match *mode {
            Mode::Running(offset) => OffsetDateTime::now_utc() + offset,
            Mode::Frozen(at) => at,
        };
        let target = Self::moved(now, by)?;
        *mode = match *mode {
            Mode::Running(offset) => Mode::Running(offset + (target - now)),
            Mode::Frozen(_) => Mode::Frozen(target),
        };
        Ok(())
    }

    /// `now + by`, when that is an instant the clock may show.
    pub fn moved(now: OffsetDateTime, by: Duration) -> Result<OffsetDateTime, certs_gen::Error> {
        let target =
            now.checked_add(by)
                .ok_or(certs_gen::Error::NowOutOfRange(if by.is_negative() {
                    OffsetDateTime::UNIX_EPOCH
                } else {
                    certs_gen::LATEST_NOW
                }))?;
        certs_gen::check_now(target)?;
        Ok(target)
    }

    /// Stops the clock at its current reading, or lets it run from there.
    pub fn set_frozen(&self, frozen: bool) {
        let mut mode = self.lock();
        let now = match *mode {
            Mode::Running(offset) => OffsetDateTime::now_utc() + offset,
            Mode::Frozen(at) => at,
        };
        *mode = if frozen {
            Mode::Frozen(now)
        } else {
            Mode::Running(now - OffsetDateTime::now_utc())
        };
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        matches!(*self.lock(), Mode::Frozen(_))
    }

    /// Whether the clock is the real clock (running, no offset worth a
    /// second): then clients need no `--danger-now`.
    pub fn is_real(&self) -> bool {
        match *self.lock() {
            Mode::Running(offset) => offset.whole_seconds().abs() < 1,
            Mode::Frozen(_) => false,
        }
    }

    /// Copies another clock's setting (used by reset).
    pub(crate) fn restore(&self, other: &ClockSetting) {
        *self.lock() = other.0;
    }

    /// The current setting, to restore later.
    pub(crate) fn setting(&self) -> ClockSetting {
        ClockSetting(*self.lock())
    }
}

/// A saved clock setting.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockSetting(Mode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let c = Clock::starting_at(t, true);
        assert_eq!(c.now(), t);
        c.advance(Duration::days(3)).unwrap();
        assert_eq!(c.now(), t + Duration::days(3));
        c.set(t).unwrap();
        assert_eq!(c.now(), t);
        assert!(c.is_frozen() && !c.is_real());
    }

    #[test]
    fn a_move_out_of_range_is_refused_and_changes_nothing() {
        let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        for frozen in [true, false] {
            let c = Clock::starting_at(t, frozen);
            let before = c.now();
            assert!(c.advance(Duration::days(3_000_000)).is_err());
            assert!(c.advance(Duration::MAX).is_err());
            assert!(c.advance(Duration::MIN).is_err());
            assert!(c.set(certs_gen::LATEST_NOW + Duration::seconds(1)).is_err());
            assert!(
                c.set(certs_gen::EARLIEST_NOW - Duration::seconds(1))
                    .is_err()
            );
            assert!(
                (c.now() - before).abs() < Duration::seconds(5),
                "frozen {frozen}"
            );
            c.set(certs_gen::LATEST_NOW).unwrap();
            assert!(c.advance(Duration::seconds(-1)).is_ok());
        }
    }

    #[test]
    fn a_running_clock_keeps_its_offset() {
        let c = Clock::real();
        assert!(c.is_real());
        c.advance(Duration::days(-10)).unwrap();
        let diff = OffsetDateTime::now_utc() - c.now();
        assert!((diff - Duration::days(10)).abs() < Duration::seconds(5));
        assert!(!c.is_real());
        c.set_frozen(true);
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(a, c.now());
    }
}
