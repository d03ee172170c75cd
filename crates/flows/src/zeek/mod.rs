//! Zeek conn.log readers: the tab-separated form driven by its header lines, and JSON.

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
