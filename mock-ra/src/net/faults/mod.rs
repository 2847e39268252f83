//! Applying the faults (their data is `crate::faults`): `registry` (the
//! faults in force and their counters), `schedule` (the seeded draw: it
//! depends only on the seed, the fault's number and the event's number),
//! `stream` (`FaultyStream`, below TLS: latency, bandwidth, byte limits,
//! resets) and `http` (the HTTP faults, inside the journal middleware).

pub(crate) mod http;
pub(crate) mod registry;
pub(crate) mod schedule;
pub(crate) mod stream;

#[cfg(test)]
mod tests {
    use super::registry::Faults;
    use super::schedule::{fires, random_seed};
    use crate::faults::{FaultKind, FaultSpec, MAX_MS, SpecError, SpecField};
    use crate::wire::protocol::Host;

    fn spec(kind: FaultKind) -> FaultSpec {
        FaultSpec::new(Host::Repo1, kind)
    }

    #[test]
    fn a_world_without_a_seed_gets_a_different_one_each_time() {
        let seeds: std::collections::BTreeSet<u64> = (0..8).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 8, "{seeds:?}");
        // Exactly representable as a JSON number in any reader.
        assert!(seeds.iter().all(|s| *s < 1 << 53), "{seeds:?}");
    }

    #[test]
    fn windows_pick_events_by_number() {
        let all = spec(FaultKind::Hang);
        assert!((1..100).all(|n| fires(1, 1, n, &all)));
        let three = spec(FaultKind::Hang).times(3);
        let got: Vec<bool> = (1..=5).map(|n| fires(1, 1, n, &three)).collect();
        assert_eq!(got, [true, true, true, false, false]);
        let mut range = spec(FaultKind::Hang);
        range.from = Some(2);
        range.to = Some(3);
        let got: Vec<bool> = (1..=4).map(|n| fires(1, 1, n, &range)).collect();
        assert_eq!(got, [false, true, true, false]);
    }

    #[test]
    fn the_same_seed_draws_the_same_sequence_and_another_seed_does_not() {
        let half = spec(FaultKind::Reset).probability(0.5);
        let seq = |seed| {
            (1..=64)
                .map(|n| fires(seed, 1, n, &half))
                .collect::<Vec<_>>()
        };
        assert_eq!(seq(42), seq(42));
        assert_ne!(seq(42), seq(43));
        let hits = seq(42).iter().filter(|b| **b).count();
        assert!((16..=48).contains(&hits), "{hits} of 64 at p = 0.5");
        // Another fault number draws independently.
        let other: Vec<bool> = (1..=64).map(|n| fires(42, 2, n, &half)).collect();
        assert_ne!(seq(42), other);
    }

    #[test]
    fn counters_and_first_match_win() {
        let faults = Faults::new(
            &[
                spec(FaultKind::Status)
                    .on_path("/a")
                    .times(1)
                    .pipe(|mut s| {
                        s.status = Some(500);
                        s
                    }),
                spec(FaultKind::Empty),
            ],
            7,
        )
        .unwrap();
        let first = faults.on_request(Host::Repo1, "/a").unwrap();
        assert_eq!(first.spec.kind, FaultKind::Status);
        let second = faults.on_request(Host::Repo1, "/a").unwrap();
        assert_eq!(second.spec.kind, FaultKind::Empty);
        assert!(faults.on_request(Host::Repository, "/a").is_none());
        // commit_then_lose without a path acts on the issuance only.
        let lose = Faults::new(
            &[FaultSpec::new(Host::Webra2, FaultKind::CommitThenLose)],
            1,
        )
        .unwrap();
        assert!(lose.on_request(Host::Webra2, "/").is_none());
        assert!(
            lose.on_request(Host::Webra2, crate::wire::protocol::CERTIFICATE_PATH)
                .is_some()
        );
        let view = faults.view();
        assert_eq!(view.faults[0].name, "repo1-status");
        assert_eq!((view.faults[0].seen, view.faults[0].applied), (2, 1));
        assert_eq!((view.faults[1].seen, view.faults[1].applied), (2, 1));
        faults.reset();
        assert_eq!(faults.view().faults[0].seen, 0);
    }

    #[test]
    fn default_names_are_made_unique() {
        let faults = Faults::new(&[spec(FaultKind::Hang), spec(FaultKind::Hang)], 1).unwrap();
        let names: Vec<String> = faults.view().faults.into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["repo1-hang", "repo1-hang-2"]);
        assert!(
            faults
                .add(spec(FaultKind::Hang).named("repo1-hang"))
                .is_err()
        );
        assert!(faults.remove("repo1-hang"));
        assert!(!faults.remove("repo1-hang"));
        assert_eq!(faults.clear(), 1);
    }

    #[test]
    fn kinds_take_only_their_parameters() {
        let mut s = spec(FaultKind::Latency);
        assert_eq!(s.check().unwrap_err().field, SpecField::Kind);
        s.ms = Some(10);
        s.check().unwrap();
        s.bytes = Some(3);
        assert_eq!(s.check().unwrap_err().field, SpecField::Bytes);
        let tls = spec(FaultKind::TlsExpired);
        assert_eq!(tls.check().unwrap_err().field, SpecField::Host);
        let refuse = spec(FaultKind::Refuse).times(2);
        assert_eq!(refuse.check().unwrap_err().field, SpecField::Times);
        let lose = spec(FaultKind::CommitThenLose);
        assert_eq!(lose.check().unwrap_err().field, SpecField::Host);
        let p = spec(FaultKind::Hang).probability(1.5);
        assert_eq!(p.check().unwrap_err().field, SpecField::Probability);
        let path = spec(FaultKind::Hang).on_path("/x");
        assert_eq!(path.check().unwrap_err().field, SpecField::Path);
        // Delays are bounded, so `ms ± jitter_ms` cannot overflow.
        let mut slow = spec(FaultKind::Latency);
        slow.ms = Some(MAX_MS);
        slow.jitter_ms = Some(MAX_MS);
        slow.check().unwrap();
        slow.ms = Some(u64::MAX);
        slow.jitter_ms = Some(u64::MAX);
        let SpecError { field, why: msg } = slow.check().unwrap_err();
        assert_eq!(field, SpecField::Ms, "{msg}");
        assert!(msg.contains("at most 86400000"), "{msg}");
    }

    #[test]
    fn every_kind_is_documented_and_named_once() {
        let names: std::collections::BTreeSet<&str> =
            FaultKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), FaultKind::ALL.len());
        for k in FaultKind::ALL {
            assert!(!k.doc().is_empty());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn the_readme_documents_every_kind() {
        let readme = include_str!("../../../README.md");
        for k in FaultKind::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", k.as_str())),
                "mock-ra/README.md has no row for {k}"
            );
        }
    }

    trait Pipe: Sized {
        fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
            f(self)
        }
    }
    impl Pipe for FaultSpec {}
}
