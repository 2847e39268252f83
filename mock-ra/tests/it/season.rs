//! A renewal season: a world of generated customers (`[[customers]]`)
//! starts without making their keys, and finding a customer does not get
//! slower as the season grows.

use std::time::{Duration, Instant};

use mock_ra::{MockRa, OrderState, World};

fn season(count: u32) -> World {
    let text = format!(
        "[clock]\nnow = \"2026-11-25T00:00:00Z\"\nfrozen = true\n\
         [[customers]]\ncount = {count}\nid = \"cust{{n:06}}\"\npassword = \"pw-{{n}}\"\n\
         expires_from = \"-80d\"\nexpires_to = \"-1d\"\n"
    );
    World::from_toml("season.toml", &text).expect("a valid season")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_season_of_100k_customers_starts_without_making_their_keys() {
    let world = season(100_000);
    let started = Instant::now();
    let mock = MockRa::start(world).await.unwrap();
    let took = started.elapsed();
    println!("100,000 customers: MockRa::start took {took:?}");
    // Generous: a debug build on a busy 2-core machine. The release
    // figure (ready line's startup_ms) is in the README.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(mock.generated_customers(), 100_000);
    // Nothing was made: no identity is listed, the ledger holds one entry
    // per customer, all lazily.
    assert!(mock.identities().is_empty());
    assert_eq!(mock.ledger_len(), 100_000);
    let orders = mock.orders();
    assert_eq!(orders.len(), 100_000);
    assert!(
        orders
            .iter()
            .all(|o| o.order == OrderState::Ready && o.renewals == 0)
    );
    // The last customer's identity is made on first use, with the serial
    // and window the ledger fixed at start.
    let last = mock.identity("cust100000").expect("a generated identity");
    let info = last.info().unwrap();
    let view = mock.account("cust100000").unwrap();
    assert_eq!(view.certificates.len(), 1);
    assert_eq!(view.certificates[0].serial, info.serial);
    assert_eq!(view.certificates[0].pem, last.cert_pem());
    assert_eq!(info.not_after, mock.now() - time::Duration::days(1));
    assert!(info.subject.contains("CN=cust100000"), "{}", info.subject);
    // Made once: asked again, the same certificate.
    assert_eq!(mock.identity("cust100000").unwrap().cert, last.cert);
    mock.shutdown().await;
}

/// Per-lookup time of what the login looks up (the ledger by serial, the
/// account by id) for 512 customers spread over the whole world, so both
/// worlds' lookups touch the same amount of memory: what grows then is the
/// work per lookup, not the cache misses of a bigger heap.
fn per_lookup(mock: &MockRa, count: u32, rounds: usize) -> Duration {
    let serials: Vec<String> = (0..512u32)
        .map(|i| format!("cust{:06}", 1 + i * (count / 512)))
        .filter_map(|id| mock.current_serial(&id))
        .collect();
    assert_eq!(serials.len(), 512);
    let started = Instant::now();
    let mut found = 0usize;
    for i in 0..rounds {
        found += usize::from(mock.owner_of(&serials[i % serials.len()]).is_some());
    }
    let took = started.elapsed();
    assert_eq!(found, rounds);
    took / rounds as u32
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_do_not_grow_with_the_account_count() {
    let small = MockRa::start(season(1_000)).await.unwrap();
    let large = MockRa::start(season(50_000)).await.unwrap();
    // Warm up, then take the better of three runs of each.
    let _ = per_lookup(&small, 1_000, 20_000);
    let _ = per_lookup(&large, 50_000, 20_000);
    let best = |mock: &MockRa, count| {
        (0..3)
            .map(|_| per_lookup(mock, count, 100_000))
            .min()
            .unwrap_or_default()
    };
    let t_small = best(&small, 1_000);
    let t_large = best(&large, 50_000);
    println!("per lookup: {t_small:?} at 1,000 accounts, {t_large:?} at 50,000");
    // 50 times the accounts: a scan would be ~50x slower, a tree ~1.6x;
    // a hash lookup stays flat but for cache misses. 4x is the margin.
    assert!(
        t_large < t_small * 4 + Duration::from_nanos(200),
        "{t_large:?} at 50,000 against {t_small:?} at 1,000"
    );
    small.shutdown().await;
    large.shutdown().await;
}
