//! `unmask flows PATH...`: argument parsing, loading and rendering around the flow pipeline of
//! `unmask-analysis` (beacons, long connections, bulk uploads, threat-intel hits and
//! restricted-owner infrastructure); `unmask bench flows`.

use anyhow::Context;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_analysis::{
    AnalysisConfig, AssetIndex, Classifier, Evidence, FlowReport, InventoryInput, Pipeline,
    ReadOutcome, DEFAULT_MIN_BEACON, DEFAULT_MIN_OWNER_SCORE,
};
use unmask_detect::DetectConfig;
use unmask_enrich::{IpDb, Networks, Safelist, Trails};
use unmask_flows::FlowRecord;
use unmask_model::time::iso_time_us;
use unmask_model::Diagnostic;

/// Find beacons, bulk uploads and restricted-owner infrastructure in flow logs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Flow files or directories of rotated logs (Zeek TSV/JSON, Suricata EVE, nfdump CSV,
    /// NetFlow/IPFIX or packet captures; gzip is read transparently).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// How records are analysed and reported, for `unmask flows` and `unmask collect` alike.
#[derive(Debug, clap::Args)]
pub struct AnalysisArgs {
    /// Also write every normalized record as Parquet files into DIR (signed Int64 counts, UTC
    /// microsecond timestamps, IPs as strings; see `unmask-parquet`).
    #[arg(long, value_name = "DIR")]
    pub parquet_out: Option<PathBuf>,
    /// Device inventory (CSV/JSON) or nmap XML (repeatable): ties each source address to its
    /// asset and the asset's restricted vendor.
    #[arg(long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,
    /// Maltrail-format trail file(s): IPs, IP:port, domains, URLs.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Safelist file(s): CIDRs, domains, `port N`, `SRC -> DST` pairs (NTP, CDN noise).
    #[arg(long, value_name = "FILE")]
    pub safelist: Vec<PathBuf>,
    /// Internal networks (repeatable); default RFC 1918 and RFC 4193.
    #[arg(long = "internal", value_name = "CIDR")]
    pub internal: Vec<String>,
    /// One finding per line as JSON (summary tables go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Least beacon score reported.
    #[arg(long, default_value_t = DEFAULT_MIN_BEACON, value_name = "SCORE")]
    pub min_beacon: f64,
    /// A connection at least this long (seconds) is a long connection.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub long_connection: i64,
    /// Bytes out of one pair in one hour that make a bulk upload.
    #[arg(long, default_value_t = 100_000_000, value_name = "BYTES")]
    pub bulk_bytes: u64,
    /// Bytes out of one host (all destinations) in one hour that make a bulk upload.
    #[arg(long, default_value_t = 500_000_000, value_name = "BYTES")]
    pub bulk_host_bytes: u64,
    /// Least screening score for an AS organization to count as restricted-owner infrastructure.
    #[arg(long, default_value_t = DEFAULT_MIN_OWNER_SCORE, value_name = "SCORE")]
    pub min_owner_score: f64,
    /// Do not screen AS organizations against the restricted entities.
    #[arg(long)]
    pub no_screen: bool,
    /// Findings shown in the human report.
    #[arg(long, default_value_t = 40)]
    pub top: usize,
}

/// Read and analyse a large conn.log: records/s, peak memory, and `wc -l` time.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// An existing conn.log to measure; without it one is generated.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Records to generate.
    #[arg(long, default_value_t = 10_000_000)]
    pub records: u64,
    /// Where to write the generated file (default: the system temp directory).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Keep the generated file.
    #[arg(long)]
    pub keep: bool,
    /// Networks treated as internal besides RFC 1918/4193 (repeatable). The shared logs' server
    /// 64.225.56.201 keeps its /16 when replayed, so `--also-internal 64.225.0.0/16` makes its
    /// outbound traffic count as internal→external.
    #[arg(long, value_name = "CIDR")]
    pub also_internal: Vec<String>,
    /// Flow logs to replay when generating (default: `$UNMASK_SHARED_DATA/net/zeek` when set).
    #[arg(long, value_name = "PATH")]
    pub replay: Option<PathBuf>,
}

// ------------------------------------------------------------------------------------------
// Input

/// Where the records of a run came from, for the summary ("3 file(s)", "udp://127.0.0.1:2055").
#[derive(Debug, Default)]
pub struct Inputs {
    pub outcome: ReadOutcome,
    pub from: String,
}

/// Streams every record of `paths` into `sink`; with `parquet`, every record is also written
/// there (its `source_file` is the PATH given).
fn read_all(
    paths: &[PathBuf],
    mut parquet: Option<&mut unmask_parquet::FlowParquetWriter>,
    sink: &mut dyn FnMut(&FlowRecord),
) -> anyhow::Result<Inputs> {
    let opts = unmask_flows::ReadOptions::default();
    let mut outcome = ReadOutcome::default();
    for p in paths {
        if let Some(w) = parquet.as_deref_mut() {
            w.set_source_file(Some(&p.display().to_string()));
        }
        let mut each = tee_ref(parquet.as_deref_mut(), sink);
        outcome
            .read_path(p, &opts, &mut each)
            .with_context(|| format!("reading {}", p.display()))?;
    }
    let from = format!("{} file(s)", outcome.files);
    Ok(Inputs { outcome, from })
}

/// A reader's sink that writes each record to `parquet` (if any) and hands it to `sink`.
pub fn tee<'a>(
    parquet: Option<&'a mut unmask_parquet::FlowParquetWriter>,
    sink: &'a mut dyn FnMut(&FlowRecord),
) -> impl FnMut(FlowRecord) + 'a {
    let mut each = tee_ref(parquet, sink);
    move |r| each(&r)
}

/// [`tee`] for records lent, as batches give them.
fn tee_ref<'a>(
    mut parquet: Option<&'a mut unmask_parquet::FlowParquetWriter>,
    sink: &'a mut dyn FnMut(&FlowRecord),
) -> impl FnMut(&FlowRecord) + 'a {
    move |r| {
        if let Some(w) = parquet.as_deref_mut() {
            w.push(r);
        }
        sink(r)
    }
}

fn read_text(p: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

// ------------------------------------------------------------------------------------------
// The command

pub fn run(args: Args) -> anyhow::Result<u8> {
    analyse(&args.analysis, &mut |parquet, sink| {
        read_all(&args.paths, parquet, sink)
    })
}

/// Where records come from: called once with the Parquet writer (if any) and the pipeline's
/// sink; returns what reading gave.
pub type Source<'s> = dyn FnMut(
        Option<&mut unmask_parquet::FlowParquetWriter>,
        &mut dyn FnMut(&FlowRecord),
    ) -> anyhow::Result<Inputs>
    + 's;

/// The plain configuration of the analysis from the command's arguments.
fn config(args: &AnalysisArgs) -> AnalysisConfig {
    AnalysisConfig {
        detect: DetectConfig {
            long_connection_s: args.long_connection,
            bulk_pair_bytes: args.bulk_bytes,
            bulk_host_bytes: args.bulk_host_bytes,
            ..DetectConfig::default()
        },
        min_beacon: args.min_beacon,
        min_owner_score: args.min_owner_score,
        every_pair: false,
    }
}

/// The internal networks, safelist and intel trails of the run; their files' diagnostics go
/// to `diags`.
fn classifier(args: &AnalysisArgs, diags: &mut Vec<Diagnostic>) -> anyhow::Result<Classifier> {
    let networks = if args.internal.is_empty() {
        Networks::default()
    } else {
        Networks::from_cidrs(&args.internal)?
    };
    let mut trails = Trails::default();
    for p in &args.intel {
        let family = p
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| s.trim_start_matches("maltrail-").to_string())
            .unwrap_or_default();
        diags.extend(trails.add_text(&p.display().to_string(), &family, &read_text(p)?));
    }
    let mut safelist = Safelist::default();
    for p in &args.safelist {
        diags.extend(safelist.add_text(&p.display().to_string(), &read_text(p)?));
    }
    Ok(Classifier::new(networks, safelist, trails))
}

/// Runs the pipeline over the records of `source` and prints the report.
pub fn analyse(args: &AnalysisArgs, source: &mut Source<'_>) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut side_diags: Vec<Diagnostic> = Vec::new();
    let classifier = classifier(args, &mut side_diags)?;
    let nets = classifier.networks.clone();
    let db = IpDb::bundled().context("loading the bundled IP database")?;
    let dataset = if args.no_screen {
        None
    } else {
        Some(crate::dataset::load(&[], None).context("loading the restricted-entity dataset")?)
    };
    let screener = dataset
        .as_ref()
        .map(|d| unmask_screen::Screener::new(&d.graph));
    let list_dates: Vec<String> = dataset
        .iter()
        .flat_map(|d| &d.sources)
        .map(|s| {
            format!(
                "{} {}",
                s.info.id,
                if s.info.date.is_empty() {
                    "(undated)"
                } else {
                    &s.info.date
                }
            )
        })
        .collect();

    let mut pipe = Pipeline::new(classifier, config(args));
    let mut parquet = match &args.parquet_out {
        Some(dir) => Some(unmask_parquet::FlowParquetWriter::create(
            dir,
            unmask_parquet::ParquetOptions {
                source_file_column: true,
                ..unmask_parquet::ParquetOptions::default()
            },
        )?),
        None => None,
    };
    let inputs = source(parquet.as_mut(), &mut |r| pipe.push(r))?;
    let parquet = parquet.map(|w| w.finish()).transpose()?;
    let mut report = pipe.finish(Some(db), screener.as_ref());
    let inventory = if args.inventory.is_empty() {
        None
    } else {
        let files: Vec<(String, Vec<u8>)> = args
            .inventory
            .iter()
            .map(|p| {
                std::fs::read(p)
                    .with_context(|| format!("reading {}", p.display()))
                    .map(|b| (p.display().to_string(), b))
            })
            .collect::<anyhow::Result<_>>()?;
        let inputs: Vec<InventoryInput<'_>> = files
            .iter()
            .map(|(label, bytes)| InventoryInput { label, bytes })
            .collect();
        let mut attributor = dataset
            .as_ref()
            .map(|d| unmask_estate::Attributor::new(&d.graph));
        let index = AssetIndex::build(&inputs, attributor.as_mut());
        let tied = index.tie(&mut report.findings);
        side_diags.extend(index.diagnostics.iter().cloned());
        Some((index, tied))
    };
    let elapsed = started.elapsed();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = Summary {
        report: &report,
        inputs: &inputs,
        side: &side_diags,
        db,
        nets: &nets,
        list_dates: &list_dates,
        inventory: inventory.as_ref(),
        elapsed,
    };
    if args.json {
        for f in &report.findings {
            serde_json::to_writer(&mut out, f)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        let err = std::io::stderr();
        let mut e = err.lock();
        summary.write(&mut e)?;
        if let Some(pq) = &parquet {
            writeln!(e, "{pq}")?;
        }
    } else {
        human_findings(&mut out, &report, args.top)?;
        summary.write(&mut out)?;
        if let Some(pq) = &parquet {
            writeln!(out, "{pq}")?;
        }
        out.flush()?;
    }
    Ok(0)
}

fn human_findings(out: &mut dyn Write, report: &FlowReport, top: usize) -> std::io::Result<()> {
    let f = &report.findings;
    writeln!(
        out,
        "{} findings{}",
        f.len(),
        if f.len() > top {
            format!(" (top {top} shown; --json for all)")
        } else {
            String::new()
        }
    )?;
    if !f.is_empty() {
        writeln!(
            out,
            "{:>5}  {:<25}  {:<15}  {:<39}  {:<2}  {:<30}  evidence",
            "score", "kind", "src", "dst", "cc", "AS organization"
        )?;
    }
    for x in f.iter().take(top) {
        let detail = match &x.evidence {
            Evidence::Beacon(b) => format!(
                "every {}s, {} timestamps, {} conns ({} failed){}",
                // As JSON writes it (2.0, not 2): the report reads like the --json lines.
                serde_json::Value::from(b.beacon.median_gap_s),
                b.beacon.timestamps,
                b.traffic.connections,
                b.traffic.failed,
                if b.basis == unmask_detect::BeaconBasis::FailedAttempts {
                    ", scored on failed attempts"
                } else {
                    ""
                }
            ),
            Evidence::LongConnection(l) => format!(
                "longest {:.0}s, total {:.0}s",
                l.max_duration_s, l.total_duration_s
            ),
            Evidence::BulkUpload(u) => upload_detail(&u.window),
            Evidence::HostUpload(u) => upload_detail(&u.window),
            Evidence::ThreatIntel(t) => format!(
                "{} ({} line {}), {} conns",
                t.indicator, t.family, t.trail_line, t.connections
            ),
            Evidence::RestrictedInfrastructure(r) => {
                let e = &r.restricted_entity.matched.entity;
                let mut lists: Vec<&str> = Vec::new();
                for l in &e.lists {
                    lists.push(&l.list);
                }
                let via: Vec<String> = e
                    .path
                    .iter()
                    .map(|h| format!("{} {}", h.relation, h.name))
                    .collect();
                format!(
                    "AS{} → {} {}{}",
                    r.asn,
                    e.name,
                    if via.is_empty() {
                        String::new()
                    } else {
                        format!("via {} ", via.join(", "))
                    },
                    if lists.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", lists.join(", "))
                    }
                )
            }
        };
        let detail = match &x.src_asset {
            Some(a) => {
                let vendor = a
                    .restricted_vendors
                    .first()
                    .map(|v| format!(", {}", v.entity.name))
                    .unwrap_or_default();
                format!("[{}{vendor}] {detail}", a.label)
            }
            None => detail,
        };
        let info = x.evidence.dst_info();
        writeln!(
            out,
            "{:>5.3}  {:<25}  {:<15}  {:<39}  {:<2}  {:<30}  {}",
            x.score,
            x.kind.as_str(),
            x.src.to_string(),
            x.dst.to_string(),
            info.and_then(|i| i.dst_country.as_deref()).unwrap_or(""),
            unmask_model::shorten(info.and_then(|i| i.dst_org.as_deref()).unwrap_or(""), 30),
            detail
        )?;
    }
    Ok(())
}

fn upload_detail(w: &unmask_analysis::UploadWindow) -> String {
    format!(
        "{} B out / {} B in in {}s from {}",
        w.window_bytes_out, w.window_bytes_in, w.window_s, w.window_start
    )
}

/// Everything the summary after the findings shows.
struct Summary<'a> {
    report: &'a FlowReport,
    inputs: &'a Inputs,
    side: &'a [Diagnostic],
    db: &'a IpDb,
    nets: &'a Networks,
    list_dates: &'a [String],
    /// The asset index and how many findings it tied to an asset.
    inventory: Option<&'a (AssetIndex, usize)>,
    elapsed: std::time::Duration,
}

impl Summary<'_> {
    fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let report = self.report;
        let outcome = &self.inputs.outcome;
        writeln!(out)?;
        writeln!(
            out,
            "Controlled hosts by controller country (beacons and threat-intel contacts):"
        )?;
        if report.countries.is_empty() {
            writeln!(out, "  (none)")?;
        } else {
            writeln!(
                out,
                "  {:<7}  {:>11}  {:>16}",
                "country", "controllers", "controlled hosts"
            )?;
            for r in &report.countries {
                writeln!(
                    out,
                    "  {:<7}  {:>11}  {:>16}",
                    r.country, r.controllers, r.controlled_hosts
                )?;
            }
        }
        writeln!(out)?;
        let c = outcome.counts;
        writeln!(out, "Rows: {c} from {}; {} internal→external analysed, {} other directions, {} safelisted; {} pairs, {} AS organizations screened; {:.2}s",
            self.inputs.from, report.tally.outbound, report.tally.other_direction, report.tally.safelisted, report.pairs, report.orgs_screened, self.elapsed.as_secs_f64())?;
        if let Some((a, b)) = report.tally.span_us {
            writeln!(out, "Time span: {} .. {}", iso_time_us(a), iso_time_us(b))?;
        }
        if let Some((inv, tied)) = self.inventory {
            writeln!(
                out,
                "Inventory: {} ({} assets with an address, {} with a restricted vendor); {tied} findings tied to an asset",
                inv.counts, inv.assets, inv.exposed
            )?;
        }
        let internal: Vec<String> = self.nets.internal().iter().map(|c| c.to_string()).collect();
        writeln!(out, "Internal networks: {}", internal.join(", "))?;
        let diags: Vec<&Diagnostic> = outcome.diagnostics.iter().chain(self.side).collect();
        if outcome.skipped > 0 {
            writeln!(out, "Skipped (not flows): {}", outcome.skipped)?;
        }
        if !diags.is_empty() {
            let dropped = outcome.diagnostics_dropped;
            writeln!(
                out,
                "Diagnostics ({}{}):",
                diags.len(),
                if dropped > 0 {
                    format!(" shown of {}", diags.len() as u64 + dropped)
                } else {
                    String::new()
                }
            )?;
            for d in diags.iter().take(10) {
                writeln!(out, "  {d}")?;
            }
            if diags.len() > 10 {
                writeln!(out, "  … {} more", diags.len() - 10)?;
            }
        }
        let i = self.db.info();
        writeln!(out, "IP data: {} ({}), {}", i.date, i.licence, i.source)?;
        writeln!(out, "  {}", i.attribution)?;
        if self.list_dates.is_empty() {
            writeln!(out, "Lists: not screened (--no-screen)")?;
        } else {
            writeln!(out, "Lists screened: {}", self.list_dates.join("; "))?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// The benchmark

/// Rounds of `wc -l` and of the read-only pass, alternating: on a machine whose speed
/// drifts (shared virtual cores), more rounds let both catch a fast phase.
const ROUNDS: usize = 5;

/// The best and the median of some timings.
fn best_median(runs: &mut [f64]) -> (f64, f64) {
    runs.sort_by(f64::total_cmp);
    (
        runs.first().copied().unwrap_or(0.0),
        runs.get(runs.len() / 2).copied().unwrap_or(0.0),
    )
}

pub fn bench(args: BenchArgs) -> anyhow::Result<u8> {
    // 1. The input: a given file, or a generated one.
    let (path, generated) = match &args.file {
        Some(f) => (f.clone(), false),
        None => {
            let out = args.out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("unmask-bench-conn-{}.log", args.records))
            });
            let t = Instant::now();
            generate(&out, args.records, args.replay.as_deref())?;
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!(
                "generated {} ({} records, {:.1} MB) in {:.1}s",
                out.display(),
                args.records,
                size as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            (out, true)
        }
    };
    let size = std::fs::metadata(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();

    // 2. `wc -l` on the same file (twice: the first run warms the page cache for everyone).
    let wc = |p: &Path| -> anyhow::Result<(f64, String)> {
        let t = Instant::now();
        let o = std::process::Command::new("wc")
            .arg("-l")
            .arg(p)
            .output()
            .context("running wc -l")?;
        Ok((
            t.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_string(),
        ))
    };
    // The first run warms the page cache for everyone.
    let (_, lines) = wc(&path)?;
    // 3. Read only (the readers' speed), then read + analyse (the command's speed). This VM's
    // speed drifts from minute to minute, so `wc -l` and the read alternate, five rounds,
    // and each is given by its best and median round.
    let opts = unmask_flows::ReadOptions::default();
    let (mut wc_runs, mut read_runs) = (Vec::new(), Vec::new());
    let mut n = 0u64;
    let mut rep = unmask_flows::ReadReport::default();
    for _ in 0..ROUNDS {
        wc_runs.push(wc(&path)?.0);
        let t = Instant::now();
        n = 0;
        rep = unmask_flows::read_path_batches(&path, &opts, &mut |b| n += b.len() as u64)?;
        read_runs.push(t.elapsed().as_secs_f64());
    }
    let (wc_s, wc_med) = best_median(&mut wc_runs);
    let (read_s, read_med) = best_median(&mut read_runs);
    let rss_after_read = crate::bench_cmd::peak_rss_kib();

    let t = Instant::now();
    let db = IpDb::bundled()?;
    let db_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut cidrs: Vec<String> = unmask_enrich::DEFAULT_INTERNAL
        .iter()
        .map(|s| s.to_string())
        .collect();
    cidrs.extend(args.also_internal.iter().cloned());
    let nets = Networks::from_cidrs(&cidrs)?;
    let classifier = Classifier::new(nets, Safelist::default(), Trails::default());
    let mut pipe = Pipeline::new(classifier, AnalysisConfig::default());
    let rep2 = unmask_flows::read_path_batches(&path, &opts, &mut |b| {
        b.iter().for_each(|r| pipe.push(r))
    })?;
    let push_s = t.elapsed().as_secs_f64();
    let pairs = pipe.pairs();
    let tally = pipe.tally();
    let t = Instant::now();
    let report = pipe.finish(Some(db), None);
    let finish_s = t.elapsed().as_secs_f64();
    let full_s = push_s + finish_s;
    let rss = crate::bench_cmd::peak_rss_kib();

    // The detectors' worst case: every record is a pair to analyse.
    let t = Instant::now();
    let every_pair = AnalysisConfig {
        every_pair: true,
        ..AnalysisConfig::default()
    };
    let mut pipe = Pipeline::new(Classifier::default(), every_pair);
    unmask_flows::read_path_batches(&path, &opts, &mut |b| b.iter().for_each(|r| pipe.push(r)))?;
    let all_pairs = pipe.pairs();
    let all_report = pipe.finish(Some(db), None);
    let all_s = t.elapsed().as_secs_f64();
    let rss_all = crate::bench_cmd::peak_rss_kib();

    // 4. Enrichment lookups.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let addrs: Vec<IpAddr> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            IpAddr::from(std::net::Ipv4Addr::from(x as u32))
        })
        .collect();
    let t = Instant::now();
    let mut hits = 0usize;
    for a in &addrs {
        let i = db.lookup(*a);
        hits += usize::from(i.asn.is_some()) + usize::from(i.country.is_some());
    }
    let lookup_s = t.elapsed().as_secs_f64();

    let recs = rep.counts.used as f64;
    println!(
        "file: {} ({:.1} MB, {} lines by wc -l)",
        path.display(),
        size as f64 / 1e6,
        lines
    );
    println!(
        "rows: {} (read only: {n} records delivered); analysed {} internal→external in {pairs} pairs, {} findings",
        rep.counts, tally.outbound, report.findings.len()
    );
    println!(
        "read only:        {:>7.2}s  {:>6.2} M records/s  {:>7.1} MB/s",
        read_s,
        recs / read_s / 1e6,
        size as f64 / read_s / 1e6
    );
    println!(
        "read + analyse:   {:>7.2}s  {:>6.2} M records/s  (scoring {:.2}s)",
        full_s,
        rep2.counts.used as f64 / full_s / 1e6,
        finish_s
    );
    println!(
        "every pair:       {:>7.2}s  {:>6.2} M records/s  (detectors on all {} records: {all_pairs} pairs, {} findings)",
        all_s,
        recs / all_s / 1e6,
        rep.counts.used,
        all_report.findings.len()
    );
    println!(
        "wc -l:            {:>7.2}s  {:>6.2} M lines/s    read only is {:.1}× wc -l, read + analyse {:.1}×",
        wc_s,
        lines.parse::<f64>().unwrap_or(0.0) / wc_s / 1e6,
        read_s / wc_s,
        full_s / wc_s
    );
    println!(
        "rounds:           {ROUNDS} of wc -l and read only, alternating: best above; medians {:.2}s and {:.2}s, read only {:.1}× wc -l",
        wc_med,
        read_med,
        read_med / wc_med
    );
    println!(
        "peak memory:      {} MiB after reading, {} MiB after analysing, {} MiB after every-pair",
        rss_after_read.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        rss.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        rss_all.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
    println!(
        "IP database:      {:.1} MB bundled, decoded in {:.0} ms; {:.1} M lookups/s (country + AS, random IPv4; {hits} hits)",
        IpDb::bundled_size() as f64 / 1e6,
        db_s * 1e3,
        addrs.len() as f64 / lookup_s / 1e6
    );
    if generated && !args.keep {
        let _ = std::fs::remove_file(&path);
    }
    Ok(0)
}

/// Writes a synthetic conn.log of `records` records by replaying real logs with shifted
/// addresses and times (`unmask_flows::synth_conn_log_from`): the records of `replay`, by default
/// the shared Zeek logs when `$UNMASK_SHARED_DATA` points at them (`…/net/zeek`), else the
/// generator's built-in mix.
fn generate(out: &Path, records: u64, replay: Option<&Path>) -> anyhow::Result<()> {
    let default_dir = std::env::var_os("UNMASK_SHARED_DATA")
        .map(|d| PathBuf::from(d).join("net/zeek"))
        .filter(|d| d.exists());
    let dir = replay.map(Path::to_path_buf).or(default_dir);
    let mut source = Vec::new();
    if let Some(dir) = &dir {
        let rep = unmask_flows::read_path(dir, &unmask_flows::ReadOptions::default(), &mut |r| {
            source.push(r)
        })
        .with_context(|| format!("reading {}", dir.display()))?;
        println!(
            "replaying {} records of {} ({})",
            source.len(),
            dir.display(),
            rep.counts
        );
    } else {
        println!("replaying the generator's built-in record mix");
    }
    let f = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    unmask_flows::synth_conn_log_from(&source, &mut w, records, 42)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parquet_out_gets_every_record() {
        let path = unmask_testdata::existing("net/zeek/ctu-sme-11-remcos/conn.log.labeled");
        let dir = std::env::temp_dir().join(format!("unmask-flows-pq-{}", std::process::id()));
        let mut w = unmask_parquet::FlowParquetWriter::create(
            &dir,
            unmask_parquet::ParquetOptions::default(),
        )
        .unwrap();
        let mut n = 0u64;
        let inputs = read_all(&[path], Some(&mut w), &mut |_| n += 1).unwrap();
        let sum = w.finish().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((sum.rows, inputs.outcome.counts.used, n), (766, 766, 766));
        assert_eq!(inputs.from, "1 file(s)");
    }
}
