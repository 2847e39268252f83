//! Decisions that depend on when they are made, over real mutual TLS: the
//! renewal order opens as the virtual clock moves; the issuance decides
//! again what the login decided (the 90-day line, a reissue, a lock, an
//! expired password, a revocation) under the account's lock; a reissue moves the order to
//! the new certificate; a revoked certificate cannot log in.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use crate::common::*;
use certs_gen::{Identity, KeyType};
use mock_ra::{AccountPatch, Cause, CertStatus, MockRa, OrderState, Role};
use serde_json::Value;
use time::Duration;

/// Logs in with `identity`; returns the client (same connection pool) and
/// the ticket with a CSR ready to send.
async fn logged_in(
    mock: &MockRa,
    identity: &Identity,
    password: &str,
) -> (reqwest::Client, String, String) {
    let c = client(mock, Some(identity));
    let (status, body) = login(&c, mock, password).await;
    assert_eq!(status, 200, "login: {body}");
    let (_, csr_b64) = csr(body["subject_der"].as_str().unwrap(), KeyType::P256);
    (c, body["ticket"].as_str().unwrap().to_owned(), csr_b64)
}

fn certificates(mock: &MockRa, id: &str) -> usize {
    mock.account(id).unwrap().certificates.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_opens_28_days_before_expiry_as_the_clock_moves() {
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("early", "pw-early", "+30d")]))
        .await
        .unwrap();
    let id = mock.identity("early").unwrap();
    assert_eq!(mock.account("early").unwrap().order, OrderState::NotCreated);
    let c = client(&mock, Some(&id));
    let got = login(&c, &mock, "pw-early").await;
    assert_refused(&mock, &got, 409, "E550F", Cause::NotCreated, Some("early"));

    // 2 days later it is still 28 days and a bit before expiry.
    mock.advance_clock(Duration::days(2) - Duration::seconds(1))
        .unwrap();
    assert_eq!(mock.account("early").unwrap().order, OrderState::NotCreated);
    // 3 days later it is 27 days before: the order is there, nobody set it.
    mock.advance_clock(Duration::days(1) + Duration::seconds(1))
        .unwrap();
    assert_eq!(mock.account("early").unwrap().order, OrderState::Ready);
    let (status, body) = renew(&mock, &id, "pw-early").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(last(&mock, Role::Webra2).cause, Cause::Issued);
    assert_eq!(mock.account("early").unwrap().order, OrderState::Fetched);

    // An order set explicitly stays as set, whatever the clock says.
    let mut held = account("held", "pw-held", "+1d");
    held.order = Some(OrderState::NotCreated);
    let mock = MockRa::start(world(t0, vec![held])).await.unwrap();
    mock.advance_clock(Duration::days(2)).unwrap();
    assert_eq!(mock.account("held").unwrap().order, OrderState::NotCreated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_from_just_inside_90_days_does_not_issue_past_the_line() {
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("late", "pw-late", "-89d23h59m59s")]))
        .await
        .unwrap();
    let id = mock.identity("late").unwrap();
    let (c, ticket, csr_b64) = logged_in(&mock, &id, "pw-late").await;
    mock.advance_clock(Duration::seconds(1)).unwrap();
    let got = issue(&c, &mock, &ticket, &csr_b64).await;
    assert_refused(
        &mock,
        &got,
        403,
        "ENOCERT",
        Cause::ExpiredTooLong,
        Some("late"),
    );
    // Nothing was issued and the order is untouched.
    assert_eq!(certificates(&mock, "late"), 1);
    assert_eq!(mock.account("late").unwrap().order, OrderState::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reissue_after_the_login_stops_the_issuance_and_moves_the_order() {
    let t0 = now();
    let mock = MockRa::start(world(t0, vec![account("acme", "pw-acme", "-10d")]))
        .await
        .unwrap();
    let old = mock.identity("acme").unwrap();
    let (c, ticket, csr_b64) = logged_in(&mock, &old, "pw-acme").await;
    let new = mock.reissue("acme").unwrap();
    let got = issue(&c, &mock, &ticket, &csr_b64).await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Reissued, Some("acme"));
    let a = mock.account("acme").unwrap();
    assert_eq!(a.certificates.len(), 2, "no renewal was recorded");
    assert_eq!(a.certificates[1].status, Some(CertStatus::Current));
    // The old certificate's renewal is moot: the order belongs to the new,
    // valid certificate, and is not created until 28 days before its end.
    assert_eq!(a.order, OrderState::NotCreated);
    let reissued = mock.identity(new.identity.as_deref().unwrap()).unwrap();
    let got = login(&client(&mock, Some(&reissued)), &mock, "pw-acme").await;
    assert_refused(&mock, &got, 409, "E550F", Cause::NotCreated, Some("acme"));
    let got = login(&client(&mock, Some(&old)), &mock, "pw-acme").await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Reissued, Some("acme"));
    // 340 days on, the new certificate is 25 days from its end: renewable.
    mock.advance_clock(Duration::days(340)).unwrap();
    assert_eq!(mock.account("acme").unwrap().order, OrderState::Ready);
    let (status, body) = renew(&mock, &reissued, "pw-acme").await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_or_a_password_expiry_after_the_login_stops_the_issuance() {
    let t0 = now();
    let mock = MockRa::start(world(
        t0,
        vec![
            account("locked", "pw-l", "-10d"),
            account("expiring", "pw-e", "-10d"),
        ],
    ))
    .await
    .unwrap();

    let id = mock.identity("locked").unwrap();
    let (c, ticket, csr_b64) = logged_in(&mock, &id, "pw-l").await;
    let patch = AccountPatch {
        locked: Some(true),
        ..AccountPatch::default()
    };
    mock.patch_account("locked", patch).unwrap();
    let got = issue(&c, &mock, &ticket, &csr_b64).await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::PasswordLocked,
        Some("locked"),
    );
    assert_eq!(certificates(&mock, "locked"), 1);
    assert_eq!(mock.account("locked").unwrap().order, OrderState::Ready);

    let id = mock.identity("expiring").unwrap();
    let (c, ticket, csr_b64) = logged_in(&mock, &id, "pw-e").await;
    let patch = AccountPatch {
        password_expires: Some(Some(mock.now())),
        ..AccountPatch::default()
    };
    mock.patch_account("expiring", patch).unwrap();
    let got = issue(&c, &mock, &ticket, &csr_b64).await;
    assert_refused(
        &mock,
        &got,
        403,
        "E550A",
        Cause::PasswordExpired,
        Some("expiring"),
    );
    assert_eq!(certificates(&mock, "expiring"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_certificate_cannot_log_in_and_the_journal_says_revoked() {
    let t0 = now();
    let mut revoked = account("rev", "pw-rev", "-10d");
    revoked.certificate[0].revoked = true;
    let mock = MockRa::start(world(t0, vec![revoked])).await.unwrap();
    let id = mock.identity("rev").unwrap();
    let c = client(&mock, Some(&id));
    // The right password and a ready order: still refused, as E550A.
    let got = login(&c, &mock, "pw-rev").await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Revoked, Some("rev"));
    let body: &Value = &got.1;
    assert!(!body.to_string().contains("revoked"), "{body}");
    // Decided before the password: the failure counter did not move.
    let got = login(&c, &mock, "wrong").await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Revoked, Some("rev"));
    assert_eq!(mock.account("rev").unwrap().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_after_the_login_stops_the_issuance() {
    let t0 = now();
    let mut revoked = account("late-rev", "pw-lr", "-10d");
    revoked.certificate[0].revoked = true;
    let mock = MockRa::start(world(t0, vec![revoked])).await.unwrap();
    let id = mock.identity("late-rev").unwrap();
    // The world revokes the certificate when the mock starts: a minute
    // before that, it is not revoked yet and the login hands out a ticket.
    mock.advance_clock(-Duration::minutes(1)).unwrap();
    let (c, ticket, csr_b64) = logged_in(&mock, &id, "pw-lr").await;
    assert_eq!(last(&mock, Role::Webra2).cause, Cause::TicketIssued);
    // Two minutes on, inside the ticket's five, the revocation is in force.
    mock.advance_clock(Duration::minutes(2)).unwrap();
    let got = issue(&c, &mock, &ticket, &csr_b64).await;
    assert_refused(&mock, &got, 403, "E550A", Cause::Revoked, Some("late-rev"));
    // Nothing was issued and the order was not used up.
    assert_eq!(certificates(&mock, "late-rev"), 1);
    assert_eq!(mock.account("late-rev").unwrap().order, OrderState::Ready);
}
