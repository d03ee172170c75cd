//! `unmask flows PATH...`: reads flow files into the shared analysis of [`crate::flow_analysis`];
//! and `unmask bench flows`.

use crate::flow_analysis::{analyse, tee_ref, AnalysisArgs, Inputs};
use anyhow::Context;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_analysis::{AnalysisConfig, Classifier, Pipeline, ReadOutcome};
use unmask_enrich::{IpDb, Networks, Safelist, Trails};
use unmask_flows::FlowRecord;

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
pub fn run(args: Args) -> anyhow::Result<u8> {
    analyse(&args.analysis, &mut |parquet, sink| {
        read_all(&args.paths, parquet, sink)
    })
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
