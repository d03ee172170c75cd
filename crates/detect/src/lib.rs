//! Pure detector math for flow data: beacons, long connections, bulk uploads. No I/O, no
//! knowledge of files, formats or terminals: the same functions run on one machine or inside a
//! distributed engine.
//!
//! - [`beacon_score`]: RITA v5's published beacon method (gap and size regularity by Bowley
//!   skewness and MAD, a 24-bin histogram score and a duration score, a quarter each), see
//!   [`beacon`];
//! - [`long_connection_score`], [`bulk_score`]: the other detectors' scores;
//! - [`PairState`]: bounded, serializable per-pair state fed one [`Observation`] at a time;
//!   failed attempts never count as connections of a beacon, and retries of one attempt
//!   collapse. Every field depends only on the set of observations, never on their order, so
//!   states of shards [`merge`](PairState::merge) exactly (the timestamp cap keeps the
//!   *earliest* [`BeaconConfig::max_timestamps`], not the first to arrive);
//! - [`PairAggregator`]: the pairs of a stream or of one shard, with host-level bulk uploads;
//!   aggregators merge, ship as an [`AggregatorState`], and score against an explicit
//!   [`AnalysisWindow`] (the observed span, or one the caller fixes).
//!
//! ```
//! use unmask_detect::{DetectConfig, Observation, PairAggregator};
//! let mut agg = PairAggregator::new(DetectConfig::default());
//! for i in 0..100i64 {
//!     // a check-in every 60 s, same size
//!     let o = Observation { ts_us: (1_700_000_000 + i * 60) * 1_000_000, bytes_out: 200, bytes_in: 1200, ..Default::default() };
//!     agg.observe([10, 0, 0, 5], [203, 0, 113, 9], &o);
//! }
//! let analysis = agg.finish();
//! let beacon = analysis.pairs[0].2.beacon.as_ref().unwrap();
//! assert_eq!(beacon.score.median_gap_s, 60.0);
//! assert!(beacon.score.score >= 0.95);
//! ```
//!
//! Sharded: each worker aggregates its part, ships its state (here as JSON), and any worker
//! merges them, in any order, into what one aggregator fed everything would hold.
//!
//! ```
//! use unmask_detect::{AggregatorState, DetectConfig, Observation, PairAggregator};
//! let cfg = DetectConfig::default();
//! let check_in = |i: i64| Observation { ts_us: (1_700_000_000 + i * 60) * 1_000_000, bytes_out: 200, bytes_in: 1200, ..Default::default() };
//! let mut shards = [PairAggregator::new(cfg), PairAggregator::new(cfg), PairAggregator::new(cfg)];
//! let mut whole = PairAggregator::new(cfg);
//! for i in 0..100i64 {
//!     shards[(i % 3) as usize].observe("10.0.0.5".to_string(), "203.0.113.9".to_string(), &check_in(i));
//!     whole.observe("10.0.0.5".to_string(), "203.0.113.9".to_string(), &check_in(i));
//! }
//! let shipped: Vec<String> = shards
//!     .into_iter()
//!     .map(|s| serde_json::to_string(&s.into_state()).unwrap())
//!     .collect();
//! let mut merged = PairAggregator::new(cfg);
//! for json in shipped.iter().rev() {
//!     let state: AggregatorState<String, String> = serde_json::from_str(json).unwrap();
//!     merged.merge(PairAggregator::from_state(state)).unwrap();
//! }
//! let (merged, whole) = (merged.finish(), whole.finish());
//! assert_eq!(merged.window, whole.window);
//! assert_eq!(merged.observations, 100);
//! assert_eq!(merged.pairs, whole.pairs);
//! ```

mod aggregate;
pub mod beacon;
mod pair;
pub mod stats;

pub use aggregate::{
    AggregatorState, Analysis, AnalysisWindow, HostBulk, MergeError, PairAggregator,
};
pub use beacon::{beacon_score, BeaconConfig, BeaconScore};
pub use pair::{
    Beacon, BeaconBasis, BulkUpload, LongConnection, Observation, PairState, PairSummary,
    WindowBytes,
};

use serde::{Deserialize, Serialize};

/// Tunables of all detectors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    pub beacon: BeaconConfig,
    /// A connection lasting at least this long is a long connection (default 1 h).
    pub long_connection_s: i64,
    /// Tumbling window for bulk uploads (default 1 h).
    pub bulk_window_s: i64,
    /// Bytes out of one pair in one window that make a bulk upload (default 100 MB).
    pub bulk_pair_bytes: u64,
    /// Bytes out of one host, all destinations, in one window (default 500 MB).
    pub bulk_host_bytes: u64,
    /// Bytes out must be at least this many times bytes in (default 2).
    pub bulk_ratio: f64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            beacon: BeaconConfig::default(),
            long_connection_s: 3_600,
            bulk_window_s: 3_600,
            bulk_pair_bytes: 100_000_000,
            bulk_host_bytes: 500_000_000,
            bulk_ratio: 2.0,
        }
    }
}

/// Score of a long connection in [0.6, 1]: 0.6 at the threshold, rising linearly to 1.0 at a
/// day (or at twice the threshold when the threshold is a day or more). 0 below the threshold.
///
/// ```
/// assert_eq!(unmask_detect::long_connection_score(3_600.0, 3_600.0), 0.6);
/// assert_eq!(unmask_detect::long_connection_score(86_400.0, 3_600.0), 1.0);
/// ```
pub fn long_connection_score(duration_s: f64, threshold_s: f64) -> f64 {
    if duration_s.is_nan() || duration_s < threshold_s || threshold_s <= 0.0 {
        return 0.0;
    }
    let top = if threshold_s < 86_400.0 {
        86_400.0
    } else {
        2.0 * threshold_s
    };
    let x = ((duration_s - threshold_s) / (top - threshold_s)).clamp(0.0, 1.0);
    ((0.6 + 0.4 * x) * 1000.0).round() / 1000.0
}

/// Score of a bulk upload, or `None` when it is none: bytes out below `threshold` or below
/// `ratio` × bytes in. Volume `v = min(1, 0.5 + 0.25·log2(out/threshold))` (0.5 at the
/// threshold, 1 at four times it) times asymmetry `out / (out + in)`.
///
/// ```
/// use unmask_detect::bulk_score;
/// assert_eq!(bulk_score(400, 0, 100, 2.0), Some(1.0));
/// assert_eq!(bulk_score(100, 100, 100, 2.0), None); // as much down as up
/// ```
pub fn bulk_score(bytes_out: u64, bytes_in: u64, threshold: u64, ratio: f64) -> Option<f64> {
    if threshold == 0 || bytes_out < threshold || (bytes_out as f64) < ratio * bytes_in as f64 {
        return None;
    }
    let v = (0.5 + 0.25 * (bytes_out as f64 / threshold as f64).log2()).clamp(0.0, 1.0);
    let a = bytes_out as f64 / (bytes_out as f64 + bytes_in as f64);
    Some(((v * a) * 1000.0).round() / 1000.0)
}
