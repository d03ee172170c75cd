//! `unmask flows PATH...`: reads flow files into the shared analysis of [`crate::flow_analysis`].

use crate::flow_analysis::{analyse, tee_ref, AnalysisArgs, Inputs};
use anyhow::Context;
use std::path::PathBuf;
use unmask_flows::FlowRecord;
use unmask_flows::ReadReport;

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

/// Streams every record of `paths` into `sink`; with `parquet`, every record is also written
/// there (its `source_file` is the PATH given).
fn read_all(
    paths: &[PathBuf],
    mut parquet: Option<&mut unmask_parquet::FlowParquetWriter>,
    sink: &mut dyn FnMut(&FlowRecord),
) -> anyhow::Result<Inputs> {
    let opts = unmask_flows::ReadOptions::default();
    let mut outcome = ReadReport::default();
    for p in paths {
        if let Some(w) = parquet.as_deref_mut() {
            w.set_source_file(Some(&p.display().to_string()));
        }
        let mut each = tee_ref(parquet.as_deref_mut(), sink);
        let rep = unmask_flows::read_path_batches(p, &opts, &mut |b| b.iter().for_each(&mut each))
            .with_context(|| format!("reading {}", p.display()))?;
        outcome.merge(rep, opts.max_diagnostics);
    }
    let from = format!("{} file(s)", outcome.files.len());
    Ok(Inputs { outcome, from })
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    analyse(&args.analysis, &mut |parquet, sink| {
        read_all(&args.paths, parquet, sink)
    })
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
