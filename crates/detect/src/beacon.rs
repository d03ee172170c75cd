//! Beacon scoring after RITA v5's published method, written from its description.
//!
//! A pair's connection start times (whole seconds, deduplicated) and sizes give four
//! sub-scores in [0, 1], each weighted a quarter:
//!
//! 1. **gaps** — the intervals between consecutive timestamps: the mean of `1 − |Bowley skew|`
//!    and `1 − MAD/median` ([`crate::stats`]);
//! 2. **sizes** — the bytes of each connection (both directions): the same two measures;
//! 3. **histogram** — the timestamps counted into 24 equal bins across the analysed window (a
//!    day gives hourly bins): `max(1 − CV, bimodal)`, where CV is the coefficient of variation of
//!    the 24 counts and `bimodal` the share of bins falling into the two most common count
//!    levels (a beacon that only runs in office hours), when at least 6 bins are active;
//! 4. **duration** — `max(coverage, consistency)`: the share of the window between the pair's
//!    first and last timestamp, and the share of the 24 bins with any connection.
//!
//! Whole-second timestamps (as RITA stores them) keep sub-second jitter out of the gap score.

use crate::stats::{bowley_skew, coefficient_of_variation, mad, mad_score, median};
use serde::{Deserialize, Serialize};

/// Number of histogram bins across the window.
pub const HISTOGRAM_BINS: usize = 24;

/// Tunables of the beacon detector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BeaconConfig {
    /// Fewer distinct timestamps than this: no score (default 4).
    pub min_timestamps: usize,
    /// Timestamps (and sizes) kept per pair and series (connections, failed attempts): the
    /// earliest this many, whatever the arrival order; the rest are counted but not stored
    /// (RITA caps at 86,400, one a second for a day). See [`crate::PairState`].
    pub max_timestamps: usize,
    /// Failed attempts from the same source port within this many seconds are one attempt
    /// (TCP and socket-level retries), default 30.
    pub retry_window_s: i64,
    /// Least number of active bins for the bimodal histogram score (default 6).
    pub bimodal_min_active_bins: usize,
}

impl Default for BeaconConfig {
    fn default() -> Self {
        BeaconConfig {
            min_timestamps: 4,
            max_timestamps: 86_400,
            retry_window_s: 30,
            bimodal_min_active_bins: 6,
        }
    }
}

/// The score of one pair and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeaconScore {
    /// Overall score in [0, 1]: the mean of the four sub-scores, rounded to 3 decimals.
    pub score: f64,
    pub gap_score: f64,
    pub size_score: f64,
    pub histogram_score: f64,
    pub duration_score: f64,
    pub gap_skew: f64,
    /// Median absolute deviation of the gaps, seconds.
    pub gap_mad_s: f64,
    /// Median gap, seconds.
    pub median_gap_s: f64,
    pub size_skew: f64,
    pub size_mad: f64,
    pub median_size: f64,
    /// Distinct timestamps scored.
    pub timestamps: usize,
    /// Counts of the 24 bins.
    pub histogram: Vec<u64>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Scores one pair.
///
/// `ts_s`: connection start times in whole seconds, sorted ascending and deduplicated;
/// `sizes`: bytes of each connection (any order); `window`: first and last second of the data
/// analysed (all pairs), which the histogram and coverage are taken against.
/// `None` when there are fewer than `cfg.min_timestamps` timestamps.
///
/// ```
/// use unmask_detect::{beacon_score, BeaconConfig};
/// let ts: Vec<i64> = (0..100).map(|i| 1_000 + i * 60).collect();
/// let sizes = vec![512u64; 100];
/// let s = beacon_score(&ts, &sizes, (1_000, 1_000 + 99 * 60), &BeaconConfig::default()).unwrap();
/// assert!(s.score > 0.99);
/// ```
pub fn beacon_score(
    ts_s: &[i64],
    sizes: &[u64],
    window: (i64, i64),
    cfg: &BeaconConfig,
) -> Option<BeaconScore> {
    if ts_s.len() < cfg.min_timestamps.max(2) {
        return None;
    }
    debug_assert!(
        ts_s.windows(2).all(|w| w[0] < w[1]),
        "timestamps sorted and distinct"
    );
    let mut gaps: Vec<f64> = ts_s.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    gaps.sort_by(f64::total_cmp);
    let gap_skew = bowley_skew(&gaps)?;
    let gap_mad_s = mad(&gaps)?;
    let median_gap_s = median(&gaps)?;
    let gap_score = ((1.0 - gap_skew.abs()) + mad_score(&gaps)?) / 2.0;

    let mut sz: Vec<f64> = sizes.iter().map(|&b| b as f64).collect();
    sz.sort_by(f64::total_cmp);
    let (size_skew, size_mad, median_size, size_score) = if sz.is_empty() {
        (0.0, 0.0, 0.0, 0.0)
    } else {
        let sk = bowley_skew(&sz)?;
        (
            sk,
            mad(&sz)?,
            median(&sz)?,
            ((1.0 - sk.abs()) + mad_score(&sz)?) / 2.0,
        )
    };

    let (w0, w1) = (window.0.min(ts_s[0]), window.1.max(ts_s[ts_s.len() - 1]));
    let histogram = histogram(ts_s, (w0, w1));
    let histogram_score = histogram_score(&histogram, cfg.bimodal_min_active_bins);
    let span = (w1 - w0).max(1) as f64;
    let coverage = ((ts_s[ts_s.len() - 1] - ts_s[0]) as f64 / span).clamp(0.0, 1.0);
    let consistency = histogram.iter().filter(|&&c| c > 0).count() as f64 / HISTOGRAM_BINS as f64;
    let duration_score = coverage.max(consistency);

    let score = (gap_score + size_score + histogram_score + duration_score) / 4.0;
    Some(BeaconScore {
        score: round3(score),
        gap_score: round3(gap_score),
        size_score: round3(size_score),
        histogram_score: round3(histogram_score),
        duration_score: round3(duration_score),
        gap_skew: round3(gap_skew),
        gap_mad_s,
        median_gap_s,
        size_skew: round3(size_skew),
        size_mad,
        median_size,
        timestamps: ts_s.len(),
        histogram,
    })
}

/// Counts timestamps into [`HISTOGRAM_BINS`] equal bins spanning `window` (inclusive).
pub fn histogram(ts_s: &[i64], window: (i64, i64)) -> Vec<u64> {
    let mut bins = vec![0u64; HISTOGRAM_BINS];
    let span = (window.1 - window.0 + 1).max(1) as i128;
    for &t in ts_s {
        let off = (t - window.0).clamp(0, window.1 - window.0) as i128;
        let b = (off * HISTOGRAM_BINS as i128 / span) as usize;
        bins[b.min(HISTOGRAM_BINS - 1)] += 1;
    }
    bins
}

/// `max(1 − CV, bimodal)` over the bin counts (see the module documentation).
pub fn histogram_score(bins: &[u64], bimodal_min_active_bins: usize) -> f64 {
    let Some(cv) = coefficient_of_variation(bins) else {
        return 0.0;
    };
    let flat = (1.0 - cv).clamp(0.0, 1.0);
    let active = bins.iter().filter(|&&c| c > 0).count();
    if active < bimodal_min_active_bins.max(1) {
        return flat;
    }
    // Count levels: bins within 10 % of the largest count (at least 1) of each other share one.
    let max = bins.iter().copied().max().unwrap_or(0);
    let width = (max / 10).max(1);
    let mut levels: Vec<(u64, usize)> = Vec::new();
    for &c in bins {
        let l = c / width;
        match levels.iter_mut().find(|(k, _)| *k == l) {
            Some((_, n)) => *n += 1,
            None => levels.push((l, 1)),
        }
    }
    levels.sort_by_key(|l| std::cmp::Reverse(l.1));
    let top2: usize = levels.iter().take(2).map(|(_, n)| n).sum();
    let bimodal = top2 as f64 / bins.len() as f64;
    flat.max(bimodal)
}

/// Collapses failed attempts `(second, source port)` into one timestamp per attempt: a run of
/// failures from the same source port is one attempt (the retries of one connect, each within `retry_window_s` of the previous one, so
/// exponential back-off stays one attempt); returns the attempts' seconds, sorted and distinct.
pub fn collapse_retries(fails: &mut [(u32, u16)], retry_window_s: i64) -> Vec<i64> {
    fails.sort_unstable_by_key(|&(t, p)| (p, t));
    let mut out = Vec::with_capacity(fails.len());
    let mut run: Option<(u16, i64)> = None;
    for &(t, p) in fails.iter() {
        let t = i64::from(t);
        match run {
            Some((rp, rt)) if rp == p && t - rt <= retry_window_s => run = Some((p, t)),
            _ => {
                run = Some((p, t));
                out.push(t);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
