//! The one shape in which every output (screening, estate scans, flow findings, the API and
//! the report) shows an entity, its list memberships and its chain of relations to a listed
//! entity. Built from the graph by [`Graph::exposed_entity`]; serialized by `serde` only here.

use crate::graph::{EntIdx, ExposurePath, Graph};
use crate::key::EntityKey;
use crate::types::Membership;
use serde::Serialize;

/// One list membership, with the law or rule behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// List code, e.g. `BIS_ENTITY_LIST`.
    pub list: String,
    /// Date listed, as precise as the source gives it.
    pub since: Option<String>,
    /// The source the membership was read from.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The legal basis ([`legal_basis`]).
    pub basis: String,
}

impl Listing {
    pub fn of(m: &Membership, entity_id: &str) -> Listing {
        Listing {
            list: m.list.clone(),
            since: m.since.clone(),
            source: m.source.clone(),
            program: m.program.clone(),
            entry_id: m.entry_id.clone(),
            citation: m.citation.clone(),
            basis: legal_basis(&m.list, entity_id),
        }
    }
}

/// One hop of a chain of relations: the relation walked and the entity reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathHop {
    /// Relation kind, e.g. `subsidiary_of`.
    pub relation: &'static str,
    /// True when an identity-like relation was walked against its direction.
    pub reversed: bool,
    pub entity_id: String,
    pub entity_key: EntityKey,
    pub name: String,
    /// The source that states the relation.
    pub source: String,
    /// The reached entity's own memberships.
    pub lists: Vec<Listing>,
}

/// An entity as every output shows it: its own listings, the shortest chain of relations to a
/// listed entity and any further chains to other listed entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExposedEntity {
    pub entity_id: String,
    pub entity_key: EntityKey,
    pub name: String,
    /// The entity or an entity on one of its paths is on a list.
    pub exposed: bool,
    /// The entity's own memberships.
    pub lists: Vec<Listing>,
    /// The shortest chain to a listed entity (empty when there is none).
    pub path: Vec<PathHop>,
    /// Chains to further listed entities, shortest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_paths: Vec<Vec<PathHop>>,
}

impl ExposedEntity {
    /// Every listing reached, with the listed entity's id and name: the entity's own, then
    /// those along each path, one per (entity, list).
    pub fn reached_listings(&self) -> Vec<(&str, &str, &Listing)> {
        let mut out: Vec<(&str, &str, &Listing)> = Vec::new();
        let own = self.lists.iter().map(|l| (&self.entity_id, &self.name, l));
        let reached = std::iter::once(&self.path)
            .chain(&self.other_paths)
            .flatten()
            .flat_map(|h| h.lists.iter().map(move |l| (&h.entity_id, &h.name, l)));
        // One listing per (entity, list): the same list from several sources counts once.
        for (id, name, l) in own.chain(reached) {
            if !out.iter().any(|(x, _, y)| *x == id && y.list == l.list) {
                out.push((id, name, l));
            }
        }
        out
    }
}

impl Graph {
    /// The memberships of entity `i` as [`Listing`]s.
    pub fn listings(&self, i: EntIdx) -> Vec<Listing> {
        let e = self.entity(i);
        e.memberships
            .iter()
            .map(|m| Listing::of(m, &e.id))
            .collect()
    }

    /// The hops of one exposure path.
    pub fn path_hops(&self, p: &ExposurePath) -> Vec<PathHop> {
        p.hops
            .iter()
            .map(|h| {
                let edge = self.edge(h.edge);
                let to = self.entity(h.to);
                PathHop {
                    relation: edge.kind.as_str(),
                    reversed: h.reversed,
                    entity_id: to.id.clone(),
                    entity_key: self.key(h.to).clone(),
                    name: to.primary_name().to_string(),
                    source: edge.source.clone(),
                    lists: self.listings(h.to),
                }
            })
            .collect()
    }

    /// Entity `i` with `paths` (as [`Graph::exposure_paths`] gives them, shortest first).
    pub fn exposed_entity(&self, i: EntIdx, paths: &[ExposurePath]) -> ExposedEntity {
        let e = self.entity(i);
        let mut hops = paths.iter().map(|p| self.path_hops(p));
        let path = hops.next().unwrap_or_default();
        ExposedEntity {
            entity_id: e.id.clone(),
            entity_key: self.key(i).clone(),
            name: e.primary_name().to_string(),
            exposed: e.is_listed() || !paths.is_empty(),
            lists: self.listings(i),
            path,
            other_paths: hops.collect(),
        }
    }
}

/// Legal basis of a list code, with the entity-specific category where the law names it.
pub fn legal_basis(list: &str, entity_id: &str) -> String {
    let id = entity_id.strip_prefix("curated:").unwrap_or(entity_id);
    match list {
        "NDAA_FY2019_S889" => match id {
            "huawei" | "zte" => "NDAA FY2019 §889 (Pub. L. 115-232), covered telecommunications equipment, §889(f)(3)(A): telecommunications equipment produced by Huawei or ZTE (or any subsidiary or affiliate)".into(),
            "hytera" | "hikvision" | "dahua" => "NDAA FY2019 §889 (Pub. L. 115-232), covered telecommunications equipment, §889(f)(3)(B): video surveillance and telecommunications equipment produced by Hytera, Hikvision or Dahua (or any subsidiary or affiliate) for public safety, government facilities, critical infrastructure and national security".into(),
            _ => "NDAA FY2019 §889 (Pub. L. 115-232): covered telecommunications equipment or services".into(),
        },
        "FCC_COVERED_LIST" => match id {
            "huawei" => "FCC Covered List (47 CFR §1.50002), entry of 2021-03-12: telecommunications equipment produced by Huawei Technologies Company, including telecommunications or video surveillance services provided by such entity or using such equipment".into(),
            "zte" => "FCC Covered List (47 CFR §1.50002), entry of 2021-03-12: telecommunications equipment produced by ZTE Corporation, including telecommunications or video surveillance services provided by such entity or using such equipment".into(),
            "hytera" => "FCC Covered List (47 CFR §1.50002), entry of 2021-03-12: video surveillance and telecommunications equipment produced by Hytera Communications Corporation, to the extent used for public safety, security of government facilities, physical security surveillance of critical infrastructure, and other national security purposes".into(),
            "hikvision" => "FCC Covered List (47 CFR §1.50002), entry of 2021-03-12: video surveillance and telecommunications equipment produced by Hangzhou Hikvision Digital Technology Company, to the extent used for public safety, security of government facilities, physical security surveillance of critical infrastructure, and other national security purposes".into(),
            "dahua" => "FCC Covered List (47 CFR §1.50002), entry of 2021-03-12: video surveillance and telecommunications equipment produced by Dahua Technology Company, to the extent used for public safety, security of government facilities, physical security surveillance of critical infrastructure, and other national security purposes".into(),
            _ => "FCC Covered List (47 CFR §1.50002; Secure and Trusted Communications Networks Act of 2019)".into(),
        },
        "BIS_ENTITY_LIST" => "BIS Entity List (15 CFR Part 744, Supplement No. 4): export licence requirement".into(),
        "DOD_1260H" => "DoD list of Chinese military companies (NDAA FY2021 §1260H)".into(),
        "TREASURY_NS_CMIC" => "Treasury Non-SDN Chinese Military-Industrial Complex Companies list (EO 13959 as amended by EO 14032)".into(),
        "FAR_52.204-27" => "FAR 52.204-27 Prohibition on a ByteDance Covered Application (No TikTok on Government Devices Act, Pub. L. 117-328, Div. R)".into(),
        "TX_PROHIBITED_TECHNOLOGIES" => "Texas prohibited technologies list (state)".into(),
        "OFAC_SDN" => "OFAC Specially Designated Nationals list".into(),
        other => other.replace('_', " "),
    }
}
