//! A steady pace shared by many workers: `--rate R` deliveries per second, evenly spaced
//! (one every 1/R s), never in bursts, whatever the number of threads.
//!
//! Knows nothing of HTTP or the CLI.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Hands out start times one interval apart. A slot missed because every worker was busy is
/// not made up later: the pace stays steady instead of bursting to catch up.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `per_second` starts per second (validated: finite, > 0, at most 1,000,000).
    pub fn new(per_second: f64) -> Result<Pacer> {
        if !(per_second.is_finite() && per_second > 0.0 && per_second <= 1_000_000.0) {
            return Err(Error::usage(format!(
                "--rate must be a number of deliveries per second above 0, got {per_second}"
            ))
            .with_hint("e.g. --rate 50 sends one delivery every 20 ms"));
        }
        Ok(Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        })
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Reserve the next start time at or after `now`.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut next = match self.next.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (slot, following) = next_slot(*next, now, self.interval);
        *next = Some(following);
        slot
    }

    /// Block until this caller's slot comes.
    pub fn wait(&self) {
        let slot = self.reserve(Instant::now());
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// The slot for a caller arriving at `now` when the next free slot is `next`, and the free
/// slot after it.
pub fn next_slot(next: Option<Instant>, now: Instant, interval: Duration) -> (Instant, Instant) {
    let slot = match next {
        Some(n) if n > now => n,
        _ => now,
    };
    (slot, slot + interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_evenly_spaced() {
        let p = Pacer::new(100.0).unwrap();
        assert_eq!(p.interval(), Duration::from_millis(10));
        let t0 = Instant::now();
        let slots: Vec<Instant> = (0..5).map(|_| p.reserve(t0)).collect();
        for (k, s) in slots.iter().enumerate() {
            assert_eq!(*s - t0, Duration::from_millis(10 * k as u64));
        }
    }

    #[test]
    fn missed_slots_are_not_made_up() {
        let i = Duration::from_millis(10);
        let t0 = Instant::now();
        let late = t0 + Duration::from_secs(1);
        let (slot, next) = next_slot(Some(t0 + i), late, i);
        assert_eq!(slot, late);
        assert_eq!(next, late + i);
    }

    #[test]
    fn rate_validated() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 2e6] {
            assert_eq!(Pacer::new(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert!(Pacer::new(0.5).is_ok());
    }

    #[test]
    fn shared_across_threads() {
        let p = Pacer::new(1000.0).unwrap();
        let t0 = Instant::now();
        let mut all: Vec<Instant> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..25).map(|_| p.reserve(t0)).collect::<Vec<_>>()))
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 100, "every slot handed out once");
    }
}
