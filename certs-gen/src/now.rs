//! The instants a PKI can be made around.

use crate::error::Error;

/// The earliest "now" a PKI can be made around.
pub const EARLIEST_NOW: time::OffsetDateTime = time::macros::datetime!(2010-01-01 0:00 UTC);
/// The latest "now" a PKI can be made around.
pub const LATEST_NOW: time::OffsetDateTime = time::macros::datetime!(2999-12-31 23:59:59 UTC);

/// Whether a PKI can be made around `now`. Its CAs start 10 years before
/// it, and a client window reaches at most 40 years back (an end up to 20
/// years away, [`fileformat::Offset::MAX_SECONDS`], and a life as long): every such
/// instant must be one that certificates parsed here can hold (from 1970 on).
/// Years 2010 to 2999 leave room for all of that; a clock outside them is
/// refused here rather than failing or overflowing later.
pub fn check_now(now: time::OffsetDateTime) -> Result<(), Error> {
    if (EARLIEST_NOW..=LATEST_NOW).contains(&now) {
        Ok(())
    } else {
        Err(Error::NowOutOfRange(now))
    }
}
