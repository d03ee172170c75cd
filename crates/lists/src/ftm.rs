//! OpenSanctions FollowTheMoney entities as JSON lines (`{"id", "schema", "properties", …}`).
//!
//! Thing schemas become records; `Ownership` becomes `owned_by` on the asset, `Succession`
//! becomes `successor_of`, `Sanction` a membership, `Directorship`/`Family`/`Associate`/
//! `UnknownLink` a `linked_to` carrying the role. Other schemas (Address, Passport, …) are
//! counted and summarised in one diagnostic each.

use crate::util::norm_country;
use crate::ReadOutput;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use unmask_model::*;

const SOURCE: &str = "opensanctions_ftm";

fn props<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    v.get("properties")
        .and_then(|p| p.get(key))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn first<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    props(v, key).next()
}

/// Reads FtM JSON lines; a line that is not a JSON object with `id` and `schema` is rejected.
pub fn read_ftm(bytes: &[u8], label: &str) -> ReadOutput {
    read_ftm_as(bytes, label, SOURCE)
}

pub(crate) fn read_ftm_as(bytes: &[u8], label: &str, source: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Edges wait until every entity is read: a line may point forward.
    let mut pending: Vec<(u64, String, Relation)> = Vec::new();
    let mut pending_m: Vec<(u64, String, Membership)> = Vec::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = n as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.counts.read += 1;
        let text = crate::util::decode(raw, label, line, &mut out.diagnostics);
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                out.reject(label, line, text.as_ref(), format!("broken JSON line: {e}"));
                continue;
            }
        };
        let (Some(id), Some(schema)) = (
            v.get("id").and_then(Value::as_str),
            v.get("schema").and_then(Value::as_str),
        ) else {
            out.reject(
                label,
                line,
                text.as_ref(),
                "JSON line without `id` and `schema`",
            );
            continue;
        };
        let eid = |s: &str| format!("ftm:{s}");
        let kind = match schema {
            "Person" => Some(EntityKind::Person),
            "Company" => Some(EntityKind::Company),
            "Organization" | "PublicBody" => Some(EntityKind::Organization),
            "LegalEntity" => Some(EntityKind::Unknown),
            "Vessel" => Some(EntityKind::Vessel),
            "Airplane" => Some(EntityKind::Aircraft),
            _ => None,
        };
        if let Some(kind) = kind {
            let mut e = Entity::new(eid(id), kind, source);
            let mut names = props(&v, "name");
            match names.next() {
                Some(primary) => e.add_name(primary, NameRole::Primary),
                None => {
                    if let Some(c) = v.get("caption").and_then(Value::as_str) {
                        e.add_name(c, NameRole::Primary);
                    }
                }
            }
            for n in names.chain(props(&v, "alias")) {
                e.add_name(n, NameRole::Alias);
            }
            for n in props(&v, "weakAlias").chain(props(&v, "abbreviation")) {
                e.add_name(n, NameRole::WeakAlias);
            }
            for n in props(&v, "previousName") {
                e.add_name(n, NameRole::Former);
            }
            for key in ["country", "nationality", "citizenship", "jurisdiction"] {
                for c in props(&v, key) {
                    if let Some(c) = norm_country(c) {
                        e.add_country(c);
                    }
                }
            }
            for (key, kind) in [
                ("registrationNumber", IdKind::Registration),
                ("ogrnCode", IdKind::Registration),
                ("leiCode", IdKind::Lei),
                ("isinCode", IdKind::Isin),
                ("website", IdKind::Website),
                ("email", IdKind::Email),
                ("innCode", IdKind::Other("inn".into())),
                ("taxNumber", IdKind::Other("tax_id".into())),
                ("imoNumber", IdKind::Other("imo".into())),
            ] {
                for val in props(&v, key) {
                    e.add_identifier(Identifier::new(kind.clone(), val));
                }
            }
            for a in props(&v, "address") {
                e.addresses.push(Address {
                    full: a.to_string(),
                    ..Address::default()
                });
            }
            if e.names.is_empty() {
                out.reject(label, line, id, "entity without a name");
                continue;
            }
            if index.insert(e.id.clone(), out.entities.len()).is_some() {
                out.diag(label, line, id, "id repeated; both lines kept");
            }
            out.entities.push(e);
            out.counts.used += 1;
            continue;
        }
        let link = |from_key: &str, to_key: &str| -> Option<(String, String)> {
            Some((eid(first(&v, from_key)?), eid(first(&v, to_key)?)))
        };
        let edge = match schema {
            "Ownership" => link("asset", "owner").map(|(a, b)| (a, b, RelationKind::OwnedBy)),
            "Succession" => {
                link("successor", "predecessor").map(|(a, b)| (a, b, RelationKind::SuccessorOf))
            }
            "Directorship" => {
                link("director", "organization").map(|(a, b)| (a, b, RelationKind::LinkedTo))
            }
            "Family" => link("person", "relative").map(|(a, b)| (a, b, RelationKind::LinkedTo)),
            "Associate" => link("person", "associate").map(|(a, b)| (a, b, RelationKind::LinkedTo)),
            "UnknownLink" => link("subject", "object").map(|(a, b)| (a, b, RelationKind::LinkedTo)),
            "Sanction" => {
                let Some(target) = first(&v, "entity") else {
                    out.reject(label, line, id, "Sanction without `entity`");
                    continue;
                };
                let list = first(&v, "programId")
                    .or_else(|| first(&v, "authority"))
                    .map(str::to_string)
                    .or_else(|| {
                        v.get("datasets")
                            .and_then(|d| d.get(0))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "OPENSANCTIONS".into());
                let mut m = Membership::new(list, source);
                m.program = first(&v, "program").map(str::to_string);
                m.since = first(&v, "listingDate")
                    .or_else(|| first(&v, "startDate"))
                    .map(str::to_string);
                m.entry_id = first(&v, "authorityId")
                    .or_else(|| first(&v, "recordId"))
                    .map(str::to_string);
                m.citation = first(&v, "sourceUrl").map(str::to_string);
                pending_m.push((line, eid(target), m));
                continue;
            }
            other => {
                *skipped.entry(other.to_string()).or_default() += 1;
                continue;
            }
        };
        let Some((from, to, kind)) = edge else {
            out.reject(label, line, id, format!("{schema} without both ends"));
            continue;
        };
        let mut r = Relation::new(kind, Target::Id(to), source);
        let role: Vec<&str> = props(&v, "role")
            .chain(props(&v, "relationship"))
            .chain(props(&v, "percentage"))
            .collect();
        r.note = (!role.is_empty()).then(|| format!("{schema}: {}", role.join("; ")));
        if r.note.is_none() && kind == RelationKind::LinkedTo {
            r.note = Some(schema.to_string());
        }
        pending.push((line, from, r));
    }
    for (line, from, r) in pending {
        match index.get(&from) {
            Some(&i) => {
                out.entities[i].relations.push(r);
                out.counts.used += 1;
            }
            None => out.reject(
                label,
                line,
                &from,
                "relation from an entity not in the file",
            ),
        }
    }
    for (line, target, m) in pending_m {
        match index.get(&target) {
            Some(&i) => {
                out.entities[i].memberships.push(m);
                out.counts.used += 1;
            }
            None => out.reject(
                label,
                line,
                &target,
                "sanction of an entity not in the file",
            ),
        }
    }
    for (schema, n) in skipped {
        out.diag(
            label,
            0,
            &schema,
            format!("{n} {schema} line(s) not read (schema not used)"),
        );
    }
    out
}
