//! `unmask screen`: names against the restricted entities and their relations; and
//! `unmask bench screen`.

use anyhow::Context;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use unmask_model::{EntIdx, Graph};
use unmask_screen::{Match, Query, ScreenResult, Screener, DEFAULT_THRESHOLD};

/// Longest accepted input row, in bytes.
const MAX_ROW_BYTES: usize = 4096;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Names to screen.
    names: Vec<String>,
    /// Screen a batch: a CSV with a header (see --column) or a text file with one name per line.
    #[arg(long)]
    input: Option<PathBuf>,
    /// CSV column holding the names.
    #[arg(long, default_value = "name")]
    column: String,
    /// Minimum score in [0,1] for a match.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
    /// ISO alpha-2 country of the screened parties (agreement raises, conflict lowers the score).
    #[arg(long)]
    country: Option<String>,
    /// At most this many matches per name.
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// Show every feature of every match.
    #[arg(long)]
    explain: bool,
    /// One JSON object per query, one per line.
    #[arg(long)]
    json: bool,
}

/// One input row: a name, or why it cannot be screened.
type Row = Result<String, String>;

fn read_rows(path: &PathBuf, column: &str) -> anyhow::Result<Vec<Row>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut rows = Vec::new();
    if is_csv {
        let mut rd = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes.as_slice());
        let headers = rd.byte_headers()?.clone();
        let col = headers
            .iter()
            .position(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .eq_ignore_ascii_case(column)
            })
            .with_context(|| format!("{}: no column {column:?} in the header", path.display()))?;
        let label = path.display();
        for rec in rd.byte_records() {
            rows.push(match rec {
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    Err(format!("{label}:{line}: unreadable CSV row: {e}"))
                }
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    check_row(r.get(col).unwrap_or_default())
                        .map_err(|e| format!("{label}:{line}: {e}"))
                }
            });
        }
    } else {
        let text = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        if !text.is_empty() {
            for (i, line) in text.split(|&b| b == b'\n').enumerate() {
                rows.push(
                    check_row(line.strip_suffix(b"\r").unwrap_or(line))
                        .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1)),
                );
            }
        }
    }
    Ok(rows)
}

/// The start of a rejected value, escaped, for the message.
fn shown(b: &[u8]) -> String {
    let mut s = b[..b.len().min(60)].escape_ascii().to_string();
    if b.len() > 60 {
        s.push('…');
    }
    s
}

fn check_row(b: &[u8]) -> Row {
    let s = std::str::from_utf8(b).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} (value: \"{}\")",
            e.valid_up_to(),
            shown(b)
        )
    })?;
    let s = s.trim();
    if s.is_empty() {
        return Err("empty name".into());
    }
    if s.len() > MAX_ROW_BYTES {
        return Err(format!(
            "name too long ({} bytes, at most {MAX_ROW_BYTES}; value: \"{}\")",
            s.len(),
            shown(s.as_bytes())
        ));
    }
    if s.chars().all(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "name has only control characters (value: \"{}\")",
            shown(s.as_bytes())
        ));
    }
    Ok(s.to_string())
}

/// The distinct list codes of an entity, in first-seen order.
fn list_names(g: &Graph, e: EntIdx) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for m in &g.entity(e).memberships {
        if !v.contains(&m.list.as_str()) {
            v.push(m.list.as_str());
        }
    }
    v
}

fn print_table(
    out: &mut impl Write,
    g: &Graph,
    q: &str,
    ms: &[Match],
    explain: bool,
) -> std::io::Result<()> {
    if ms.is_empty() {
        return writeln!(out, "{q}: no match");
    }
    writeln!(out, "{q}:")?;
    for m in ms {
        let e = g.entity(m.entity);
        let lists = list_names(g, m.entity);
        writeln!(
            out,
            "  {:.2}  {}  ({}; matched {:?}){}",
            m.score,
            e.primary_name(),
            e.id,
            m.matched_name,
            if lists.is_empty() {
                String::new()
            } else {
                format!("  LISTED: {}", lists.join(", "))
            }
        )?;
        if let Some(p) = m.paths.first() {
            let mut chain = vec![e.primary_name().to_string()];
            for h in &p.hops {
                let to = g.entity(h.to);
                let l = list_names(g, h.to);
                chain.push(format!(
                    "-{}-> {}{}",
                    g.edge(h.edge).kind,
                    to.primary_name(),
                    if l.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", l.join(", "))
                    }
                ));
            }
            writeln!(out, "        exposed via {}", chain.join(" "))?;
        }
        if explain {
            for f in &m.features {
                writeln!(out, "        {:16} {:+.3}  {}", f.name, f.value, f.detail)?;
            }
        }
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.threshold),
        "--threshold {} is not in [0, 1]",
        args.threshold
    );
    let rows: Vec<Row> = match &args.input {
        Some(p) => read_rows(p, &args.column)?,
        None => args
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| check_row(n.as_bytes()).map_err(|e| format!("name {}: {e}", i + 1)))
            .collect(),
    };
    anyhow::ensure!(
        !rows.is_empty() || args.input.is_some(),
        "give names to screen or --input FILE"
    );
    let ds = crate::dataset::load(&[], None)?;
    let g = &ds.graph;
    let screener = Screener::new(g);
    let bar = (args.input.is_some() && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(rows.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} names {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut used, mut rejected, mut hits) = (0u64, 0u64, 0u64);
    for (i, row) in rows.iter().enumerate() {
        match row {
            Err(reason) => {
                rejected += 1;
                let row_no = i + 1;
                if args.json {
                    let result = ScreenResult {
                        query: None,
                        row: Some(row_no),
                        error: Some(reason.clone()),
                        matches: Vec::new(),
                    };
                    serde_json::to_writer(&mut out, &result)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "(row {row_no} rejected: {reason})")?;
                }
                if let Some(b) = &bar {
                    b.suspend(|| eprintln!("unmask: {reason}"));
                } else if args.json {
                    eprintln!("unmask: {reason}");
                }
            }
            Ok(name) => {
                used += 1;
                let mut q = Query::new(name);
                q.threshold = args.threshold;
                q.limit = args.limit;
                q.country = args.country.as_deref();
                let ms = screener.screen(&q);
                hits += u64::from(!ms.is_empty());
                if args.json {
                    let result = ScreenResult {
                        query: Some(name.clone()),
                        row: None,
                        error: None,
                        matches: ms.iter().map(|m| m.report(g)).collect(),
                    };
                    serde_json::to_writer(&mut out, &result)?;
                    writeln!(out)?;
                } else {
                    print_table(&mut out, g, name, &ms, args.explain)?;
                }
            }
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    out.flush()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    eprintln!(
        "unmask: screen: {} read, {used} used, {rejected} rejected; {hits} with a match",
        rows.len()
    );
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Number of names to screen.
    #[arg(long, default_value_t = 100_000)]
    names: usize,
}

/// Deterministic pseudo-random numbers (xorshift64*).
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

fn perturb(name: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    match rng.below(5) {
        0 if chars.len() > 3 => {
            let i = rng.below(chars.len());
            chars.remove(i);
        }
        1 if chars.len() > 3 => {
            let i = rng.below(chars.len() - 1);
            chars.swap(i, i + 1);
        }
        2 => return name.to_uppercase(),
        3 => return format!("{name} Ltd."),
        _ => {}
    }
    chars.into_iter().collect()
}

fn random_company(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "North", "Blue", "Silver", "Atlas", "Delta", "Pioneer", "Summit", "Harbor", "Green",
        "Prime", "Alpine", "Coastal", "United", "Golden", "Eastern", "Apex", "Vertex", "Orion",
        "Falcon",
    ];
    const B: &[&str] = &[
        "Logistics",
        "Foods",
        "Textiles",
        "Analytics",
        "Mining",
        "Pharma",
        "Robotics",
        "Trading",
        "Energy",
        "Motors",
        "Software",
        "Security",
        "Optics",
        "Marine",
        "Steel",
        "Media",
    ];
    const C: &[&str] = &[
        "Ltd.",
        "GmbH",
        "Inc.",
        "S.A.",
        "LLC",
        "Co., Ltd.",
        "B.V.",
        "plc",
        "",
    ];
    let mut s = format!("{} {}", A[rng.below(A.len())], B[rng.below(B.len())]);
    if rng.below(3) == 0 {
        s.push_str(&format!(" {}", rng.below(1000)));
    }
    let c = C[rng.below(C.len())];
    if !c.is_empty() {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// Screens `names` queries (half list names with perturbations, half random company names) on
/// one thread; prints names/s, latency percentiles, index build time and peak memory.
pub fn bench(args: BenchArgs) -> anyhow::Result<u8> {
    let t0 = Instant::now();
    let ds = unmask_lists::bundled();
    let load = t0.elapsed();
    let g = &ds.graph;
    let t1 = Instant::now();
    let screener = Screener::new(g);
    let build = t1.elapsed();
    let all_names: Vec<&str> = g
        .entities()
        .iter()
        .flat_map(|e| e.names.iter().map(|n| n.value.as_str()))
        .collect();
    anyhow::ensure!(!all_names.is_empty(), "the bundled dataset has no names");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let queries: Vec<String> = (0..args.names)
        .map(|i| {
            if i % 2 == 0 {
                perturb(all_names[rng.below(all_names.len())], &mut rng)
            } else {
                random_company(&mut rng)
            }
        })
        .collect();
    let mut lat: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    let t = Instant::now();
    for q in &queries {
        let s = Instant::now();
        let ms = screener.screen(&Query::new(q));
        lat.push(s.elapsed());
        hits += usize::from(!ms.is_empty());
    }
    let total = t.elapsed();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "screen bench: {} entities, {} indexed names; load {:.0} ms, index {:.0} ms",
        g.len(),
        screener.name_count(),
        load.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    println!(
        "{} names in {:.2} s on one thread: {:.0} names/s; latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {} with a match",
        queries.len(),
        total.as_secs_f64(),
        queries.len() as f64 / total.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        hits
    );
    if let Some(kib) = crate::bench_cmd::peak_rss_kib() {
        println!("peak memory {:.0} MiB", kib as f64 / 1024.0);
    }
    Ok(0)
}
