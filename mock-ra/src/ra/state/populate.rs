//! Filling the state from a world: each account's certificates made and
//! recorded, generated customers registered to be made on first use.

use super::*;

/// Makes an account's certificates and records them.
impl State {
    pub(super) fn add_account(
        &mut self,
        pki: &Pki,
        policy: &Policy,
        spec: &AccountSpec,
        now: OffsetDateTime,
    ) -> Result<(), MockError> {
        let cn = spec.common_name().to_owned();
        let key_type = spec.key_type.unwrap_or(pki.key_type);
        let statuses = spec.statuses();
        let names = spec.certificate_names();
        let mut made = Vec::new();
        for c in &spec.certificate {
            let (not_before, not_after) = c.window(now);
            let identity = pki.issue_client(&ClientSpec {
                common_name: cn.clone(),
                organization: None,
                not_before,
                not_after,
                key_type: Some(key_type),
                serial: None,
            })?;
            let info = identity.info()?;
            made.push((identity, info));
        }
        let mut certificates = Vec::new();
        for (i, ((identity, info), c)) in made.into_iter().zip(&spec.certificate).enumerate() {
            let status = statuses[i];
            let name = names[i].clone();
            let revoked = if status == CertStatus::Reissued {
                // Revoked when its successor was made, and not after now.
                let at = made_at_of_next(&spec.certificate, i, now).min(now);
                Some((at, RevocationReason::Superseded))
            } else if c.revoked {
                Some((now, RevocationReason::KeyCompromise))
            } else {
                None
            };
            certificates.push(AccountCertificate {
                serial: info.serial.clone(),
                status,
                identity: Some(name.clone()),
                not_after: info.not_after,
            });
            self.ledger.add(LedgerEntry::made(
                identity.cert.clone(),
                info,
                Some(spec.id.clone()),
                Some(name.clone()),
                Origin::World,
                revoked,
            ));
            self.identities.insert(name, identity);
        }
        let mut passwords = PasswordHistory::new(spec.password.clone());
        for change in &spec.password_change {
            passwords.change(now + change.at.duration(), change.password.clone());
        }
        let locked = spec.locked || spec.failures >= policy.lock_threshold;
        self.accounts.insert(
            spec.id.clone(),
            Account {
                id: spec.id.clone(),
                cn,
                passwords,
                failures: spec.failures,
                lock_threshold: policy.lock_threshold,
                locked,
                password_expires: spec.password_expires.map(|o| now + o.duration()),
                order: spec.order,
                order_opens_before: policy.password_reference.duration(),
                key_type,
                certificates,
            },
        );
        Ok(())
    }

    /// The world's generated customers (`[[customers]]`): each an account
    /// with one current certificate whose serial and validity are fixed now
    /// and whose key and certificate are made on first use. Nothing here
    /// generates a key or signs.
    pub(super) fn add_customers(
        &mut self,
        pki: &Arc<Pki>,
        world: &World,
        now: OffsetDateTime,
    ) -> Result<(), MockError> {
        let policy = &world.policy;
        let extra = world.account_count() - world.accounts.len();
        self.accounts.reserve(extra);
        self.customers.reserve(extra);
        self.ledger.reserve(extra);
        for (spec, n) in world.generated_customers() {
            let c = spec.customer(n).map_err(MockError::Customers)?;
            let key_type = spec.key_type.unwrap_or(pki.key_type);
            let not_after = now + c.expires;
            let lazy = Arc::new(LazyIdentity::new(
                pki.clone(),
                ClientSpec {
                    common_name: c.cn.clone(),
                    organization: None,
                    not_before: not_after - certs_gen::DEFAULT_CLIENT_LIFETIME,
                    not_after,
                    key_type: Some(key_type),
                    serial: None,
                },
            ));
            let serial = lazy.serial().to_owned();
            self.ledger.add(LedgerEntry {
                serial: serial.clone(),
                not_after,
                cert: LedgerCert::OnFirstUse(lazy.clone()),
                account: Some(c.id.clone()),
                identity: Some(c.id.clone()),
                origin: Origin::World,
                revoked: None,
            });
            self.customers.insert(c.id.clone(), lazy);
            self.accounts.insert(
                c.id.clone(),
                Account {
                    id: c.id.clone(),
                    cn: c.cn,
                    passwords: PasswordHistory::new(c.password),
                    failures: 0,
                    lock_threshold: policy.lock_threshold,
                    locked: false,
                    password_expires: None,
                    order: spec.order,
                    order_opens_before: policy.password_reference.duration(),
                    key_type,
                    certificates: vec![AccountCertificate {
                        serial,
                        status: CertStatus::Current,
                        identity: Some(c.id),
                        not_after,
                    }],
                },
            );
        }
        Ok(())
    }
}

/// notBefore of the certificate after `i` (when the reissue happened).
fn made_at_of_next(
    certs: &[crate::world::CertificateSpec],
    i: usize,
    now: OffsetDateTime,
) -> OffsetDateTime {
    certs.get(i + 1).map(|c| c.window(now).0).unwrap_or(now)
}
