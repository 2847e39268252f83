//! The store's unit tests.

use super::*;
use certs_gen::{ClientSpec, KeyType, Pki};
use time::Duration as TimeDuration;

fn meta() -> Meta {
    Meta {
        origin: "imported".into(),
        stored_at: OffsetDateTime::UNIX_EPOCH,
        renewed_from: None,
    }
}

fn identity(pki: &Pki, cn: &str) -> certs_gen::Identity {
    pki.issue_client(&ClientSpec::ending(
        cn,
        OffsetDateTime::now_utc(),
        -TimeDuration::days(10),
    ))
    .unwrap()
}

#[test]
fn write_new_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.pem");
    write_new(&p, b"first", false).unwrap();
    let e = write_new(&p, b"second", false).unwrap_err();
    assert!(
        matches!(e, StoreError::Io { ref source, .. } if source.kind() == io::ErrorKind::AlreadyExists)
    );
    assert_eq!(fs::read(&p).unwrap(), b"first");
    // No temporary file is left behind.
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[cfg(unix)]
#[test]
fn keys_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let id = identity(&pki, "user01");
    let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
    let mode = fs::metadata(stored.dir.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn identities_are_added_once_and_keep_their_chain() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    store.check_writable().unwrap();
    let id = identity(&pki, "user01");
    let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
    assert!(!stored.has_chain());
    let again = store.add_identity(&id.cert, &id.key, &meta()).unwrap_err();
    assert!(matches!(again, StoreError::Exists(ref i) if *i == stored.id));
    let with_chain = store.add_chain(&stored, &id.chain).unwrap();
    assert_eq!(with_chain.chain_der(), id.chain);
    assert!(store.add_chain(&stored, &id.chain).is_err());
    let other = identity(&pki, "user02");
    store
        .add_identity(&other.cert, &other.key, &meta())
        .unwrap();
    let (all, bad) = store.identities().unwrap();
    assert!(bad.is_empty());
    assert_eq!(all.len(), 2);
    let key = store.load_key(&with_chain).unwrap();
    assert_eq!(key.secret_pkcs8_der(), id.key.secret_pkcs8_der());
    assert_eq!(with_chain.meta, Some(meta()));
}

#[test]
fn a_damaged_identity_is_reported_and_importing_it_again_repairs_the_store() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let id = identity(&pki, "user01");
    let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
    let damaged = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    fs::write(stored.dir.join("cert.pem"), damaged).unwrap();
    let (good, bad) = store.identities().unwrap();
    assert!(good.is_empty());
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        matches!(&bad[0], StoreError::Unreadable { path, .. } if path.ends_with("cert.pem")),
        "{bad:?}"
    );
    // Adding it again moves the damaged copy aside (kept, hidden) and
    // stores a good one under the same name.
    let again = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
    assert_eq!(again.dir, stored.dir);
    let (good, bad) = store.identities().unwrap();
    assert_eq!((good.len(), bad.len()), (1, 0));
    let aside: Vec<PathBuf> = fs::read_dir(dir.path().join(IDENTITIES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".unreadable.")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read(aside[0].join("cert.pem")).unwrap(), damaged);
}

#[test]
fn a_crash_while_adding_never_blocks_a_later_add() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let id = identity(&pki, "user01");
    let name = identity_id(&CertFacts::parse(&id.cert).unwrap());
    let ids_dir = dir.path().join(IDENTITIES);
    // What a crash mid-add leaves now: a hidden temporary directory with
    // the key in it. It is not an identity.
    let leftover = ids_dir.join(format!(".new.{name}.1.0"));
    fs::create_dir(&leftover).unwrap();
    fs::write(leftover.join("key.pem"), b"partial").unwrap();
    // What a crash left with the old non-atomic code: the identity's own
    // directory with the key only.
    let half = ids_dir.join(&name);
    fs::create_dir(&half).unwrap();
    fs::write(half.join("key.pem"), b"partial").unwrap();
    assert!(store.identities().unwrap().0.is_empty());
    // Adding works, and is complete.
    let stored = store.add_identity(&id.cert, &id.key, &meta()).unwrap();
    assert_eq!(stored.dir, half);
    assert_eq!(store.identities().unwrap().0.len(), 1);
    // Nothing was deleted: the half one is set aside, the temporary
    // one is left alone.
    let hidden: Vec<String> = fs::read_dir(&ids_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        hidden.iter().any(|n| n.starts_with(".incomplete.")),
        "{hidden:?}"
    );
    assert!(leftover.join("key.pem").is_file());
    // Still create-new: a complete identity is never replaced, and a
    // file in the way is not an identity to replace either.
    assert!(matches!(
        store.add_identity(&id.cert, &id.key, &meta()),
        Err(StoreError::Exists(_))
    ));
    let other = identity(&pki, "user02");
    let other_name = identity_id(&CertFacts::parse(&other.cert).unwrap());
    fs::write(ids_dir.join(&other_name), b"in the way").unwrap();
    assert!(
        store
            .add_identity(&other.cert, &other.key, &meta())
            .is_err()
    );
    assert_eq!(fs::read(ids_dir.join(&other_name)).unwrap(), b"in the way");
    // No temporary directory of the failed add is left behind.
    let news = fs::read_dir(&ids_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&format!(".new.{other_name}"))
        })
        .count();
    assert_eq!(news, 0);
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn opening_the_store_completes_or_removes_what_an_ended_run_left() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let ids = root.as_path().join(IDENTITIES);
    let a = identity(&pki, "a");
    let b = identity(&pki, "b");
    let c = identity(&pki, "c");
    let key_pem =
        |id: &certs_gen::Identity| cert::pem_encode("PRIVATE KEY", id.key.secret_pkcs8_der());
    let cert_pem = |id: &certs_gen::Identity| cert::pem_encode("CERTIFICATE", &id.cert);
    {
        let store = Store::open(root.as_path(), Access::Create).unwrap();
        assert!(store.recovered().is_empty(), "{:?}", store.recovered());
        // An import that ended after cert.pem: complete, no meta.
        let new = ids.join(".new.x.1.0");
        fs::create_dir(&new).unwrap();
        fs::write(new.join("key.pem"), key_pem(&a)).unwrap();
        fs::write(new.join("cert.pem"), cert_pem(&a)).unwrap();
        // A renewal that ended after writing its certificate's
        // temporary file whole, before linking it.
        let renewing = ids.join(".renewing.1.0");
        fs::create_dir(&renewing).unwrap();
        let meta = Meta {
            origin: "renewed".into(),
            stored_at: OffsetDateTime::UNIX_EPOCH,
            renewed_from: Some("old-01".into()),
        };
        fs::write(
            renewing.join("meta.json"),
            serde_json::to_vec(&meta).unwrap(),
        )
        .unwrap();
        fs::write(renewing.join("key.pem"), key_pem(&b)).unwrap();
        fs::write(renewing.join(".cert.pem.1.3.tmp"), cert_pem(&b)).unwrap();
        // A renewal that ended before the answer was stored.
        let lost = ids.join(".renewing.1.1");
        fs::create_dir(&lost).unwrap();
        fs::write(lost.join("key.pem"), key_pem(&c)).unwrap();
        fs::write(lost.join(".cert.pem.1.4.tmp"), b"-----BEGIN CERT").unwrap();
        // A certificate with another's key: kept aside, named.
        let odd = ids.join(".renewing.1.2");
        fs::create_dir(&odd).unwrap();
        fs::write(odd.join("key.pem"), key_pem(&a)).unwrap();
        fs::write(odd.join("cert.pem"), cert_pem(&c)).unwrap();
        // Temporary files.
        fs::write(ids.join(".preflight.1.tmp"), b"x").unwrap();
        fs::write(root.as_path().join(TRUST).join(".AB.pem.1.0.tmp"), b"x").unwrap();
    }
    let store = Store::open(root.as_path(), Access::Read).unwrap();
    let r = store.recovered();
    let adopted: Vec<(&str, bool)> = r
        .iter()
        .filter_map(|r| match r {
            Recovered::Adopted {
                serial, renewal, ..
            } => Some((serial.as_str(), *renewal)),
            _ => None,
        })
        .collect();
    let serial = |id: &certs_gen::Identity| CertFacts::parse(&id.cert).unwrap().serial;
    let (sa, sb) = (serial(&a), serial(&b));
    assert_eq!(
        adopted,
        vec![(sa.as_str(), false), (sb.as_str(), true)],
        "{r:?}"
    );
    assert!(r.contains(&Recovered::AnswerNotStored { renewed_from: None }));
    assert!(
        r.iter().any(|r| matches!(r, Recovered::SetAside { .. })),
        "{r:?}"
    );
    assert!(
        r.contains(&Recovered::TemporariesRemoved { count: 2 }),
        "{r:?}"
    );
    let (good, bad) = store.identities().unwrap();
    assert_eq!(good.len(), 2);
    let renewed = good.iter().find(|i| i.cert.serial == sb).unwrap();
    assert_eq!(
        renewed
            .meta
            .as_ref()
            .and_then(|m| m.renewed_from.as_deref()),
        Some("old-01")
    );
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(matches!(bad[0], StoreError::Unfinished { .. }));
    let hidden = hidden_entries(&ids);
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert!(hidden[0].starts_with(UNFINISHED), "{hidden:?}");
    assert!(hidden_entries(&root.as_path().join(TRUST)).is_empty());
    drop(store);
    // Said once: the next open has nothing to put right.
    let again = Store::open(root.as_path(), Access::Write).unwrap();
    assert!(again.recovered().is_empty(), "{:?}", again.recovered());
}

#[test]
fn a_reader_beside_another_reader_leaves_the_repair_for_later() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(Store::open(root.as_path(), Access::Create).unwrap());
    let first = Store::open(root.as_path(), Access::Read).unwrap();
    fs::write(
        root.as_path().join(IDENTITIES).join(".preflight.1.tmp"),
        b"x",
    )
    .unwrap();
    let second = Store::open(root.as_path(), Access::Read).unwrap();
    assert!(second.recovered().is_empty());
    drop((first, second));
    let third = Store::open(root.as_path(), Access::Read).unwrap();
    assert_eq!(
        third.recovered(),
        &[Recovered::TemporariesRemoved { count: 1 }]
    );
}

#[cfg(unix)]
#[test]
fn store_directories_are_made_private_and_it_is_said_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    fs::create_dir(&root).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    let store = Store::open(&root, Access::Create).unwrap();
    assert_eq!(
        store.recovered(),
        &[Recovered::Tightened {
            dir: root.clone(),
            mode: 0o755
        }]
    );
    let mode = fs::metadata(&root).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    drop(store);
    assert!(
        Store::open(&root, Access::Read)
            .unwrap()
            .recovered()
            .is_empty()
    );
}

#[test]
fn a_read_only_open_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    for access in [Access::Read, Access::Write] {
        assert!(matches!(
            Store::open(&missing, access),
            Err(StoreError::Missing(_))
        ));
        assert!(!missing.exists());
    }
    Store::open(&missing, Access::Create).unwrap();
    assert!(missing.join(IDENTITIES).is_dir());
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let a = identity(&pki, "a");
    let b = identity(&pki, "b");
    let e = store.add_identity(&a.cert, &b.key, &meta()).unwrap_err();
    assert!(matches!(e, StoreError::KeyMismatch(_)));
    assert!(store.identities().unwrap().0.is_empty());
}

#[test]
fn the_trust_list_holds_each_root_once() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    assert!(!store.is_trusted(pki.client_root.der()).unwrap());
    store.trust_root(pki.client_root.der()).unwrap();
    store.trust_root(pki.client_root.der()).unwrap();
    assert!(store.is_trusted(pki.client_root.der()).unwrap());
    assert_eq!(store.trusted_roots().unwrap().len(), 1);
}

#[test]
fn a_second_writer_waits_for_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path(), Access::Write).unwrap();
    let lock = File::open(dir.path().join(LOCK)).unwrap();
    assert!(matches!(lock.try_lock(), Err(fs::TryLockError::WouldBlock)));
}

#[cfg(unix)]
#[test]
fn an_unwritable_store_fails_the_preflight() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Access::Write).unwrap();
    let ids = dir.path().join(IDENTITIES);
    fs::set_permissions(&ids, fs::Permissions::from_mode(0o500)).unwrap();
    // root ignores permissions; only assert when they are enforced.
    let probe = ids.join("probe");
    let enforced = fs::write(&probe, b"x").is_err();
    let _ = fs::remove_file(&probe);
    if enforced {
        assert!(store.check_writable().is_err());
    }
    fs::set_permissions(&ids, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(store.check_writable().is_ok());
}

#[test]
fn recovery_files_land_beside_the_store() {
    let pki = Pki::generate(KeyType::P256, OffsetDateTime::now_utc()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let id = identity(&pki, "user01");
    let path = write_recovery(&dir.path().join("store"), &id.cert, &id.key, "abcd").unwrap();
    assert_eq!(path, dir.path().join("certrenew-recovery-abcd.pem"));
    let text = fs::read(&path).unwrap();
    assert_eq!(
        cert::pem_certificates(&text).unwrap(),
        vec![id.cert.clone()]
    );
    assert_eq!(
        cert::pem_private_key(&text).unwrap().secret_pkcs8_der(),
        id.key.secret_pkcs8_der()
    );
}
