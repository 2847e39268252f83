//! The control plane: `mock` (`MockRa`, the in-process API) and `builder`
//! (`MockRaBuilder`, which binds the listeners and wires each to its
//! router), `expect` and `expectations` (what the journal must hold,
//! checked on drop), `client`
//! (ready-made mutual-TLS clients), `admin` (the admin API) and
//! `admin_reply` (its error type), `console` (the QA console), `ready` (the
//! state directory and ready line) and `states` (provider states for a
//! served mock).

pub(crate) mod admin;
pub(crate) mod admin_reply;
pub(crate) mod builder;
pub(crate) mod client;
pub(crate) mod console;
pub(crate) mod expect;
pub(crate) mod expectations;
pub(crate) mod mock;
pub(crate) mod ready;
pub(crate) mod states;
