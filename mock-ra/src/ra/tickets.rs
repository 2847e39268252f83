//! Login tickets (protocol 2.3): one issuance, for one certificate, until
//! they expire.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::{Duration, OffsetDateTime};

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
    ) -> Result<&Ticket, String> {
        let t = self
            .map
            .get(token)
            .ok_or_else(|| "ticket: unknown ticket".to_owned())?;
        if t.used {
            return Err("ticket: already used".to_owned());
        }
        if now >= t.expires_at {
            return Err("ticket: expired".to_owned());
        }
        match presented_serial {
            None => Err("ticket: no client certificate presented with it".to_owned()),
            Some(s) if s != t.serial => {
                Err("ticket: issued for a different client certificate".to_owned())
            }
            Some(_) => Ok(t),
        }
    }

    /// Checks and uses a ticket.
    pub fn consume(
        &mut self,
        token: &str,
        presented_serial: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Ticket, String> {
        self.check(token, presented_serial, now)?;
        let t = self
            .map
            .get_mut(token)
            .ok_or_else(|| "ticket: unknown ticket".to_owned())?;
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
