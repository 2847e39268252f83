//! The wire: what goes over it and what is written about it, the leaves
//! every other layer uses. `protocol` (paths, the one `Host`, the one
//! validity rule), `problem` (the one wire error type), `head` and `body`
//! (the request-head and JSON-body readers), `journal` (every request and
//! its cause) and `limits` (timeouts, sizes, connections).

pub(crate) mod body;
pub(crate) mod head;
pub(crate) mod journal;
pub(crate) mod limits;
pub(crate) mod problem;
pub(crate) mod protocol;
