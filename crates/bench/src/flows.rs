//! The flow benchmark: the readers alone, the whole pipeline, the detectors' worst case (every
//! record a pair), and `wc -l` on the same file as the floor.

use crate::{best_median, check, mib, peak_rss_kib, BenchError};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_analysis::{AnalysisConfig, Classifier, Pipeline};
use unmask_enrich::{IpDb, Networks, Safelist, Trails};

/// Rounds of `wc -l` and of the read-only pass, alternating: on a machine whose speed
/// drifts (shared virtual cores), more rounds let both catch a fast phase.
pub const ROUNDS: usize = 5;

/// What to measure.
#[derive(Debug, Clone, Default)]
pub struct FlowsBench {
    /// An existing conn.log; without it one of `records` records is generated.
    pub file: Option<PathBuf>,
    pub records: u64,
    /// Where to write the generated file (default: the system temp directory).
    pub out: Option<PathBuf>,
    /// Keep the generated file.
    pub keep: bool,
    /// Networks treated as internal besides RFC 1918/4193.
    pub also_internal: Vec<String>,
    /// Real flow logs to replay when generating (else the generator's built-in mix).
    pub replay: Option<PathBuf>,
}

/// The figures of [`flows`].
#[derive(Debug, Clone)]
pub struct FlowsFigures {
    /// What was generated and replayed, when the file was generated.
    pub generated: Option<String>,
    pub path: PathBuf,
    pub size_bytes: u64,
    /// Lines by `wc -l`, as it printed them.
    pub wc_lines: String,
    pub rows: unmask_model::RowCounts,
    pub delivered: u64,
    pub outbound: u64,
    pub pairs: usize,
    pub findings: usize,
    pub read_best_s: f64,
    pub read_median_s: f64,
    pub full_s: f64,
    pub finish_s: f64,
    pub full_records: u64,
    pub every_pair_s: f64,
    pub every_pair_pairs: usize,
    pub every_pair_findings: usize,
    pub wc_best_s: f64,
    pub wc_median_s: f64,
    pub rss_after_read: Option<u64>,
    pub rss_after_analysis: Option<u64>,
    pub rss_after_every_pair: Option<u64>,
    pub ipdb_bytes: usize,
    pub ipdb_decode_ms: f64,
    pub lookups: usize,
    pub lookups_per_s: f64,
    pub lookup_hits: usize,
}

fn wc(p: &Path) -> Result<(f64, String), BenchError> {
    let t = Instant::now();
    let o = std::process::Command::new("wc")
        .arg("-l")
        .arg(p)
        .output()
        .map_err(|e| BenchError::io(Path::new("wc"), e))?;
    let lines = String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string();
    Ok((t.elapsed().as_secs_f64(), lines))
}

/// Reads and analyses a large conn.log.
pub fn flows(b: &FlowsBench) -> Result<FlowsFigures, BenchError> {
    // 1. The input: a given file, or a generated one.
    let (path, generated) = match &b.file {
        Some(f) => (f.clone(), None),
        None => {
            let out = b.out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("unmask-bench-conn-{}.log", b.records))
            });
            let t = Instant::now();
            let replayed = crate::gen::conn_log(&out, b.records, b.replay.as_deref())?;
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            let said = format!(
                "{replayed}\ngenerated {} ({} records, {:.1} MB) in {:.1}s",
                out.display(),
                b.records,
                size as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            (out, Some(said))
        }
    };
    let size_bytes = std::fs::metadata(&path)
        .map_err(|e| BenchError::io(&path, e))?
        .len();
    // 2. `wc -l`: the first run warms the page cache for everyone.
    let (_, wc_lines) = wc(&path)?;
    // 3. Read only (the readers' speed), alternating with `wc -l`.
    let opts = unmask_flows::ReadOptions::default();
    let (mut wc_runs, mut read_runs) = (Vec::new(), Vec::new());
    let mut delivered = 0u64;
    let mut rep = unmask_flows::ReadReport::default();
    for _ in 0..ROUNDS {
        wc_runs.push(wc(&path)?.0);
        let t = Instant::now();
        delivered = 0;
        rep = unmask_flows::read_path_batches(&path, &opts, &mut |b| delivered += b.len() as u64)?;
        read_runs.push(t.elapsed().as_secs_f64());
    }
    let (wc_best_s, wc_median_s) = best_median(&mut wc_runs);
    let (read_best_s, read_median_s) = best_median(&mut read_runs);
    let rss_after_read = peak_rss_kib();

    // 4. Read + analyse: the command's speed.
    let t = Instant::now();
    let db = IpDb::bundled()?;
    let ipdb_decode_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut cidrs: Vec<String> = unmask_enrich::DEFAULT_INTERNAL
        .iter()
        .map(|s| s.to_string())
        .collect();
    cidrs.extend(b.also_internal.iter().cloned());
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
    let rss_after_analysis = peak_rss_kib();

    // 5. The detectors' worst case: every record is a pair to analyse.
    let t = Instant::now();
    let every_pair = AnalysisConfig {
        every_pair: true,
        ..AnalysisConfig::default()
    };
    let mut pipe = Pipeline::new(Classifier::default(), every_pair);
    unmask_flows::read_path_batches(&path, &opts, &mut |b| b.iter().for_each(|r| pipe.push(r)))?;
    let every_pair_pairs = pipe.pairs();
    let all = pipe.finish(Some(db), None);
    let every_pair_s = t.elapsed().as_secs_f64();
    let rss_after_every_pair = peak_rss_kib();
    check(rep.counts.used > 0 && delivered == rep.counts.used, || {
        format!("read {} but delivered {delivered} records", rep.counts)
    })?;

    // 6. Enrichment lookups over random IPv4 addresses.
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
    let mut lookup_hits = 0usize;
    for a in &addrs {
        let i = db.lookup(*a);
        lookup_hits += usize::from(i.asn.is_some()) + usize::from(i.country.is_some());
    }
    let lookup_s = t.elapsed().as_secs_f64();
    if generated.is_some() && !b.keep {
        let _ = std::fs::remove_file(&path);
    }
    Ok(FlowsFigures {
        generated,
        path,
        size_bytes,
        wc_lines,
        rows: rep.counts,
        delivered,
        outbound: tally.outbound,
        pairs,
        findings: report.findings.len(),
        read_best_s,
        read_median_s,
        full_s: push_s + finish_s,
        finish_s,
        full_records: rep2.counts.used,
        every_pair_s,
        every_pair_pairs,
        every_pair_findings: all.findings.len(),
        wc_best_s,
        wc_median_s,
        rss_after_read,
        rss_after_analysis,
        rss_after_every_pair,
        ipdb_bytes: IpDb::bundled_size(),
        ipdb_decode_ms,
        lookups: addrs.len(),
        lookups_per_s: addrs.len() as f64 / lookup_s,
        lookup_hits,
    })
}

impl fmt::Display for FlowsFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(g) = &self.generated {
            writeln!(f, "{g}")?;
        }
        let recs = self.rows.used as f64;
        let size = self.size_bytes as f64;
        writeln!(
            f,
            "file: {} ({:.1} MB, {} lines by wc -l)",
            self.path.display(),
            size / 1e6,
            self.wc_lines
        )?;
        writeln!(
            f,
            "rows: {} (read only: {} records delivered); analysed {} internal→external in {} pairs, {} findings",
            self.rows, self.delivered, self.outbound, self.pairs, self.findings
        )?;
        writeln!(
            f,
            "read only:        {:>7.2}s  {:>6.2} M records/s  {:>7.1} MB/s",
            self.read_best_s,
            recs / self.read_best_s / 1e6,
            size / self.read_best_s / 1e6
        )?;
        writeln!(
            f,
            "read + analyse:   {:>7.2}s  {:>6.2} M records/s  (scoring {:.2}s)",
            self.full_s,
            self.full_records as f64 / self.full_s / 1e6,
            self.finish_s
        )?;
        writeln!(
            f,
            "every pair:       {:>7.2}s  {:>6.2} M records/s  (detectors on all {} records: {} pairs, {} findings)",
            self.every_pair_s,
            recs / self.every_pair_s / 1e6,
            self.rows.used,
            self.every_pair_pairs,
            self.every_pair_findings
        )?;
        writeln!(
            f,
            "wc -l:            {:>7.2}s  {:>6.2} M lines/s    read only is {:.1}× wc -l, read + analyse {:.1}×",
            self.wc_best_s,
            self.wc_lines.parse::<f64>().unwrap_or(0.0) / self.wc_best_s / 1e6,
            self.read_best_s / self.wc_best_s,
            self.full_s / self.wc_best_s
        )?;
        writeln!(
            f,
            "rounds:           {ROUNDS} of wc -l and read only, alternating: best above; medians {:.2}s and {:.2}s, read only {:.1}× wc -l",
            self.wc_median_s,
            self.read_median_s,
            self.read_median_s / self.wc_median_s
        )?;
        writeln!(
            f,
            "peak memory:      {} after reading, {} after analysing, {} after every-pair",
            mib(self.rss_after_read),
            mib(self.rss_after_analysis),
            mib(self.rss_after_every_pair)
        )?;
        write!(
            f,
            "IP database:      {:.1} MB bundled, decoded in {:.0} ms; {:.1} M lookups/s (country + AS, random IPv4; {} hits)",
            self.ipdb_bytes as f64 / 1e6,
            self.ipdb_decode_ms,
            self.lookups_per_s / 1e6,
            self.lookup_hits
        )
    }
}
