//! Provider states belong to the mock whose builder was given their
//! routes: two mocks in one process, one with them and one without, answer
//! `POST /states` differently, and neither changes the other.

// Test support: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use mock_ra::served::ProviderStates;
use mock_ra::{MockRa, Role, World};
use serde_json::{Value, json};

async fn post_state(mock: &MockRa) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/states", mock.urls().admin))
        .bearer_auth(mock.admin_token())
        .json(&json!({ "case": "two-mocks", "world": {} }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn only_the_mock_given_the_routes_serves_states() {
    let states = ProviderStates::new(None, [127, 0, 0, 1].into());
    let with = MockRa::builder(World::demo())
        .admin_routes(states.routes())
        .start()
        .await
        .unwrap();
    let without = MockRa::start(World::demo()).await.unwrap();
    // Without virtual hosting there is no shared HTTPS port: no address.
    assert_eq!(without.addr(Role::Https), None);
    assert!(with.addr(Role::Webra2).is_some());

    let (status, answer) = post_state(&with).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(states.running(), 1);
    let id = answer["id"].as_str().unwrap().to_owned();

    // Started after the first one was given its routes, and in the same
    // process: still no `/states`.
    let (status, answer) = post_state(&without).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(states.running(), 1);

    // The routes sit behind the admin token.
    let unauthorized = reqwest::Client::new()
        .post(format!("{}/states", with.urls().admin))
        .json(&json!({ "world": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);

    let torn = reqwest::Client::new()
        .delete(format!("{}/states/{id}", with.urls().admin))
        .bearer_auth(with.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(torn.status().as_u16(), 200);
    assert_eq!(states.running(), 0);
    with.shutdown().await;
    without.shutdown().await;
}
