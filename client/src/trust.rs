//! The trust decision (D4.5): the CA asks to install its root; the customer
//! checks its SHA-1 thumbprint, shown in 8-hex-digit groups, and answers.
//! Not asked when the root is already in the trust list. A thumbprint other
//! than the pinned one (`--root-sha1`, by default the manual's) is refused
//! whatever the flags say, and whether or not the root is in the trust list
//! already: being installed spares the question, not the check.

use crate::cert::{CertFacts, group_thumbprint, normalize_thumbprint};
use crate::prompt::Dialog;
use crate::store::{Store, StoreError};

/// The thumbprint the manual tells the customer to check (D4.5).
pub const MANUAL_ROOT_SHA1: &str = "40A6C237 3D05322D 64087065 04F141D0 0775CD57";

/// Why the root was not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootRefused {
    /// Its thumbprint is not the pinned one: refused whatever the flags.
    Mismatch {
        /// The pinned thumbprint, grouped.
        expected: String,
        /// The root's thumbprint, grouped.
        got: String,
        /// The root's subject.
        subject: String,
    },
    /// The person answered no.
    Declined {
        /// The root's thumbprint, grouped.
        got: String,
        /// The root's subject.
        subject: String,
    },
    /// No terminal to ask and no `--yes`.
    NotAsked {
        /// The root's thumbprint, grouped.
        got: String,
        /// The root's subject.
        subject: String,
    },
}

/// Whether the root was already trusted or has just been added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// In the trust list already: no question asked.
    AlreadyTrusted,
    /// Accepted now and added to the trust list.
    Installed,
}

/// What the decision needs besides the root.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The pinned thumbprint, 40 uppercase hex digits.
    pub pinned_sha1: String,
    /// `--yes`: accept without asking (only a matching thumbprint).
    pub yes: bool,
}

impl Policy {
    /// A policy pinning `sha1` (40 hex digits; spaces and colons allowed).
    pub fn new(sha1: &str, yes: bool) -> Option<Self> {
        Some(Self {
            pinned_sha1: normalize_thumbprint(sha1)?,
            yes,
        })
    }
}

/// Failure of the decision itself.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// Refused.
    #[error(transparent)]
    Refused(#[from] RootRefused),
    /// The trust list could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A root the customer accepted (or had accepted before), possibly before
/// the certificate that chains to it exists: the renewal asks before it
/// logs in, so that a refusal never consumes the order, and records the
/// root in the trust list only once the new chain has validated.
#[derive(Debug, Clone)]
pub struct Approval {
    /// The root.
    pub root: CertFacts,
    /// Whether it was in the trust list already.
    pub decision: Decision,
}

/// Decides on `root` (D4.5) without recording anything: already trusted;
/// else the pinned thumbprint, then `--yes` or the person's answer.
pub fn approve(
    store: &Store,
    root: &CertFacts,
    policy: &Policy,
    dialog: &mut dyn Dialog,
) -> Result<Approval, TrustError> {
    // The pin first, even for a root in the trust list: D4.5 skips only
    // the question when the root is installed, not the customer's check of
    // the thumbprint, which `--root-sha1` (or its default, the manual's)
    // stands for. A trust list that holds another root (installed by an
    // earlier `roots add` or by a compromised run) never lets it pass.
    let got = group_thumbprint(&root.sha1).unwrap_or_default();
    let expected = group_thumbprint(&policy.pinned_sha1).unwrap_or_default();
    if normalize_thumbprint(&root.sha1).as_deref() != Some(policy.pinned_sha1.as_str()) {
        return Err(RootRefused::Mismatch {
            expected,
            got,
            subject: root.subject.clone(),
        }
        .into());
    }
    if store.is_trusted(&root.der)? {
        return Ok(Approval {
            root: root.clone(),
            decision: Decision::AlreadyTrusted,
        });
    }
    let accepted = if policy.yes {
        true
    } else if dialog.interactive() {
        dialog.accept_root(&root.subject, &got)
    } else {
        return Err(RootRefused::NotAsked {
            got,
            subject: root.subject.clone(),
        }
        .into());
    };
    if !accepted {
        return Err(RootRefused::Declined {
            got,
            subject: root.subject.clone(),
        }
        .into());
    }
    Ok(Approval {
        root: root.clone(),
        decision: Decision::Installed,
    })
}

/// Records an approved root in the trust list (nothing to do when it was
/// trusted already).
pub fn install(store: &Store, approval: &Approval) -> Result<Decision, StoreError> {
    if approval.decision == Decision::Installed {
        store.trust_root(&approval.root.der)?;
    }
    Ok(approval.decision)
}

/// Decides on `root` (D4.5) and records an acceptance in the trust list.
pub fn decide(
    store: &Store,
    root: &CertFacts,
    policy: &Policy,
    dialog: &mut dyn Dialog,
) -> Result<Decision, TrustError> {
    let approval = approve(store, root, policy, dialog)?;
    Ok(install(store, &approval)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Asking, Lang};
    use crate::prompt::Scripted;
    use crate::store::Access;
    use certs_gen::{KeyType, Pki};

    struct NoTerminal;
    impl Dialog for NoTerminal {
        fn interactive(&self) -> bool {
            false
        }
        fn accept_root(&mut self, _: &str, _: &str) -> bool {
            unreachable!("no terminal to ask")
        }
        fn pick(&mut self, _: &[&CertFacts]) -> Option<usize> {
            unreachable!()
        }
    }

    fn setup() -> (tempfile::TempDir, Store, CertFacts) {
        let pki = Pki::generate(KeyType::P256, time::OffsetDateTime::now_utc()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Access::Write).unwrap();
        (dir, store, CertFacts::parse(pki.client_root.der()).unwrap())
    }

    #[test]
    fn the_manuals_thumbprint_is_the_default_pin() {
        let p = Policy::new(MANUAL_ROOT_SHA1, false).unwrap();
        assert_eq!(p.pinned_sha1, "40A6C2373D05322D6408706504F141D00775CD57");
        assert!(Policy::new("40A6", false).is_none());
    }

    #[test]
    fn a_mismatch_is_refused_even_with_yes() {
        let (_d, store, root) = setup();
        let policy = Policy::new(MANUAL_ROOT_SHA1, true).unwrap();
        let e = decide(&store, &root, &policy, &mut NoTerminal).unwrap_err();
        let TrustError::Refused(RootRefused::Mismatch { expected, got, .. }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(expected, MANUAL_ROOT_SHA1);
        assert_eq!(got, group_thumbprint(&root.sha1).unwrap());
        assert!(store.trusted_roots().unwrap().is_empty());
    }

    #[test]
    fn without_a_terminal_only_yes_accepts() {
        let (_d, store, root) = setup();
        let no = Policy::new(&root.sha1, false).unwrap();
        assert!(matches!(
            decide(&store, &root, &no, &mut NoTerminal),
            Err(TrustError::Refused(RootRefused::NotAsked { .. }))
        ));
        let yes = Policy::new(&root.sha1, true).unwrap();
        assert_eq!(
            decide(&store, &root, &yes, &mut NoTerminal).unwrap(),
            Decision::Installed
        );
        // Already trusted: no question, with or without --yes.
        assert_eq!(
            decide(&store, &root, &no, &mut NoTerminal).unwrap(),
            Decision::AlreadyTrusted
        );
    }

    #[test]
    fn a_trusted_root_of_another_thumbprint_than_the_pin_is_refused() {
        let (_d, store, root) = setup();
        store.trust_root(&root.der).unwrap();
        let other = Policy::new(MANUAL_ROOT_SHA1, true).unwrap();
        let e = decide(&store, &root, &other, &mut NoTerminal).unwrap_err();
        assert!(
            matches!(e, TrustError::Refused(RootRefused::Mismatch { .. })),
            "{e:?}"
        );
        let e = approve(&store, &root, &other, &mut NoTerminal).unwrap_err();
        assert!(matches!(
            e,
            TrustError::Refused(RootRefused::Mismatch { .. })
        ));
        // The matching pin: trusted already, no question.
        let same = Policy::new(&root.sha1, false).unwrap();
        assert_eq!(
            decide(&store, &root, &same, &mut NoTerminal).unwrap(),
            Decision::AlreadyTrusted
        );
    }

    #[test]
    fn on_a_terminal_the_grouped_thumbprint_is_shown_and_asked() {
        let (_d, store, root) = setup();
        let policy = Policy::new(&root.sha1, false).unwrap();
        let mut p = Scripted::new(&["n"]);
        assert!(matches!(
            decide(&store, &root, &policy, &mut Asking::new(&mut p, Lang::Ja)),
            Err(TrustError::Refused(RootRefused::Declined { .. }))
        ));
        assert!(p.asked[0].contains(&format!(
            "拇印 (sha1): {}",
            group_thumbprint(&root.sha1).unwrap()
        )));
        let mut p = Scripted::new(&["y"]);
        assert_eq!(
            decide(&store, &root, &policy, &mut Asking::new(&mut p, Lang::Ja)).unwrap(),
            Decision::Installed
        );
        assert!(store.is_trusted(&root.der).unwrap());
    }
}
