//! Any validity window round-trips through generation and parsing exactly
//! (to the second, the resolution of X.509 times).

use certs_gen::{CertInfo, ClientSpec, KeyType, Pki};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

fn pki() -> &'static (Pki, OffsetDateTime) {
    static PKI: std::sync::OnceLock<(Pki, OffsetDateTime)> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let now = certs_gen::truncate_to_seconds(OffsetDateTime::now_utc());
        (Pki::generate(KeyType::P256, now).unwrap(), now)
    })
}

/// Issues a client certificate ending `end_secs` after `now` that lived
/// `life_secs`, and reads it back (x509-cert, not rcgen).
fn issue(pki: &Pki, now: OffsetDateTime, end_secs: i64, life_secs: i64) -> (ClientSpec, CertInfo) {
    let not_after = now + Duration::seconds(end_secs);
    let spec = ClientSpec {
        common_name: "prop".into(),
        organization: None,
        not_before: not_after - Duration::seconds(life_secs),
        not_after,
        key_type: None,
        serial: None,
    };
    let id = pki.issue_client(&spec).unwrap();
    let info = CertInfo::from_der(&id.cert).unwrap();
    (spec, info)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn validity_round_trips(end_secs in -40_000_000i64..40_000_000, life_secs in 1i64..80_000_000) {
        let (pki, now) = pki();
        let (spec, info) = issue(pki, *now, end_secs, life_secs);
        prop_assert_eq!(info.not_before, spec.not_before);
        prop_assert_eq!(info.not_after, spec.not_after);
        prop_assert_eq!(info.issuer, "CN=CertRenew Test Client CA 1,O=CertRenew Test PKI,C=JP");
    }

    /// The whole range a spec or world allows: any "now" of `check_now`,
    /// any end of validity and any life up to the longest offset, across
    /// the 2050 switch from UTCTime to GeneralizedTime.
    #[test]
    fn validity_round_trips_across_the_whole_range(
        now_secs in certs_gen::EARLIEST_NOW.unix_timestamp()..=certs_gen::LATEST_NOW.unix_timestamp(),
        end_secs in -MAX..=MAX,
        life_secs in 1i64..=MAX,
    ) {
        let now = OffsetDateTime::from_unix_timestamp(now_secs).unwrap();
        let pki = Pki::generate(KeyType::P256, now).unwrap();
        let (spec, info) = issue(&pki, now, end_secs, life_secs);
        prop_assert_eq!(info.not_before, spec.not_before);
        prop_assert_eq!(info.not_after, spec.not_after);
    }

    #[test]
    fn offsets_round_trip_through_display(secs in -MAX..=MAX) {
        let o = fileformat::Offset(Duration::seconds(secs));
        prop_assert_eq!(fileformat::Offset::parse(&o.to_string()).unwrap(), o);
    }

    #[test]
    fn offsets_beyond_the_longest_are_refused(secs in MAX + 1..10_000_000_000i64, neg: bool) {
        let o = fileformat::Offset(Duration::seconds(if neg { -secs } else { secs }));
        prop_assert!(fileformat::Offset::parse(&o.to_string()).is_err());
    }
}

const MAX: i64 = fileformat::Offset::MAX_SECONDS;

#[test]
fn an_empty_window_is_refused() {
    let (pki, now) = pki();
    let spec = ClientSpec {
        not_before: *now,
        ..ClientSpec::ending("x", *now, Duration::ZERO)
    };
    assert!(pki.issue_client(&spec).is_err());
}
