//! The state one mock shares between its roles, and the operations on it
//! that the library API and the admin API both call.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use certs_gen::spec::Issuer;
use certs_gen::{CertInfo, ClientSpec, Identity, Pki, PkiNames, RevocationReason};
use rustls_pki_types::CertificateRevocationListDer;
use time::OffsetDateTime;

use crate::error::MockError;
use crate::net::faults::registry::Faults;
use crate::net::tls::FaultTls;
use crate::ra::accounts::{
    Account, AccountCertificate, AccountView, CertStatus, CertificateView, OrderState, Password,
    PasswordHistory,
};
use crate::ra::clock::{Clock, ClockSetting};
use crate::ra::identities::{IdentityError, LazyIdentity};
use crate::ra::ledger::{Ledger, LedgerCert, LedgerEntry, Origin};
use crate::ra::tickets::Tickets;
use crate::wire::journal::Journal;
use crate::world::{AccountSpec, Policy, World};

mod populate;

/// Accounts, ledger, tickets and identities: everything a reset restores.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// By id: every login finds its account in O(1), however many.
    pub accounts: HashMap<String, Account>,
    pub ledger: Ledger,
    pub tickets: Tickets,
    /// Identities made at start-up or by a reissue, by name.
    pub identities: BTreeMap<String, Identity>,
    /// Generated customers' identities (`[[customers]]`), by name, made on
    /// first use; never listed with the others.
    pub customers: HashMap<String, Arc<LazyIdentity>>,
}

impl State {
    /// Whether an identity of either kind is called `name`.
    pub fn has_identity(&self, name: &str) -> bool {
        self.identities.contains_key(name) || self.customers.contains_key(name)
    }
}

/// An account's renewal order and how many renewals the RA signed for it:
/// what the load run checks afterwards (exactly one per fetched order).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderSummary {
    /// The account id.
    pub account: String,
    /// The order at the virtual now.
    pub order: OrderState,
    /// Renewal certificates in the ledger for it.
    pub renewals: u32,
}

/// What every role of one mock shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub pki: Arc<Pki>,
    pub policy: Policy,
    pub clock: Clock,
    pub journal: Journal,
    pub admin_token: String,
    pub faults: Faults,
    /// The ready line, for the console's client commands (console.rs).
    pub console: Published,
    /// Timeouts and connection caps of every listener (set by the builder).
    pub limits: crate::wire::limits::Limits,
    fault_tls: OnceLock<Result<FaultTls, Arc<MockError>>>,
    state: Mutex<State>,
    initial: State,
    initial_clock: ClockSetting,
    crl_number: AtomicU64,
}

/// Changes to an account: [`crate::MockRa::patch_account`] and `PATCH /accounts/{id}`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// New renewal order state.
    pub order: Option<OrderState>,
    /// New failure counter.
    pub failures: Option<u32>,
    /// Lock or unlock.
    pub locked: Option<bool>,
    /// A password change at the current virtual time.
    pub password: Option<Password>,
    /// New password expiry (RFC 3339); `null` clears it.
    #[serde(default, with = "double_option_rfc3339")]
    pub password_expires: Option<Option<OffsetDateTime>>,
}

mod double_option_rfc3339 {
    use serde::{Deserialize, Deserializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        match v {
            None => Ok(Some(None)),
            Some(s) => OffsetDateTime::parse(&s, &Rfc3339)
                .map(|t| Some(Some(t)))
                .map_err(|e| serde::de::Error::custom(format!("`{s}`: not RFC 3339 ({e})"))),
        }
    }
}

impl Shared {
    /// Builds the PKI, the accounts and the identities of `world`; its
    /// faults draw from `fault_seed`.
    pub fn new(world: &World, admin_token: String, fault_seed: u64) -> Result<Self, MockError> {
        world.validate()?;
        let clock = match world.clock.now {
            Some(now) => Clock::starting_at(now, world.clock.frozen),
            None if world.clock.frozen => Clock::starting_at(OffsetDateTime::now_utc(), true),
            None => Clock::real(),
        };
        let now = certs_gen::truncate_to_seconds(clock.now());
        let pki = Arc::new(Pki::generate(world.pki.key_type, now)?);
        let mut state = State::default();
        for spec in &world.accounts {
            state.add_account(&pki, &world.policy, spec, now)?;
        }
        state.add_customers(&pki, world, now)?;
        let foreign = if world.identities.iter().any(|c| c.ca == Issuer::Foreign) {
            Some(Pki::generate_named(
                PkiNames::foreign(),
                world.pki.key_type,
                now,
            )?)
        } else {
            None
        };
        for entry in &world.identities {
            let spec = entry.to_client_spec(now)?;
            let issuer = match (&foreign, entry.ca) {
                (Some(f), Issuer::Foreign) => f,
                _ => &pki,
            };
            let identity = issuer.issue_client(&spec)?;
            if entry.ca == Issuer::Test {
                let info = identity.info()?;
                state.ledger.add(LedgerEntry::made(
                    identity.cert.clone(),
                    info,
                    None,
                    Some(entry.name.clone()),
                    Origin::World,
                    entry
                        .revoked
                        .then_some((now, RevocationReason::KeyCompromise)),
                ));
            }
            state.identities.insert(entry.name.clone(), identity);
        }
        let initial_clock = clock.setting();
        let faults = Faults::new(&world.faults, fault_seed)?;
        Ok(Self {
            pki,
            policy: world.policy.clone(),
            clock,
            journal: Journal::new(crate::wire::limits::JOURNAL_CAPACITY),
            admin_token,
            faults,
            console: Default::default(),
            limits: crate::wire::limits::Limits::DEFAULT,
            fault_tls: OnceLock::new(),
            initial: state.clone(),
            state: Mutex::new(state),
            initial_clock,
            crl_number: AtomicU64::new(0),
        })
    }

    /// The state, locked. Every decision that reads and then changes it
    /// holds this guard from the read to the change.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The virtual now.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Everything back to how the world started: accounts, ledger, tickets,
    /// identities, clock; the journal is emptied (its numbers keep counting).
    pub fn reset(&self) {
        *self.lock() = self.initial.clone();
        self.clock.restore(&self.initial_clock);
        self.faults.reset();
        self.journal.clear();
    }

    /// The TLS faults' configurations, made on first use.
    pub fn fault_tls(&self) -> Result<&FaultTls, &Arc<MockError>> {
        self.fault_tls
            .get_or_init(|| FaultTls::new(&self.pki).map_err(Arc::new))
            .as_ref()
    }

    /// A view of one account.
    pub fn account(&self, id: &str) -> Option<AccountView> {
        let now = self.now();
        let state = self.lock();
        state.accounts.get(id).map(|a| view(&state, a, now))
    }

    /// Views of every account, by id. A generated customer's view makes
    /// its certificate (it shows the PEM): slow for a whole season.
    pub fn accounts(&self) -> Vec<AccountView> {
        let now = self.now();
        let state = self.lock();
        let mut accounts: Vec<&Account> = state.accounts.values().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        accounts.into_iter().map(|a| view(&state, a, now)).collect()
    }

    /// Every account's order and renewal count, by id (no certificate is
    /// made for it).
    pub fn orders(&self) -> Vec<OrderSummary> {
        let now = self.now();
        let state = self.lock();
        let mut orders: Vec<OrderSummary> = state
            .accounts
            .values()
            .map(|a| OrderSummary {
                account: a.id.clone(),
                order: a.order_at(now),
                renewals: state.ledger.renewals_of(&a.id),
            })
            .collect();
        orders.sort_by(|a, b| a.account.cmp(&b.account));
        orders
    }

    /// An identity by name; a generated customer's is made now if it was
    /// not yet, outside the state lock.
    pub fn identity(&self, name: &str) -> Option<Result<Identity, IdentityError>> {
        let lazy = {
            let state = self.lock();
            if let Some(identity) = state.identities.get(name) {
                return Some(Ok(identity.clone()));
            }
            state.customers.get(name)?.clone()
        };
        Some(lazy.get().map(|m| m.identity.clone()))
    }

    /// A certificate the issuing CA knows, by serial (lowercase hex).
    pub fn certificate(&self, serial: &str) -> Option<CertificateView> {
        let now = self.now();
        let state = self.lock();
        state
            .ledger
            .get(&serial.to_ascii_lowercase())
            .and_then(|e| certificate_view(&state, e, now))
    }

    /// Adds an account, its certificates made relative to the virtual now.
    pub fn create_account(&self, spec: &AccountSpec) -> Result<AccountView, MockError> {
        spec.check().map_err(|e| MockError::InvalidAccount(e.why))?;
        if self.lock().accounts.contains_key(&spec.id) {
            return Err(MockError::AccountExists(spec.id.clone()));
        }
        let now = certs_gen::truncate_to_seconds(self.now());
        // Keys are made without the lock; the result is merged under it.
        let mut scratch = State::default();
        scratch.add_account(&self.pki, &self.policy, spec, now)?;
        let mut state = self.lock();
        if state.accounts.contains_key(&spec.id) {
            return Err(MockError::AccountExists(spec.id.clone()));
        }
        if let Some(name) = scratch.identities.keys().find(|n| state.has_identity(n)) {
            return Err(MockError::IdentityExists(name.clone()));
        }
        for e in scratch.ledger.entries() {
            state.ledger.add(e.clone());
        }
        state.identities.append(&mut scratch.identities);
        state.accounts.extend(scratch.accounts);
        let account = state
            .accounts
            .get(&spec.id)
            .ok_or_else(|| MockError::UnknownAccount(spec.id.clone()))?;
        Ok(view(&state, account, now))
    }

    /// Applies `patch` to an account.
    pub fn patch_account(&self, id: &str, patch: AccountPatch) -> Result<AccountView, MockError> {
        let now = self.now();
        let mut state = self.lock();
        let account = state
            .accounts
            .get_mut(id)
            .ok_or_else(|| MockError::UnknownAccount(id.to_owned()))?;
        if let Some(order) = patch.order {
            account.order = Some(order);
        }
        if let Some(failures) = patch.failures {
            account.failures = failures;
        }
        if let Some(locked) = patch.locked {
            account.locked = locked;
        }
        if let Some(password) = patch.password {
            account.passwords.change(now, password);
        }
        if let Some(expires) = patch.password_expires {
            account.password_expires = expires;
        }
        let account = &state.accounts[id];
        Ok(view(&state, account, now))
    }

    /// Gives the account a new current certificate (new key, valid from now
    /// for the issued lifetime); the old current one becomes `reissued` and
    /// is revoked as superseded (D6.8). Returns the new certificate.
    pub fn reissue(&self, id: &str) -> Result<CertificateView, MockError> {
        let (cn, key_type) = {
            let state = self.lock();
            let a = state
                .accounts
                .get(id)
                .ok_or_else(|| MockError::UnknownAccount(id.to_owned()))?;
            (a.cn.clone(), a.key_type)
        };
        let now = certs_gen::truncate_to_seconds(self.now());
        let identity = self.pki.issue_client(&ClientSpec {
            common_name: cn,
            organization: None,
            not_before: now,
            not_after: now + self.policy.issued_lifetime.duration(),
            key_type: Some(key_type),
            serial: None,
        })?;
        let info = identity.info()?;
        let mut state = self.lock();
        let state = &mut *state;
        let account = state
            .accounts
            .get_mut(id)
            .ok_or_else(|| MockError::UnknownAccount(id.to_owned()))?;
        let mut n = account.certificates.len() + 1;
        let name = loop {
            let candidate = format!("{id}-{n}");
            if !state.identities.contains_key(&candidate)
                && !state.customers.contains_key(&candidate)
            {
                break candidate;
            }
            n += 1;
        };
        for c in &mut account.certificates {
            if c.status == CertStatus::Current {
                c.status = CertStatus::Reissued;
                state
                    .ledger
                    .revoke(&c.serial, now, RevocationReason::Superseded);
            }
        }
        account.certificates.push(AccountCertificate {
            serial: info.serial.clone(),
            status: CertStatus::Current,
            identity: Some(name.clone()),
            not_after: info.not_after,
        });
        // The old certificate's renewal is moot: the order now belongs to
        // the new, valid certificate, and opens by itself 28 days before
        // it expires (not_created until then). A login with the old one
        // gets E550A `reissued` anyway.
        account.order = None;
        state.ledger.add(LedgerEntry::made(
            identity.cert.clone(),
            info.clone(),
            Some(id.to_owned()),
            Some(name.clone()),
            Origin::Reissue,
            None,
        ));
        state.identities.insert(name, identity);
        let entry = state
            .ledger
            .get(&info.serial)
            .ok_or(MockError::Internal("the reissued certificate vanished"))?;
        certificate_view(state, entry, now).ok_or(MockError::Internal(
            "the reissued certificate does not read",
        ))
    }

    /// The issuing CA's CRL at the virtual now, with a CRL number that
    /// increases on every call.
    pub fn issuing_crl(&self) -> Result<CertificateRevocationListDer<'static>, certs_gen::Error> {
        let now = self.now();
        let revoked = self.lock().ledger.revocations(now);
        let number = self.crl_number.fetch_add(1, Ordering::Relaxed) + 1;
        self.pki.issuing_crl(&revoked, now, number)
    }

    /// The client-CA root's CRL (no CA certificate is ever revoked).
    pub fn root_crl(&self) -> Result<CertificateRevocationListDer<'static>, certs_gen::Error> {
        let number = self.crl_number.fetch_add(1, Ordering::Relaxed) + 1;
        self.pki.root_crl(&[], self.now(), number)
    }
}

fn view(state: &State, a: &Account, now: OffsetDateTime) -> AccountView {
    AccountView {
        id: a.id.clone(),
        cn: a.cn.clone(),
        failures: a.failures,
        lock_threshold: a.lock_threshold,
        locked: a.locked,
        password_expires: a.password_expires,
        password_changes: a
            .passwords
            .change_times()
            .iter()
            .map(|t| crate::wire::protocol::rfc3339(*t))
            .collect(),
        order: a.order_at(now),
        certificates: a
            .certificates
            .iter()
            .filter_map(|c| state.ledger.get(&c.serial))
            .filter_map(|e| certificate_view(state, e, now))
            .collect(),
    }
}

/// A ledger entry as the API shows it; `None` only when a generated
/// customer's certificate cannot be made.
fn certificate_view(
    state: &State,
    e: &LedgerEntry,
    now: OffsetDateTime,
) -> Option<CertificateView> {
    let (der, info) = e.certificate().ok()?;
    let status = e
        .account
        .as_ref()
        .and_then(|id| state.accounts.get(id))
        .and_then(|a| a.status_of(&e.serial));
    Some(CertificateView {
        serial: e.serial.clone(),
        subject: info.subject.clone(),
        not_before: info.not_before,
        not_after: info.not_after,
        account: e.account.clone(),
        status,
        identity: e.identity.clone(),
        origin: e.origin.as_str(),
        revoked: e.revoked_at(now),
        revoked_at: e.revoked.map(|(at, _)| at),
        pem: certs_gen::pem::certificate(der),
    })
}

/// What the journal shows of a presented certificate.
pub(crate) fn presented(der: &[u8]) -> Option<crate::wire::journal::PresentedCertificate> {
    CertInfo::from_der(der)
        .ok()
        .map(|i| crate::wire::journal::PresentedCertificate {
            serial: i.serial,
            subject: i.subject,
        })
}

/// The ready line (a `ready::ReadyLine`), once `serve` (or whoever wrote a
/// state directory for an in-process mock) has published it. Held as `Any`
/// so that the state, below the ready line's module, does not name it; the
/// console downcasts it back.
#[derive(Default)]
pub struct Published(
    pub(crate) std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
);

impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Published(set)"
        } else {
            "Published(unset)"
        })
    }
}
