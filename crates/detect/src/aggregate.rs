//! Per-pair state: one small record per (source, destination) pair, fed one connection at a
//! time, turned into scores at the end. Memory is bounded by the number of live pairs and, per
//! pair, by [`BeaconConfig::max_timestamps`].

use crate::beacon::{beacon_score, collapse_retries, BeaconConfig, BeaconScore};
use crate::{bulk_score, long_connection_score, DetectConfig};
use ahash::AHashMap;
use serde::Serialize;
use std::hash::Hash;

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
    /// Start of the longest connection, microseconds since the epoch.
    pub longest_ts_us: i64,
}

/// Bytes in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// Up to four destination ports, in order of first sight.
    pub dst_ports: Vec<u16>,
    /// More timestamps than [`BeaconConfig::max_timestamps`] arrived; later ones were not kept.
    pub capped: bool,
    pub beacon: Option<Beacon>,
    pub long_connection: Option<LongConnection>,
    pub bulk_upload: Option<BulkUpload>,
}

#[derive(Debug, Clone, Default)]
struct PairState {
    /// (start second, bytes both ways) of connections that did not fail.
    conns: Vec<(u32, u32)>,
    fails: Vec<(u32, u16)>,
    connections: u64,
    failed: u64,
    bytes_out: u64,
    bytes_in: u64,
    first_us: i64,
    last_us: i64,
    max_dur_us: i64,
    max_dur_ts_us: i64,
    total_dur_us: i64,
    ports: [u16; 4],
    nports: u8,
    capped: bool,
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

impl PairState {
    fn observe(&mut self, o: &Observation, cfg: &DetectConfig) {
        if self.connections == 0 {
            self.first_us = o.ts_us;
            self.last_us = o.ts_us;
        }
        self.connections += 1;
        self.first_us = self.first_us.min(o.ts_us);
        self.last_us = self.last_us.max(o.ts_us);
        self.bytes_out = self.bytes_out.saturating_add(o.bytes_out);
        self.bytes_in = self.bytes_in.saturating_add(o.bytes_in);
        let n = usize::from(self.nports);
        if n < 4 && !self.ports[..n].contains(&o.dst_port) {
            self.ports[n] = o.dst_port;
            self.nports += 1;
        }
        let cap = cfg.beacon.max_timestamps;
        if o.failed {
            self.failed += 1;
            if self.fails.len() < cap {
                push_small(&mut self.fails, (secs(o.ts_us), o.src_port));
            } else {
                self.capped = true;
            }
            return;
        }
        let dur = o.duration_us.max(0);
        self.total_dur_us = self.total_dur_us.saturating_add(dur);
        if dur > self.max_dur_us {
            self.max_dur_us = dur;
            self.max_dur_ts_us = o.ts_us;
        }
        let t = secs(o.ts_us);
        if self.conns.len() < cap {
            let size = o
                .bytes_out
                .saturating_add(o.bytes_in)
                .min(u64::from(u32::MAX)) as u32;
            push_small(&mut self.conns, (t, size));
        } else {
            self.capped = true;
        }
        let w = o.ts_us.div_euclid(1_000_000).div_euclid(cfg.bulk_window_s) * cfg.bulk_window_s;
        match self.windows.iter_mut().rev().find(|x| x.start_s == w) {
            Some(x) => {
                x.bytes_out = x.bytes_out.saturating_add(o.bytes_out);
                x.bytes_in = x.bytes_in.saturating_add(o.bytes_in);
            }
            None => push_small(
                &mut self.windows,
                WindowBytes {
                    start_s: w,
                    bytes_out: o.bytes_out,
                    bytes_in: o.bytes_in,
                },
            ),
        }
    }

    fn summarize(mut self, window: (i64, i64), cfg: &DetectConfig) -> PairSummary {
        let bc: &BeaconConfig = &cfg.beacon;
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
            dst_ports: self.ports[..usize::from(self.nports)].to_vec(),
            capped: self.capped,
            beacon,
            long_connection,
            bulk_upload,
        }
    }
}

/// A source host's bulk upload across all its destinations in one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostBulk<S> {
    pub src: S,
    pub score: f64,
    pub window_s: i64,
    #[serde(flatten)]
    pub window: WindowBytes,
}

/// The aggregator's result.
#[derive(Debug, Clone)]
pub struct Analysis<S, D> {
    /// Every pair, unordered ([`PairAggregator::finish`]; empty after
    /// [`PairAggregator::finish_with`]).
    pub pairs: Vec<(S, D, PairSummary)>,
    /// Number of pairs scored.
    pub pair_count: usize,
    /// Hosts whose total upload in a window passed [`DetectConfig::bulk_host_bytes`].
    pub host_bulk: Vec<HostBulk<S>>,
    /// First and last second seen.
    pub window: (i64, i64),
    pub observations: u64,
}

/// Feeds connections pair by pair; [`PairAggregator::finish`] scores them.
///
/// ```
/// use unmask_detect::{DetectConfig, Observation, PairAggregator};
/// let mut agg = PairAggregator::new(DetectConfig::default());
/// for i in 0..50i64 {
///     let o = Observation { ts_us: (1_700_000_000 + i * 300) * 1_000_000, bytes_out: 300, bytes_in: 900, ..Default::default() };
///     agg.observe("10.0.0.5", "203.0.113.9", &o);
/// }
/// let a = agg.finish();
/// let (_, _, pair) = &a.pairs[0];
/// assert!(pair.beacon.as_ref().unwrap().score.score > 0.95);
/// ```
#[derive(Debug)]
pub struct PairAggregator<S, D> {
    cfg: DetectConfig,
    pairs: AHashMap<(S, D), PairState>,
    first_s: i64,
    last_s: i64,
    observations: u64,
}

impl<S: Hash + Eq + Clone, D: Hash + Eq + Clone> PairAggregator<S, D> {
    pub fn new(cfg: DetectConfig) -> Self {
        PairAggregator {
            cfg,
            pairs: AHashMap::new(),
            first_s: i64::MAX,
            last_s: i64::MIN,
            observations: 0,
        }
    }

    pub fn config(&self) -> &DetectConfig {
        &self.cfg
    }

    /// Adds one connection from `src` to `dst`.
    pub fn observe(&mut self, src: S, dst: D, o: &Observation) {
        self.observations += 1;
        let s = o.ts_us.div_euclid(1_000_000);
        self.first_s = self.first_s.min(s);
        self.last_s = self.last_s.max(s);
        self.pairs
            .entry((src, dst))
            .or_default()
            .observe(o, &self.cfg);
    }

    /// Live pairs.
    pub fn pairs(&self) -> usize {
        self.pairs.len()
    }

    /// Scores every pair and collects them into [`Analysis::pairs`].
    pub fn finish(self) -> Analysis<S, D> {
        let mut pairs = Vec::with_capacity(self.pairs.len());
        let mut a = self.finish_with(|s, d, p| pairs.push((s, d, p)));
        a.pairs = pairs;
        a
    }

    /// Scores every pair, handing each to `f` as it goes (the pair's state is freed as it
    /// goes too); [`Analysis::pairs`] stays empty.
    pub fn finish_with(self, mut f: impl FnMut(S, D, PairSummary)) -> Analysis<S, D> {
        let window = if self.first_s <= self.last_s {
            (self.first_s, self.last_s)
        } else {
            (0, 0)
        };
        let cfg = self.cfg;
        // Hosts: the pairs' windows summed per source.
        let mut hosts: AHashMap<(S, i64), (u64, u64)> = AHashMap::new();
        for ((src, _), st) in &self.pairs {
            for w in st.windows.iter().filter(|w| w.bytes_out > 0) {
                let h = hosts.entry((src.clone(), w.start_s)).or_default();
                h.0 = h.0.saturating_add(w.bytes_out);
                h.1 = h.1.saturating_add(w.bytes_in);
            }
        }
        let mut best: AHashMap<S, HostBulk<S>> = AHashMap::new();
        for ((src, w), (out, inn)) in hosts {
            let Some(score) = bulk_score(out, inn, cfg.bulk_host_bytes, cfg.bulk_ratio) else {
                continue;
            };
            let cand = HostBulk {
                src: src.clone(),
                score,
                window_s: cfg.bulk_window_s,
                window: WindowBytes {
                    start_s: w,
                    bytes_out: out,
                    bytes_in: inn,
                },
            };
            match best.get(&src) {
                Some(b) if (b.window.bytes_out, -b.window.start_s) >= (out, -w) => {}
                _ => {
                    best.insert(src, cand);
                }
            }
        }
        let host_bulk: Vec<HostBulk<S>> = best.into_values().collect();
        let pair_count = self.pairs.len();
        for ((s, d), st) in self.pairs.into_iter() {
            f(s, d, st.summarize(window, &cfg));
        }
        Analysis {
            pairs: Vec::new(),
            pair_count,
            host_bulk,
            window,
            observations: self.observations,
        }
    }
}
