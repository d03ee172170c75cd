//! `unmask lists`: the loaded list sources with their dates and counts.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Load these list files or directories instead of the bundled dataset.
    #[arg(long, value_name = "PATH")]
    from: Vec<PathBuf>,
    /// Force the format of the --from files: ofac-sdn, ofac-cons, csl, un, dpl, fcc, ftm,
    /// curated-vendors, curated-apps.
    #[arg(long)]
    format: Option<String>,
    /// One JSON object per source per line.
    #[arg(long)]
    json: bool,
    /// Print every diagnostic (file:line: reason (value)).
    #[arg(long)]
    diagnostics: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let ds = crate::dataset::load(&args.from, args.format)?;
    if args.json {
        for s in &ds.sources {
            let v = serde_json::json!({
                "id": s.info.id,
                "title": s.info.title,
                "date": s.info.date,
                "origin": s.info.origin,
                "licence": s.info.licence,
                "format": s.format.name(),
                "files": s.files,
                "entities": s.entities,
                "names": s.names,
                "relations": s.relations,
                "memberships": s.memberships,
                "rows": {"read": s.counts.read, "used": s.counts.used, "rejected": s.counts.rejected},
                "diagnostics": s.diagnostics.len(),
            });
            println!("{v}");
        }
    } else {
        let date = |d: &str| {
            if d.is_empty() {
                "?".to_string()
            } else {
                d.to_string()
            }
        };
        let wid = ds
            .sources
            .iter()
            .map(|s| s.info.id.len())
            .chain([6])
            .max()
            .unwrap_or(6);
        let wdate = ds
            .sources
            .iter()
            .map(|s| date(&s.info.date).len())
            .chain([4])
            .max()
            .unwrap_or(4);
        println!(
            "{:<wid$} {:<wdate$} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8}  title",
            "source", "date", "entities", "names", "relations", "read", "used", "rejected"
        );
        for s in &ds.sources {
            println!(
                "{:<wid$} {:<wdate$} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8}  {}",
                s.info.id,
                date(&s.info.date),
                s.entities,
                s.names,
                s.relations,
                s.counts.read,
                s.counts.used,
                s.counts.rejected,
                s.info.title
            );
        }
        let merged = (0..ds.graph.len() as u32)
            .filter(|&i| !ds.graph.merge_notes(i).is_empty())
            .count();
        let resolved = ds.graph.edges().iter().filter(|e| e.to.is_some()).count();
        println!(
            "graph: {} entities ({} merged from several sources), {} relations ({} resolved)",
            ds.graph.len(),
            merged,
            ds.graph.edges().len(),
            resolved
        );
    }
    if args.diagnostics {
        for d in ds.diagnostics() {
            if args.json {
                println!("{}", serde_json::json!({"diagnostic": d}));
            } else {
                println!("{d}");
            }
        }
    }
    Ok(if ds.errors.is_empty() { 0 } else { 1 })
}
