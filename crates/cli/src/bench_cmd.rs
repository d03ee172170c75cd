//! `unmask bench …`: benchmarks that print their figures (never timed unit tests).

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Load the whole bundled dataset into the graph: time and peak memory.
    Load(crate::lists_cmd::BenchArgs),
    /// Screen many names against the bundled dataset: names/s and latency percentiles.
    Screen(crate::screen_cmd::BenchArgs),
    /// Attribute many assets: assets/s.
    Scan(crate::scan_cmd::BenchArgs),
    /// Read and analyse a large conn.log: records/s, peak memory, and `wc -l` time.
    Flows(crate::flows_cmd::BenchArgs),
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.what {
        What::Load(a) => crate::lists_cmd::bench(a),
        What::Screen(a) => crate::screen_cmd::bench(a),
        What::Scan(a) => crate::scan_cmd::bench(a),
        What::Flows(a) => crate::flows_cmd::bench(a),
    }
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
