//! Login tickets (protocol 2.3): one issuance, for one certificate, until
//! they expire.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::{Duration, OffsetDateTime};

use crate::wire::problem::ApiError;

/// A login ticket: one issuance, for one certificate, until it expires.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The account that logged in.
    pub account: String,
    /// Serial of the certificate the login presented.
    pub serial: String,
    /// End of validity (virtual clock).
    pub expires_at: OffsetDateTime,
    /// Whether an issuance request has used it.
    pub used: bool,
}

/// Why a ticket does not allow an issuance (protocol 2.3); the text is the
/// problem body's `detail`, for developers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// No ticket has this token.
    #[error("ticket: unknown ticket")]
    Unknown,
    /// An issuance request has used it already.
    #[error("ticket: already used")]
    Used,
    /// Its time is over (virtual clock).
    #[error("ticket: expired")]
    Expired,
    /// The request with it presented no client certificate.
    #[error("ticket: no client certificate presented with it")]
    NotPresented,
    /// The request with it presented another certificate than the login.
    #[error("ticket: issued for a different client certificate")]
    OtherCertificate,
    /// The issuance request came without a client certificate at all.
    #[error("ticket: no client certificate")]
    NoCertificate,
    /// The account it was issued for was removed since.
    #[error("ticket: its account no longer exists")]
    AccountGone,
    /// The certificate it was issued for is not in the ledger.
    #[error("ticket: its certificate is unknown")]
    CertificateUnknown,
}

impl From<TicketError> for ApiError {
    /// A 400 `bad ticket` whose `detail` is the error's text.
    fn from(e: TicketError) -> Self {
        ApiError::BadTicket(e.to_string())
    }
}

/// The tickets handed out.
#[derive(Debug, Clone, Default)]
pub struct Tickets {
    map: HashMap<String, Ticket>,
}

impl Tickets {
    /// Hands out a ticket for `account` and the certificate `serial`.
    pub fn issue(
        &mut self,
        account: &str,
        serial: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> (String, OffsetDateTime) {
        self.map.retain(|_, t| !t.used && t.expires_at > now);
        let token = random_token();
        let expires_at = certs_gen::truncate_to_seconds(now + ttl);
        self.map.insert(
            token.clone(),
            Ticket {
                account: account.to_owned(),
                serial: serial.to_owned(),
                expires_at,
                used: false,
            },
        );
        (token, expires_at)
    }

    /// Checks a ticket without using it. The detail is for developers.
    pub fn check(
        &self,
        token: &str,
        presented_serial: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<&Ticket, TicketError> {
        let t = self.map.get(token).ok_or(TicketError::Unknown)?;
        if t.used {
            return Err(TicketError::Used);
        }
        if now >= t.expires_at {
            return Err(TicketError::Expired);
        }
        match presented_serial {
            None => Err(TicketError::NotPresented),
            Some(s) if s != t.serial => Err(TicketError::OtherCertificate),
            Some(_) => Ok(t),
        }
    }

    /// Checks and uses a ticket.
    pub fn consume(
        &mut self,
        token: &str,
        presented_serial: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Ticket, TicketError> {
        self.check(token, presented_serial, now)?;
        let t = self.map.get_mut(token).ok_or(TicketError::Unknown)?;
        t.used = true;
        Ok(t.clone())
    }
}

/// 32 random bytes, base64url: 43 characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Invariant: aws-lc's RNG reads the kernel's CSPRNG, which fails only on
    // a system without any entropy source. A ticket or admin token must
    // never be guessable, so there is no fallback: the mock stops.
    aws_lc_rs::rand::fill(&mut bytes).expect("the system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}
