//! Merging records into one graph, and walking it.

use crate::key::EntityKey;
use crate::types::*;
use ahash::AHashMap;
use std::collections::VecDeque;

/// Index of an entity in [`Graph::entities`].
pub type EntIdx = u32;
/// Index of an edge in [`Graph::edges`].
pub type EdgeIdx = u32;

/// A resolved (or, with `to == None`, dangling) relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: EntIdx,
    pub to: Option<EntIdx>,
    pub kind: RelationKind,
    /// The target as the source wrote it (an id or a name).
    pub target: Target,
    pub source: String,
    pub note: Option<String>,
}

/// Why two records became one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeNote {
    pub id: String,
    pub with: String,
    pub reason: String,
}

/// One step of an exposure path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub edge: EdgeIdx,
    pub from: EntIdx,
    pub to: EntIdx,
    /// True when the edge was walked against its direction (identity-like relations).
    pub reversed: bool,
}

/// The chain of relations from an entity to one listed ancestor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposurePath {
    pub hops: Vec<Hop>,
    pub listed: EntIdx,
}

/// The merged entity graph.
#[derive(Debug, Default)]
pub struct Graph {
    entities: Vec<Entity>,
    merges: Vec<Vec<MergeNote>>,
    by_id: AHashMap<String, EntIdx>,
    /// The record ids behind each entity (its stable key).
    keys: Vec<EntityKey>,
    by_name: AHashMap<String, Vec<EntIdx>>,
    edges: Vec<Edge>,
    out: Vec<Vec<EdgeIdx>>,
    inc: Vec<Vec<EdgeIdx>>,
}

struct UnionFind(Vec<u32>);
impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = p;
            x = p;
        }
        x
    }
    /// Joins two sets; the smaller index (earlier record) stays the root.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.0[hi as usize] = lo;
        true
    }
}

/// The loose pass of [`Graph::build_loose`]: only records without a country, only onto a
/// single candidate entity, and only on keys of three characters or more.
fn merge_loose(
    records: &[Entity],
    loose: &dyn Fn(&str) -> String,
    uf: &mut UnionFind,
    notes: &mut Vec<(u32, u32, String)>,
) {
    let mut by_key: AHashMap<String, Vec<u32>> = AHashMap::new();
    for (i, e) in records.iter().enumerate() {
        if e.kind == EntityKind::Person {
            continue;
        }
        for name in e.names.iter().filter(|n| n.role != NameRole::WeakAlias) {
            let k = loose(&name.value);
            if k.len() < 3 {
                continue;
            }
            let v = by_key.entry(k).or_default();
            if v.last() != Some(&(i as u32)) {
                v.push(i as u32);
            }
        }
    }
    let mut groups: Vec<(String, Vec<u32>)> =
        by_key.into_iter().filter(|(_, v)| v.len() > 1).collect();
    groups.sort();
    for (k, members) in groups {
        for &a in &members {
            if !records[a as usize].countries.is_empty() {
                continue;
            }
            let src = records[a as usize].sources.first();
            let others: Vec<u32> = members
                .iter()
                .copied()
                .filter(|&b| records[b as usize].sources.first() != src)
                .collect();
            let mut roots: Vec<u32> = others.iter().map(|&b| uf.find(b)).collect();
            roots.sort_unstable();
            roots.dedup();
            if roots.len() == 1 && uf.union(a, others[0]) {
                notes.push((
                    a,
                    others[0],
                    format!("same name without legal form {k:?}, no country on one side, single candidate"),
                ));
            }
        }
    }
}

fn merge_into(dst: &mut Entity, src: Entity) {
    for n in src.names {
        dst.add_name(n.value, n.role);
    }
    for c in src.countries {
        dst.add_country(c);
    }
    for a in src.addresses {
        if !dst.addresses.contains(&a) {
            dst.addresses.push(a);
        }
    }
    for i in src.identifiers {
        dst.add_identifier(i);
    }
    dst.memberships.extend(src.memberships);
    dst.relations.extend(src.relations);
    dst.notes.extend(src.notes);
    for s in src.sources {
        if !dst.sources.contains(&s) {
            dst.sources.push(s);
        }
    }
    if dst.kind == EntityKind::Unknown {
        dst.kind = src.kind;
    }
}

impl Graph {
    /// Builds the graph. Records from *different* sources merge when they share a strong
    /// identifier, or a name key (`key(name)`, e.g. normalized text) and a country. Records of the
    /// same source never merge: a list that has two entries means two entries. Earlier records
    /// give the merged entity its id, so pass the curated layer first.
    pub fn build(records: Vec<Entity>, key: impl Fn(&str) -> String) -> Graph {
        Self::build_inner(records, &key, None)
    }

    /// [`Graph::build`], and then a record that gives *no* country also merges on `loose(name)`
    /// (e.g. the name without its legal form: the FCC table says "Huawei Technologies Company"
    /// and no country) when that key leads to exactly one entity of the other sources.
    pub fn build_loose(
        records: Vec<Entity>,
        key: impl Fn(&str) -> String,
        loose: impl Fn(&str) -> String,
    ) -> Graph {
        Self::build_inner(records, &key, Some(&loose))
    }

    fn build_inner(
        records: Vec<Entity>,
        key: &dyn Fn(&str) -> String,
        loose: Option<&dyn Fn(&str) -> String>,
    ) -> Graph {
        let n = records.len();
        let rec_ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        let mut uf = UnionFind((0..n as u32).collect());
        let mut notes: Vec<(u32, u32, String)> = Vec::new();
        // Strong identifiers first, then name + country.
        let mut seen: AHashMap<String, Vec<u32>> = AHashMap::new();
        for (i, e) in records.iter().enumerate() {
            for id in e.identifiers.iter().filter(|id| id.kind.is_strong()) {
                seen.entry(format!("id|{}", id.key()))
                    .or_default()
                    .push(i as u32);
            }
            if e.kind == EntityKind::Person {
                continue;
            }
            let mut keys: Vec<String> = Vec::new();
            for name in e.names.iter().filter(|n| n.role != NameRole::WeakAlias) {
                let k = key(&name.value);
                if k.is_empty() {
                    continue;
                }
                for c in &e.countries {
                    keys.push(format!("name|{}|{}", k, c.to_ascii_uppercase()));
                }
            }
            keys.sort();
            keys.dedup();
            for k in keys {
                seen.entry(k).or_default().push(i as u32);
            }
        }
        let mut groups: Vec<(String, Vec<u32>)> =
            seen.into_iter().filter(|(_, v)| v.len() > 1).collect();
        groups.sort();
        for (k, members) in groups {
            for w in members.windows(2) {
                let (a, b) = (w[0], w[1]);
                if records[a as usize].sources.first() == records[b as usize].sources.first() {
                    continue;
                }
                if uf.union(a, b) {
                    let reason = if let Some(id) = k.strip_prefix("id|") {
                        format!("shared identifier {id}")
                    } else {
                        let mut parts = k.splitn(3, '|').skip(1);
                        let nk = parts.next().unwrap_or_default();
                        let c = parts.next().unwrap_or_default();
                        format!("same name key {nk:?} and country {c}")
                    };
                    notes.push((a, b, reason));
                }
            }
        }
        if let Some(loose) = loose {
            merge_loose(&records, loose, &mut uf, &mut notes);
        }

        // Collapse each set into its root record.
        let mut root_slot: Vec<Option<EntIdx>> = vec![None; n];
        let mut entities: Vec<Entity> = Vec::new();
        let mut by_id: AHashMap<String, EntIdx> = AHashMap::new();
        for (i, rec) in records.into_iter().enumerate() {
            let r = uf.find(i as u32) as usize;
            let slot = match root_slot[r] {
                Some(s) => s,
                None => {
                    let s = entities.len() as EntIdx;
                    root_slot[r] = Some(s);
                    entities.push(Entity::new(rec.id.clone(), rec.kind, String::new()));
                    entities[s as usize].sources.clear();
                    s
                }
            };
            by_id.insert(rec.id.clone(), slot);
            merge_into(&mut entities[slot as usize], rec);
        }
        let mut record_ids: Vec<Vec<&str>> = vec![Vec::new(); entities.len()];
        for (id, &slot) in &by_id {
            record_ids[slot as usize].push(id);
        }
        let keys: Vec<EntityKey> = record_ids.into_iter().map(EntityKey::new).collect();
        let mut merges = vec![Vec::new(); entities.len()];
        for (a, b, reason) in notes {
            let slot = root_slot[uf.find(a) as usize].unwrap_or_default();
            merges[slot as usize].push(MergeNote {
                id: rec_ids[a as usize].clone(),
                with: rec_ids[b as usize].clone(),
                reason,
            });
        }

        let mut by_name: AHashMap<String, Vec<EntIdx>> = AHashMap::new();
        for (i, e) in entities.iter().enumerate() {
            for name in &e.names {
                let k = key(&name.value);
                if k.is_empty() {
                    continue;
                }
                let v = by_name.entry(k).or_default();
                if v.last() != Some(&(i as EntIdx)) {
                    v.push(i as EntIdx);
                }
            }
        }

        let mut g = Graph {
            out: vec![Vec::new(); entities.len()],
            inc: vec![Vec::new(); entities.len()],
            entities,
            merges,
            by_id,
            keys,
            by_name,
            edges: Vec::new(),
        };
        g.resolve_edges(key);
        g
    }

    fn resolve_edges(&mut self, key: &dyn Fn(&str) -> String) {
        for from in 0..self.entities.len() {
            let rels = self.entities[from].relations.clone();
            for r in rels {
                let to = match &r.target {
                    Target::Id(id) => self.by_id.get(id).copied(),
                    Target::Name(name) => self.unique_name_match(&key(name), from as EntIdx),
                };
                if to == Some(from as EntIdx) {
                    continue;
                }
                let e = self.edges.len() as EdgeIdx;
                self.out[from].push(e);
                if let Some(t) = to {
                    self.inc[t as usize].push(e);
                }
                self.edges.push(Edge {
                    from: from as EntIdx,
                    to,
                    kind: r.kind,
                    target: r.target,
                    source: r.source,
                    note: r.note,
                });
            }
        }
    }

    /// A name target resolves only when exactly one entity carries that name key, preferring one
    /// from the same source as the relation's owner.
    fn unique_name_match(&self, key: &str, from: EntIdx) -> Option<EntIdx> {
        let cands = self.find_by_key(key);
        if cands.len() == 1 {
            return Some(cands[0]);
        }
        let src = self.entities[from as usize].sources.first();
        let same: Vec<EntIdx> = cands
            .iter()
            .copied()
            .filter(|&c| self.entities[c as usize].sources.first() == src)
            .collect();
        (same.len() == 1).then(|| same[0])
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }
    pub fn entity(&self, i: EntIdx) -> &Entity {
        &self.entities[i as usize]
    }
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }
    pub fn edge(&self, e: EdgeIdx) -> &Edge {
        &self.edges[e as usize]
    }
    /// Why the records behind entity `i` were merged.
    pub fn merge_notes(&self, i: EntIdx) -> &[MergeNote] {
        &self.merges[i as usize]
    }
    /// Looks up an entity by any of the record ids merged into it.
    pub fn lookup(&self, id: &str) -> Option<EntIdx> {
        self.by_id.get(id).copied()
    }
    /// Entities carrying a name whose key (as given to [`Graph::build`]) equals `key`.
    pub fn find_by_key(&self, key: &str) -> &[EntIdx] {
        self.by_name.get(key).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Every record id merged into entity `i`, sorted.
    pub fn ids_of(&self, i: EntIdx) -> Vec<&str> {
        self.keys[i as usize]
            .record_ids()
            .iter()
            .map(String::as_str)
            .collect()
    }
    /// The stable key of entity `i`: the record ids behind it.
    pub fn key(&self, i: EntIdx) -> &EntityKey {
        &self.keys[i as usize]
    }
    pub fn outgoing(&self, i: EntIdx) -> impl Iterator<Item = (EdgeIdx, &Edge)> {
        self.out[i as usize]
            .iter()
            .map(move |&e| (e, &self.edges[e as usize]))
    }
    pub fn incoming(&self, i: EntIdx) -> impl Iterator<Item = (EdgeIdx, &Edge)> {
        self.inc[i as usize]
            .iter()
            .map(move |&e| (e, &self.edges[e as usize]))
    }

    /// Shortest chains of relations from `start` to every *other* listed entity reachable by
    /// walking up (owned by, subsidiary of, brand of, …) or across identity-like relations,
    /// at most `max_depth` hops. Sorted by length.
    pub fn exposure_paths(&self, start: EntIdx, max_depth: usize) -> Vec<ExposurePath> {
        let mut prev: AHashMap<EntIdx, Hop> = AHashMap::new();
        let mut depth: AHashMap<EntIdx, usize> = AHashMap::new();
        depth.insert(start, 0);
        let mut queue = VecDeque::from([start]);
        let mut found = Vec::new();
        while let Some(cur) = queue.pop_front() {
            let d = depth[&cur];
            if cur != start && self.entity(cur).is_listed() {
                found.push(cur);
            }
            if d >= max_depth {
                continue;
            }
            let forward = self.out[cur as usize].iter().filter_map(|&e| {
                let ed = &self.edges[e as usize];
                (ed.kind.exposes_forward())
                    .then_some(())
                    .and(ed.to)
                    .map(|to| Hop {
                        edge: e,
                        from: cur,
                        to,
                        reversed: false,
                    })
            });
            let backward = self.inc[cur as usize].iter().filter_map(|&e| {
                let ed = &self.edges[e as usize];
                ed.kind.exposes_backward().then_some(Hop {
                    edge: e,
                    from: cur,
                    to: ed.from,
                    reversed: true,
                })
            });
            let next: Vec<Hop> = forward.chain(backward).collect();
            for hop in next {
                if let std::collections::hash_map::Entry::Vacant(v) = depth.entry(hop.to) {
                    v.insert(d + 1);
                    prev.insert(hop.to, hop);
                    queue.push_back(hop.to);
                }
            }
        }
        found
            .into_iter()
            .map(|listed| {
                let mut hops = Vec::new();
                let mut cur = listed;
                while cur != start {
                    let h = prev[&cur];
                    hops.push(h);
                    cur = h.from;
                }
                hops.reverse();
                ExposurePath { hops, listed }
            })
            .collect()
    }
}
