//! What `unmask flows` and `unmask collect` share: the analysis options, the run of the
//! `unmask-analysis` pipeline over a source of records, and the rendering of its report
//! (a table and summary, or one JSON finding per line).

use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use unmask_analysis::{
    AnalysisConfig, AssetIndex, Classifier, Evidence, FlowReport, InventoryInput, Pipeline,
    DEFAULT_MIN_BEACON, DEFAULT_MIN_OWNER_SCORE,
};
use unmask_detect::DetectConfig;
use unmask_enrich::{IpDb, Networks, Safelist, Trails};
use unmask_flows::FlowRecord;
use unmask_model::time::iso_time_us;
use unmask_model::Diagnostic;

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

// ------------------------------------------------------------------------------------------
// Input

/// Where the records of a run came from, for the summary ("3 file(s)", "udp://127.0.0.1:2055").
#[derive(Debug, Default)]
pub struct Inputs {
    pub outcome: unmask_flows::ReadReport,
    pub from: String,
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
pub fn tee_ref<'a>(
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
        ..AnalysisConfig::default()
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
    // One name index per run: owner screening and asset attribution share it.
    let screener = dataset
        .as_ref()
        .map(|d| Arc::new(unmask_screen::Screener::new(d.graph.clone())));
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
    let mut report = pipe.finish(Some(db), screener.as_deref());
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
        let attributor = screener.clone().map(unmask_estate::Attributor::new);
        let index = AssetIndex::build(&inputs, attributor.as_ref());
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
