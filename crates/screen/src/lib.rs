//! Screening names against the entity graph: a candidate index over every name of every entity,
//! a scorer with named features, explanations, and exposure paths to listed ancestors.
//!
//! - [`Screener::new`] reads every name of every entity (primary, aliases, weak aliases, former and
//!   native names) with [`unmask_text::analyze`] and indexes it under token, synonym-class,
//!   phonetic, character-trigram and acronym keys, with token document frequencies for rarity.
//! - [`Screener::screen`] analyses a [`Query`], gathers at most [`MAX_CANDIDATES`] names that share
//!   the rarest keys, scores each with [`score_analyses`], keeps the best name per entity at or
//!   above the threshold and attaches [`Graph::exposure_paths`] to every [`Match`].
//! - [`score_names`] is the same scorer on a bare pair of names (used by `unmask eval`).
//!
//! A query made only of generic words ("Corporation", "Technology Co., Ltd.") matches nothing.
//!
//! ```
//! use unmask_model::*;
//! use unmask_screen::{Query, Screener};
//! let mut nuctech = Entity::new("curated:nuctech", EntityKind::Company, "curated");
//! nuctech.add_name("Nuctech Company Limited", NameRole::Primary);
//! nuctech.add_name("同方威视技术股份有限公司", NameRole::Native);
//! nuctech.memberships.push(Membership::new("BIS_ENTITY_LIST", "curated").since("2020-12-18"));
//! let mut stvs = Entity::new("curated:stvs", EntityKind::Company, "curated");
//! stvs.add_name("Secure Technology Value Solutions", NameRole::Primary);
//! stvs.relations.push(Relation::new(RelationKind::SubsidiaryOf, Target::Id("curated:nuctech".into()), "curated"));
//! let graph = std::sync::Arc::new(Graph::build(vec![nuctech, stvs], unmask_text::name_key));
//! // One screener serves many threads (`Screener: Send + Sync`); it shares the graph.
//! let screener = Screener::new(graph.clone());
//!
//! let m = &screener.screen(&Query::new("同方威视"))[0];
//! assert_eq!(graph.entity(m.entity).id, "curated:nuctech");
//!
//! let m = &screener.screen(&Query::new("STVS"))[0]; // acronym of the subsidiary
//! assert_eq!(graph.entity(m.paths[0].listed).id, "curated:nuctech");
//!
//! assert!(screener.screen(&Query::new("Technology Co., Ltd.")).is_empty());
//! ```

mod score;

use score::score_weighted;
pub use score::{score_analyses, score_names, Score};

use ahash::{AHashMap, RandomState};
use rayon::prelude::*;
use std::sync::Arc;
use unmask_model::{EntIdx, EntityKind, ExposedEntity, ExposurePath, Graph, NameRole};
use unmask_text::{analyze, Analysis, NameKind, Token, TokenKind};

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
        Query {
            name,
            country: None,
            threshold: DEFAULT_THRESHOLD,
            limit: 10,
        }
    }
    pub fn country(mut self, c: Option<&'a str>) -> Self {
        self.country = c;
        self
    }
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }
}

/// The documented default threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.80;

/// At most this many names are fully scored for one query.
pub const MAX_CANDIDATES: usize = 64;

/// Candidates whose key evidence is below this fraction of the best candidate's are not scored.
const CANDIDATE_RATIO: f32 = 0.3;

/// Longest query (in bytes) that is screened; longer input is cut at a character boundary.
pub const MAX_QUERY_BYTES: usize = 1024;

/// One feature's contribution to a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Feature {
    pub name: &'static str,
    pub value: f64,
    pub detail: String,
}

impl Feature {
    pub fn new(name: &'static str, value: f64, detail: impl Into<String>) -> Self {
        Feature {
            name,
            value: (value * 10_000.0).round() / 10_000.0,
            detail: detail.into(),
        }
    }
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

impl Match {
    /// True when the entity or one of its ancestors is listed.
    pub fn is_exposed(&self, graph: &Graph) -> bool {
        graph.entity(self.entity).is_listed() || !self.paths.is_empty()
    }

    /// The match as every output shows it (resolved names, listings, paths, explanation).
    pub fn report(&self, graph: &Graph) -> MatchReport {
        MatchReport {
            entity: graph.exposed_entity(self.entity, &self.paths),
            matched_name: self.matched_name.clone(),
            score: self.score,
            explanation: self
                .features
                .iter()
                .map(|f| {
                    (
                        f.name,
                        Explained {
                            value: f.value,
                            detail: f.detail.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// One feature of a match's explanation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explained {
    pub value: f64,
    pub detail: String,
}

/// A match as every output shows it: the JSON contract of `unmask screen --json` (PRODUCT.md),
/// also used for the owners of flow destinations and by the HTTP API.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MatchReport {
    /// The matched entity: id, key, name, `exposed`, own listings, path(s) to listed entities.
    #[serde(flatten)]
    pub entity: ExposedEntity,
    /// The entity's name that matched best.
    pub matched_name: String,
    pub score: f64,
    /// Every feature of the score by name.
    pub explanation: std::collections::BTreeMap<&'static str, Explained>,
}

/// The result for one screened subject: one line of `unmask screen --json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScreenResult {
    /// The name screened; `None` when the input row could not be screened.
    pub query: Option<String>,
    /// The input row number of a rejected row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Why the row was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Matches at or above the threshold, best first.
    pub matches: Vec<MatchReport>,
}

#[derive(Debug)]
struct IndexedName {
    entity: EntIdx,
    name_idx: u16,
    role: NameRole,
    analysis: Analysis,
    /// Weights of the core tokens (kind and rarity), filled once the index is built.
    weights: Vec<f64>,
}

/// The screening engine over one graph.
#[derive(Debug)]
pub struct Screener {
    graph: Arc<Graph>,
    names: Vec<IndexedName>,
    /// Key hash → (start, length) in `flat`.
    postings: AHashMap<u64, (u32, u32)>,
    /// Name ids of all postings lists, back to back, ascending within a list.
    flat: Vec<u32>,
    /// Number of names carrying each core token text.
    df: AHashMap<u64, u32>,
    ids: AHashMap<String, Vec<EntIdx>>,
    hasher: RandomState,
}

#[derive(Clone, Copy)]
enum Key<'a> {
    Word(&'a str),
    Class(u32),
    Phon(&'a str),
    Tri(&'a [u8]),
    Acr(&'a str),
}

impl Key<'_> {
    fn hash(self, h: &RandomState) -> u64 {
        match self {
            Key::Word(s) => h.hash_one((0u8, s)),
            Key::Class(c) => h.hash_one((1u8, c)),
            Key::Phon(s) => h.hash_one((2u8, s)),
            Key::Tri(b) => h.hash_one((3u8, b)),
            Key::Acr(s) => h.hash_one((4u8, s)),
        }
    }
    /// Weight of a key hit in candidate gathering.
    fn strength(self) -> f32 {
        match self {
            Key::Word(_) => 3.0,
            Key::Class(_) => 1.5,
            Key::Phon(_) => 1.5,
            Key::Tri(_) => 0.5,
            Key::Acr(_) => 3.0,
        }
    }
}

fn keys_of<'a>(a: &'a Analysis, compact: &'a str, out: &mut Vec<Key<'a>>) {
    for t in a.core() {
        out.push(Key::Word(&t.text));
        for &c in &t.classes {
            if t.kind != TokenKind::Generic {
                out.push(Key::Class(c));
            }
        }
        if t.phonetic.len() >= 2 {
            out.push(Key::Phon(&t.phonetic));
        }
    }
    let b = compact.as_bytes();
    if b.len() >= 3 {
        for w in b.windows(3) {
            out.push(Key::Tri(w));
        }
    }
}

fn compact_all(a: &Analysis) -> String {
    a.core()
        .filter(|t| t.kind != TokenKind::Generic)
        .map(|t| t.text.replace(' ', ""))
        .collect()
}

fn name_kind(k: EntityKind) -> NameKind {
    match k {
        EntityKind::Person => NameKind::Person,
        EntityKind::Unknown => NameKind::Any,
        _ => NameKind::Org,
    }
}

fn id_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Cuts `s` to at most `max` bytes at a character boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

impl Screener {
    /// Indexes every name of every entity of `graph`. The screener owns the graph (shared): a
    /// list reload builds a new screener and swaps one `Arc`.
    pub fn new(graph: Arc<Graph>) -> Self {
        let hasher = RandomState::with_seeds(0x756e, 0x6d61, 0x736b, 0x2121);
        // Reading names is the costly part: spread it over the cores.
        let per_entity: Vec<Vec<IndexedName>> = graph
            .entities()
            .par_iter()
            .enumerate()
            .map(|(ei, e)| {
                let kind = name_kind(e.kind);
                e.names
                    .iter()
                    .enumerate()
                    .take(u16::MAX as usize)
                    .filter_map(|(ni, n)| {
                        let analysis = analyze(clip(&n.value, MAX_QUERY_BYTES), kind);
                        analysis.core().next()?;
                        Some(IndexedName {
                            entity: ei as EntIdx,
                            name_idx: ni as u16,
                            role: n.role,
                            analysis,
                            weights: Vec::new(),
                        })
                    })
                    .collect()
            })
            .collect();
        let names: Vec<IndexedName> = per_entity.into_iter().flatten().collect();
        let mut ids: AHashMap<String, Vec<EntIdx>> = AHashMap::new();
        for (ei, e) in graph.entities().iter().enumerate() {
            for id in &e.identifiers {
                let k = id_key(&id.value);
                if k.len() >= 6 {
                    let v = ids.entry(k).or_default();
                    if v.last() != Some(&(ei as EntIdx)) {
                        v.push(ei as EntIdx);
                    }
                }
            }
        }
        // Every (key, name) pair, computed in parallel, then sorted into one flat postings array.
        let per_name: Vec<(Vec<u64>, Vec<u64>)> = names
            .par_iter()
            .map(|n| {
                let compact = compact_all(&n.analysis);
                let mut keys = Vec::new();
                keys_of(&n.analysis, &compact, &mut keys);
                let mut hashes: Vec<u64> = n
                    .analysis
                    .acronyms()
                    .iter()
                    .map(|a| Key::Acr(a).hash(&hasher))
                    .collect();
                hashes.extend(keys.iter().map(|k| k.hash(&hasher)));
                hashes.sort_unstable();
                hashes.dedup();
                let mut words: Vec<u64> = n
                    .analysis
                    .core()
                    .map(|t| Key::Word(&t.text).hash(&hasher))
                    .collect();
                words.sort_unstable();
                words.dedup();
                (hashes, words)
            })
            .collect();
        let mut pairs: Vec<(u64, u32)> =
            Vec::with_capacity(per_name.iter().map(|p| p.0.len()).sum());
        let mut df: AHashMap<u64, u32> = AHashMap::new();
        for (i, (hashes, words)) in per_name.into_iter().enumerate() {
            pairs.extend(hashes.into_iter().map(|h| (h, i as u32)));
            for w in words {
                *df.entry(w).or_default() += 1;
            }
        }
        pairs.par_sort_unstable();
        let mut postings: AHashMap<u64, (u32, u32)> = AHashMap::with_capacity(pairs.len() / 4);
        let mut flat: Vec<u32> = Vec::with_capacity(pairs.len());
        let mut k = 0;
        while k < pairs.len() {
            let h = pairs[k].0;
            let start = flat.len() as u32;
            while k < pairs.len() && pairs[k].0 == h {
                flat.push(pairs[k].1);
                k += 1;
            }
            postings.insert(h, (start, flat.len() as u32 - start));
        }
        let mut s = Screener {
            graph,
            names,
            postings,
            flat,
            df,
            ids,
            hasher,
        };
        let weights: Vec<Vec<f64>> = s
            .names
            .iter()
            .map(|n| n.analysis.core().map(|t| s.token_weight(t)).collect())
            .collect();
        for (n, w) in s.names.iter_mut().zip(weights) {
            n.weights = w;
        }
        s
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph, shared.
    pub fn graph_arc(&self) -> &Arc<Graph> {
        &self.graph
    }

    /// Number of indexed names.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Weight of a token: its kind's base weight times its rarity among indexed names.
    pub fn token_weight(&self, t: &Token) -> f64 {
        let base = t.kind.base_weight();
        if base == 0.0 {
            return 0.0;
        }
        let n = self.names.len().max(1) as f64;
        let df = self
            .df
            .get(&Key::Word(&t.text).hash(&self.hasher))
            .copied()
            .unwrap_or(0) as f64;
        let r = ((n + 1.0) / (df + 1.0)).ln() / (n + 1.0).ln().max(1.0);
        base * r.sqrt().clamp(0.25, 1.0)
    }

    /// Matches at or above the query's threshold, best first.
    pub fn screen(&self, q: &Query<'_>) -> Vec<Match> {
        let text = clip(q.name, MAX_QUERY_BYTES);
        let mut best: AHashMap<EntIdx, Match> = AHashMap::new();

        // Identifier equality decides by itself.
        let idk = id_key(text);
        let mut id_hits: Vec<EntIdx> = self.ids.get(&idk).cloned().unwrap_or_default();
        for part in text.split_whitespace().filter(|p| p.len() >= 6) {
            if let Some(v) = self.ids.get(&id_key(part)) {
                id_hits.extend(v);
            }
        }
        for e in id_hits {
            best.entry(e).or_insert_with(|| Match {
                entity: e,
                matched_name: self.graph.entity(e).primary_name().to_string(),
                score: 1.0,
                features: vec![Feature::new(
                    "identifier",
                    1.0,
                    format!("identifier {idk:?} equals one of the entity's identifiers"),
                )],
                paths: Vec::new(),
            });
        }

        let qa = analyze(text, NameKind::Any);
        if !qa.is_generic_only() {
            let qaw: Vec<f64> = qa.core().map(|t| self.token_weight(t)).collect();
            let mut person: Option<(Analysis, Vec<f64>)> = None;
            for (cand, _) in self.candidates(&qa) {
                let n = &self.names[cand as usize];
                let ent = self.graph.entity(n.entity);
                let (qx, qxw) = if ent.kind == EntityKind::Person {
                    let (a, w) = person.get_or_insert_with(|| {
                        let a = analyze(text, NameKind::Person);
                        let w = a.core().map(|t| self.token_weight(t)).collect();
                        (a, w)
                    });
                    (&*a, &*w)
                } else {
                    (&qa, &qaw)
                };
                let quick = score_weighted(qx, qxw, &n.analysis, &n.weights, false).score;
                let role_factor = if n.role == NameRole::WeakAlias {
                    0.92
                } else {
                    1.0
                };
                let cadj = if q.country.is_some() {
                    country_feature(q.country, &ent.countries).0
                } else {
                    0.0
                };
                let score = (quick * role_factor + cadj).clamp(0.0, 1.0);
                if score < q.threshold || best.get(&n.entity).is_some_and(|m| m.score >= score) {
                    continue;
                }
                let mut s = score_weighted(qx, qxw, &n.analysis, &n.weights, true);
                if n.role == NameRole::WeakAlias {
                    s.features.push(Feature::new(
                        "name_role",
                        -0.08,
                        "weak alias: a short form that alone should not decide",
                    ));
                } else {
                    s.features
                        .push(Feature::new("name_role", 0.0, n.role.as_str()));
                }
                let (cadj, cdetail) = country_feature(q.country, &ent.countries);
                s.features.push(Feature::new("country", cadj, cdetail));
                if score < q.threshold {
                    continue;
                }
                let m = Match {
                    entity: n.entity,
                    matched_name: ent.names[n.name_idx as usize].value.clone(),
                    score,
                    features: s.features,
                    paths: Vec::new(),
                };
                match best.get(&n.entity) {
                    Some(old) if old.score >= m.score => {}
                    _ => {
                        best.insert(n.entity, m);
                    }
                }
            }
        }
        let mut out: Vec<Match> = best
            .into_values()
            .filter(|m| m.score >= q.threshold)
            .collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    self.graph
                        .entity(b.entity)
                        .is_listed()
                        .cmp(&self.graph.entity(a.entity).is_listed())
                })
                .then(a.entity.cmp(&b.entity))
        });
        out.truncate(q.limit);
        for m in &mut out {
            m.score = (m.score * 10_000.0).round() / 10_000.0;
            m.paths = self.graph.exposure_paths(m.entity, 6);
        }
        out
    }

    /// Names sharing the query's keys, strongest first, at most [`MAX_CANDIDATES`].
    fn candidates(&self, qa: &Analysis) -> Vec<(u32, f32)> {
        let compact = compact_all(qa);
        let mut keys = Vec::new();
        keys_of(qa, &compact, &mut keys);
        let acr: Vec<String> = {
            let core: Vec<&Token> = qa.core().collect();
            if core.len() == 1 {
                vec![core[0].text.clone()]
            } else {
                qa.acronyms()
            }
        };
        let mut hs: Vec<(u64, f32)> = keys
            .iter()
            .map(|k| (k.hash(&self.hasher), k.strength()))
            .collect();
        hs.extend(
            acr.iter()
                .map(|a| (Key::Acr(a).hash(&self.hasher), Key::Acr(a).strength())),
        );
        hs.sort_by_key(|a| a.0);
        hs.dedup_by(|a, b| a.0 == b.0);
        // Rarest keys first; frequent trigrams and sounds add little and cost much.
        let mut lists: Vec<(&[u32], f32)> = hs
            .iter()
            .filter_map(|&(h, st)| {
                self.postings
                    .get(&h)
                    .map(|&(a, n)| (&self.flat[a as usize..(a + n) as usize], st))
            })
            .collect();
        lists.sort_by_key(|(p, _)| p.len());
        let word_cap = (self.names.len() / 8).max(2_000);
        let mut v: Vec<(u32, f32)> = SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (acc, touched) = &mut *guard;
            if acc.len() < self.names.len() {
                acc.resize(self.names.len(), 0.0);
            }
            for (p, strength) in lists {
                let cap = if strength >= 3.0 { word_cap } else { 400 };
                if p.len() > cap {
                    continue;
                }
                let w = strength / (1.0 + (p.len() as f32).ln());
                for &id in p {
                    let slot = &mut acc[id as usize];
                    if *slot == 0.0 {
                        touched.push(id);
                    }
                    *slot += w;
                }
            }
            let v: Vec<(u32, f32)> = touched.iter().map(|&id| (id, acc[id as usize])).collect();
            for &id in touched.iter() {
                acc[id as usize] = 0.0;
            }
            touched.clear();
            v
        });
        if v.len() > MAX_CANDIDATES {
            v.select_nth_unstable_by(MAX_CANDIDATES, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            });
            v.truncate(MAX_CANDIDATES);
        }
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Names sharing far less evidence than the best one cannot reach a useful score.
        if let Some(&(_, top)) = v.first() {
            v.retain(|&(_, a)| a >= top * CANDIDATE_RATIO);
        }
        v
    }
}

thread_local! {
    /// Per-thread candidate accumulator (score per name) and the names it touched.
    static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<u32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

fn country_feature(q: Option<&str>, countries: &[String]) -> (f64, String) {
    let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) else {
        return (0.0, "no query country".to_string());
    };
    if countries.is_empty() {
        return (0.0, format!("{q}: entity has no country"));
    }
    if countries.iter().any(|c| c.eq_ignore_ascii_case(q)) {
        (0.02, format!("{q}: agrees"))
    } else {
        (-0.1, format!("{q} vs {}: conflict", countries.join(", ")))
    }
}

/// Figures for labelled name pairs (pure: the caller reads the files).
pub mod eval {
    use unmask_text::NameKind;

    /// One labelled pair.
    #[derive(Debug, Clone)]
    pub struct PairCase {
        /// FtM schema: Person, Company, Organization, LegalEntity, Vessel…
        pub schema: String,
        pub name1: String,
        pub name2: String,
        pub is_match: bool,
    }

    /// Counts of a binary decision against labels.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Confusion {
        pub tp: u32,
        pub fp: u32,
        pub tn: u32,
        pub r#fn: u32,
    }

    impl Confusion {
        pub fn add(&mut self, predicted: bool, actual: bool) {
            match (predicted, actual) {
                (true, true) => self.tp += 1,
                (true, false) => self.fp += 1,
                (false, false) => self.tn += 1,
                (false, true) => self.r#fn += 1,
            }
        }
        pub fn precision(&self) -> f64 {
            ratio(self.tp, self.tp + self.fp)
        }
        pub fn recall(&self) -> f64 {
            ratio(self.tp, self.tp + self.r#fn)
        }
        pub fn f1(&self) -> f64 {
            let (p, r) = (self.precision(), self.recall());
            if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            }
        }
    }

    fn ratio(a: u32, b: u32) -> f64 {
        if b == 0 {
            0.0
        } else {
            a as f64 / b as f64
        }
    }

    /// How to read a name of an FtM schema.
    pub fn kind_of_schema(schema: &str) -> NameKind {
        match schema {
            "Person" => NameKind::Person,
            "Company" | "Organization" | "LegalEntity" => NameKind::Org,
            _ => NameKind::Any,
        }
    }

    /// Scores every pair; returns the score of each and the confusion at `threshold`.
    pub fn evaluate_pairs(cases: &[PairCase], threshold: f64) -> (Vec<f64>, Confusion) {
        let mut c = Confusion::default();
        let scores: Vec<f64> = cases
            .iter()
            .map(|p| {
                let s = crate::score_names(&p.name1, &p.name2, kind_of_schema(&p.schema)).score;
                c.add(s >= threshold, p.is_match);
                s
            })
            .collect();
        (scores, c)
    }
}
