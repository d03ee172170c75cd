//! Loading the bundled dataset (or user list files) into the entity graph, shared by the
//! commands. Prints one line of diagnostics summary to stderr.

use std::path::PathBuf;

/// Loads the bundled dataset when `from` is empty, else the given files and directories
/// (format detected, or forced by `format`). Unreadable files are reported on stderr and the
/// rest is still loaded; it fails only when nothing could be loaded.
pub fn load(from: &[PathBuf], format: Option<String>) -> anyhow::Result<unmask_lists::Dataset> {
    let format = format
        .as_deref()
        .map(str::parse::<unmask_lists::Format>)
        .transpose()?;
    let ds = if from.is_empty() {
        unmask_lists::bundled()
    } else {
        unmask_lists::load_paths(from, format)
    };
    for e in &ds.errors {
        eprintln!("unmask: error: {e}");
    }
    if ds.sources.is_empty() {
        anyhow::bail!("no list could be loaded");
    }
    let c = ds.counts();
    let n_diag = ds.diagnostics().count();
    eprintln!(
        "unmask: {} entities from {} sources ({c}; {n_diag} diagnostics{})",
        ds.graph.len(),
        ds.sources.len(),
        if n_diag > 0 {
            ", see `unmask lists --diagnostics`"
        } else {
            ""
        }
    );
    Ok(ds)
}
