//! Unit tests of the parent module.

use super::*;

fn record(j: &Journal) -> u64 {
    j.record(Record {
        time: OffsetDateTime::UNIX_EPOCH,
        role: Role::Webra2,
        method: "GET".into(),
        path: "/".into(),
        certificate: None,
        status: Some(200),
        outcome: Outcome::ok(Cause::Page, None),
        fault: None,
    })
}

#[test]
fn the_journal_keeps_the_newest_entries_and_counts_the_dropped() {
    let j = Journal::new(3);
    for _ in 0..10 {
        record(&j);
    }
    let seqs: Vec<u64> = j.entries().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [8, 9, 10]);
    assert_eq!(
        j.stats(),
        JournalStats {
            capacity: 3,
            kept: 3,
            dropped: 7,
            last_seq: 10
        }
    );
    let since: Vec<u64> = j.since(8).iter().map(|e| e.seq).collect();
    assert_eq!(since, [9, 10]);
    assert_eq!(j.since(0).len(), 3);
    assert!(j.since(10).is_empty());
    j.set_capacity(1);
    assert_eq!((j.stats().kept, j.stats().dropped), (1, 9));
    j.clear();
    assert_eq!((j.stats().kept, j.stats().dropped), (0, 9));
    assert_eq!(record(&j), 11);
}

mod cause_tests {
    use super::Cause;

    /// Adding a variant breaks this match until it is given a place in
    /// `Cause::ALL` (the assertion checks the places).
    fn place(c: Cause) -> usize {
        Cause::ALL
            .iter()
            .position(|x| *x == c)
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn all_lists_every_cause_once() {
        for c in Cause::ALL {
            // Exhaustive: a new variant is a compile error here.
            match c {
                Cause::NoClientCertificate
                | Cause::ExpiredTooLong
                | Cause::ForeignCertificate
                | Cause::Reissued
                | Cause::Revoked
                | Cause::PasswordLocked
                | Cause::WrongPassword
                | Cause::PasswordExpired
                | Cause::NotCreated
                | Cause::AlreadyFetched
                | Cause::TicketIssued
                | Cause::Issued
                | Cause::BadRequest
                | Cause::BadTicket
                | Cause::TooLarge
                | Cause::UnsupportedMediaType
                | Cause::NotFound
                | Cause::MethodNotAllowed
                | Cause::ConfirmOk
                | Cause::ConfirmExpired
                | Cause::ConfirmRevoked
                | Cause::ConfirmNotYetValid
                | Cause::Page
                | Cause::Served
                | Cause::AdminOk
                | Cause::AdminNotFound
                | Cause::AdminBadRequest
                | Cause::Unauthorized
                | Cause::TlsNoClientCertificate
                | Cause::TlsBadClientCertificate
                | Cause::TlsHandshakeFailed
                | Cause::Fault
                | Cause::Proxied
                | Cause::ProxyBadGateway
                | Cause::UnknownHost
                | Cause::MalformedRequest
                | Cause::HeadTooLarge
                | Cause::HeaderTimeout
                | Cause::BodyTimeout
                | Cause::ConnectionLimit
                | Cause::Internal => {}
            }
        }
        let names: std::collections::BTreeSet<&str> =
            Cause::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Cause::ALL.len(), "a cause is listed twice");
        for (i, c) in Cause::ALL.iter().enumerate() {
            assert_eq!(place(*c), i);
        }
    }
}
