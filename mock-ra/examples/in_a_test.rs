//! The mock in a test of your own: start it, state what must happen,
//! talk to webra2 as the demo customer, and let the mock check.
//!
//! `cargo run -p mock-ra --example in_a_test`; `cargo test -p mock-ra`
//! runs it too.

use mock_ra::{Cause, Host, MockRa, Role, World};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Ephemeral loopback ports, a fresh PKI made relative to now.
    let mock = MockRa::builder(World::demo()).start().await?;

    // What must happen; checked when `mock` is dropped (or by `verify`).
    mock.expect(Cause::Page).times(1).on(Role::Webra2);
    mock.expect(Cause::WrongPassword).times(0);

    // A client that presents the demo customer's certificate, trusts the
    // mock's web root and reaches every host under its real name.
    let client = mock.client_for("demo")?;
    let page = client.get(mock.url(Host::Webra2, "/")).send().await?;
    println!("webra2 answered {}", page.status());

    mock.verify()?;
    mock.shutdown().await;
    Ok(())
}

#[test]
fn runs() -> Result<(), Box<dyn std::error::Error>> {
    main()
}
