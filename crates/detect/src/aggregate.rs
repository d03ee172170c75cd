//! The pairs of a whole stream (or of one shard of it): a [`PairState`] per (source,
//! destination), the span of seconds seen and the number of observations. Aggregators of
//! shards merge ([`PairAggregator::merge`]) and ship as an [`AggregatorState`].

use crate::pair::{Observation, PairState, PairSummary, WindowBytes};
use crate::{bulk_score, DetectConfig};
use ahash::AHashMap;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::hash::Hash;

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
    /// Hosts whose total upload in a window passed [`DetectConfig::bulk_host_bytes`], unordered.
    pub host_bulk: Vec<HostBulk<S>>,
    /// The window the pairs were scored against (first and last second, inclusive).
    pub window: (i64, i64),
    pub observations: u64,
}

/// Which seconds the beacon histogram and coverage are taken against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnalysisWindow {
    /// The first and last second among the observations aggregated (merged shards included);
    /// `(0, 0)` when there were none.
    Observed,
    /// Given by the caller (a query's time range), first and last second inclusive; given in
    /// the wrong order they are swapped. A pair's own timestamps outside it widen it for that
    /// pair only.
    Fixed { start_s: i64, end_s: i64 },
}

/// [`PairAggregator::merge`] refused to combine two aggregators.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    /// Their detector configurations differ, so their states do not mean the same thing (the
    /// timestamp cap, the bulk window).
    #[error("cannot merge aggregators built with different detector configurations")]
    ConfigDiffers {
        ours: Box<DetectConfig>,
        theirs: Box<DetectConfig>,
    },
}

/// Everything a [`PairAggregator`] holds, in a form serde can carry (maps with tuple keys do
/// not serialize to JSON): build one with [`PairAggregator::into_state`], rebuild with
/// [`PairAggregator::from_state`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AggregatorState<S, D> {
    pub config: DetectConfig,
    pub observations: u64,
    /// First and last second observed, `None` before any observation.
    pub seen_s: Option<(i64, i64)>,
    /// One entry per pair, unordered.
    pub pairs: Vec<(S, D, PairState)>,
}

/// Feeds connections pair by pair; [`PairAggregator::finish`] scores them. Aggregators fed
/// disjoint parts of a stream [`merge`](PairAggregator::merge) into the one that would have
/// been fed it all, in any order.
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
    #[inline]
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

    /// Observations so far (merged ones included).
    pub fn observations(&self) -> u64 {
        self.observations
    }

    /// First and last second observed, `None` before any observation.
    pub fn seen_s(&self) -> Option<(i64, i64)> {
        (self.first_s <= self.last_s).then_some((self.first_s, self.last_s))
    }

    /// Every pair's state, unordered.
    pub fn pairs_iter(&self) -> impl Iterator<Item = (&S, &D, &PairState)> + '_ {
        self.pairs.iter().map(|((s, d), st)| (s, d, st))
    }

    /// Folds in an aggregator fed other observations (another shard): pairs are merged by key
    /// ([`PairState::merge`]), observation counts added, the seen spans joined. Merging is
    /// commutative and associative, so shards may come in any order.
    pub fn merge(&mut self, mut other: PairAggregator<S, D>) -> Result<(), MergeError> {
        if other.cfg != self.cfg {
            return Err(MergeError::ConfigDiffers {
                ours: Box::new(self.cfg),
                theirs: Box::new(other.cfg),
            });
        }
        self.observations = self.observations.saturating_add(other.observations);
        self.first_s = self.first_s.min(other.first_s);
        self.last_s = self.last_s.max(other.last_s);
        // Walk the smaller map: the result does not depend on which side is which.
        if other.pairs.len() > self.pairs.len() {
            std::mem::swap(&mut self.pairs, &mut other.pairs);
        }
        for (key, st) in other.pairs {
            add_pair(&mut self.pairs, key, st, &self.cfg);
        }
        Ok(())
    }

    /// Takes the aggregator apart for shipping (see [`AggregatorState`]).
    pub fn into_state(self) -> AggregatorState<S, D> {
        AggregatorState {
            config: self.cfg,
            observations: self.observations,
            seen_s: self.seen_s(),
            pairs: self
                .pairs
                .into_iter()
                .map(|((s, d), st)| (s, d, st))
                .collect(),
        }
    }

    /// Rebuilds an aggregator from [`into_state`](Self::into_state)'s parts; entries of one
    /// pair that occur more than once are merged.
    pub fn from_state(state: AggregatorState<S, D>) -> Self {
        let mut agg = PairAggregator::new(state.config);
        agg.observations = state.observations;
        if let Some((first, last)) = state.seen_s {
            agg.first_s = first.min(last);
            agg.last_s = first.max(last);
        }
        agg.pairs.reserve(state.pairs.len());
        for (s, d, st) in state.pairs {
            add_pair(&mut agg.pairs, (s, d), st, &agg.cfg);
        }
        agg
    }

    /// The first and last second `window` stands for here.
    pub fn resolve_window(&self, window: AnalysisWindow) -> (i64, i64) {
        match window {
            AnalysisWindow::Observed => self.seen_s().unwrap_or((0, 0)),
            AnalysisWindow::Fixed { start_s, end_s } => (start_s.min(end_s), start_s.max(end_s)),
        }
    }

    /// Scores every pair against the observed window and collects them into
    /// [`Analysis::pairs`].
    pub fn finish(self) -> Analysis<S, D> {
        self.finish_in(AnalysisWindow::Observed)
    }

    /// Scores every pair against the observed window, handing each to `f` as it goes (the
    /// pair's state is freed as it goes too); [`Analysis::pairs`] stays empty.
    pub fn finish_with(self, f: impl FnMut(S, D, PairSummary)) -> Analysis<S, D> {
        self.finish_in_with(AnalysisWindow::Observed, f)
    }

    /// [`finish`](Self::finish) against the given window.
    pub fn finish_in(self, window: AnalysisWindow) -> Analysis<S, D> {
        let mut pairs = Vec::with_capacity(self.pairs.len());
        let mut a = self.finish_in_with(window, |s, d, p| pairs.push((s, d, p)));
        a.pairs = pairs;
        a
    }

    /// [`finish_with`](Self::finish_with) against the given window.
    pub fn finish_in_with(
        self,
        window: AnalysisWindow,
        mut f: impl FnMut(S, D, PairSummary),
    ) -> Analysis<S, D> {
        let window = self.resolve_window(window);
        let cfg = self.cfg;
        let host_bulk = host_bulk(&self.pairs, &cfg);
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

/// Inserts a pair's state, merging it into the one already there.
fn add_pair<K: Hash + Eq>(
    pairs: &mut AHashMap<K, PairState>,
    key: K,
    st: PairState,
    cfg: &DetectConfig,
) {
    match pairs.entry(key) {
        Entry::Occupied(mine) => mine.into_mut().merge(st, cfg),
        Entry::Vacant(slot) => {
            slot.insert(st);
        }
    }
}

/// Each source's busiest window over the host threshold, its pairs' windows summed.
fn host_bulk<S: Hash + Eq + Clone, D>(
    pairs: &AHashMap<(S, D), PairState>,
    cfg: &DetectConfig,
) -> Vec<HostBulk<S>> {
    let mut hosts: AHashMap<(S, i64), (u64, u64)> = AHashMap::new();
    for ((src, _), st) in pairs {
        for w in st.windows().iter().filter(|w| w.bytes_out > 0) {
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
        // The most bytes out, the earliest window of equals.
        match best.get(&src) {
            Some(b) if (b.window.bytes_out, Reverse(b.window.start_s)) >= (out, Reverse(w)) => {}
            _ => {
                best.insert(src, cand);
            }
        }
    }
    best.into_values().collect()
}
