use std::time::Duration;

use super::options::parse_duration;
use super::stats::{encode, histogram};
use super::*;

#[test]
fn fail_if_conditions_parse_and_refuse_what_they_do_not_know() {
    let c = parse_fail_if("p99>200ms, errors>0,rate<1000,max>1.5s").unwrap();
    assert_eq!(c.len(), 4);
    assert_eq!(c[3].limit, 1500.0);
    assert!(c[2].what == "rate" && !c[2].greater);
    for bad in ["p98>1", "p99=3", "p99>abc", "p99><3"] {
        assert!(parse_fail_if(bad).is_err(), "{bad}");
    }
}

#[test]
fn histograms_of_two_runs_merge_by_adding_their_serialisations() {
    let (mut a, mut b) = (histogram(), histogram());
    for v in 1..=1000u64 {
        a.record(v).unwrap();
        b.record(v + 1000).unwrap();
    }
    let mut merged = decode(&encode(&a)).unwrap();
    merged.add(decode(&encode(&b)).unwrap()).unwrap();
    assert_eq!(merged.len(), 2000);
    let p50 = merged.value_at_quantile(0.5);
    assert!((999..=1001).contains(&p50), "{p50}");
    assert!(merged.max() >= 2000);
}

#[test]
fn durations_read_as_people_write_them() {
    assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
    assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    assert!(parse_duration("3 weeks").is_err());
    assert!(parse_duration("0s").is_err());
}

#[test]
fn refused_flags_say_what_was_given_and_what_is_expected() {
    let text = |r: Result<Duration, LoadError>| r.map(|_| ()).unwrap_err().to_string();
    assert_eq!(
        text(parse_duration("3 weeks")),
        "--duration `3 weeks`: unknown unit ` weeks`: expected ms, s, m or h"
    );
    assert_eq!(
        text(parse_duration("0s")),
        "--duration `0s`: expected more than 0 and less than a day"
    );
    assert_eq!(
        text(parse_duration("..s")),
        "--duration `..s`: expected e.g. 30s, 2m, 500ms"
    );
    let fail_if = |t: &str| parse_fail_if(t).map(|_| ()).unwrap_err().to_string();
    assert_eq!(
        fail_if("p99>>3"),
        "--fail-if `p99>>3`: `>3` is not a number"
    );
    assert_eq!(
        fail_if("p99><3"),
        "--fail-if `p99><3`: expected NAME>VALUE or NAME<VALUE"
    );
    assert_eq!(
        fail_if("p98>1"),
        "--fail-if `p98>1`: unknown `p98`: expected one of p50, p90, p99, p999, max, errors, rate"
    );
}

#[test]
fn an_unreadable_report_names_the_file_and_keeps_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let e = read_report(&missing).unwrap_err();
    assert_eq!(e.to_string(), format!("cannot read {}", missing.display()));
    assert!(std::error::Error::source(&e).is_some(), "{e:?}");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"schema\": 1,").unwrap();
    let e = read_report(&broken).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}:2:", broken.display()))
            && e.to_string().contains(": not a harness load report ("),
        "{e}"
    );
}
