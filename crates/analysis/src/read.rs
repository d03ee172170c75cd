//! What reading the flow inputs of a run gave, over several paths or a live source.

use std::path::Path;
use unmask_flows::{FlowError, FlowRecord, ReadOptions, ReadReport};
use unmask_model::{Diagnostic, RowCounts};

/// Counts and diagnostics of every input of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOutcome {
    pub counts: RowCounts,
    /// Rows that are not flows (other EVE events, comments): neither used nor rejected.
    pub skipped: u64,
    /// The first diagnostics, at most [`ReadOptions::max_diagnostics`].
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics beyond those, counted only.
    pub diagnostics_dropped: u64,
    /// Files read.
    pub files: usize,
}

impl ReadOutcome {
    /// Adds the report of one read.
    pub fn add(&mut self, rep: ReadReport, max_diagnostics: usize) {
        self.counts.add(rep.counts);
        self.skipped += rep.skipped;
        self.files += rep.files.len();
        self.diagnostics_dropped += rep.diagnostics_dropped;
        for d in rep.diagnostics {
            if self.diagnostics.len() < max_diagnostics {
                self.diagnostics.push(d);
            } else {
                self.diagnostics_dropped += 1;
            }
        }
    }

    /// Reads one file or directory, handing its records to `sink` in file order (by batches,
    /// the readers' fastest way), and adds its report.
    pub fn read_path(
        &mut self,
        path: &Path,
        opts: &ReadOptions,
        sink: &mut dyn FnMut(&FlowRecord),
    ) -> Result<(), FlowError> {
        let rep =
            unmask_flows::read_path_batches(path, opts, &mut |b| b.iter().for_each(&mut *sink))?;
        self.add(rep, opts.max_diagnostics);
        Ok(())
    }
}
