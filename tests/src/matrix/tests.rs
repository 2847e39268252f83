use mock_ra::{FaultKind, Host as FaultHost};

use super::*;

#[test]
fn every_fault_kind_has_a_row_and_every_cell_is_a_valid_case() {
    let rows: Vec<FaultKind> = variants().iter().filter_map(|v| v.kind).collect();
    for kind in FaultKind::ALL {
        assert!(rows.contains(&kind), "no matrix row for {kind}");
    }
    let cells = cells();
    for cell in &cells {
        case(cell).unwrap_or_else(|e| panic!("{}: {e}\n{}", cell.name(), case_text(cell)));
    }
    // TLS kinds only on the HTTPS hosts; commit_then_lose only on webra2.
    let on = |name: &str| {
        cells
            .iter()
            .filter(|c| c.variant.name == name)
            .map(|c| c.host)
            .collect::<Vec<_>>()
    };
    assert_eq!(on("tls_stall"), [FaultHost::Webra2, FaultHost::Webra1]);
    assert_eq!(on("commit_then_lose"), [FaultHost::Webra2]);
    assert_eq!(on("hang").len(), 4);
    // The order is consumed only where the issuance committed or the
    // renewal succeeded.
    for c in &cells {
        if c.order_consumed {
            assert!(
                c.expected == Expected::Success
                    || c.variant.kind == Some(FaultKind::CommitThenLose)
                    || c.variant.commits,
                "{}",
                c.name()
            );
        }
    }
    // The path rows act on webra2 only, and only the damaged issuance
    // answers consume the order.
    for name in [
        "login-status-500",
        "login-malformed_json",
        "certificate-status-500",
    ] {
        assert_eq!(on(name), [FaultHost::Webra2], "{name}");
        assert!(
            cells
                .iter()
                .any(|c| c.variant.name == name && !c.order_consumed)
        );
    }
    for name in ["certificate-truncate", "certificate-malformed_json"] {
        assert_eq!(on(name), [FaultHost::Webra2], "{name}");
        assert!(
            cells
                .iter()
                .any(|c| c.variant.name == name && c.order_consumed)
        );
    }
    assert!(cells.len() >= 100, "{}", cells.len());
}

#[test]
fn the_scenarios_readme_names_every_kind() {
    let readme = include_str!("../../../scenarios/README.md");
    for kind in FaultKind::ALL {
        assert!(
            readme.contains(&format!("| `{kind}` |")),
            "scenarios/README.md has no row for {kind}"
        );
    }
}
