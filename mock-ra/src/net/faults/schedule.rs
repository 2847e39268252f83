//! Which events a fault acts on: the window, then the seeded draw.

use crate::faults::spec::FaultSpec;

/// Whether fault number `number` acts on its event `n` under `seed`: the
/// window first, then the probability. Depends on nothing else, so the same
/// seed gives the same sequence whatever runs beside it.
pub fn fires(seed: u64, number: u64, n: u64, spec: &FaultSpec) -> bool {
    let (from, to) = spec.window();
    if n < from || n > to {
        return false;
    }
    match spec.probability {
        None => true,
        Some(p) => unit(draw(seed, number, n)) < p,
    }
}

/// A 64-bit draw from the seed, the fault's number and the event's.
pub(crate) fn draw(seed: u64, number: u64, n: u64) -> u64 {
    splitmix64(seed ^ splitmix64(number.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ splitmix64(n)))
}

/// SplitMix64's output function: a well-mixed 64-bit value from any input.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A draw as a number in [0, 1).
pub(crate) fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A random seed, for a world that names none. It stays below 2^53 so it
/// survives a round trip through any JSON reader (JavaScript's numbers are
/// doubles) and a seed copied from a report reproduces the run.
pub(crate) fn random_seed() -> u64 {
    const JSON_SAFE: u64 = (1 << 53) - 1;
    let mut bytes = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut bytes).is_ok() {
        return u64::from_le_bytes(bytes) & JSON_SAFE;
    }
    // aws-lc's RNG fails only without any entropy source: the time and the
    // process id still make two runs differ.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    splitmix64(nanos ^ u64::from(std::process::id()).rotate_left(32)) & JSON_SAFE
}
