//! The RA's login decision (protocol 2.6), written once. The login takes
//! it with the customer's password; the issuance takes it again with the
//! login's ticket, because the world may have moved in between (the
//! clock, a reissue, a lock, a revocation, the order). Step 1 (no client
//! certificate) and the ticket (step 10) belong to the callers.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::ra::accounts::{Account, CertStatus, OrderState, Password};
use crate::wire::journal::{Cause, Class};
use crate::wire::problem::ApiError;
use crate::world::Policy;

/// The presented certificate, as the issuing CA's ledger knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Presented<'a> {
    /// Serial, lowercase hex.
    pub serial: &'a str,
    /// Its notAfter.
    pub not_after: OffsetDateTime,
    /// The account the ledger records for it, if it knows the certificate.
    pub owner: Option<&'a str>,
    /// Whether the ledger has it revoked at `now`.
    pub revoked: bool,
}

/// What the customer proves, besides the certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Proof<'a> {
    /// The login's password (step 7 is decided, and counts failures).
    Password(&'a Password),
    /// A login ticket: step 7 was decided when it was handed out.
    Ticket,
}

/// Steps 2 to 9 of protocol 2.6, in order: the account the certificate
/// stands for, or the refusal (class and journal cause) of the first step
/// that fails.
pub(crate) fn standing<'a>(
    accounts: &'a mut HashMap<String, Account>,
    presented: Presented<'_>,
    proof: Proof<'_>,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<&'a mut Account, ApiError> {
    let foreign =
        |account: Option<&str>| ApiError::refused(Class::E550A, Cause::ForeignCertificate, account);
    // 2. Expired 90 days ago or more (D7.1).
    if now - presented.not_after >= policy.renewal_window.duration() {
        return Err(ApiError::refused(
            Class::ENOCERT,
            Cause::ExpiredTooLong,
            presented.owner,
        ));
    }
    // 3. Known to no account (D6.5).
    let Some(account) = presented.owner.and_then(|id| accounts.get_mut(id)) else {
        return Err(foreign(None));
    };
    let refuse =
        |class, cause, account: &Account| ApiError::refused(class, cause, Some(&account.id));
    // 4. Superseded by a reissue (D6.8).
    match account.status_of(presented.serial) {
        Some(CertStatus::Reissued) => return Err(refuse(Class::E550A, Cause::Reissued, account)),
        Some(_) => {}
        None => return Err(foreign(Some(&account.id))),
    }
    // 5. Revoked for another reason (the world's `revoked = true`).
    if presented.revoked {
        return Err(refuse(Class::E550A, Cause::Revoked, account));
    }
    // 6. Locked (D6.6): whatever the password.
    if account.locked {
        return Err(refuse(Class::E550A, Cause::PasswordLocked, account));
    }
    // 7. The password in force at notAfter - 28 days (D6.4, D2.1).
    if let Proof::Password(password) = proof {
        let reference = presented.not_after - policy.password_reference.duration();
        if !account.passwords.at(reference).matches(password.expose()) {
            account.record_failure();
            return Err(refuse(Class::E550A, Cause::WrongPassword, account));
        }
        account.failures = 0;
    }
    // 8. Password expired (D6.7).
    if account.password_expires.is_some_and(|at| now >= at) {
        return Err(refuse(Class::E550A, Cause::PasswordExpired, account));
    }
    // 9. The order (D6.10, D6.9), as it stands now.
    match account.order_at(now) {
        OrderState::NotCreated => Err(refuse(Class::E550F, Cause::NotCreated, account)),
        OrderState::Fetched => Err(refuse(Class::E550F, Cause::AlreadyFetched, account)),
        OrderState::Ready => Ok(account),
    }
}
