//! Latency statistics in constant memory: a log-linear histogram (HDR-style) with about 1%
//! relative precision, percentiles, and equal-width bins for oha-style terminal histograms.
//!
//! Pure; used by `send` (summary of any number of deliveries) and `lint` (probe latencies).

use std::time::Duration;

/// Sub-buckets per power of two: relative error of a recorded value is below 1/SUB.
const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Values up to 2^40 µs (~12.7 days) are kept; larger ones are clamped.
const MAX_EXP: u32 = 40;

/// Latency histogram over microseconds. Memory is fixed (~40 KiB) however many values.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

fn index_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = exp - SUB_BITS;
    let sub = (v >> shift) - SUB; // 0..SUB
    ((exp - SUB_BITS + 1) as u64 * SUB + sub) as usize
}

/// Lowest and highest value mapped to bucket `i`.
fn bounds_of(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < SUB {
        return (i, i);
    }
    let block = i / SUB; // >= 1
    let sub = i % SUB;
    let shift = block - 1;
    let lo = (SUB + sub) << shift;
    (lo, lo + (1 << shift) - 1)
}

impl Histogram {
    pub fn new() -> Self {
        let buckets = ((MAX_EXP - SUB_BITS + 2) as u64 * SUB) as usize;
        Histogram {
            counts: vec![0; buckets],
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }

    pub fn record(&mut self, d: Duration) {
        let v = (d.as_micros().min((1u128 << MAX_EXP) - 1)) as u64;
        self.counts[index_of(v)] += 1;
        self.count += 1;
        self.sum_us += v as u128;
        self.min_us = self.min_us.min(v);
        self.max_us = self.max_us.max(v);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.min_us = self.min_us.min(other.min_us);
        self.max_us = self.max_us.max(other.max_us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn min(&self) -> Duration {
        Duration::from_micros(if self.count == 0 { 0 } else { self.min_us })
    }

    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_us)
    }

    pub fn mean(&self) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros((self.sum_us / self.count as u128) as u64)
    }

    /// Value at quantile `q` in [0, 1] (nearest rank), within the bucket precision and
    /// clamped to the exact observed min and max.
    pub fn percentile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let q = q.clamp(0.0, 1.0);
        let rank = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds_of(i);
                let mid = lo + (hi - lo) / 2;
                return Duration::from_micros(mid.clamp(self.min_us, self.max_us));
            }
        }
        self.max()
    }

    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.count,
            min: self.min(),
            p50: self.percentile(0.50),
            p95: self.percentile(0.95),
            p99: self.percentile(0.99),
            max: self.max(),
            mean: self.mean(),
        }
    }

    /// `n` equal-width bins from min to max, with counts (for a terminal histogram).
    pub fn bins(&self, n: usize) -> Vec<Bin> {
        if self.count == 0 || n == 0 {
            return Vec::new();
        }
        let (lo, hi) = (self.min_us, self.max_us);
        let width = ((hi - lo) / n as u64).max(1);
        let n = (((hi - lo) / width) as usize + 1).min(n);
        let mut bins: Vec<Bin> = (0..n)
            .map(|k| Bin {
                start: Duration::from_micros(lo + k as u64 * width),
                end: Duration::from_micros(if k + 1 == n {
                    hi
                } else {
                    lo + (k as u64 + 1) * width
                }),
                count: 0,
            })
            .collect();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            // A bucket's upper bound: a value recorded there is at most this and at least
            // ~1% less, so it never falls into a lower bin than its own.
            let v = bounds_of(i).1.clamp(lo, hi);
            let k = (((v - lo) / width) as usize).min(n - 1);
            bins[k].count += c;
        }
        bins
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    pub start: Duration,
    pub end: Duration,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LatencySummary {
    pub count: u64,
    pub min: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Milliseconds as f64 with microsecond resolution, for JSON output.
pub fn ms(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(v: u64) -> Duration {
        Duration::from_micros(v)
    }

    #[test]
    fn buckets_cover_values_monotonically() {
        let mut last = 0;
        for v in (0..100_000u64).chain([1 << 30, (1 << 40) - 1]) {
            let i = index_of(v);
            assert!(i >= last || v == 1 << 30, "index went backwards at {v}");
            let (lo, hi) = bounds_of(i);
            assert!(lo <= v && v <= hi, "{v} not in [{lo},{hi}]");
            assert!((hi - lo) as f64 <= (v as f64 / SUB as f64).max(0.0) + 1.0);
            last = i;
        }
    }

    #[test]
    fn percentiles_of_uniform_values() {
        let mut h = Histogram::new();
        for v in 1..=1000u64 {
            h.record(Duration::from_millis(v));
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert_eq!(s.min, Duration::from_millis(1));
        assert_eq!(s.max, Duration::from_millis(1000));
        for (got, want) in [(s.p50, 500.0), (s.p95, 950.0), (s.p99, 990.0)] {
            let got = ms(got);
            assert!((got - want).abs() / want < 0.01, "got {got} want {want}");
        }
        assert!((ms(s.mean) - 500.5).abs() < 0.01);
    }

    #[test]
    fn single_value_and_empty() {
        let h = Histogram::new();
        assert_eq!(h.summary(), LatencySummary::default());
        assert!(h.bins(10).is_empty());
        let mut h = Histogram::new();
        h.record(us(12_345));
        assert_eq!(h.percentile(0.5), us(12_345));
        assert_eq!(h.percentile(0.99), us(12_345));
        assert_eq!(
            h.bins(10),
            vec![Bin {
                start: us(12_345),
                end: us(12_345),
                count: 1
            }]
        );
    }

    #[test]
    fn bins_count_everything() {
        let mut h = Histogram::new();
        for v in [10u64, 10, 20, 30, 90, 100] {
            h.record(Duration::from_millis(v));
        }
        let bins = h.bins(9);
        assert_eq!(bins.len(), 9);
        assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 6);
        assert_eq!(bins[0].count, 2);
        assert_eq!(bins[8].count, 2);
        assert_eq!(bins[0].start, Duration::from_millis(10));
        assert_eq!(bins[8].end, Duration::from_millis(100));
    }

    #[test]
    fn merge_adds_up() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        a.record(us(5));
        b.record(us(500));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert_eq!(a.min(), us(5));
        assert_eq!(a.max(), us(500));
    }
}
