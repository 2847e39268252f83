//! The library as a user meets it: the ready-made client for a world
//! identity, expectations on the journal (verified explicitly and on
//! drop, with a report that says what was expected beside what the
//! journal holds), and errors that name what is missing.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use mock_ra::{Cause, Host, MockError, MockRa, Role, World};

#[tokio::test]
async fn a_client_for_an_identity_presents_it_to_webra2() {
    let mock = MockRa::builder(World::demo()).start().await.unwrap();
    mock.expect(Cause::Page).times(1).on(Role::Webra2);
    let client = mock.client_for("demo").unwrap();
    let page = client
        .get(mock.url(Host::Webra2, "/"))
        .send()
        .await
        .unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    let serial = mock.identity("demo").unwrap().info().unwrap().serial;
    let journal = mock.journal();
    let seen = journal.iter().find(|e| e.role == Role::Webra2).unwrap();
    assert_eq!(seen.certificate.as_ref().unwrap().serial, serial);
    mock.verify().unwrap();
}

#[tokio::test]
async fn an_unknown_identity_is_an_error_that_names_it() {
    let mock = MockRa::start(World::demo()).await.unwrap();
    let err = mock.client_for("nobody").unwrap_err();
    assert!(matches!(&err, MockError::UnknownIdentity(n) if n == "nobody"));
    assert_eq!(err.to_string(), "no identity `nobody`");
}

#[tokio::test]
async fn unmet_expectations_list_what_was_expected_beside_the_journal() {
    let mock = MockRa::start(World::demo()).await.unwrap();
    mock.expect(Cause::Issued).times(1);
    mock.expect(Cause::Page).at_least(1).on(Role::Webra2);
    mock.client()
        .unwrap()
        .get(mock.url(Host::Webra2, "/"))
        .send()
        .await
        .unwrap();
    let unmet = mock.verify().unwrap_err().to_string();
    assert!(
        unmet.contains("FAIL expected issued exactly once; the journal holds 0"),
        "{unmet}"
    );
    assert!(
        unmet.contains("ok   expected page on webra2 at least 1 times; the journal holds 1"),
        "{unmet}"
    );
    assert!(unmet.contains("    page: 1"), "{unmet}");
    // Checked once: the drop has nothing left to check.
    drop(mock);
}

#[test]
fn dropping_a_mock_with_unmet_expectations_panics_with_the_report() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(MockRa::start(World::demo())).unwrap();
    mock.expect(Cause::Issued).times(1).account("demo");
    let _guard = runtime.enter();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(mock)))
        .expect_err("the drop panics");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("expectations not met"), "{message}");
    assert!(
        message.contains("expected issued for account `demo` exactly once; the journal holds 0"),
        "{message}"
    );
}
