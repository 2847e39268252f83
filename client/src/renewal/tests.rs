//! Unit tests of the parent module.

use super::*;

fn test_root() -> rustls_pki_types::CertificateDer<'static> {
    let pki = certs_gen::Pki::generate(certs_gen::KeyType::P256, time::OffsetDateTime::now_utc())
        .unwrap();
    pki.web_root.der().clone()
}

#[test]
fn the_old_key_type_is_kept_when_listed() {
    let both = vec!["p256".to_owned(), "rsa2048".to_owned()];
    assert_eq!(
        choose_key_type(None, Some(KeyType::Rsa2048), &both),
        Ok(KeyType::Rsa2048)
    );
    assert_eq!(
        choose_key_type(None, Some(KeyType::P256), &both),
        Ok(KeyType::P256)
    );
    // Another type only when asked for.
    let p256 = vec!["p256".to_owned()];
    assert!(choose_key_type(None, Some(KeyType::Rsa2048), &p256).is_err());
    assert_eq!(
        choose_key_type(Some(KeyType::P256), Some(KeyType::Rsa2048), &p256),
        Ok(KeyType::P256)
    );
    assert!(choose_key_type(Some(KeyType::Rsa2048), None, &p256).is_err());
    assert!(choose_key_type(None, None, &[]).is_err());
    // An old key of a type we cannot make: the first we can.
    assert_eq!(choose_key_type(None, None, &both), Ok(KeyType::P256));
}

#[test]
fn an_rsa_4096_key_is_never_renewed_as_rsa_2048() {
    let listed = vec!["p256".to_owned(), "rsa2048".to_owned()];
    let e = choose_key_type(None, Some(KeyType::Rsa4096), &listed).unwrap_err();
    assert!(e.to_string().contains("rsa4096"), "{e}");
    let e = Error::from(e);
    assert_eq!(e.class(), Class::Usage);
    let ja = crate::messages::Text::describe(&e, Lang::Ja);
    assert!(ja.contains("rsa4096") && ja.contains("--key-type"), "{ja}");
    let wider = vec!["rsa2048".to_owned(), "rsa4096".to_owned()];
    assert_eq!(
        choose_key_type(None, Some(KeyType::Rsa4096), &wider),
        Ok(KeyType::Rsa4096)
    );
}

fn net() -> Net {
    Net::new(crate::net::NetConfig {
        server_roots: Some(vec![test_root()]),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn problems_map_to_the_customer_classes() {
    let net = net();
    let url = webra2_url(LOGIN_PATH).unwrap();
    let p = |class: &str, status: u16| {
        let body = serde_json::json!({"type": format!("urn:certrenew:problem:{class}"),
            "class": class, "status": status, "title": "x"})
        .to_string();
        interpret::<LoginResponse>(&net, &url, status, body.as_bytes(), 200)
            .unwrap_err()
            .class()
    };
    assert_eq!(p("E550A", 403), Class::E550A);
    assert_eq!(p("E550F", 409), Class::E550F);
    assert_eq!(p("ENOCERT", 403), Class::NoCert);
    assert_eq!(p("bad_ticket", 400), Class::E115);
    assert_eq!(p("E550A", 502), Class::E115);
    let html = interpret::<LoginResponse>(&net, &url, 403, b"<html>blocked</html>", 200);
    assert_eq!(html.unwrap_err().class(), Class::E115);
    let truncated = interpret::<LoginResponse>(&net, &url, 200, b"{\"ticket\": \"ab", 200);
    assert_eq!(truncated.unwrap_err().class(), Class::E115);
}
