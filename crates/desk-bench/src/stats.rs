//! Latency samples and their percentiles.

use std::time::Duration;

/// Latency samples, in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    nanos: Vec<u64>,
    sorted: bool,
}

impl Samples {
    /// No samples yet, with room for `capacity`.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            nanos: Vec::with_capacity(capacity),
            sorted: true,
        }
    }

    /// Records one latency.
    pub fn push(&mut self, latency: Duration) {
        self.nanos
            .push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
        self.sorted = false;
    }

    /// Takes in every sample of `other`.
    pub fn merge(&mut self, other: Samples) {
        self.nanos.extend(other.nanos);
        self.sorted = false;
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    /// The `p`-th percentile (0 < p ≤ 100) in milliseconds, by nearest rank: the smallest sample
    /// that at least `p` % of the samples do not exceed. `None` without samples.
    pub fn percentile_ms(&mut self, p: f64) -> Option<f64> {
        if !self.sorted {
            self.nanos.sort_unstable();
            self.sorted = true;
        }
        percentile_of_sorted(&self.nanos, p).map(|n| n as f64 / 1e6)
    }

    /// The largest sample in milliseconds.
    pub fn max_ms(&self) -> Option<f64> {
        self.nanos.iter().max().map(|&n| n as f64 / 1e6)
    }
}

/// Nearest-rank percentile of sorted `values`: the value at rank ⌈p/100 · n⌉ (1-based).
pub fn percentile_of_sorted(values: &[u64], p: f64) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile_of_sorted(&values, 50.0), Some(50));
        assert_eq!(percentile_of_sorted(&values, 99.0), Some(99));
        assert_eq!(percentile_of_sorted(&values, 100.0), Some(100));
        assert_eq!(percentile_of_sorted(&values, 0.0), Some(1));
        assert_eq!(percentile_of_sorted(&[7], 99.0), Some(7));
        assert_eq!(percentile_of_sorted(&[], 50.0), None);
        // 1000 samples: p99 is the 990th smallest, so ten outliers do not move it.
        let mut many: Vec<u64> = vec![1; 990];
        many.extend([1000; 10]);
        assert_eq!(percentile_of_sorted(&many, 99.0), Some(1));
        many.push(1000);
        assert_eq!(percentile_of_sorted(&many, 99.0), Some(1000));
        // Two samples: the median is the lower one.
        assert_eq!(percentile_of_sorted(&[1, 2], 50.0), Some(1));
    }

    #[test]
    fn samples_sort_before_answering_and_merge() {
        let mut a = Samples::with_capacity(4);
        for ms in [5, 1, 3] {
            a.push(Duration::from_millis(ms));
        }
        let mut b = Samples::default();
        b.push(Duration::from_millis(2));
        b.push(Duration::from_millis(4));
        a.merge(b);
        assert_eq!(a.len(), 5);
        assert_eq!(a.percentile_ms(50.0), Some(3.0));
        assert_eq!(a.percentile_ms(100.0), Some(5.0));
        assert_eq!(a.max_ms(), Some(5.0));
        a.push(Duration::from_micros(500));
        assert_eq!(a.percentile_ms(1.0), Some(0.5));
        assert_eq!(Samples::default().percentile_ms(50.0), None);
    }
}
