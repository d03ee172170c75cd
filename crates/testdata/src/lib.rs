//! Test-only helper: the one place that knows where the shared real data files are.
//!
//! The tests, examples and benchmarks of every crate read the real list, vendor and network
//! files of `../shared/data` (each folder has a PROVENANCE.md). This crate resolves that folder
//! once: `$UNMASK_SHARED_DATA` when set, else `shared/data` beside the workspace checkout. It is
//! a dev-dependency only; no release binary links it, so nothing shipped points at `../shared`.
//!
//! ```
//! let dir = unmask_testdata::shared_dir();
//! assert!(dir.ends_with("data") || std::env::var_os("UNMASK_SHARED_DATA").is_some());
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The shared data folder: `$UNMASK_SHARED_DATA`, else `../shared/data` from the workspace root.
pub fn shared_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os("UNMASK_SHARED_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
            })
    })
}

/// `rel` under the shared data folder (not checked: see [`existing`]).
pub fn shared(rel: &str) -> PathBuf {
    shared_dir().join(rel)
}

/// `rel` under the shared data folder; panics with a message that says how to point the tests
/// elsewhere when it is missing.
pub fn existing(rel: &str) -> PathBuf {
    let p = shared(rel);
    assert!(
        p.exists(),
        "{} not found: the tests read ../shared/data (or set UNMASK_SHARED_DATA)",
        p.display()
    );
    p
}

/// The bytes of `rel` under the shared data folder; panics naming the file when unreadable.
pub fn read(rel: &str) -> Vec<u8> {
    let p = shared(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} (set UNMASK_SHARED_DATA)", p.display()))
}

/// The text of `rel` (lossy UTF-8).
pub fn read_text(rel: &str) -> String {
    String::from_utf8_lossy(&read(rel)).into_owned()
}
