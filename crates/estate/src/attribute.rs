//! Attribution: device and app evidence → entity → relations → list memberships.

use crate::families::{match_model, ModelFamily};
use crate::inventory::{AppRecord, Asset, Platform};
use crate::mac::Mac;
use crate::oui::{Assignment, MacClass, OuiRegistry, RESTRICTED_GZ};
use ahash::{AHashMap, AHashSet};
use std::hash::Hash;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use unmask_model::{EntIdx, EntityKind, ExposedEntity, Graph, IdKind, NameRole};
use unmask_screen::{Query, Screener};

/// What the graph says about one entity, computed once per entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityExposure {
    pub entity: EntIdx,
    /// The entity, its listings and paths in the one shape every output serializes.
    pub view: ExposedEntity,
    /// The entity, every entity on its paths and every listed ancestor.
    pub family: Vec<EntIdx>,
}

impl EntityExposure {
    /// Whether the entity or one reachable through its relations is on a list.
    pub fn is_listed(&self) -> bool {
        self.view.exposed
    }
    /// The listed parents (ids and names), most direct first.
    pub fn listed_parents(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<(&str, &str)> = Vec::new();
        for (id, name, _) in self.view.reached_listings() {
            if !v.iter().any(|(x, _)| *x == id) {
                v.push((id, name));
            }
        }
        v
    }
}

/// Why an entity was attributed: which field, which value, and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Input field, e.g. `mac`, `manufacturer`, `model`, `port 80/tcp product`,
    /// `app.package_id`, `app.publisher`.
    pub field: String,
    pub value: String,
    /// How the value leads to the entity (registry entry, name match and score, model family
    /// and its source, app identifier).
    pub how: String,
    /// `file:line` of the value.
    pub at: String,
}

/// One entity found on an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub entity: Arc<EntityExposure>,
    pub evidence: Vec<Evidence>,
}

/// What the registry says about the asset's MAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MacFinding {
    /// No MAC, or one that did not parse (the reader reported it).
    None,
    Registered {
        mac: Mac,
        assignment: &'static Assignment,
    },
    Unregistered(Mac),
    /// Randomized or otherwise locally administered: no registrant can be known.
    LocallyAdministered(Mac),
    Multicast(Mac),
}

impl MacFinding {
    /// A one-line description for reports.
    pub fn describe(&self) -> Option<String> {
        Some(match self {
            MacFinding::None => return None,
            MacFinding::Registered { mac, assignment: a } => format!(
                "{mac}: IEEE {} {} registered to {}",
                a.registry.as_str(),
                a.prefix,
                a.organization
            ),
            MacFinding::Unregistered(m) => {
                format!(
                    "{m}: prefix not in the IEEE registry of {}",
                    crate::IEEE_DATA_DATE
                )
            }
            MacFinding::LocallyAdministered(m) => format!(
                "{m}: locally administered (randomized or software-set) address; no registrant"
            ),
            MacFinding::Multicast(m) => {
                format!("{m}: multicast/group address, not a device address")
            }
        })
    }
}

/// Everything found about one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetFindings {
    pub exposures: Vec<Exposure>,
    pub mac: MacFinding,
    /// Evidence that disagrees (e.g. an Axis MAC on a device labelled EZVIZ): both sides are
    /// reported in `exposures` and the disagreement is described here.
    pub conflicts: Vec<String>,
}

impl AssetFindings {
    /// True when some exposure reaches a listed entity.
    pub fn is_exposed(&self) -> bool {
        self.exposures.iter().any(|e| e.entity.is_listed())
    }
}

#[derive(Debug, Clone)]
struct NameHit {
    entity: EntIdx,
    how: Arc<str>,
}

/// Entities a MAC prefix leads to, with the explanation.
type MacHits = Arc<[(EntIdx, Arc<str>)]>;

#[derive(Debug, Clone)]
struct MacEntity {
    entity: EntIdx,
    basis: String,
}

/// A cache shared by the threads that use one [`Attributor`]: read-locked lookups, a short
/// write lock to insert. Values are cheap clones (`Arc`s, small vectors); two threads that
/// miss at once both compute the same value, and either insert is right.
#[derive(Debug)]
struct SharedCache<K, V>(RwLock<AHashMap<K, V>>);

impl<K: Hash + Eq, V: Clone> SharedCache<K, V> {
    fn new() -> Self {
        SharedCache(RwLock::new(AHashMap::new()))
    }
    fn get<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.read().get(k).cloned()
    }
    fn contains<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.read().contains_key(k)
    }
    fn insert(&self, k: K, v: V) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(k, v);
    }
    fn len(&self) -> usize {
        self.read().len()
    }
    /// A panic in another thread mid-insert leaves a whole map: the cache stays usable.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, AHashMap<K, V>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The attribution engine over one graph, shared by reference across threads
/// (`Attributor: Send + Sync`). Screening results are cached per distinct string, exposure
/// paths per entity, in caches behind read-write locks.
#[derive(Debug)]
pub struct Attributor {
    screener: Arc<Screener>,
    registry: &'static OuiRegistry,
    mac_entities: AHashMap<String, Vec<MacEntity>>,
    app_ids: AHashMap<String, Vec<(EntIdx, &'static str)>>,
    brand_keys: AHashMap<String, Vec<EntIdx>>,
    family_entities: AHashMap<&'static str, EntIdx>,
    screened: SharedCache<String, Arc<[NameHit]>>,
    scanned: SharedCache<String, Arc<[NameHit]>>,
    entities: SharedCache<EntIdx, Arc<EntityExposure>>,
    unresolved_prefixes: Vec<(String, String)>,
    /// How many entity names of the graph carry each significant token (registrant prefilter).
    token_df: AHashMap<String, u32>,
    conflict_cache: SharedCache<String, Vec<String>>,
    screen_calls: AtomicUsize,
    mac_cache: SharedCache<String, MacHits>,
    family_how: Vec<Arc<str>>,
    /// Minimum screening score for manufacturer, vendor and publisher strings.
    pub threshold: f64,
    /// Minimum screening score for IEEE registrant names (stricter: 30,000 names).
    pub registrant_threshold: f64,
}

/// Minimum screening score for an entity outside the curated vendor layer.
const NON_CURATED_MIN_SCORE: f64 = 0.97;

/// Screening matches more than this below the best one are dropped.
const BEST_MARGIN: f64 = 0.05;

/// See [`Attributor::worth_screening`].
const MAX_TOKEN_DF: u32 = 5;

const STOP_TOKENS: &[&str] = &[
    "co",
    "ltd",
    "limited",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "llc",
    "gmbh",
    "plc",
    "sp",
    "z",
    "o",
    "oo",
    "group",
    "holding",
    "holdings",
    "technology",
    "technologies",
    "tech",
    "digital",
    "communications",
    "communication",
    "network",
    "networks",
    "software",
    "system",
    "systems",
    "electronics",
    "electronic",
    "international",
    "intl",
    "private",
    "pvt",
    "the",
    "and",
    "of",
    "ag",
    "sa",
    "bv",
    "fze",
    "fzco",
    "cia",
    "limitada",
    "ltda",
    "ooo",
    "oao",
    "zao",
    "jsc",
    "pjsc",
    "srl",
    "spa",
    "bhd",
    "sdn",
    "pte",
    "kk",
    "nv",
    "ab",
    "as",
    "oy",
    "sau",
    // pinyin of Chinese legal-form words
    "ji",
    "shu",
    "gu",
    "fen",
    "you",
    "xian",
    "gong",
    "si",
    "tuan",
    "zi",
    "shuzi",
];

/// Chinese legal-form endings removed before transliteration.
const CJK_SUFFIXES: &[&str] = &[
    "数字技术股份有限公司",
    "數字技術股份有限公司",
    "技术股份有限公司",
    "技術股份有限公司",
    "通讯股份有限公司",
    "通訊股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集團公司",
    "公司",
    "股份",
];

fn strip_key(key: &str) -> String {
    let mut toks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
    while toks.last().is_some_and(|t| STOP_TOKENS.contains(t)) {
        toks.pop();
    }
    while toks.first().is_some_and(|t| *t == "the") {
        toks.remove(0);
    }
    toks.join(" ")
}

fn significant_tokens(s: &str) -> AHashSet<String> {
    unmask_text::name_key(s)
        .split(' ')
        .filter(|t| t.len() >= 3 && !STOP_TOKENS.contains(t))
        .map(str::to_string)
        .collect()
}

pub use unmask_model::legal_basis;

impl Attributor {
    /// Builds the engine over the screener's graph: MAC prefixes from the graph's `MacPrefix`
    /// identifiers and from the bundled curated restricted-OUI table (entity ids
    /// `curated:<id>`), app ids from `PackageId`/`BundleId` identifiers, and a brand-name index
    /// of the curated entities. It screens with `screener`, which a run shares with its other
    /// screening (one name index per run).
    pub fn new(screener: Arc<Screener>) -> Self {
        let registry = OuiRegistry::bundled();
        let graph: &Graph = &Arc::clone(screener.graph_arc());
        let mut a = Attributor {
            screener,
            registry,
            mac_entities: AHashMap::new(),
            app_ids: AHashMap::new(),
            brand_keys: AHashMap::new(),
            family_entities: AHashMap::new(),
            screened: SharedCache::new(),
            scanned: SharedCache::new(),
            entities: SharedCache::new(),
            unresolved_prefixes: Vec::new(),
            token_df: AHashMap::new(),
            conflict_cache: SharedCache::new(),
            screen_calls: AtomicUsize::new(0),
            mac_cache: SharedCache::new(),
            family_how: crate::families::MODEL_FAMILIES
                .iter()
                .map(|f| family_how(f).into())
                .collect(),
            threshold: unmask_screen::DEFAULT_THRESHOLD.max(0.90),
            registrant_threshold: 0.92,
        };
        for (i, e) in graph.entities().iter().enumerate() {
            let i = i as EntIdx;
            for id in &e.identifiers {
                match id.kind {
                    IdKind::MacPrefix => {
                        let k: String = id
                            .value
                            .chars()
                            .filter(char::is_ascii_hexdigit)
                            .map(|c| c.to_ascii_uppercase())
                            .collect();
                        a.add_mac_entity(k, i, format!("{} identifier of {}", "MAC prefix", e.id));
                    }
                    IdKind::PackageId => a
                        .app_ids
                        .entry(id.value.trim().to_lowercase())
                        .or_default()
                        .push((i, "Android package id")),
                    IdKind::BundleId => a
                        .app_ids
                        .entry(id.value.trim().to_lowercase())
                        .or_default()
                        .push((i, "iOS bundle id")),
                    _ => {}
                }
            }
            let mut toks: AHashSet<String> = AHashSet::new();
            for n in &e.names {
                toks.extend(significant_tokens(&n.value));
            }
            for t in toks {
                *a.token_df.entry(t).or_default() += 1;
            }
            if e.id.starts_with("curated:") {
                for n in &e.names {
                    a.add_brand_name(&n.value, n.role, i);
                }
            }
        }
        let mut csv = Vec::new();
        let _ = flate2::read::GzDecoder::new(RESTRICTED_GZ).read_to_end(&mut csv);
        let mut rdr = csv::Reader::from_reader(csv.as_slice());
        for rec in rdr.records().flatten() {
            let (ent, asg, basis) = (
                rec.get(0).unwrap_or_default(),
                rec.get(2).unwrap_or_default(),
                rec.get(5).unwrap_or_default(),
            );
            match graph.lookup(&format!("curated:{ent}")) {
                Some(i) => a.add_mac_entity(
                    asg.to_ascii_uppercase(),
                    i,
                    format!("curated restricted-OUI table: {basis}"),
                ),
                None => a
                    .unresolved_prefixes
                    .push((asg.to_string(), ent.to_string())),
            }
        }
        for f in crate::families::MODEL_FAMILIES {
            if let Some(i) = graph.lookup(f.entity_id) {
                a.family_entities.insert(f.entity_id, i);
            }
        }
        a
    }

    fn add_mac_entity(&mut self, prefix: String, entity: EntIdx, basis: String) {
        let v = self.mac_entities.entry(prefix).or_default();
        if !v.iter().any(|m| m.entity == entity) {
            v.push(MacEntity { entity, basis });
        }
    }

    fn add_brand_name(&mut self, name: &str, role: NameRole, i: EntIdx) {
        if role == NameRole::WeakAlias {
            return;
        }
        let mut variants = vec![unmask_text::name_key(name)];
        let mut native = name.to_string();
        for suf in CJK_SUFFIXES {
            if let Some(s) = native.strip_suffix(suf) {
                native = s.to_string();
            }
        }
        if native != name && native.chars().count() >= 2 {
            variants.push(unmask_text::name_key(&native));
        }
        let stripped = strip_key(&variants[0]);
        if stripped.split(' ').count() >= 2 {
            variants.push(stripped);
        }
        for k in variants {
            if k.len() < 3 {
                continue;
            }
            let v = self.brand_keys.entry(k).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }

    pub fn graph(&self) -> &Graph {
        self.screener.graph()
    }

    /// The screener this attributor screens with.
    pub fn screener(&self) -> &Arc<Screener> {
        &self.screener
    }

    /// Curated restricted-OUI rows whose entity is not in the graph (prefix, entity id).
    pub fn unresolved_prefixes(&self) -> &[(String, String)] {
        &self.unresolved_prefixes
    }

    /// The exposure facts of one entity (cached).
    pub fn entity_exposure(&self, e: EntIdx) -> Arc<EntityExposure> {
        if let Some(x) = self.entities.get(&e) {
            return x;
        }
        let g = self.graph();
        let paths = g.exposure_paths(e, 6);
        let mut family = vec![e];
        for p in &paths {
            for h in &p.hops {
                if !family.contains(&h.to) {
                    family.push(h.to);
                }
            }
        }
        let x = Arc::new(EntityExposure {
            entity: e,
            view: g.exposed_entity(e, &paths),
            family,
        });
        self.entities.insert(e, x.clone());
        x
    }

    /// Screens a name (fuzzy matcher) and scans it for curated brand names; cached. Only hits
    /// that reach a listed entity are kept.
    fn names_in(&self, s: &str, screen: bool, threshold: f64) -> Arc<[NameHit]> {
        self.names_in_country(s, None, false, screen, threshold)
    }

    /// [`Self::names_in`] with the country of the party when known (IEEE registrant address):
    /// the screener lowers the score of a list entry of another country.
    fn names_in_country(
        &self,
        s: &str,
        country: Option<&str>,
        registrant: bool,
        screen: bool,
        threshold: f64,
    ) -> Arc<[NameHit]> {
        let cache_key: std::borrow::Cow<'_, str> = match () {
            _ if registrant => format!("{s}\u{1}{}", country.unwrap_or_default()).into(),
            _ => s.into(),
        };
        let cache_hit = if screen {
            self.screened.get(cache_key.as_ref())
        } else {
            self.scanned.get(cache_key.as_ref())
        };
        if let Some(h) = cache_hit {
            return h;
        }
        let mut hits: Vec<NameHit> = Vec::new();
        if screen && !s.trim().is_empty() {
            let mut q = Query::new(s);
            q.threshold = threshold;
            q.limit = 3;
            q.country = country;
            self.screen_calls.fetch_add(1, Ordering::Relaxed);
            let ms = self.screener.screen(&q);
            // Only the best matches: "Honor" is the Honor brand (1.00), not "HONOR BANK" (0.86).
            let best = ms.iter().map(|m| m.score).fold(0.0f64, f64::max);
            for m in ms {
                if m.score + BEST_MARGIN < best || hits.iter().any(|h| h.entity == m.entity) {
                    continue;
                }
                let ent = self.graph().entity(m.entity);
                if !ent.id.starts_with("curated:") && !self.plausible_maker(s, ent, &m) {
                    continue;
                }
                hits.push(NameHit {
                    entity: m.entity,
                    how: format!("name match {:.2} with {:?}", m.score, m.matched_name).into(),
                });
            }
        }
        if hits.is_empty() {
            // Registrant names take only multi-word brand names: the curated
            // prefix table already excludes look-alikes such as "Shanghai Dahua Scale Factory".
            let min_gram = if registrant { 2 } else { 1 };
            let key = unmask_text::name_key(&strip_cjk(s));
            let toks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
            for n in (min_gram..=toks.len().min(8)).rev() {
                for w in toks.windows(n) {
                    let gram = w.join(" ");
                    if let Some(es) = self.brand_keys.get(&gram) {
                        for &e in es {
                            if !hits.iter().any(|h| h.entity == e) {
                                hits.push(NameHit {
                                    entity: e,
                                    how: format!(
                                        "contains the name {:?} of {}",
                                        gram,
                                        self.graph().entity(e).primary_name()
                                    )
                                    .into(),
                                });
                            }
                        }
                    }
                }
                if !hits.is_empty() {
                    break;
                }
            }
        }
        let mut kept = Vec::new();
        for h in hits {
            if self.entity_exposure(h.entity).is_listed() {
                kept.push(h);
            }
        }
        let arc: Arc<[NameHit]> = kept.into();
        if screen {
            self.screened.insert(cache_key.into_owned(), arc.clone());
        } else {
            self.scanned.insert(cache_key.into_owned(), arc.clone());
        }
        arc
    }

    /// Whether a screening match outside the curated vendor layer can name a device maker or
    /// app publisher: an organisation (not a person, vessel or aircraft) matched nearly exactly
    /// ("D-Link" is not "DM Link" at 0.93), not by a short acronym ("HTC" of HESA Trade
    /// Center), and, when the name is one word once legal forms are removed, by its primary
    /// name (vessel and front aliases such as "PIONEER" or "ALPHA" are common words).
    fn plausible_maker(
        &self,
        query: &str,
        ent: &unmask_model::Entity,
        m: &unmask_screen::Match,
    ) -> bool {
        if matches!(
            ent.kind,
            EntityKind::Person | EntityKind::Vessel | EntityKind::Aircraft
        ) || m.score < NON_CURATED_MIN_SCORE
        {
            return false;
        }
        let key = unmask_text::name_key(&m.matched_name);
        if !key.contains(' ') && key.chars().count() <= 4 {
            return false;
        }
        let stripped = strip_key(&key);
        if stripped.split(' ').filter(|t| !t.is_empty()).count() <= 1 {
            // "Mr.Loop" is not "Loop SA": the query must be that one word too.
            return ent.primary_name() == m.matched_name
                && strip_key(&unmask_text::name_key(query)) == stripped;
        }
        true
    }

    /// Entities a registered MAC prefix leads to, with the explanation (cached per prefix).
    fn mac_hits(&self, asg: &'static Assignment) -> MacHits {
        if let Some(h) = self.mac_cache.get(asg.prefix.as_str()) {
            return h;
        }
        let desc = format!(
            "IEEE {} {} registered to {:?}",
            asg.registry.as_str(),
            asg.prefix,
            asg.organization
        );
        let mut hits: Vec<(EntIdx, Arc<str>)> = Vec::new();
        if let Some(ms) = self.mac_entities.get(asg.prefix.as_str()) {
            for m in ms {
                hits.push((m.entity, format!("{desc}; {}", m.basis).into()));
            }
        } else if !asg.is_private()
            && !asg.is_registration_authority()
            && self.worth_screening(&asg.organization)
        {
            let cc = ieee_country(&asg.address);
            let found =
                self.names_in_country(&asg.organization, cc, true, true, self.registrant_threshold);
            for h in found.iter() {
                hits.push((h.entity, format!("{desc}; registrant {}", h.how).into()));
            }
        }
        let hits: MacHits = hits.into();
        self.mac_cache.insert(asg.prefix.clone(), hits.clone());
        hits
    }

    /// Attributes one asset (device fields, MAC, banners and its apps).
    pub fn attribute(&self, asset: &Asset) -> AssetFindings {
        let mut out = AssetFindings {
            exposures: Vec::new(),
            mac: MacFinding::None,
            conflicts: Vec::new(),
        };
        let at = || format!("{}:{}", asset.file, asset.line);
        // MAC → registry → entity.
        let mut mac_side: Vec<EntIdx> = Vec::new();
        let mut registrant: Option<&'static Assignment> = None;
        if let Some(mac) = asset.mac {
            match self.registry.classify(mac) {
                MacClass::Multicast => out.mac = MacFinding::Multicast(mac),
                MacClass::LocallyAdministered => out.mac = MacFinding::LocallyAdministered(mac),
                MacClass::Unregistered => out.mac = MacFinding::Unregistered(mac),
                MacClass::Registered(asg) => {
                    out.mac = MacFinding::Registered {
                        mac,
                        assignment: asg,
                    };
                    registrant = Some(asg);
                    let hits = self.mac_hits(asg);
                    if !hits.is_empty() {
                        let mac_text = asset.mac_text.clone().unwrap_or_else(|| mac.to_string());
                        for (e, how) in hits.iter() {
                            mac_side.push(*e);
                            self.add(
                                &mut out,
                                *e,
                                Evidence {
                                    field: "mac".into(),
                                    value: mac_text.clone(),
                                    how: how.to_string(),
                                    at: at(),
                                },
                            );
                        }
                    }
                }
            }
        }
        // Names: manufacturer, nmap's vendor.
        let mut name_side: Vec<EntIdx> = Vec::new();
        let threshold = self.threshold;
        for (field, v) in [
            ("manufacturer", &asset.manufacturer),
            ("mac_vendor", &asset.mac_vendor),
        ] {
            let Some(v) = v else { continue };
            let hits = self.names_in(v, true, threshold);
            for h in hits.iter() {
                if field == "manufacturer" {
                    name_side.push(h.entity);
                }
                self.add(
                    &mut out,
                    h.entity,
                    Evidence {
                        field: field.into(),
                        value: v.clone(),
                        how: h.how.to_string(),
                        at: at(),
                    },
                );
            }
        }
        // Model families and brand names inside model strings and banners.
        let man_entities: Vec<EntIdx> = name_side.clone();
        let mut texts: Vec<(&str, &str)> = Vec::new();
        if let Some(m) = &asset.model {
            texts.push(("model", m));
        }
        for o in &asset.observed {
            texts.push((&o.field, &o.value));
        }
        for (field, value) in texts {
            for f in match_model(value) {
                let fi = crate::families::MODEL_FAMILIES
                    .iter()
                    .position(|g| std::ptr::eq(g, f))
                    .unwrap_or(0);
                let Some(&e) = self.family_entities.get(f.entity_id) else {
                    continue;
                };
                if f.ambiguous && !self.family_allowed(f, e, asset, &man_entities, &mac_side) {
                    continue;
                }
                if field == "model" {
                    name_side.push(e);
                }
                self.add(
                    &mut out,
                    e,
                    Evidence {
                        field: field.to_string(),
                        value: value.to_string(),
                        how: self.family_how[fi].to_string(),
                        at: at(),
                    },
                );
            }
            let hits = self.names_in(value, false, threshold);
            for h in hits.iter() {
                if field == "model" {
                    name_side.push(h.entity);
                }
                self.add(
                    &mut out,
                    h.entity,
                    Evidence {
                        field: field.to_string(),
                        value: value.to_string(),
                        how: h.how.to_string(),
                        at: at(),
                    },
                );
            }
        }
        self.conflicts(&mut out, asset, registrant, &mac_side, &name_side);
        for app in &asset.apps {
            self.attribute_app_into(&mut out, app);
        }
        out
    }

    fn family_allowed(
        &self,
        _f: &ModelFamily,
        e: EntIdx,
        asset: &Asset,
        man_entities: &[EntIdx],
        mac_side: &[EntIdx],
    ) -> bool {
        let fam = self.entity_exposure(e).family.clone();
        let agrees = |xs: &[EntIdx], me: &Self| {
            xs.iter().any(|&x| {
                let fx = me.entity_exposure(x);
                fx.family.iter().any(|y| fam.contains(y))
            })
        };
        if !man_entities.is_empty() {
            return agrees(man_entities, self);
        }
        asset.manufacturer.is_none() || agrees(mac_side, self)
    }

    /// A registrant name is screened only when one of its significant tokens is carried by
    /// at most [`MAX_TOKEN_DF`] entity names of the graph: the 30,000 IEEE registrants would
    /// otherwise each cost a full fuzzy screening. Curated registrants are mapped by prefix.
    fn worth_screening(&self, name: &str) -> bool {
        if self.screened.contains(name) {
            return true;
        }
        let worth = significant_tokens(name)
            .iter()
            .any(|t| self.token_df.get(t).is_some_and(|&n| n <= MAX_TOKEN_DF));
        if !worth {
            // Remember the answer: an empty result, as if screened.
            self.screened
                .insert(name.to_string(), Arc::from(Vec::new()));
        }
        worth
    }

    fn conflicts(
        &self,
        out: &mut AssetFindings,
        asset: &Asset,
        registrant: Option<&Assignment>,
        mac_side: &[EntIdx],
        name_side: &[EntIdx],
    ) {
        if mac_side.is_empty() && name_side.is_empty() {
            return;
        }
        let Some(asg) = registrant else { return };
        let key = format!(
            "{}\u{1}{}\u{1}{}",
            asg.prefix,
            asset.manufacturer.as_deref().unwrap_or_default(),
            asset.model.as_deref().unwrap_or_default()
        );
        if let Some(c) = self.conflict_cache.get(&key) {
            out.conflicts.extend(c);
            return;
        }
        let before = out.conflicts.len();
        self.conflicts_uncached(out, asset, registrant, mac_side, name_side);
        let found = out.conflicts[before..].to_vec();
        self.conflict_cache.insert(key, found);
    }

    fn conflicts_uncached(
        &self,
        out: &mut AssetFindings,
        asset: &Asset,
        registrant: Option<&Assignment>,
        mac_side: &[EntIdx],
        name_side: &[EntIdx],
    ) {
        let Some(asg) = registrant.filter(|a| !a.is_private() && !a.is_registration_authority())
        else {
            return;
        };
        let fam = |me: &Self, xs: &[EntIdx]| -> AHashSet<EntIdx> {
            xs.iter()
                .flat_map(|&x| me.entity_exposure(x).family.clone())
                .collect()
        };
        let names = |me: &Self, xs: &[EntIdx]| -> String {
            let mut v: Vec<String> = Vec::new();
            for &x in xs {
                let n = me.entity_exposure(x).view.name.clone();
                if !v.contains(&n) {
                    v.push(n);
                }
            }
            v.join(", ")
        };
        if mac_side.is_empty() && name_side.is_empty() {
            return;
        }
        let (fm, fname) = (fam(self, mac_side), fam(self, name_side));
        let label = asset
            .manufacturer
            .clone()
            .or_else(|| asset.model.clone())
            .unwrap_or_default();
        if !mac_side.is_empty() && !name_side.is_empty() {
            // "Huawei Device Co., Ltd." and "Huawei" share a name even without a relation.
            if fm.is_disjoint(&fname)
                && significant_tokens(&asg.organization).is_disjoint(&significant_tokens(&label))
            {
                out.conflicts.push(format!(
                    "MAC registrant {:?} ({}) and the device's own label {:?} ({}) point to different vendors",
                    asg.organization,
                    names(self, mac_side),
                    label,
                    names(self, name_side)
                ));
            }
            return;
        }
        let reg_tokens = significant_tokens(&asg.organization);
        if mac_side.is_empty() && !name_side.is_empty() {
            if significant_tokens(&label).is_disjoint(&reg_tokens) {
                out.conflicts.push(format!(
                    "MAC is registered to {:?} (IEEE {} {}), but the device is labelled {:?} ({}): relabelled product, replaced network card, or a wrong inventory record",
                    asg.organization,
                    asg.registry.as_str(),
                    asg.prefix,
                    label,
                    names(self, name_side)
                ));
            }
            return;
        }
        if !mac_side.is_empty() {
            if let Some(m) = &asset.manufacturer {
                let mt = significant_tokens(m);
                let mut known = reg_tokens.clone();
                for &x in mac_side {
                    for n in &self.graph().entity(x).names {
                        known.extend(significant_tokens(&n.value));
                    }
                }
                if !mt.is_empty() && mt.is_disjoint(&known) {
                    out.conflicts.push(format!(
                        "manufacturer field says {:?}, but the MAC is registered to {:?} ({}): white-label/OEM product or a wrong inventory record",
                        m,
                        asg.organization,
                        names(self, mac_side)
                    ));
                }
            }
        }
    }

    fn add(&self, out: &mut AssetFindings, e: EntIdx, ev: Evidence) {
        if let Some(x) = out.exposures.iter_mut().find(|x| x.entity.entity == e) {
            if !x.evidence.contains(&ev) {
                x.evidence.push(ev);
            }
            return;
        }
        let info = self.entity_exposure(e);
        out.exposures.push(Exposure {
            entity: info,
            evidence: vec![ev],
        });
    }

    /// Attributes one app record (package/bundle id, publisher, app name).
    pub fn attribute_app(&self, app: &AppRecord) -> Vec<Exposure> {
        let mut out = AssetFindings {
            exposures: Vec::new(),
            mac: MacFinding::None,
            conflicts: Vec::new(),
        };
        self.attribute_app_into(&mut out, app);
        out.exposures
    }

    fn attribute_app_into(&self, out: &mut AssetFindings, app: &AppRecord) {
        let at = format!("{}:{}", app.file, app.line);
        if let Some(id) = &app.app_id {
            let key = id.trim().to_lowercase();
            if let Some(mut hits) = self.app_ids.get(&key).cloned() {
                // One evidence per entity: the id kind that fits the platform when known.
                let want = match app.platform {
                    Some(Platform::Ios) => Some("iOS bundle id"),
                    Some(Platform::Android) => Some("Android package id"),
                    _ => None,
                };
                hits.sort_by_key(|(e, what)| (*e, Some(*what) != want));
                hits.dedup_by_key(|(e, _)| *e);
                for (e, what) in hits {
                    let field = if what == "iOS bundle id" {
                        "app.bundle_id"
                    } else {
                        "app.package_id"
                    };
                    let name = self.graph().entity(e).primary_name().to_string();
                    self.add(
                        out,
                        e,
                        Evidence {
                            field: field.into(),
                            value: id.clone(),
                            how: format!("{what} of {name}"),
                            at: at.clone(),
                        },
                    );
                }
            }
        }
        let threshold = self.threshold;
        if let Some(p) = &app.publisher {
            let hits = self.names_in(p, true, threshold);
            for h in hits.iter() {
                self.add(
                    out,
                    h.entity,
                    Evidence {
                        field: "app.publisher".into(),
                        value: p.clone(),
                        how: h.how.to_string(),
                        at: at.clone(),
                    },
                );
            }
        }
        if let Some(n) = &app.app_name {
            let key = unmask_text::name_key(n);
            let apps: Vec<EntIdx> = self
                .brand_keys
                .get(&key)
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&e| self.graph().entity(e).kind == EntityKind::App)
                        .collect()
                })
                .unwrap_or_default();
            for e in apps {
                if self.entity_exposure(e).is_listed() {
                    self.add(
                        out,
                        e,
                        Evidence {
                            field: "app.name".into(),
                            value: n.clone(),
                            how: format!(
                                "app name equals {:?}",
                                self.graph().entity(e).primary_name()
                            ),
                            at: at.clone(),
                        },
                    );
                }
            }
        }
    }

    /// Distinct strings screened with the fuzzy matcher and scanned for brand names so far.
    pub fn cache_sizes(&self) -> (usize, usize) {
        (
            self.screen_calls.load(Ordering::Relaxed),
            self.scanned.len(),
        )
    }

    /// The bundled IEEE registry.
    pub fn registry(&self) -> &'static OuiRegistry {
        self.registry
    }
}

/// The ISO country code IEEE puts near the end of a registrant address
/// ("… Hangzhou Zhejiang CN 310053", "… LUND  SE 22369").
fn ieee_country(address: &str) -> Option<&str> {
    address
        .split(|c: char| c.is_whitespace() || c == ',')
        .rev()
        .take(4)
        .find(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()))
}

fn strip_cjk(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut t = s.to_string();
    for suf in CJK_SUFFIXES {
        t = t.replace(suf, " ");
    }
    t
}

fn family_how(f: &ModelFamily) -> String {
    let mut s = format!(
        "model family {} ({}); source: {}",
        f.pattern.replace('#', "n"),
        f.products,
        f.source
    );
    if !f.verified {
        s.push_str(" [unverified family]");
    }
    s
}
