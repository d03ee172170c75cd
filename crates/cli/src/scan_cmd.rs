//! `unmask scan`: restricted-vendor devices and apps in an inventory, an nmap scan or an app
//! export.

use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use unmask_estate::{
    attach_apps, merge_hosts, read_apps, read_inventory, read_nmap, Asset, AssetFindings,
    AssetReport, Attributor, MacFinding, ReadOutcome, IEEE_DATA_DATE,
};
use unmask_model::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit with code 1 when any asset is exposed to a listed entity.
    Exposed,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Device inventory: CSV (comma, semicolon or tab) or JSON; columns found by header
    /// (asset id, hostname, ip, mac, manufacturer/vendor/make, model, serial, location).
    #[arg(long)]
    inventory: Option<PathBuf>,
    /// App list (CSV or JSON): device, platform, package or bundle id, app name, publisher.
    #[arg(long)]
    apps: Option<PathBuf>,
    /// nmap XML (`nmap -oX`); hosts are merged into inventory assets by MAC, then IP.
    #[arg(long)]
    nmap: Option<PathBuf>,
    /// One JSON object per asset, one per line (summary on stderr).
    #[arg(long)]
    json: bool,
    /// Set a non-zero exit code: `exposed` → 1 when anything is exposed.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Also list assets that are not exposed.
    #[arg(long)]
    all: bool,
    /// Print every input diagnostic (by default the first 10).
    #[arg(long)]
    diagnostics: bool,
}

fn read_file(p: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("reading {}", p.display()))
}

struct Inputs {
    assets: Vec<Asset>,
    /// (what, file, counts).
    counts: Vec<(&'static str, String, unmask_model::RowCounts)>,
    diagnostics: Vec<Diagnostic>,
}

fn collect<T>(inputs: &mut Inputs, what: &'static str, label: &str, out: ReadOutcome<T>) -> Vec<T> {
    inputs.counts.push((what, label.to_string(), out.counts));
    inputs.diagnostics.extend(out.diagnostics);
    out.records
}

fn read_inputs(args: &Args) -> anyhow::Result<Inputs> {
    anyhow::ensure!(
        args.inventory.is_some() || args.apps.is_some() || args.nmap.is_some(),
        "nothing to scan: give --inventory FILE, --nmap FILE and/or --apps FILE"
    );
    let mut inputs = Inputs {
        assets: Vec::new(),
        counts: Vec::new(),
        diagnostics: Vec::new(),
    };
    if let Some(p) = &args.inventory {
        let label = p.display().to_string();
        let out = read_inventory(&read_file(p)?, &label);
        inputs.assets = collect(&mut inputs, "inventory rows", &label, out);
    }
    if let Some(p) = &args.nmap {
        let label = p.display().to_string();
        let out = read_nmap(&read_file(p)?, &label);
        let hosts = collect(&mut inputs, "nmap hosts", &label, out);
        merge_hosts(&mut inputs.assets, &hosts);
    }
    if let Some(p) = &args.apps {
        let label = p.display().to_string();
        let out = read_apps(&read_file(p)?, &label);
        let apps = collect(&mut inputs, "app rows", &label, out);
        attach_apps(&mut inputs.assets, apps);
    }
    Ok(inputs)
}

#[derive(Default)]
struct Summary {
    assets: usize,
    exposed: usize,
    attributed_unlisted: usize,
    conflicts: usize,
    by_parent: BTreeMap<(String, String), usize>,
    by_list: BTreeMap<String, usize>,
    /// (list, entity id) → (entity name, basis).
    bases: BTreeMap<(String, String), (String, String)>,
    randomized: usize,
    multicast: usize,
    unregistered: usize,
}

impl Summary {
    fn add(&mut self, f: &AssetFindings) {
        self.assets += 1;
        match f.mac {
            MacFinding::LocallyAdministered(_) => self.randomized += 1,
            MacFinding::Multicast(_) => self.multicast += 1,
            MacFinding::Unregistered(_) => self.unregistered += 1,
            _ => {}
        }
        if !f.conflicts.is_empty() {
            self.conflicts += 1;
        }
        if !f.is_exposed() {
            if !f.exposures.is_empty() {
                self.attributed_unlisted += 1;
            }
            return;
        }
        self.exposed += 1;
        let mut parents: Vec<(String, String)> = Vec::new();
        let mut lists: Vec<String> = Vec::new();
        for e in &f.exposures {
            for (id, name, l) in e.entity.view.reached_listings() {
                let p = (name.to_string(), id.to_string());
                if !parents.contains(&p) {
                    parents.push(p);
                }
                if !lists.contains(&l.list) {
                    lists.push(l.list.clone());
                }
                self.bases
                    .entry((l.list.clone(), id.to_string()))
                    .or_insert_with(|| (name.to_string(), l.basis.clone()));
            }
        }
        for p in parents {
            *self.by_parent.entry(p).or_default() += 1;
        }
        for l in lists {
            *self.by_list.entry(l).or_default() += 1;
        }
    }
}

fn dataset_dates(ds: &unmask_lists::Dataset) -> String {
    let mut v: Vec<String> = ds
        .sources
        .iter()
        .map(|s| {
            let d = if s.info.date.is_empty() {
                "undated"
            } else {
                s.info.date.as_str()
            };
            format!("{} {d}", s.info.id)
        })
        .collect();
    v.push(format!(
        "IEEE MAC registry {IEEE_DATA_DATE} (Debian ieee-data 20220827.1)"
    ));
    v.join("; ")
}

fn print_summary(
    w: &mut dyn Write,
    inputs: &Inputs,
    s: &Summary,
    dates: &str,
) -> std::io::Result<()> {
    writeln!(w, "unmask scan: {} assets", s.assets)?;
    for (what, file, c) in &inputs.counts {
        writeln!(w, "  {file}: {what}: {c}")?;
    }
    writeln!(w, "  datasets: {dates}")?;
    let pct = if s.assets == 0 {
        0.0
    } else {
        100.0 * s.exposed as f64 / s.assets as f64
    };
    writeln!(
        w,
        "exposed: {} of {} assets ({pct:.1}%); {} more attributed to a restricted vendor with no listing on its path; {} with conflicting evidence",
        s.exposed, s.assets, s.attributed_unlisted, s.conflicts
    )?;
    writeln!(
        w,
        "MAC addresses: {} locally administered (randomized), {} multicast, {} not in the registry",
        s.randomized, s.multicast, s.unregistered
    )?;
    if !s.by_parent.is_empty() {
        writeln!(w, "by listed parent (assets):")?;
        let mut v: Vec<_> = s.by_parent.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for ((name, id), n) in v {
            writeln!(w, "  {n:>6}  {name} ({id})")?;
        }
        writeln!(w, "by list (assets):")?;
        let mut v: Vec<_> = s.by_list.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (l, n) in v {
            writeln!(w, "  {n:>6}  {l}")?;
        }
    }
    Ok(())
}

fn print_asset(w: &mut dyn Write, a: &Asset, f: &AssetFindings) -> std::io::Result<()> {
    let mut head = vec![a.label()];
    for x in [&a.ip, &a.mac_text, &a.manufacturer, &a.model, &a.location]
        .into_iter()
        .flatten()
    {
        if !head.contains(x) {
            head.push(x.clone());
        }
    }
    let mark = if f.is_exposed() { "EXPOSED" } else { "clean" };
    writeln!(w, "\n{mark}  {}  ({}:{})", head.join("  "), a.file, a.line)?;
    if let Some(d) = f.mac.describe() {
        writeln!(w, "  mac: {d}")?;
    }
    for e in &f.exposures {
        let x = &e.entity.view;
        let mut chain = format!("{} ({})", x.name, x.entity_id);
        for h in &x.path {
            let rel = if h.reversed {
                format!("{} (reverse)", h.relation)
            } else {
                h.relation.to_string()
            };
            chain.push_str(&format!(" -{rel}-> {}", h.name));
        }
        writeln!(w, "  -> {chain}")?;
        for ev in &e.evidence {
            writeln!(
                w,
                "       evidence: {} = {:?} [{}]: {}",
                ev.field, ev.value, ev.at, ev.how
            )?;
        }
        let reached = x.reached_listings();
        if reached.is_empty() {
            writeln!(w, "       lists: none on the path (attributed, not listed)")?;
        } else {
            let ls: Vec<String> = reached
                .iter()
                .map(|(id, name, l)| {
                    let since = l.since.as_deref().unwrap_or("date not given");
                    if *id == x.entity_id {
                        format!("{} {since}", l.list)
                    } else {
                        format!("{} {since} ({name})", l.list)
                    }
                })
                .collect();
            writeln!(w, "       lists: {}", ls.join("; "))?;
        }
    }
    for c in &f.conflicts {
        writeln!(w, "  ! conflict: {c}")?;
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let inputs = read_inputs(&args)?;
    let shown = if args.diagnostics {
        inputs.diagnostics.len()
    } else {
        10
    };
    for d in inputs.diagnostics.iter().take(shown) {
        eprintln!("unmask: {d}");
    }
    if inputs.diagnostics.len() > shown {
        eprintln!(
            "unmask: … {} more input diagnostics (--diagnostics shows all)",
            inputs.diagnostics.len() - shown
        );
    }
    let ds = crate::dataset::load(&[], None)?;
    let dates = dataset_dates(&ds);
    let attr = Attributor::new(std::sync::Arc::new(unmask_screen::Screener::new(
        ds.graph.clone(),
    )));
    for (prefix, ent) in attr.unresolved_prefixes().iter().take(3) {
        eprintln!(
            "unmask: warning: restricted prefix {prefix} names {ent}, which is not in the dataset"
        );
    }
    let findings: Vec<AssetFindings> = inputs.assets.iter().map(|a| attr.attribute(a)).collect();
    let mut summary = Summary::default();
    for f in &findings {
        summary.add(f);
    }
    let stdout = std::io::stdout();
    let mut w = BufWriter::new(stdout.lock());
    if args.json {
        for (a, f) in inputs.assets.iter().zip(&findings) {
            serde_json::to_writer(&mut w, &AssetReport::new(a, f))?;
            writeln!(w)?;
        }
        let mut e = std::io::stderr();
        print_summary(&mut e, &inputs, &summary, &dates)?;
    } else {
        print_summary(&mut w, &inputs, &summary, &dates)?;
        for (a, f) in inputs.assets.iter().zip(&findings) {
            if f.is_exposed() || !f.exposures.is_empty() || !f.conflicts.is_empty() || args.all {
                print_asset(&mut w, a, f)?;
            }
        }
        if !summary.bases.is_empty() {
            writeln!(w, "\nlegal basis of the lists above:")?;
            for ((list, id), (name, basis)) in &summary.bases {
                writeln!(w, "  {list} / {name} ({id}): {basis}")?;
            }
        }
    }
    w.flush()?;
    Ok(match args.fail_on {
        Some(FailOn::Exposed) if summary.exposed > 0 => 1,
        _ => 0,
    })
}
