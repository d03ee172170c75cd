//! `unmask eval`: matching quality on the labelled evaluation sets, beside logic-v2's frozen
//! figures from the same files.

use anyhow::Context;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use unmask_model::{EntIdx, Graph};
use unmask_screen::eval::{evaluate_pairs, Confusion, PairCase};
use unmask_screen::{Query, Screener, DEFAULT_THRESHOLD};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder holding lists/eval and vendors (test data, not bundled; e.g. ../shared/data).
    /// Default: $UNMASK_SHARED_DATA.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Decision threshold.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Print every misclassified name pair.
    #[arg(long)]
    misses: bool,
}

/// Queries made only of generic words: none may match.
const GENERIC_QUERIES: &[&str] = &[
    "Corporation",
    "Technology Co., Ltd.",
    "Company",
    "Ltd",
    "International Group Holdings Limited",
    "Global Technology Solutions Inc.",
    "有限公司",
    "科技有限公司",
    "ООО",
    "GmbH",
    "S.A.",
    "Sp. z o.o.",
    "The Holding Company",
    "Industrial Development Corporation",
    "Communications Equipment Co., Ltd.",
];

/// The evaluation data: `--data`, else `$UNMASK_SHARED_DATA` (the labelled sets are test data,
/// not bundled, so the binary knows no default place for them).
fn data_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    given
        .or_else(|| std::env::var_os("UNMASK_SHARED_DATA").map(PathBuf::from))
        .context("give the folder holding lists/eval and vendors with --data DIR (or set UNMASK_SHARED_DATA)")
}

fn csv_reader(path: &Path) -> anyhow::Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))
}

fn prf(c: &Confusion) -> String {
    format!(
        "P {:.3}  R {:.3}  F1 {:.3}  (TP {} FP {} TN {} FN {})",
        c.precision(),
        c.recall(),
        c.f1(),
        c.tp,
        c.fp,
        c.tn,
        c.r#fn
    )
}

fn entities_named(g: &Graph, name: &str) -> Vec<EntIdx> {
    g.find_by_key(&unmask_text::name_key(name)).to_vec()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let data = data_dir(args.data)?;
    let eval = data.join("lists/eval");

    // 1. The 826 labelled name pairs.
    let mut cases = Vec::new();
    for r in csv_reader(&eval.join("nomenklatura_name_bench_cases.csv"))?.records() {
        let r = r?;
        cases.push(PairCase {
            schema: r[1].to_string(),
            name1: r[2].to_string(),
            name2: r[3].to_string(),
            is_match: &r[4] == "true",
        });
    }
    let (scores, ours) = evaluate_pairs(&cases, args.threshold);
    let mut logic = Confusion::default();
    let mut logic_rows = 0;
    for r in csv_reader(&eval.join("nomenklatura_name_bench_logicv2_frozen.csv"))?.records() {
        let r = r?;
        logic.add(&r[10] == "true", &r[5] == "true");
        logic_rows += 1;
    }
    println!(
        "name pairs ({} cases, threshold {:.2})",
        cases.len(),
        args.threshold
    );
    println!("  unmask    {}", prf(&ours));
    println!("  logic-v2  {}  [frozen, {logic_rows} rows]", prf(&logic));
    if args.misses {
        for (c, s) in cases.iter().zip(&scores) {
            if (*s >= args.threshold) != c.is_match {
                println!(
                    "    {} {:.3} {}: {} | {}",
                    if c.is_match { "FN" } else { "FP" },
                    s,
                    c.schema,
                    c.name1,
                    c.name2
                );
            }
        }
    }

    // 2. Curated names and relations against the bundled dataset.
    let ds = crate::dataset::load(&[], None)?;
    let g = &ds.graph;
    let screener = Screener::new(ds.graph.clone());
    let screen = |name: &str| {
        let mut q = Query::new(name);
        q.threshold = args.threshold;
        screener.screen(&q)
    };
    let vendors = std::fs::read_to_string(data.join("vendors/restricted-vendors.jsonl"))
        .context("reading vendors/restricted-vendors.jsonl")?;
    let (mut names_n, mut names_hit, mut rel_n, mut rel_hit) = (0, 0, 0, 0);
    let mut missed: Vec<String> = Vec::new();
    let mut primary_of: std::collections::HashMap<String, String> = Default::default();
    let lines: Vec<serde_json::Value> = vendors
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for v in &lines {
        if let (Some(id), Some(n)) = (v["id"].as_str(), v["name"].as_str()) {
            primary_of.insert(id.to_string(), n.to_string());
        }
    }
    for v in &lines {
        let Some(primary) = v["name"].as_str() else {
            continue;
        };
        let expected: HashSet<EntIdx> = entities_named(g, primary).into_iter().collect();
        let mut all = vec![primary];
        for key in ["aliases", "native_names"] {
            all.extend(
                v[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str()),
            );
        }
        for n in &all {
            names_n += 1;
            let ms = screen(n);
            if ms.iter().any(|m| expected.contains(&m.entity)) {
                names_hit += 1;
            } else {
                missed.push(format!("{n} (expected {primary})"));
            }
        }
        for r in v["relations"].as_array().into_iter().flatten() {
            let Some(target) = r["target_id"].as_str().and_then(|t| primary_of.get(t)) else {
                continue;
            };
            let targets: HashSet<EntIdx> = entities_named(g, target).into_iter().collect();
            if targets.iter().all(|&t| !g.entity(t).is_listed()) {
                continue;
            }
            rel_n += 1;
            let ms = screen(primary);
            let reached = ms.iter().any(|m| {
                expected.contains(&m.entity)
                    && m.paths.iter().any(|p| {
                        targets.contains(&p.listed)
                            || p.hops.iter().any(|h| targets.contains(&h.to))
                    })
            });
            if reached {
                rel_hit += 1;
            } else {
                missed.push(format!("{primary} -> {target} (relation not reached)"));
            }
        }
    }
    let pct = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    println!("curated vendors (bundled dataset, {} entities)", g.len());
    println!(
        "  names (primary, aliases, native): recall {:.3} ({names_hit}/{names_n})",
        pct(names_hit, names_n)
    );
    println!(
        "  relations to a listed entity:     recall {:.3} ({rel_hit}/{rel_n})",
        pct(rel_hit, rel_n)
    );
    for m in &missed {
        println!("    missed: {m}");
    }

    // 3. Generic-word queries.
    let generic_hits: Vec<&str> = GENERIC_QUERIES
        .iter()
        .copied()
        .filter(|q| !screen(q).is_empty())
        .collect();
    println!(
        "generic-word queries: {} of {} matched something{}",
        generic_hits.len(),
        GENERIC_QUERIES.len(),
        if generic_hits.is_empty() {
            String::new()
        } else {
            format!(": {generic_hits:?}")
        }
    );

    // 4. Yente negatives (false-positive rate) and UN positives (recall) against the dataset.
    let mut neg = (0usize, 0usize);
    for f in [
        "yente_negatives_global_1000.csv",
        "yente_negatives_us_1000.csv",
    ] {
        for r in csv_reader(&eval.join(f))?.records() {
            let r = r?;
            neg.0 += 1;
            neg.1 += usize::from(!screen(&r[0]).is_empty());
        }
    }
    println!(
        "yente negatives: false-positive rate {:.4} ({} of {} synthetic persons matched)",
        pct(neg.1, neg.0),
        neg.1,
        neg.0
    );
    for f in [
        "yente_positives_un_untreated.csv",
        "yente_positives_un_treated.csv",
    ] {
        let (mut n, mut hit) = (0usize, 0usize);
        for r in csv_reader(&eval.join(f))?.records() {
            let r = r?;
            n += 1;
            hit += usize::from(!screen(&r[0]).is_empty());
        }
        println!("{f}: {hit} of {n} UN persons matched ({:.3})", pct(hit, n));
    }
    Ok(0)
}
