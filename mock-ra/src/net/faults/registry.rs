//! The faults in force in one mock, and how many events each saw.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tokio::sync::watch;

use super::schedule::{draw, fires};
use crate::faults::kind::{FaultKind, Layer};
use crate::faults::spec::{FaultError, FaultSpec};
use crate::wire::protocol::Host;

/// One fault in force, as the admin API and [`crate::MockRa::faults`] show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultView {
    /// Its name (the given one, or `<host>-<kind>`, made unique).
    pub name: String,
    /// Its number: the order it was added in (the random draws depend on it).
    pub number: u64,
    /// What it is.
    pub spec: FaultSpec,
    /// Events it has seen (connections or requests it matched).
    pub seen: u64,
    /// Events it acted on.
    pub applied: u64,
}

/// Every fault in force and the seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultsView {
    /// The seed of every random draw.
    pub seed: u64,
    /// The faults, in the order they were added.
    pub faults: Vec<FaultView>,
}

/// A fault that acts on one event.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The fault's name, for the journal.
    pub name: String,
    /// Its spec.
    pub spec: FaultSpec,
    /// A seed for any further random draw of this event (jitter).
    pub event_seed: u64,
}

/// What the connection-level and TLS faults do to one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionPlan {
    /// The first terminal fault in force (hang, reset, a TLS fault).
    pub terminal: Option<Applied>,
    /// Every shaping fault in force (latency, bandwidth, ...), combined.
    pub shaping: Vec<Applied>,
}

#[derive(Debug, Clone)]
struct Active {
    number: u64,
    name: String,
    spec: FaultSpec,
    seen: u64,
    applied: u64,
}

#[derive(Debug, Clone)]
struct Registry {
    seed: u64,
    next_number: u64,
    active: Vec<Active>,
}

/// The faults of one mock: what is in force, and how many events each saw.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<Registry>,
    initial: Registry,
    changed: watch::Sender<u64>,
}

impl Faults {
    /// The world's faults with `seed`. The specs were checked with the world.
    pub fn new(specs: &[FaultSpec], seed: u64) -> Result<Self, FaultError> {
        let mut registry = Registry {
            seed,
            next_number: 1,
            active: Vec::new(),
        };
        for spec in specs {
            registry.add(spec.clone())?;
        }
        let (changed, _) = watch::channel(0);
        Ok(Self {
            initial: registry.clone(),
            inner: Mutex::new(registry),
            changed,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_modify(|generation| *generation += 1);
    }

    /// A receiver that changes whenever the faults do (listeners watch it
    /// to stop or start listening for `refuse`).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The seed of every random draw.
    pub fn seed(&self) -> u64 {
        self.lock().seed
    }

    /// Every fault in force.
    pub fn view(&self) -> FaultsView {
        let r = self.lock();
        FaultsView {
            seed: r.seed,
            faults: r.active.iter().map(Active::view).collect(),
        }
    }

    /// Adds a fault; it counts its events from now on.
    pub fn add(&self, spec: FaultSpec) -> Result<FaultView, FaultError> {
        let view = self.lock().add(spec)?;
        self.notify();
        Ok(view)
    }

    /// Removes the fault named `name`; false when there is none.
    pub fn remove(&self, name: &str) -> bool {
        let removed = {
            let mut r = self.lock();
            let before = r.active.len();
            r.active.retain(|a| a.name != name);
            r.active.len() != before
        };
        if removed {
            self.notify();
        }
        removed
    }

    /// Removes every fault; returns how many there were.
    pub fn clear(&self) -> usize {
        let n = std::mem::take(&mut self.lock().active).len();
        self.notify();
        n
    }

    /// Back to the world's faults with fresh counters.
    pub fn reset(&self) {
        *self.lock() = self.initial.clone();
        self.notify();
    }

    /// Whether a `refuse` fault closes `host`'s listener.
    pub fn refused(&self, host: Host) -> bool {
        self.in_force(host, FaultKind::Refuse)
    }

    /// The name of the `refuse` fault on `host`, if one is in force.
    pub fn refusal(&self, host: Host) -> Option<String> {
        self.lock()
            .active
            .iter()
            .find(|a| a.spec.host == host && a.spec.kind == FaultKind::Refuse)
            .map(|a| a.name.clone())
    }

    /// Whether an `unresolvable` fault is on `host`.
    pub fn unresolvable(&self, host: Host) -> bool {
        self.in_force(host, FaultKind::Unresolvable)
    }

    fn in_force(&self, host: Host, kind: FaultKind) -> bool {
        self.lock()
            .active
            .iter()
            .any(|a| a.spec.host == host && a.spec.kind == kind)
    }

    /// One accepted connection to `host`: counts it for every connection
    /// and TLS fault on the host, and says which act on it.
    pub fn on_connection(&self, host: Host) -> ConnectionPlan {
        let mut r = self.lock();
        let seed = r.seed;
        let mut plan = ConnectionPlan::default();
        for a in r.active.iter_mut().filter(|a| {
            a.spec.host == host && matches!(a.spec.kind.layer(), Layer::Connection | Layer::Tls)
        }) {
            let Some(applied) = a.event(seed) else {
                continue;
            };
            if a.spec.kind.is_terminal() {
                if plan.terminal.is_none() {
                    plan.terminal = Some(applied);
                } else {
                    // Only one terminal fault acts; this one did not.
                    a.applied -= 1;
                }
            } else {
                plan.shaping.push(applied);
            }
        }
        plan
    }

    /// One HTTP request to `host` for `path`: the first HTTP fault in force.
    pub fn on_request(&self, host: Host, path: &str) -> Option<Applied> {
        self.first(Layer::Http, host, Some(path))
    }

    /// One request to the forward proxy for `host` (`path` for plain HTTP,
    /// none for a CONNECT): the first proxy fault in force.
    pub fn on_proxy(&self, host: Host, path: Option<&str>) -> Option<Applied> {
        self.first(Layer::Proxy, host, path)
    }

    fn first(&self, layer: Layer, host: Host, path: Option<&str>) -> Option<Applied> {
        let mut r = self.lock();
        let seed = r.seed;
        let mut found = None;
        for a in r.active.iter_mut().filter(|a| {
            a.spec.host == host
                && a.spec.kind.layer() == layer
                && path_matches(a.spec.effective_path(), path)
        }) {
            let Some(applied) = a.event(seed) else {
                continue;
            };
            if found.is_none() {
                found = Some(applied);
            } else {
                a.applied -= 1;
            }
        }
        found
    }
}

impl Registry {
    fn add(&mut self, spec: FaultSpec) -> Result<FaultView, FaultError> {
        spec.check().map_err(FaultError::Spec)?;
        let name = match &spec.name {
            Some(n) => {
                if self.active.iter().any(|a| &a.name == n) {
                    return Err(FaultError::NameInUse(n.clone()));
                }
                n.clone()
            }
            None => {
                let base = spec.default_name();
                let mut name = base.clone();
                let mut n = 2;
                while self.active.iter().any(|a| a.name == name) {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                name
            }
        };
        let active = Active {
            number: self.next_number,
            name,
            spec,
            seen: 0,
            applied: 0,
        };
        self.next_number += 1;
        let view = active.view();
        self.active.push(active);
        Ok(view)
    }
}

impl Active {
    fn view(&self) -> FaultView {
        FaultView {
            name: self.name.clone(),
            number: self.number,
            spec: self.spec.clone(),
            seen: self.seen,
            applied: self.applied,
        }
    }

    /// Counts one event; `Some` when the fault acts on it.
    fn event(&mut self, seed: u64) -> Option<Applied> {
        self.seen += 1;
        let n = self.seen;
        if !fires(seed, self.number, n, &self.spec) {
            return None;
        }
        self.applied += 1;
        Some(Applied {
            name: self.name.clone(),
            spec: self.spec.clone(),
            event_seed: draw(seed ^ 0x6a09_e667_f3bc_c909, self.number, n),
        })
    }
}

fn path_matches(pattern: Option<&str>, path: Option<&str>) -> bool {
    match (pattern, path) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(p), Some(path)) => match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => p == path,
        },
    }
}
