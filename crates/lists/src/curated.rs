//! The curated relations layer: `restricted-vendors.jsonl` and `apps.jsonl`
//! (schema in `shared/data/vendors/PROVENANCE.md`, copied into `data/lists/README.md`).

use crate::util::{decode, norm_country};
use crate::ReadOutput;
use serde::Deserialize;
use serde_json::Value;
use unmask_model::*;

const SOURCE: &str = "curated";

#[derive(Deserialize)]
struct ListRef {
    list: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
struct RelRef {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    target_id: Option<String>,
    #[serde(default)]
    target_name: Option<String>,
    #[serde(default)]
    from: Option<Value>,
    #[serde(default)]
    until: Option<Value>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
struct Vendor {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    native_names: Vec<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    lists: Vec<ListRef>,
    #[serde(default)]
    relations: Vec<RelRef>,
    #[serde(default)]
    identifiers: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
struct App {
    id: String,
    name: String,
    #[serde(default)]
    publisher_id: Option<String>,
    #[serde(default)]
    android_package_ids: Vec<String>,
    #[serde(default)]
    ios_bundle_ids: Vec<String>,
    #[serde(default)]
    app_store_ids: Vec<Value>,
    #[serde(default)]
    lists: Vec<ListRef>,
    #[serde(default)]
    notes: Vec<String>,
}

/// The record id of a curated line.
pub fn curated_id(id: &str) -> String {
    format!("curated:{id}")
}

fn membership(l: ListRef) -> Membership {
    let mut m = Membership::new(l.list, SOURCE);
    m.since = l.date.filter(|d| !d.trim().is_empty());
    m.citation = match (l.source, l.note) {
        (Some(s), Some(n)) => Some(format!("{s} (note: {n})")),
        (s, n) => s.or(n),
    };
    m
}

/// "Hanban / Confucius Institute Headquarters (renamed 2020-07)" → the names, without the
/// parenthetical remark.
fn names_in(target: &str) -> Vec<String> {
    let t = match target.find(" (") {
        Some(p) if target.trim_end().ends_with(')') => &target[..p],
        _ => target,
    };
    t.split(" / ")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s.split("; ").map(|x| x.trim().to_string()).collect(),
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn lines(bytes: &[u8], label: &str, out: &mut ReadOutput) -> Vec<(u64, String)> {
    let mut v = Vec::new();
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.counts.read += 1;
        let line = n as u64 + 1;
        v.push((
            line,
            decode(raw, label, line, &mut out.diagnostics).into_owned(),
        ));
    }
    v
}

/// Reads `restricted-vendors.jsonl`.
pub fn read_curated_vendors(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    for (line, text) in lines(bytes, label, &mut out) {
        let v: Vendor = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                out.reject(label, line, &text, format!("broken JSON line: {e}"));
                continue;
            }
        };
        if v.id.trim().is_empty() || v.name.trim().is_empty() {
            out.reject(label, line, &text, "line without `id` or `name`");
            continue;
        }
        let kind = match v.kind.as_deref() {
            Some("brand") => EntityKind::Brand,
            Some("app") => EntityKind::App,
            Some("organization") => EntityKind::Organization,
            Some("company") | None => EntityKind::Company,
            Some(other) => {
                out.diag(label, line, other, "unknown kind, read as company");
                EntityKind::Company
            }
        };
        let mut e = Entity::new(curated_id(&v.id), kind, SOURCE);
        e.add_name(&v.name, NameRole::Primary);
        for a in &v.aliases {
            e.add_name(a, NameRole::Alias);
        }
        for n in &v.native_names {
            e.add_name(n, NameRole::Native);
        }
        if let Some(c) = v.country.as_deref().and_then(norm_country) {
            e.add_country(c);
        }
        e.memberships.extend(v.lists.into_iter().map(membership));
        for r in v.relations {
            let Some(kind) = RelationKind::parse(&r.kind) else {
                out.diag(
                    label,
                    line,
                    &r.kind,
                    "unknown relation type, relation skipped",
                );
                continue;
            };
            let target = match (&r.target_id, &r.target_name) {
                (Some(id), _) if !id.is_empty() => Target::Id(curated_id(id)),
                (_, Some(name)) => {
                    let names = names_in(name);
                    // A former or trading name of this very entity is also one of its names.
                    let role = match kind {
                        RelationKind::FormerlyKnownAs => Some(NameRole::Former),
                        RelationKind::TradesAs => Some(NameRole::Alias),
                        _ => None,
                    };
                    if let Some(role) = role {
                        for n in &names {
                            e.add_name(n, role);
                            // The relation is more precise than the plain alias list.
                            if role == NameRole::Former {
                                for x in e
                                    .names
                                    .iter_mut()
                                    .filter(|x| x.value.eq_ignore_ascii_case(n))
                                {
                                    if x.role == NameRole::Alias {
                                        x.role = NameRole::Former;
                                    }
                                }
                            }
                        }
                    }
                    Target::Name(names.into_iter().next().unwrap_or_else(|| name.clone()))
                }
                _ => {
                    out.diag(label, line, &r.kind, "relation without target, skipped");
                    continue;
                }
            };
            let mut rel = Relation::new(kind, target, SOURCE);
            let mut note: Vec<String> = Vec::new();
            if let (Some(n), Target::Id(_)) = (&r.target_name, &rel.target) {
                note.push(n.clone());
            } else if let Some(n) = &r.target_name {
                if names_in(n).first() != Some(n) {
                    note.push(n.clone());
                }
            }
            if let Some(f) = r.from.as_ref().filter(|v| !v.is_null()) {
                note.push(format!(
                    "from {}",
                    f.as_str().map_or(f.to_string(), str::to_string)
                ));
            }
            if let Some(u) = r.until.as_ref().filter(|v| !v.is_null()) {
                note.push(format!(
                    "until {}",
                    u.as_str().map_or(u.to_string(), str::to_string)
                ));
            }
            note.extend(r.note);
            note.extend(r.source.map(|s| format!("source: {s}")));
            rel.note = (!note.is_empty()).then(|| note.join("; "));
            e.relations.push(rel);
        }
        if let Some(ids) = &v.identifiers {
            for (k, val) in ids {
                let kind = match k.as_str() {
                    "isin" => IdKind::Isin,
                    "stock" => IdKind::Ticker,
                    "uscc" | "india_cin" => IdKind::Registration,
                    "ieee_ma_l" | "ieee_ma_m" | "ieee_ma_s" => IdKind::MacPrefix,
                    "android_package_ids" => IdKind::PackageId,
                    "ios_bundle_ids" => IdKind::BundleId,
                    "app_store_ids" => IdKind::AppStoreId,
                    "address_ieee" => {
                        for a in strings(val) {
                            e.addresses.push(Address {
                                full: a,
                                ..Address::default()
                            });
                        }
                        continue;
                    }
                    _ => continue,
                };
                for s in strings(val) {
                    let s = if kind == IdKind::MacPrefix {
                        s.chars()
                            .filter(char::is_ascii_hexdigit)
                            .collect::<String>()
                            .to_ascii_uppercase()
                    } else {
                        s
                    };
                    e.add_identifier(Identifier::new(kind.clone(), s));
                }
            }
        }
        e.notes.extend(v.notes);
        out.entities.push(e);
        out.counts.used += 1;
    }
    out
}

/// Reads `apps.jsonl`: each app is a record of kind app, `brand_of` its publisher.
pub fn read_curated_apps(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    for (line, text) in lines(bytes, label, &mut out) {
        let a: App = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                out.reject(label, line, &text, format!("broken JSON line: {e}"));
                continue;
            }
        };
        if a.id.trim().is_empty() || a.name.trim().is_empty() {
            out.reject(label, line, &text, "line without `id` or `name`");
            continue;
        }
        let mut e = Entity::new(curated_id(&a.id), EntityKind::App, SOURCE);
        e.add_name(&a.name, NameRole::Primary);
        for p in &a.android_package_ids {
            e.add_identifier(Identifier::new(IdKind::PackageId, p));
        }
        for b in &a.ios_bundle_ids {
            e.add_identifier(Identifier::new(IdKind::BundleId, b));
        }
        for s in a.app_store_ids.iter().flat_map(strings) {
            e.add_identifier(Identifier::new(IdKind::AppStoreId, s));
        }
        if let Some(p) = a.publisher_id.filter(|p| !p.is_empty()) {
            let mut r = Relation::new(RelationKind::BrandOf, Target::Id(curated_id(&p)), SOURCE);
            r.note = Some("publisher".into());
            e.relations.push(r);
        }
        e.memberships.extend(a.lists.into_iter().map(membership));
        e.notes.extend(a.notes);
        out.entities.push(e);
        out.counts.used += 1;
    }
    out
}
