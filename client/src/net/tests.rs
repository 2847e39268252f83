//! The network layer's unit tests.

use super::*;

fn test_root() -> CertificateDer<'static> {
    let pki = certs_gen::Pki::generate(certs_gen::KeyType::P256, time::OffsetDateTime::now_utc())
        .unwrap();
    pki.web_root.der().clone()
}

#[test]
fn parses_curl_style_mappings() {
    let m: ConnectTo = "webra2.secomtrust.net:443:127.0.0.1:40123".parse().unwrap();
    assert_eq!(
        m,
        ConnectTo {
            host: Some("webra2.secomtrust.net".into()),
            port: Some(443),
            to_host: "127.0.0.1".into(),
            to_port: Some(40123),
        }
    );
    let v6: ConnectTo = "repo1.secomtrust.net:80:[::1]:8080".parse().unwrap();
    assert_eq!(v6.to_host, "::1");
    let any: ConnectTo = "::127.0.0.1:".parse().unwrap();
    assert!(any.host.is_none() && any.port.is_none() && any.to_port.is_none());
    assert!(any.matches("x", 1));
    assert!(m.matches("webra2.secomtrust.net", 443));
    assert!(!m.matches("webra2.secomtrust.net", 80));
    assert!(!m.matches("webra1.secomtrust.net", 443));
    assert!("a:1:b".parse::<ConnectTo>().is_err());
    assert!("a:x:b:1".parse::<ConnectTo>().is_err());
    assert!("a:1::1".parse::<ConnectTo>().is_err());
}

#[test]
fn mappings_name_their_target_without_resolving_it() {
    let net = Net::new(NetConfig {
        mappings: vec![
            "repo1.secomtrust.net:80:127.0.0.1:9".parse().unwrap(),
            "repository.secomtrust.net:80:repository.example.invalid:"
                .parse()
                .unwrap(),
        ],
        server_roots: Some(vec![test_root()]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        net.target("repo1.secomtrust.net", 80),
        Some(("127.0.0.1".into(), 9))
    );
    assert_eq!(net.target("repo1.secomtrust.net", 443), None);
    // A name target is taken as given; the port defaults to the URL's.
    assert_eq!(
        net.target("repository.secomtrust.net", 80),
        Some(("repository.example.invalid".into(), 80))
    );
}

#[tokio::test]
async fn invalid_names_fail_at_once_and_addresses_need_no_lookup() {
    let t = Duration::from_secs(5);
    let started = std::time::Instant::now();
    let err = resolve("repo1.unresolvable.invalid", 80, t)
        .await
        .unwrap_err();
    assert!(err.why.contains("RFC 6761"), "{err}");
    assert_eq!(err.name, "repo1.unresolvable.invalid");
    assert!(resolve("INVALID.", 80, t).await.is_err());
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(
        resolve("127.0.0.1", 8080, t).await.unwrap(),
        vec!["127.0.0.1:8080".parse().unwrap()]
    );
    assert_eq!(
        resolve("[::1]", 80, t).await.unwrap(),
        vec!["[::1]:80".parse().unwrap()]
    );
    let local = resolve("localhost", 80, t).await.unwrap();
    assert!(local.iter().all(|a| a.ip().is_loopback()), "{local:?}");
}
