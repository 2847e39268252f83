//! The RA's decisions and the state they act on: `accounts` (certificates,
//! password history, lock, order), `ledger` (every certificate the issuing
//! CA knows), `tickets` (login tickets), `decision` (the ordered decision
//! of protocol 2.6, written once), `issuance` (CSR checks, the one atomic
//! issue-and-fetch step), `clock` (the virtual clock), `identities`
//! (generated customers' identities, made on first use) and `state` (the
//! shared state and every operation on it).

pub(crate) mod accounts;
pub(crate) mod clock;
pub(crate) mod decision;
pub(crate) mod identities;
pub(crate) mod issuance;
pub(crate) mod ledger;
pub(crate) mod state;
pub(crate) mod tickets;
