//! Benchmarks of unmask and the generators behind them (not published). Each benchmark runs on
//! a corpus that is generated deterministically or checked in, checks its own result (a bench
//! that finds nothing fails) and returns its figures as a value whose `Display` is the report
//! the `unmask bench …` command prints. Performance goals live here, never in timed unit tests.
//!
//! - [`load`]: decompress, read and merge the whole bundled dataset;
//! - [`screen`]: names per second and latency percentiles over perturbed list names and
//!   random company names ([`gen::perturb`], [`gen::random_company`]);
//! - [`scan`]: assets per second, cold and warm, over assets drawn from the IEEE registry
//!   ([`gen::assets`]);
//! - [`flows`]: records per second of the readers and of the whole flow pipeline over a large
//!   conn.log ([`gen::conn_log`]), beside `wc -l` on the same file;
//! - [`peak_rss_kib`]: the process's peak resident memory.
//!
//! ```
//! let mut rng = unmask_bench::Rng::new(7);
//! let a = unmask_bench::gen::random_company(&mut rng);
//! let b = unmask_bench::gen::random_company(&mut unmask_bench::Rng::new(7));
//! assert_eq!(a, b); // deterministic corpora
//! ```

mod flows;
pub mod gen;
mod rng;
mod small;

pub use flows::{flows, FlowsBench, FlowsFigures};
pub use rng::Rng;
pub use small::{load, scan, screen, LoadFigures, ScanFigures, ScreenFigures};

use std::path::{Path, PathBuf};

/// Why a benchmark could not run or did not find what it must.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Flows(#[from] unmask_flows::FlowError),
    #[error(transparent)]
    Enrich(#[from] unmask_enrich::EnrichError),
    /// The benchmark's own check failed.
    #[error("benchmark check failed: {0}")]
    Check(String),
}

impl BenchError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        BenchError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), BenchError> {
    if ok {
        Ok(())
    } else {
        Err(BenchError::Check(what()))
    }
}

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `12.3 MiB`, or `?` when unknown.
fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// The best and the median of some timings (seconds).
fn best_median(runs: &mut [f64]) -> (f64, f64) {
    runs.sort_by(f64::total_cmp);
    (
        runs.first().copied().unwrap_or(0.0),
        runs.get(runs.len() / 2).copied().unwrap_or(0.0),
    )
}
