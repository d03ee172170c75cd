//! Per-pair state: one small record per (source, destination) pair, fed one connection at a
//! time, merged with the states of other shards, and turned into scores at the end.
//!
//! Every field is a function of the *set* of observations offered, not of their order or of
//! how they were split: counts and bytes add, first/last take min/max, the longest connection
//! is the longest (earliest on a tie), the destination ports are the four seen earliest, and
//! the stored timestamps are the earliest [`BeaconConfig::max_timestamps`]. So observing
//! shards apart and [`PairState::merge`]-ing them, in any order, gives the same
//! [`PairSummary`] as observing everything in one place.

use crate::beacon::{beacon_score, collapse_retries, BeaconConfig, BeaconScore};
use crate::{bulk_score, long_connection_score, DetectConfig};
use serde::{Deserialize, Serialize};

/// Destination ports kept per pair.
const PORTS: usize = 4;

/// One connection of a pair, as the detectors need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Observation {
    /// Start, microseconds since the Unix epoch.
    pub ts_us: i64,
    pub duration_us: i64,
    pub src_port: u16,
    pub dst_port: u16,
    /// Bytes from source to destination.
    pub bytes_out: u64,
    /// Bytes from destination to source.
    pub bytes_in: u64,
    /// The attempt failed (no answer, rejected): it is never counted as a connection of a beacon.
    pub failed: bool,
}

/// Which series a beacon score was computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BeaconBasis {
    /// Connections that did not fail.
    Connections,
    /// The pair had too few successful connections, so its failed attempts were scored,
    /// retries of one attempt collapsed (a program calling a refusing or dead controller).
    FailedAttempts,
}

/// A pair's beacon result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beacon {
    pub basis: BeaconBasis,
    #[serde(flatten)]
    pub score: BeaconScore,
}

/// A long connection finding for a pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongConnection {
    pub score: f64,
    pub max_duration_s: f64,
    pub total_duration_s: f64,
    /// Start of the longest connection (the earliest of equally long ones), microseconds since
    /// the epoch.
    pub longest_ts_us: i64,
}

/// Bytes in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowBytes {
    /// Window start, seconds since the epoch.
    pub start_s: i64,
    pub bytes_out: u64,
    pub bytes_in: u64,
}

/// A bulk upload: the busiest window over the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkUpload {
    pub score: f64,
    pub window_s: i64,
    #[serde(flatten)]
    pub window: WindowBytes,
    /// Windows over the threshold.
    pub windows_over: usize,
}

/// Everything known about one pair at the end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairSummary {
    /// Connections seen (failed included).
    pub connections: u64,
    pub failed: u64,
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub first_ts_us: i64,
    pub last_ts_us: i64,
    /// Up to four destination ports: those first seen earliest, ordered by (first start µs,
    /// port). On time-ordered input that is the order of first sight.
    pub dst_ports: Vec<u16>,
    /// More than [`BeaconConfig::max_timestamps`] connections that did not fail, or more than
    /// that many failed attempts, were observed; only the earliest of the series were scored.
    pub capped: bool,
    pub beacon: Option<Beacon>,
    pub long_connection: Option<LongConnection>,
    pub bulk_upload: Option<BulkUpload>,
}

/// The mergeable state of one pair: [`observe`](Self::observe) connections,
/// [`merge`](Self::merge) states of other shards, [`summarize`](Self::summarize) once.
///
/// It serializes (serde) so it can be shipped between the workers of a distributed engine.
/// Memory is bounded: per series at most 2 × [`BeaconConfig::max_timestamps`] entries between
/// normalizations, plus one entry per bulk window touched.
///
/// **Timestamp cap.** Of the connections that did not fail, and separately of the failed
/// attempts, only the [`BeaconConfig::max_timestamps`] smallest entries by (start second,
/// size) resp. (start second, source port) are scored: the earliest, whatever the arrival
/// order. [`PairSummary::capped`] is true exactly when more than `max_timestamps` entries
/// were offered to either series.
///
/// All calls on one state, and on states merged into it, must use the same [`DetectConfig`].
///
/// ```
/// use unmask_detect::{DetectConfig, Observation, PairState};
/// let cfg = DetectConfig::default();
/// let check_in = |i: i64| Observation { ts_us: (1_700_000_000 + i * 60) * 1_000_000, bytes_out: 200, ..Default::default() };
/// let (mut a, mut b) = (PairState::default(), PairState::default());
/// for i in 0..100 {
///     if i % 2 == 0 { a.observe(&check_in(i), &cfg) } else { b.observe(&check_in(i), &cfg) }
/// }
/// a.merge(b, &cfg);
/// let summary = a.summarize((1_700_000_000, 1_700_000_000 + 99 * 60), &cfg);
/// assert_eq!(summary.connections, 100);
/// assert_eq!(summary.beacon.unwrap().score.median_gap_s, 60.0);
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PairState {
    /// (start second, bytes both ways) of connections that did not fail; see [`offer`].
    conns: Vec<(u32, u32)>,
    /// (start second, source port) of failed attempts; see [`offer`].
    fails: Vec<(u32, u16)>,
    /// Observations, failed included.
    connections: u64,
    failed: u64,
    bytes_out: u64,
    bytes_in: u64,
    first_us: i64,
    last_us: i64,
    /// The longest connection: greatest (duration, −start), starting from (0, 0).
    max_dur_us: i64,
    max_dur_ts_us: i64,
    total_dur_us: i64,
    /// `ports[..nports]` sorted by (`port_first_us`, port): the ports first seen earliest.
    ports: [u16; PORTS],
    port_first_us: [i64; PORTS],
    nports: u8,
    /// Sorted by start, distinct starts.
    windows: Vec<WindowBytes>,
}

/// Pushes, allocating room for exactly one element first: most pairs see one connection.
#[inline]
fn push_small<T>(v: &mut Vec<T>, x: T) {
    if v.capacity() == 0 {
        v.reserve_exact(1);
    }
    v.push(x);
}

fn secs(ts_us: i64) -> u32 {
    ts_us.div_euclid(1_000_000).clamp(0, i64::from(u32::MAX)) as u32
}

/// Adds `x` to a series that keeps its `cap` smallest entries.
///
/// Invariant (kept by this and [`keep_smallest`]): once `v.len() >= cap`, `v[cap - 1]` is the
/// largest of `v[..cap]`, so an entry not below it can never be among the `cap` smallest and
/// is dropped with one comparison (the usual case on time-ordered input). Smaller ones are
/// appended until the series holds `2 × cap`, then it is cut back to `cap`: amortized O(1).
#[inline]
fn offer<T: Ord + Copy>(v: &mut Vec<T>, x: T, cap: usize) {
    if v.len() < cap {
        push_small(v, x);
        if v.len() == cap {
            max_last(v);
        }
        return;
    }
    let Some(&bound) = cap.checked_sub(1).and_then(|i| v.get(i)) else {
        return; // cap 0: nothing is kept
    };
    if x >= bound {
        return;
    }
    v.push(x);
    if v.len() >= cap.saturating_mul(2) {
        keep_smallest(v, cap);
    }
}

/// Cuts `v` to its `cap` smallest entries and restores [`offer`]'s invariant.
fn keep_smallest<T: Ord + Copy>(v: &mut Vec<T>, cap: usize) {
    match v.len().cmp(&cap) {
        std::cmp::Ordering::Less => {}
        std::cmp::Ordering::Equal => max_last(v),
        std::cmp::Ordering::Greater => {
            if cap == 0 {
                v.clear();
            } else {
                // Puts the cap-th smallest at cap − 1 and only smaller or equal ones before it.
                v.select_nth_unstable(cap - 1);
                v.truncate(cap);
            }
        }
    }
}

/// Swaps the largest entry to the end.
fn max_last<T: Ord + Copy>(v: &mut [T]) {
    let Some(last) = v.len().checked_sub(1) else {
        return;
    };
    let mut at = last;
    for (i, x) in v.iter().enumerate() {
        if *x > v[at] {
            at = i;
        }
    }
    v.swap(at, last);
}

impl PairState {
    /// Adds one connection.
    #[inline]
    pub fn observe(&mut self, o: &Observation, cfg: &DetectConfig) {
        if self.connections == 0 {
            self.first_us = o.ts_us;
            self.last_us = o.ts_us;
        }
        self.connections += 1;
        self.first_us = self.first_us.min(o.ts_us);
        self.last_us = self.last_us.max(o.ts_us);
        self.bytes_out = self.bytes_out.saturating_add(o.bytes_out);
        self.bytes_in = self.bytes_in.saturating_add(o.bytes_in);
        self.note_port(o.dst_port, o.ts_us);
        let cap = cfg.beacon.max_timestamps;
        if o.failed {
            self.failed += 1;
            offer(&mut self.fails, (secs(o.ts_us), o.src_port), cap);
            return;
        }
        let dur = o.duration_us.max(0);
        self.total_dur_us = self.total_dur_us.saturating_add(dur);
        self.note_longest(dur, o.ts_us);
        let size = o
            .bytes_out
            .saturating_add(o.bytes_in)
            .min(u64::from(u32::MAX)) as u32;
        offer(&mut self.conns, (secs(o.ts_us), size), cap);
        let w = o.ts_us.div_euclid(1_000_000).div_euclid(cfg.bulk_window_s) * cfg.bulk_window_s;
        self.add_window(WindowBytes {
            start_s: w,
            bytes_out: o.bytes_out,
            bytes_in: o.bytes_in,
        });
    }

    /// Folds in the state of the same pair built from other observations (another shard):
    /// afterwards `self` is what observing both sets would have given.
    pub fn merge(&mut self, other: PairState, cfg: &DetectConfig) {
        if other.connections == 0 {
            return;
        }
        if self.connections == 0 {
            self.first_us = other.first_us;
            self.last_us = other.last_us;
        }
        self.connections = self.connections.saturating_add(other.connections);
        self.failed = self.failed.saturating_add(other.failed);
        self.bytes_out = self.bytes_out.saturating_add(other.bytes_out);
        self.bytes_in = self.bytes_in.saturating_add(other.bytes_in);
        self.first_us = self.first_us.min(other.first_us);
        self.last_us = self.last_us.max(other.last_us);
        self.total_dur_us = self.total_dur_us.saturating_add(other.total_dur_us);
        self.note_longest(other.max_dur_us, other.max_dur_ts_us);
        for i in 0..usize::from(other.nports).min(PORTS) {
            self.note_port(other.ports[i], other.port_first_us[i]);
        }
        let cap = cfg.beacon.max_timestamps;
        self.conns.extend_from_slice(&other.conns);
        keep_smallest(&mut self.conns, cap);
        self.fails.extend_from_slice(&other.fails);
        keep_smallest(&mut self.fails, cap);
        self.windows = merge_windows(std::mem::take(&mut self.windows), other.windows);
    }

    /// Observations so far, failed included.
    pub fn connections(&self) -> u64 {
        self.connections
    }

    /// Bulk windows with their bytes, sorted by start.
    pub fn windows(&self) -> &[WindowBytes] {
        &self.windows
    }

    /// Keeps the greatest (duration, −start): the longest, the earliest of equals.
    #[inline]
    fn note_longest(&mut self, dur_us: i64, ts_us: i64) {
        if dur_us > self.max_dur_us || (dur_us == self.max_dur_us && ts_us < self.max_dur_ts_us) {
            self.max_dur_us = dur_us;
            self.max_dur_ts_us = ts_us;
        }
    }

    /// Keeps the four ports with the smallest (first start, port). A port pushed out can only
    /// come back with an earlier start, so the four kept always carry their true first start.
    #[inline]
    fn note_port(&mut self, port: u16, ts_us: i64) {
        let n = usize::from(self.nports).min(PORTS);
        let at = match self.ports[..n].iter().position(|&p| p == port) {
            Some(i) if ts_us < self.port_first_us[i] => i,
            Some(_) => return,
            None if n < PORTS => {
                self.nports += 1;
                n
            }
            None if (ts_us, port) < (self.port_first_us[PORTS - 1], self.ports[PORTS - 1]) => {
                PORTS - 1
            }
            None => return,
        };
        self.ports[at] = port;
        self.port_first_us[at] = ts_us;
        // Only this entry moved earlier: bubble it forward.
        let mut i = at;
        while i > 0
            && (self.port_first_us[i], self.ports[i])
                < (self.port_first_us[i - 1], self.ports[i - 1])
        {
            self.ports.swap(i, i - 1);
            self.port_first_us.swap(i, i - 1);
            i -= 1;
        }
    }

    #[inline]
    fn add_window(&mut self, w: WindowBytes) {
        // Time-ordered input lands in the last window or after it; the rest is a binary search.
        let at = match self.windows.last() {
            None => {
                push_small(&mut self.windows, w);
                return;
            }
            Some(last) if last.start_s < w.start_s => {
                self.windows.push(w);
                return;
            }
            Some(last) if last.start_s == w.start_s => Ok(self.windows.len() - 1),
            Some(_) => self.windows.binary_search_by_key(&w.start_s, |x| x.start_s),
        };
        match at {
            Ok(i) => {
                let x = &mut self.windows[i];
                x.bytes_out = x.bytes_out.saturating_add(w.bytes_out);
                x.bytes_in = x.bytes_in.saturating_add(w.bytes_in);
            }
            Err(i) => self.windows.insert(i, w),
        }
    }

    /// Scores the pair. `window`: first and last second of the data analysed (all pairs), which
    /// the beacon histogram and coverage are taken against (see [`crate::AnalysisWindow`]).
    pub fn summarize(mut self, window: (i64, i64), cfg: &DetectConfig) -> PairSummary {
        let bc: &BeaconConfig = &cfg.beacon;
        let cap = bc.max_timestamps;
        keep_smallest(&mut self.conns, cap);
        keep_smallest(&mut self.fails, cap);
        let cap64 = cap as u64;
        let capped = self.failed > cap64 || self.connections.saturating_sub(self.failed) > cap64;
        let mut ts: Vec<i64> = self.conns.iter().map(|&(t, _)| i64::from(t)).collect();
        ts.sort_unstable();
        ts.dedup();
        let beacon = if ts.len() >= bc.min_timestamps {
            let sizes: Vec<u64> = self.conns.iter().map(|&(_, s)| u64::from(s)).collect();
            beacon_score(&ts, &sizes, window, bc).map(|score| Beacon {
                basis: BeaconBasis::Connections,
                score,
            })
        } else {
            let attempts = collapse_retries(&mut self.fails, bc.retry_window_s);
            // Failed attempts carry (almost) no payload: their sizes are all zero.
            let sizes = vec![0u64; attempts.len()];
            beacon_score(&attempts, &sizes, window, bc).map(|score| Beacon {
                basis: BeaconBasis::FailedAttempts,
                score,
            })
        };
        let long_connection = (self.max_dur_us >= cfg.long_connection_s.saturating_mul(1_000_000))
            .then(|| LongConnection {
                score: long_connection_score(
                    self.max_dur_us as f64 / 1e6,
                    cfg.long_connection_s as f64,
                ),
                max_duration_s: self.max_dur_us as f64 / 1e6,
                total_duration_s: self.total_dur_us as f64 / 1e6,
                longest_ts_us: self.max_dur_ts_us,
            });
        let over: Vec<&WindowBytes> = self
            .windows
            .iter()
            .filter(|w| {
                bulk_score(w.bytes_out, w.bytes_in, cfg.bulk_pair_bytes, cfg.bulk_ratio).is_some()
            })
            .collect();
        let bulk_upload = over
            .iter()
            .max_by_key(|w| (w.bytes_out, std::cmp::Reverse(w.start_s)))
            .map(|w| BulkUpload {
                score: bulk_score(w.bytes_out, w.bytes_in, cfg.bulk_pair_bytes, cfg.bulk_ratio)
                    .unwrap_or(0.0),
                window_s: cfg.bulk_window_s,
                window: **w,
                windows_over: over.len(),
            });
        PairSummary {
            connections: self.connections,
            failed: self.failed,
            bytes_out: self.bytes_out,
            bytes_in: self.bytes_in,
            first_ts_us: self.first_us,
            last_ts_us: self.last_us,
            dst_ports: self.ports[..usize::from(self.nports).min(PORTS)].to_vec(),
            capped,
            beacon,
            long_connection,
            bulk_upload,
        }
    }
}

/// Merges two window lists sorted by start into one, adding the bytes of equal starts.
fn merge_windows(a: Vec<WindowBytes>, b: Vec<WindowBytes>) -> Vec<WindowBytes> {
    if b.is_empty() {
        return a;
    }
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.start_s == y.start_s => {
                let (x, y) = (a.next(), b.next());
                x.zip(y).map(|(x, y)| WindowBytes {
                    start_s: x.start_s,
                    bytes_out: x.bytes_out.saturating_add(y.bytes_out),
                    bytes_in: x.bytes_in.saturating_add(y.bytes_in),
                })
            }
            (Some(x), Some(y)) if x.start_s < y.start_s => a.next(),
            (Some(_), Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    out
}
