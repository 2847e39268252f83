use std::path::Path;

use mock_ra::Cause;

use super::desk::split_number;
use super::details::VAR;
use super::*;
use crate::catalogue::Catalogue;
use crate::matrix;

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
        .expect("the repository's catalogue loads")
}

fn names(d: &Diagnosis) -> Vec<&'static str> {
    d.matches.iter().map(|m| m.class.id).collect()
}

fn causes_with_cases(m: &ClassReport) -> Vec<&'static str> {
    m.causes
        .iter()
        .filter(|c| !c.cases.is_empty() || !c.cells.is_empty())
        .map(|c| c.cause.name)
        .collect()
}

#[test]
fn every_class_line_in_both_languages_and_as_typed_names_its_class() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    for info in desk.classes() {
        for line in [info.message_ja, info.message_en] {
            let half_width = line.replace('。', ".").replace('、', ",");
            let full_width: String = line
                .chars()
                .map(|c| match c {
                    '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                    c => c,
                })
                .collect();
            let spaced = format!("  {} ", line.replacen(':', " : ", 1));
            let without_number = split_number(line).1;
            for typed in [
                line.to_owned(),
                half_width,
                full_width,
                spaced,
                without_number,
            ] {
                let d = desk.diagnose(&typed);
                assert_eq!(names(&d), [info.id], "{typed:?}");
                assert!(d.sure(), "{typed:?}");
            }
        }
    }
}

#[test]
fn the_five_class_lines_of_the_manual_list_their_causes_and_cases() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    let expect: [(&str, &[&str], &str); 5] = [
        ("E115", &["fault"], "3.1"),
        (
            "ENOCERT",
            &["no_client_certificate", "expired_too_long"],
            "3.2",
        ),
        (
            "E550A",
            &[
                "foreign_certificate",
                "reissued",
                "revoked",
                "password_locked",
                "wrong_password",
                "password_expired",
            ],
            "3.3",
        ),
        ("E550F", &["not_created", "already_fetched"], "3.4"),
        (
            "ECONFIRM",
            &[
                "confirm_expired",
                "confirm_revoked",
                "confirm_not_yet_valid",
            ],
            "3.5",
        ),
    ];
    for (id, causes, section) in expect {
        let info = desk.classes().iter().find(|c| c.id == id).unwrap();
        for line in [info.message_ja, info.message_en] {
            let d = desk.diagnose(line);
            assert_eq!(names(&d), [id]);
            let m = &d.matches[0];
            let found = causes_with_cases(m);
            for c in causes {
                assert!(found.contains(c), "{id}: {c} has no case: {found:?}");
            }
            assert_eq!(m.class.manual.as_deref(), Some(section), "{id}");
            assert!(!m.class.remedy_ja.is_empty() && !m.class.remedy_en.is_empty());
            let text = d.text();
            assert!(text.contains(info.remedy_ja[0]), "{text}");
            assert!(text.contains("$ harness run "), "{text}");
        }
    }
    // D7.2: E550A's causes are told apart by the server only.
    let d = desk.diagnose("550:証明書ファイルは取得できませんでした。認証に失敗しました。");
    assert!(d.matches[0].server_only.contains(&"wrong_password"));
    assert!(d.text().contains("only the server tells these apart"));
    // The number alone is both 550 classes; 115 is E115.
    assert_eq!(names(&desk.diagnose("550")), ["E550A", "E550F"]);
    assert_eq!(names(&desk.diagnose("error 115")), ["E115"]);
    assert_eq!(names(&desk.diagnose("exit 6")), ["E550F"]);
    assert_eq!(names(&desk.diagnose("enocert")), ["ENOCERT"]);
}

#[test]
fn a_hang_on_repo1_names_the_hang_latency_and_bandwidth_cells_of_repo1() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    let d =
        desk.diagnose("詳細: http://repo1.secomtrust.net/ から時間内に応答がありませんでした。");
    assert_eq!(names(&d), ["E115"]);
    // No case times out on repo1, so no case is listed for its fault;
    // a timeout on repository is e115-repository's.
    let fault = |d: &Diagnosis| -> Vec<String> {
        d.matches[0]
            .causes
            .iter()
            .filter(|c| c.cause.name == "fault")
            .flat_map(|c| c.cases.iter().map(|x| x.name.clone()))
            .collect()
    };
    assert_eq!(fault(&d), Vec::<String>::new());
    let r = desk
        .diagnose("詳細: http://repository.secomtrust.net/ から時間内に応答がありませんでした。");
    assert_eq!(fault(&r), ["e115-repository"]);
    let detail = d.detail.as_ref().unwrap();
    assert_eq!((detail.kind, detail.host), ("net:timeout", Some("repo1")));
    let cells: Vec<&str> = d.matches[0]
        .details
        .iter()
        .flat_map(|x| x.cells.iter().map(|c| c.name.as_str()))
        .collect();
    assert_eq!(
        cells,
        [
            "hang@repo1",
            "latency-beyond-timeout@repo1",
            "bandwidth@repo1"
        ]
    );
    // With the class line before it, the same.
    let d = desk.diagnose(
        "115:データの問合せに失敗しました。\n詳細: http://repo1.secomtrust.net/ から時間内に応答がありませんでした。",
    );
    assert_eq!(names(&d), ["E115"]);
    assert!(d.text().contains("harness matrix --only 'bandwidth@repo1'"));
}

#[test]
fn every_journal_cause_is_reachable_and_every_customer_cause_has_a_case() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    let mut missing = Vec::new();
    for cause in Cause::ALL {
        let info = cause_info(cause);
        // By its name, as a QA engineer reads it in a journal line.
        let d = desk.diagnose(cause.as_str());
        if info.classes.is_empty() {
            assert!(d.matches.is_empty(), "{}", cause.as_str());
            assert!(info.no_case_because.is_some());
            continue;
        }
        assert!(d.sure(), "{}", cause.as_str());
        // And from each class it shows as.
        for class in &info.classes {
            let d = desk.diagnose(class);
            let m = d.matches.iter().find(|m| m.class.id == *class).unwrap();
            let c = m
                .causes
                .iter()
                .find(|c| c.cause.name == cause.as_str())
                .unwrap_or_else(|| panic!("{class} does not list {}", cause.as_str()));
            if info.no_case_because.is_none() && c.cases.is_empty() && c.cells.is_empty() {
                missing.push(format!("{} ({class})", cause.as_str()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "causes the mock can record that no case reproduces: {missing:?}"
    );
}

#[test]
fn every_detail_line_the_catalogue_prints_is_recognised() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    assert!(desk.seen().len() >= 20, "{}", desk.seen().len());
    for seen in desk.seen() {
        let d = desk.diagnose(&seen.line);
        let class = desk
            .classes()
            .iter()
            .find(|c| Some(i32::from(c.exit)) == seen.exit)
            .map(|c| c.id);
        assert!(d.detail.is_some(), "{}: {}", seen.case, seen.line);
        let class = class.unwrap_or_default();
        assert!(
            names(&d).contains(&class),
            "{}: {}: {:?}",
            seen.case,
            seen.line,
            names(&d)
        );
        // The case is named for it.
        let listed = d
            .matches
            .iter()
            .filter(|m| m.class.id == class)
            .flat_map(|m| m.details.iter())
            .any(|x| x.cases.iter().any(|c| c.name == seen.case));
        assert!(listed, "{} not listed for {}", seen.case, seen.line);
    }
    // Every kind a matrix cell ends in is a kind the client prints, and
    // each cell is listed under its class.
    for cell in matrix::cells() {
        for kind in matrix::cell_details(&cell) {
            let d = desk.diagnose(cell.expected.as_str());
            let listed = d.matches[0]
                .details
                .iter()
                .filter(|x| x.kind == kind)
                .any(|x| x.cells.iter().any(|c| c.name == cell.name()));
            assert!(listed, "{} ({kind}) is not reachable", cell.name());
        }
    }
    // Every pattern's line, rendered with a URL, is recognised as itself.
    for p in desk.details() {
        let line = p.lines[0].replace(VAR, "https://webra2.secomtrust.net/x");
        let d = desk.diagnose(&line);
        assert!(
            d.detail
                .as_ref()
                .is_some_and(|x| x.classes.contains(&p.class)),
            "{line}"
        );
    }
}

#[test]
fn unknown_text_gets_the_closest_classes_and_how_sure() {
    let cat = catalogue();
    let desk = Desk::new(&cat, &default_snapshots());
    let d = desk.diagnose("証明書ファイルが取得できません");
    assert!(!d.sure());
    assert!(!d.matches.is_empty() && d.matches.len() <= 3);
    assert!(d.matches[0].class.id.starts_with("E550"), "{:?}", names(&d));
    assert!(d.text().contains("% sure"), "{}", d.text());
    let d = desk.diagnose("zzzz qqqq");
    assert!(d.matches.is_empty());
}

#[test]
fn every_test_file_a_cause_points_to_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut named = 0;
    for c in Cause::ALL {
        let Some(why) = cause_info(c).no_case_because else {
            continue;
        };
        for word in why.split_whitespace() {
            let path = word.trim_matches(|ch: char| !(ch.is_alphanumeric() || "/._-".contains(ch)));
            if path.ends_with(".rs") {
                named += 1;
                assert!(
                    root.join(path).is_file(),
                    "{c:?} names {path}, which does not exist"
                );
            }
        }
    }
    assert!(
        named > 0,
        "no cause names a test file any more: drop this test"
    );
}
