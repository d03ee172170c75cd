//! `unmask bench …`: a thin entry to the benchmarks of `unmask-bench`, which print their figures
//! (never timed unit tests).

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Load the whole bundled dataset into the graph: time and peak memory.
    Load {
        /// How many times to load the bundled dataset.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Screen many names against the bundled dataset: names/s and latency percentiles.
    Screen {
        /// Number of names to screen.
        #[arg(long, default_value_t = 100_000)]
        names: usize,
    },
    /// Attribute many assets: assets/s.
    Scan {
        /// How many assets to generate and attribute.
        #[arg(long, default_value_t = 1_000_000)]
        assets: usize,
        /// Distinct manufacturer strings in the generated inventory.
        #[arg(long, default_value_t = 2_000)]
        manufacturers: usize,
    },
    /// Read and analyse a large conn.log: records/s, peak memory, and `wc -l` time.
    Flows(FlowsArgs),
}

#[derive(Debug, clap::Args)]
struct FlowsArgs {
    /// An existing conn.log to measure; without it one is generated.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Records to generate.
    #[arg(long, default_value_t = 10_000_000)]
    records: u64,
    /// Where to write the generated file (default: the system temp directory).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the generated file.
    #[arg(long)]
    keep: bool,
    /// Networks treated as internal besides RFC 1918/4193 (repeatable). The shared logs' server
    /// 64.225.56.201 keeps its /16 when replayed, so `--also-internal 64.225.0.0/16` makes its
    /// outbound traffic count as internal→external.
    #[arg(long, value_name = "CIDR")]
    also_internal: Vec<String>,
    /// Flow logs to replay when generating (default: `$UNMASK_SHARED_DATA/net/zeek` when that
    /// is set, else the generator's built-in mix).
    #[arg(long, value_name = "PATH")]
    replay: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.what {
        What::Load { runs } => println!("{}", unmask_bench::load(runs)?),
        What::Screen { names } => println!("{}", unmask_bench::screen(names)?),
        What::Scan {
            assets,
            manufacturers,
        } => println!("{}", unmask_bench::scan(assets, manufacturers)?),
        What::Flows(a) => {
            let replay = a.replay.or_else(|| {
                std::env::var_os("UNMASK_SHARED_DATA")
                    .map(|d| PathBuf::from(d).join("net/zeek"))
                    .filter(|d| d.exists())
            });
            let bench = unmask_bench::FlowsBench {
                file: a.file,
                records: a.records,
                out: a.out,
                keep: a.keep,
                also_internal: a.also_internal,
                replay,
            };
            println!("{}", unmask_bench::flows(&bench)?);
        }
    }
    Ok(0)
}
