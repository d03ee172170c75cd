//! Name index, scorer, explanations and exposure paths over the entity graph.
//!
//! SKELETON: the public API below is the contract other crates code against
//! (`Screener::new`, `Screener::screen`, `Query`, `Match`); the internals are being built.

use unmask_model::{EntIdx, ExposurePath, Graph};

/// A screening request.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub name: &'a str,
    /// ISO alpha-2 country of the queried party, if known.
    pub country: Option<&'a str>,
    /// Minimum score in [0,1] for a match to be returned.
    pub threshold: f64,
    /// At most this many matches.
    pub limit: usize,
}

impl<'a> Query<'a> {
    pub fn new(name: &'a str) -> Self {
        Query { name, country: None, threshold: DEFAULT_THRESHOLD, limit: 10 }
    }
}

/// The documented default threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.80;

/// One feature's contribution to a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Feature {
    pub name: &'static str,
    pub value: f64,
    pub detail: String,
}

/// A match of a query against one entity.
#[derive(Debug, Clone)]
pub struct Match {
    pub entity: EntIdx,
    /// The entity's name that matched best.
    pub matched_name: String,
    pub score: f64,
    pub features: Vec<Feature>,
    /// Chains of relations to listed ancestors (empty when none).
    pub paths: Vec<ExposurePath>,
}

/// The screening engine over one graph.
#[derive(Debug)]
pub struct Screener<'g> {
    graph: &'g Graph,
}

impl<'g> Screener<'g> {
    pub fn new(graph: &'g Graph) -> Self {
        Screener { graph }
    }
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }
    /// Matches at or above the query's threshold, best first.
    pub fn screen(&self, q: &Query<'_>) -> Vec<Match> {
        let key = unmask_text::name_key(q.name);
        self.graph
            .find_by_key(&key)
            .iter()
            .take(q.limit)
            .map(|&e| Match {
                entity: e,
                matched_name: q.name.to_string(),
                score: 1.0,
                features: Vec::new(),
                paths: self.graph.exposure_paths(e, 6),
            })
            .collect()
    }
}
