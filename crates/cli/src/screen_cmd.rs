//! `unmask screen`: names against the restricted entities and their relations.

use anyhow::Context;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
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
    let screener = Screener::new(ds.graph.clone());
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
