//! Unit tests of the parent module.

use super::*;
use crate::cert::CertFacts;
use crate::messages::{Asking, Lang};
use crate::prompt::Scripted;
use certs_gen::{ClientSpec, KeyType, Pki, PkiNames};
use proptest::prelude::*;
use std::sync::OnceLock;

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap())
}

fn stored(id: &certs_gen::Identity, with_chain: bool) -> StoredIdentity {
    let cert = CertFacts::parse(&id.cert).unwrap();
    StoredIdentity {
        id: cert.serial.clone(),
        dir: std::path::PathBuf::new(),
        chain: if with_chain {
            id.chain
                .iter()
                .map(|c| CertFacts::parse(c).unwrap())
                .collect()
        } else {
            Vec::new()
        },
        cert,
        meta: None,
    }
}

fn ending_at(not_after: OffsetDateTime, lifetime_days: i64) -> StoredIdentity {
    let mut spec = ClientSpec::ending("user01", not_after, Duration::ZERO);
    spec.not_before = not_after - Duration::days(lifetime_days);
    stored(&pki().issue_client(&spec).unwrap(), true)
}

fn root_names() -> CaNames {
    let root = CertFacts::parse(pki().client_root.der()).unwrap();
    CaNames(Some(vec![root.subject_der]))
}

#[test]
fn the_ninety_day_line() {
    let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    assert!(within_window(t, t + Duration::days(89)));
    assert!(within_window(
        t,
        t + Duration::days(89)
            + Duration::hours(23)
            + Duration::minutes(59)
            + Duration::seconds(59)
    ));
    assert!(!within_window(t, t + Duration::days(90)));
    assert!(!within_window(t, t + Duration::days(400)));
    assert!(within_window(t, t - Duration::days(10)));
}

proptest! {
    #[test]
    fn eligibility_flips_exactly_at_ninety_days(secs in 0i64..(200 * 86_400)) {
        let not_after = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let now = not_after + Duration::seconds(secs);
        prop_assert_eq!(within_window(not_after, now), secs < 90 * 86_400);
    }
}

fn shared_identity() -> &'static StoredIdentity {
    static ID: OnceLock<StoredIdentity> = OnceLock::new();
    ID.get_or_init(|| {
        ending_at(
            truncate(OffsetDateTime::now_utc() - Duration::days(30)),
            365,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn an_injected_clock_decides_at_ninety_days(offset in -3i64 * 86_400..3 * 86_400) {
        let id = shared_identity();
        let clock = crate::clock::Clock::Fixed(
            id.cert.not_after + RENEWAL_WINDOW + Duration::seconds(offset),
        );
        let eligible = check(id, &root_names(), clock.now()).is_ok();
        prop_assert_eq!(eligible, offset < 0);
        let ids = std::slice::from_ref(id);
        prop_assert_eq!(candidates(ids, &root_names(), clock.now()).len(), usize::from(offset < 0));
    }
}

#[test]
fn selection_at_the_line_with_real_certificates() {
    let not_after = truncate(OffsetDateTime::now_utc() - Duration::days(30));
    let id = ending_at(not_after, 365);
    let names = root_names();
    let just_inside = not_after + Duration::days(90) - Duration::seconds(1);
    let at_line = not_after + Duration::days(90);
    assert!(check(&id, &names, just_inside).is_ok());
    let e = check(&id, &names, at_line).unwrap_err();
    assert!(matches!(e, Ineligible::ExpiredTooLong { days: 90, .. }));
    let mut p = Scripted::default();
    let r = select(
        std::slice::from_ref(&id),
        &names,
        at_line,
        &Choice::Default,
        &mut Asking::new(&mut p, Lang::En),
    );
    assert!(matches!(
        r,
        Err(NoCertificate::NoCandidate { ref reasons }) if reasons.len() == 1
    ));
    let r = select(
        std::slice::from_ref(&id),
        &names,
        at_line,
        &Choice::Serial(id.cert.serial.to_uppercase()),
        &mut Asking::new(&mut p, Lang::En),
    );
    assert!(matches!(r, Err(NoCertificate::Ineligible { .. })), "{r:?}");
}

fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap()
}

#[test]
fn the_default_is_the_newest_not_before() {
    let now = truncate(OffsetDateTime::now_utc());
    let old = ending_at(now - Duration::days(10), 365);
    let newer = ending_at(now - Duration::days(5), 365);
    let ids = vec![old.clone(), newer.clone()];
    let mut p = Scripted::default();
    let chosen = select(
        &ids,
        &root_names(),
        now,
        &Choice::Default,
        &mut Asking::new(&mut p, Lang::Ja),
    )
    .unwrap();
    assert_eq!(chosen.cert.serial, newer.cert.serial);
    assert!(p.asked.is_empty());
    let cands = candidates(&ids, &root_names(), now);
    assert_eq!(cands.len(), 2);
    assert_eq!(cands[0].cert.serial, newer.cert.serial);
}

#[test]
fn other_choices_pick_by_number() {
    let now = truncate(OffsetDateTime::now_utc());
    let old = ending_at(now - Duration::days(10), 365);
    let newer = ending_at(now - Duration::days(5), 365);
    let ids = vec![old.clone(), newer.clone()];
    let mut p = Scripted::new(&["2"]);
    let chosen = select(
        &ids,
        &root_names(),
        now,
        &Choice::Pick,
        &mut Asking::new(&mut p, Lang::Ja),
    )
    .unwrap();
    assert_eq!(chosen.cert.serial, old.cert.serial);
    assert!(p.asked[0].contains(&format!("* [1] シリアル番号 {}", newer.cert.serial)));
    let mut p = Scripted::new(&["7"]);
    let r = select(
        &ids,
        &root_names(),
        now,
        &Choice::Pick,
        &mut Asking::new(&mut p, Lang::Ja),
    );
    assert_eq!(r.unwrap_err(), NoCertificate::NotChosen);
}

#[test]
fn only_identities_of_a_named_ca_are_offered() {
    let now = OffsetDateTime::now_utc();
    let foreign = Pki::generate_named(PkiNames::foreign(), KeyType::P256, now).unwrap();
    let theirs = stored(
        &foreign
            .issue_client(&ClientSpec::ending("x", now, -Duration::days(1)))
            .unwrap(),
        true,
    );
    let ours_no_chain = stored(
        &pki()
            .issue_client(&ClientSpec::ending("y", now, -Duration::days(1)))
            .unwrap(),
        false,
    );
    let names = root_names();
    assert!(matches!(
        check(&theirs, &names, now),
        Err(Ineligible::ForeignCa { .. })
    ));
    // Without a chain only the leaf's issuer (the issuing CA) is known:
    // a server naming the root does not see it as its own...
    assert!(!names.accepts(&ours_no_chain));
    // ...but one naming the issuing CA does.
    let issuing = CertFacts::parse(pki().issuing_ca.der()).unwrap();
    assert!(CaNames(Some(vec![issuing.subject_der])).accepts(&ours_no_chain));
    // No names, or an empty list: any.
    assert!(CaNames::any().accepts(&theirs));
    assert!(CaNames(Some(vec![])).accepts(&theirs));
    let mut p = Scripted::default();
    assert_eq!(
        select(
            &[],
            &names,
            now,
            &Choice::Default,
            &mut Asking::new(&mut p, Lang::Ja)
        )
        .unwrap_err(),
        NoCertificate::EmptyStore
    );
    assert!(matches!(
        select(
            &[theirs],
            &names,
            now,
            &Choice::Serial("ff".into()),
            &mut Asking::new(&mut p, Lang::Ja)
        ),
        Err(NoCertificate::SerialNotFound(_))
    ));
}

#[test]
fn hints_without_the_sequence_tag_are_wrapped() {
    let root = CertFacts::parse(pki().client_root.der()).unwrap();
    let inner = &root.subject_der[2..];
    assert_eq!(
        CaNames::from_hints(&[inner]),
        CaNames(Some(vec![root.subject_der.clone()]))
    );
    assert_eq!(
        CaNames::from_hints(&[&root.subject_der]),
        CaNames(Some(vec![root.subject_der.clone()]))
    );
    assert_eq!(
        CaNames::from_hints(&[&root.subject_der]).describe(),
        vec![root.subject.clone()]
    );
}
