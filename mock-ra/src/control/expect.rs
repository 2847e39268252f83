//! Expectations on the journal: what must have happened by the time a
//! test is done, checked when the mock is dropped (or by
//! [`MockRa::verify`]), reported with what was expected beside what the
//! journal holds (`expectations`).

use crate::control::expectations::{Count, Expectation, Unmet};
use crate::control::mock::MockRa;
use crate::wire::journal::{Cause, Role};

/// A handle on one expectation, from [`MockRa::expect`]: narrow it and set
/// its count. Without a count it wants at least one matching entry.
#[derive(Debug)]
pub struct Expect<'a> {
    mock: &'a MockRa,
    index: usize,
}

impl Expect<'_> {
    fn set(self, f: impl FnOnce(&mut Expectation)) -> Self {
        self.mock.expectations.edit(self.index, f);
        self
    }

    /// Exactly `n` matching entries (0: none at all).
    pub fn times(self, n: usize) -> Self {
        self.set(|e| e.count = Count::Exactly(n))
    }

    /// At least `n` matching entries.
    pub fn at_least(self, n: usize) -> Self {
        self.set(|e| e.count = Count::AtLeast(n))
    }

    /// At most `n` matching entries.
    pub fn at_most(self, n: usize) -> Self {
        self.set(|e| e.count = Count::AtMost(n))
    }

    /// Only entries of this host (or listener).
    pub fn on(self, role: Role) -> Self {
        self.set(|e| e.role = Some(role))
    }

    /// Only entries concerning this account.
    pub fn account(self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.set(|e| e.account = Some(id))
    }
}

impl MockRa {
    /// Expects the journal to hold entries of `cause` (at least one unless
    /// narrowed: [`Expect::times`], [`Expect::on`], ...) when the mock is
    /// dropped, which panics, listing what was expected beside what the
    /// journal holds, if it does not. [`Self::verify`] checks earlier.
    /// The journal counts what it holds: [`Self::reset`] empties it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), mock_ra::MockError> {
    /// use mock_ra::{Cause, MockRa, Role, World};
    /// let mock = MockRa::start(World::demo()).await?;
    /// mock.expect(Cause::Issued).times(1).on(Role::Webra2);
    /// mock.expect(Cause::WrongPassword).times(0);
    /// // ... run a renewal against the mock ...
    /// mock.verify().unwrap_or_else(|unmet| panic!("{unmet}"));
    /// # Ok(()) }
    /// ```
    pub fn expect(&self, cause: Cause) -> Expect<'_> {
        let index = self.expectations.add(Expectation {
            cause,
            role: None,
            account: None,
            count: Count::AtLeast(1),
        });
        Expect { mock: self, index }
    }

    /// Checks every expectation now against the journal; checked ones are
    /// not checked again on drop.
    pub fn verify(&self) -> Result<(), Unmet> {
        self.expectations.check(&self.journal())
    }
}

impl Drop for MockRa {
    /// Stops the servers, then checks the expectations not yet checked
    /// and panics with the report if the journal did not meet them (not
    /// while the thread is panicking already: the first failure is the
    /// one to read).
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if std::thread::panicking() {
            return;
        }
        if let Err(unmet) = self.verify() {
            panic!("{unmet}");
        }
    }
}
