//! `unmask scan`: restricted-vendor devices and apps in an inventory, an nmap scan or an app
//! export; and `unmask bench scan`.

use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_estate::{
    attach_apps, merge_hosts, read_apps, read_inventory, read_nmap, Asset, AssetFindings,
    AssetReport, Attributor, Mac, MacFinding, OuiRegistry, ReadOutcome, IEEE_DATA_DATE,
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
            for l in &e.entity.lists {
                let p = (l.entity_name.clone(), l.entity_id.clone());
                if !parents.contains(&p) {
                    parents.push(p);
                }
                if !lists.contains(&l.list) {
                    lists.push(l.list.clone());
                }
                self.bases
                    .entry((l.list.clone(), l.entity_id.clone()))
                    .or_insert_with(|| (l.entity_name.clone(), l.basis.clone()));
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
        let x = &e.entity;
        let mut chain = format!("{} ({})", x.name, x.entity_id);
        for h in &x.path {
            let rel = if h.reversed {
                format!("{} (reverse)", h.relation)
            } else {
                h.relation.clone()
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
        if x.lists.is_empty() {
            writeln!(w, "       lists: none on the path (attributed, not listed)")?;
        } else {
            let ls: Vec<String> = x
                .lists
                .iter()
                .map(|l| {
                    let since = l.since.as_deref().unwrap_or("date not given");
                    if l.entity_id == x.entity_id {
                        format!("{} {since}", l.list)
                    } else {
                        format!("{} {since} ({})", l.list, l.entity_name)
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
    let mut attr = Attributor::new(&ds.graph);
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

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// How many assets to generate and attribute.
    #[arg(long, default_value_t = 1_000_000)]
    assets: usize,
    /// Distinct manufacturer strings in the generated inventory.
    #[arg(long, default_value_t = 2_000)]
    manufacturers: usize,
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Assets generated from the IEEE registry: MACs inside real assignments (10% randomized),
/// manufacturers drawn from registrant names and curated brands, models from a fixed pool.
fn generate(n: usize, manufacturers: usize) -> Vec<Asset> {
    let reg = OuiRegistry::bundled();
    let asg = reg.assignments();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut makers: Vec<String> = [
        "EZVIZ",
        "Hikvision",
        "Dahua",
        "Axis",
        "Bosch",
        "Cisco",
        "Hytera",
        "Motorola Solutions",
        "Smiths Detection",
        "Rapiscan",
        "STVS",
        "同方威视",
        "Huawei",
        "Aruba",
        "Apple",
        "Samsung",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    while makers.len() < manufacturers.max(1) {
        makers.push(asg[rng.below(asg.len())].organization.clone());
    }
    let models = [
        "DS-2CD2143G2-IS",
        "IPC-HDW2431T",
        "P3245-V",
        "C9300-48P",
        "PD785G",
        "S5731-S24T4X",
        "FLEXIDOME IP 5000",
        "iPhone 14",
        "Galaxy S23",
        "ZXR10 5950",
        "",
        "AP-515",
    ];
    (0..n)
        .map(|i| {
            let a = &asg[rng.below(asg.len())];
            let mac = if rng.below(10) == 0 {
                let mut m = rng.next().to_be_bytes();
                m[2] = (m[2] | 0x02) & 0xfe;
                Mac([m[2], m[3], m[4], m[5], m[6], m[7]])
            } else {
                let bits = a.registry.bits();
                let prefix = u64::from_str_radix(&a.prefix, 16).unwrap_or(0);
                let low = rng.next() & ((1u64 << (48 - bits)) - 1);
                let v = (prefix << (48 - bits)) | low;
                let b = v.to_be_bytes();
                Mac([b[2], b[3], b[4], b[5], b[6], b[7]])
            };
            let model = models[rng.below(models.len())];
            Asset {
                file: "generated".into(),
                line: i as u64 + 2,
                mac: Some(mac),
                manufacturer: Some(makers[rng.below(makers.len())].clone()),
                model: (!model.is_empty()).then(|| model.to_string()),
                ..Asset::default()
            }
        })
        .collect()
}

/// Attributes generated assets on one thread: a cold pass (caches empty, every distinct
/// registrant and manufacturer screened once) and a warm pass; asserts both find the same.
pub fn bench(args: BenchArgs) -> anyhow::Result<u8> {
    let n = args.assets.max(1);
    let t = Instant::now();
    let ds = unmask_lists::bundled();
    anyhow::ensure!(ds.errors.is_empty(), "bundled dataset: {:?}", ds.errors);
    let load = t.elapsed();
    let t = Instant::now();
    let assets = generate(n, args.manufacturers);
    let gen = t.elapsed();
    let t = Instant::now();
    let mut attr = Attributor::new(&ds.graph);
    let build = t.elapsed();
    let mut passes = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        let mut exposed = 0usize;
        let mut exposures = 0usize;
        for a in &assets {
            let f = attr.attribute(a);
            exposed += f.is_exposed() as usize;
            exposures += f.exposures.len();
        }
        passes.push((t.elapsed(), exposed, exposures));
    }
    anyhow::ensure!(
        passes[0].1 == passes[1].1 && passes[0].2 == passes[1].2,
        "cold and warm passes disagree: {:?} vs {:?}",
        passes[0],
        passes[1]
    );
    anyhow::ensure!(passes[0].1 > 0, "no generated asset was exposed");
    println!(
        "scan bench: {n} generated assets ({} distinct manufacturers), dataset {} entities (load {:.0} ms), generate {:.0} ms, attributor {:.0} ms",
        args.manufacturers,
        ds.graph.len(),
        load.as_secs_f64() * 1e3,
        gen.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    let (screened, scanned) = attr.cache_sizes();
    println!(
        "  distinct strings: {screened} screened with the fuzzy matcher, {scanned} scanned for brand names (cost of the cold pass)"
    );
    for (name, (d, exposed, exposures)) in ["cold", "warm"].iter().zip(&passes) {
        println!(
            "  {name} pass: {:.0} ms, {:.0} assets/s on one core; {exposed} exposed assets, {exposures} exposures",
            d.as_secs_f64() * 1e3,
            n as f64 / d.as_secs_f64()
        );
    }
    match crate::bench_cmd::peak_rss_kib() {
        Some(kib) => println!("  peak RSS: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak RSS: unknown"),
    }
    Ok(0)
}
