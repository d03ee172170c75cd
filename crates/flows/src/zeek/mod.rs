//! Zeek conn.log readers: the tab-separated form driven by its header lines, and JSON.
//!
//! How a TSV block is read, fastest first:
//!
//! - A block's separators and newlines are found together as 64-byte bit masks (`wide` SIMD,
//!   safe code).
//! - When the `#fields` are Zeek's default columns in order (after leading columns such as
//!   `_node_name`, before trailing ones such as `ip_proto` or labels: a [`header`] `Plan`),
//!   each row's separators are popped from the masks in column order (`walk`, `fast`'s
//!   `planned_record`) and no field starts are written; any other layout, or a row the plan
//!   does not fit (too few or too many columns), goes by field starts (`Row`). A header line
//!   that gives or takes away a plan hands the rest of the block to the other walk.
//! - Data rows go first through the fast path (`fast`: epoch times as sixteen digits in one
//!   vector paired by multiply-adds, dotted quads sixteen bytes at a time with each octet's
//!   word kept by its digit flags, counts, ports and durations as words, protocol and state
//!   names by a perfect-hash table of their tags), which returns `None` for anything unusual;
//!   the general parser ([`reference`]) then decides and names the column and value. Both give
//!   the same record: the tests read every sample and proptest fragments with the fast path
//!   off on the reference side, count the rows the plan took, and try every byte in every
//!   digit place.
//! - Planned rows push into the sink's buffer taken for the run (`Ctx::pushes`), with no
//!   dispatch on the sink per record.
//! - Blocks after the first are parsed by the pool of [`crate::blocks`]; a parsing thread stops
//!   at a header line, and the reading thread reads every header line, finishing that block
//!   itself and reading again the blocks in flight if the layout changed (so it never scans
//!   blocks for `#`). Cut last lines and over-long lines stay on the reading thread too.

use std::io::Read;

use crate::blocks;
use crate::{Ctx, FlowRecord, Out, ReadOptions, ReadReport};

mod fast;
mod header;
mod json;
mod reference;
#[cfg(test)]
mod tests;
mod walk;

pub use json::read_zeek_json;
pub(crate) use json::{json_get, json_u64};

use header::Layout;
use walk::Tsv;

/// Reads a Zeek conn.log (or open_conn.log) in TSV form. The header lines drive the parse:
/// `#separator` (with `\x09` escapes), `#set_separator`, `#empty_field`, `#unset_field`,
/// `#path`, `#fields` (columns found by name, so extra columns such as `_node_name` or
/// trailing labels are fine), `#types`, `#open`/`#close`; a header may change mid-file (logs
/// concatenated). Rows cut short are rejected with a diagnostic. Logs whose `#path` is not a
/// connection log are skipped. A file without `#fields` is read with Zeek's default conn
/// columns if its rows fit them, else every row is rejected.
///
/// An input larger than a block (1 MiB) is parsed on up to as many threads as there are
/// cores while this thread reads ahead; `sink` is still called on this thread, in file order.
pub fn read_zeek_tsv(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    read_zeek_tsv_to(input, file, opts, &mut Out::Each(sink))
}

/// [`read_zeek_tsv`] to either kind of sink.
pub(crate) fn read_zeek_tsv_to(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    out: &mut Out<'_>,
) -> ReadReport {
    read_tsv_blocks(input, file, opts, out, BLOCK, blocks::threads())
}

/// Bytes of input handed to a parsing thread at a time.
const BLOCK: usize = 1 << 20;

/// The TSV reader over blocks of `block` bytes, on `threads` parsing threads.
fn read_tsv_blocks(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    out: &mut Out<'_>,
    block: usize,
    threads: usize,
) -> ReadReport {
    let mut ctx = Ctx::to(file, opts, out.sink());
    let mut st = Tsv::new(Layout::new());
    blocks::read_blocks(input, &mut ctx, &mut st, opts, block, threads);
    st.finish(ctx)
}
