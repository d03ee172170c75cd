//! `unmask entity QUERY`: one entity with its names, memberships, merges, relations in both
//! directions and exposure paths.

use serde_json::{json, Value};
use std::path::PathBuf;
use unmask_lists::Dataset;
use unmask_model::{EntIdx, Graph, Membership, NameRole};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A record id (`curated:nuctech`, `ofac_cons:30946`) or an exact name (compared after
    /// normalization).
    query: String,
    /// One JSON object per entity.
    #[arg(long)]
    json: bool,
    /// Load these list files or directories instead of the bundled dataset.
    #[arg(long, value_name = "PATH")]
    from: Vec<PathBuf>,
    /// Force the format of the --from files.
    #[arg(long)]
    format: Option<String>,
    /// Longest exposure path, in relations.
    #[arg(long, default_value_t = 4)]
    depth: usize,
}

fn find(g: &Graph, q: &str) -> Vec<EntIdx> {
    if let Some(i) = g.lookup(q).or_else(|| g.lookup(&format!("curated:{q}"))) {
        return vec![i];
    }
    let key = unmask_text::name_key(q);
    let hits = g.find_by_key(&key).to_vec();
    // A weak alias (OFAC gives Huawei Technologies the holding's name as one) yields to an
    // entity that carries the name with a stronger role.
    let strong: Vec<EntIdx> =
        hits.iter()
            .copied()
            .filter(|&i| {
                g.entity(i).names.iter().any(|n| {
                    n.role != NameRole::WeakAlias && unmask_text::name_key(&n.value) == key
                })
            })
            .collect();
    if strong.len() == 1 {
        strong
    } else {
        hits
    }
}

fn lists_of(g: &Graph, i: EntIdx) -> Vec<String> {
    let mut v: Vec<String> = g
        .entity(i)
        .memberships
        .iter()
        .map(|m| m.list.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let ds = crate::dataset::load(&args.from, args.format)?;
    let g = &ds.graph;
    let hits = find(g, &args.query);
    if hits.is_empty() {
        eprintln!("unmask: no entity with id or name {:?}", args.query);
        return Ok(1);
    }
    if hits.len() > 1 {
        if args.json {
            for &i in &hits {
                let e = g.entity(i);
                println!(
                    "{}",
                    json!({"entity_id": e.id, "name": e.primary_name(), "kind": e.kind.as_str(), "lists": lists_of(g, i)})
                );
            }
        } else {
            println!("{} entities carry the name {:?}:", hits.len(), args.query);
            for &i in &hits {
                let e = g.entity(i);
                println!(
                    "  {:<28} {:<12} {}  [{}]",
                    e.id,
                    e.kind.as_str(),
                    e.primary_name(),
                    lists_of(g, i).join(", ")
                );
            }
            println!("show one with `unmask entity ID`");
        }
        return Ok(0);
    }
    let v = describe(&ds, hits[0], args.depth);
    if args.json {
        println!("{v}");
    } else {
        print_human(&v);
    }
    Ok(0)
}

fn membership_json(ds: &Dataset, m: &Membership) -> Value {
    let info = ds.source_info(&m.source);
    json!({
        "list": m.list, "program": m.program, "since": m.since, "entry_id": m.entry_id,
        "source": m.source, "source_title": info.map(|i| &i.title),
        "source_date": info.map(|i| &i.date), "citation": m.citation,
    })
}

fn describe(ds: &Dataset, i: EntIdx, depth: usize) -> Value {
    let g = &ds.graph;
    let e = g.entity(i);
    let other = |to: Option<EntIdx>| {
        to.map(|t| {
            let o = g.entity(t);
            (o.id.clone(), o.primary_name().to_string(), lists_of(g, t))
        })
    };
    let outgoing: Vec<Value> = g
        .outgoing(i)
        .map(|(_, ed)| {
            let (id, name, lists) = other(ed.to).unwrap_or_else(|| match &ed.target {
                unmask_model::Target::Id(id) => (id.clone(), String::new(), vec![]),
                unmask_model::Target::Name(n) => (String::new(), n.clone(), vec![]),
            });
            json!({"relation": ed.kind.as_str(), "entity_id": id, "name": name, "lists": lists,
                   "resolved": ed.to.is_some(), "source": ed.source, "note": ed.note})
        })
        .collect();
    let incoming: Vec<Value> = g
        .incoming(i)
        .map(|(_, ed)| {
            let (id, name, lists) = other(Some(ed.from)).unwrap_or_default();
            json!({"relation": ed.kind.as_str(), "entity_id": id, "name": name, "lists": lists,
                   "source": ed.source, "note": ed.note})
        })
        .collect();
    let paths: Vec<Vec<unmask_model::PathHop>> = g
        .exposure_paths(i, depth)
        .iter()
        .map(|p| g.path_hops(p))
        .collect();
    json!({
        "entity_id": e.id,
        "entity_key": g.key(i),
        "record_ids": g.ids_of(i),
        "kind": e.kind.as_str(),
        "name": e.primary_name(),
        "names": e.names.iter().map(|n| json!({"value": n.value, "role": n.role.as_str()})).collect::<Vec<_>>(),
        "countries": e.countries,
        "addresses": e.addresses.iter().map(|a| &a.full).collect::<Vec<_>>(),
        "identifiers": e.identifiers.iter().map(|d| json!({"kind": d.kind.label(), "value": d.value})).collect::<Vec<_>>(),
        "memberships": e.memberships.iter().map(|m| membership_json(ds, m)).collect::<Vec<_>>(),
        "merges": g.merge_notes(i).iter().map(|m| json!({"id": m.id, "with": m.with, "reason": m.reason})).collect::<Vec<_>>(),
        "outgoing": outgoing,
        "incoming": incoming,
        "paths": paths,
        "sources": e.sources,
        "notes": e.notes,
    })
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn print_note(r: &Value) {
    if let Some(n) = r["note"].as_str() {
        println!("{:22}{}", "", unmask_model::shorten(n, 140));
    }
}

fn print_human(v: &Value) {
    println!(
        "{}  [{}]  {}",
        s(&v["name"]),
        s(&v["kind"]),
        s(&v["entity_id"])
    );
    let ids: Vec<&str> = v["record_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(s)
        .collect();
    if ids.len() > 1 {
        println!("  records: {}", ids.join(", "));
    }
    println!("  names:");
    for n in v["names"].as_array().into_iter().flatten() {
        println!("    {:<10} {}", s(&n["role"]), s(&n["value"]));
    }
    let countries: Vec<&str> = v["countries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(s)
        .collect();
    if !countries.is_empty() {
        println!("  countries: {}", countries.join(", "));
    }
    let ids = v["identifiers"].as_array().cloned().unwrap_or_default();
    if !ids.is_empty() {
        println!("  identifiers:");
        for d in &ids {
            println!("    {:<12} {}", s(&d["kind"]), s(&d["value"]));
        }
    }
    let ms = v["memberships"].as_array().cloned().unwrap_or_default();
    if ms.is_empty() {
        println!("  memberships: none");
    } else {
        println!("  memberships:");
    }
    for m in &ms {
        let opt = |k: &str| {
            m[k].as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "-".into())
        };
        println!(
            "    {:<20} program {}  since {}  entry {}  source {} ({}, {})",
            s(&m["list"]),
            opt("program"),
            opt("since"),
            opt("entry_id"),
            s(&m["source"]),
            opt("source_title"),
            opt("source_date"),
        );
        if let Some(c) = m["citation"].as_str() {
            println!("      cited: {}", unmask_model::shorten(c, 160));
        }
    }
    let merges = v["merges"].as_array().cloned().unwrap_or_default();
    if !merges.is_empty() {
        println!("  merged:");
        for m in &merges {
            println!(
                "    {} + {}: {}",
                s(&m["id"]),
                s(&m["with"]),
                s(&m["reason"])
            );
        }
    }
    let rel = |r: &Value| {
        let lists: Vec<&str> = r["lists"].as_array().into_iter().flatten().map(s).collect();
        let lists = if lists.is_empty() {
            String::new()
        } else {
            format!(" [{}]", lists.join(", "))
        };
        let id = s(&r["entity_id"]);
        let id = if id.is_empty() {
            "unresolved".to_string()
        } else {
            id.to_string()
        };
        format!(
            "{} ({id}){lists}  source {}",
            s(&r["name"]),
            s(&r["source"])
        )
    };
    let out = v["outgoing"].as_array().cloned().unwrap_or_default();
    if !out.is_empty() {
        println!("  relations (this → other):");
        for r in &out {
            println!("    {:<17} → {}", s(&r["relation"]), rel(r));
            print_note(r);
        }
    }
    let inc = v["incoming"].as_array().cloned().unwrap_or_default();
    if !inc.is_empty() {
        println!("  relations (other → this):");
        for r in &inc {
            println!("    {:<17} ← {}", s(&r["relation"]), rel(r));
            print_note(r);
        }
    }
    let paths = v["paths"].as_array().cloned().unwrap_or_default();
    if !paths.is_empty() {
        println!("  exposure paths:");
        for p in &paths {
            let hops: Vec<String> = p
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| {
                    let mut lists: Vec<&str> = h["lists"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|m| s(&m["list"]))
                        .collect();
                    lists.sort_unstable();
                    lists.dedup();
                    let arrow = if h["reversed"].as_bool() == Some(true) {
                        "(reverse) "
                    } else {
                        ""
                    };
                    let lists = if lists.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", lists.join(", "))
                    };
                    format!("{arrow}{} → {}{lists}", s(&h["relation"]), s(&h["name"]))
                })
                .collect();
            println!("    {}", hops.join(" → "));
        }
    }
}
