//! The walks over a block of whole lines of a Zeek TSV log, and the row glue ([`fields`]).

use std::io::Read;

use crate::blocks::BlockReader;
use crate::text::{
    fill_masks, parse_secs_us, push_starts, split_line, trim_cr, Bits, Lines, Starts, Windows,
    MAX_FIELDS, STARTS,
};
use crate::{Ctx, Format, ReadReport};

use super::fast::{fast_record, planned_record};
use super::header::{header_line, Layout, Plan, DEFAULT_FIELDS, NAMES, SENTINEL};
use super::reference::{tsv_record, Row};

/// What a TSV read carries from line to line: the header's layout and the header-less guess.
pub(super) struct Tsv {
    lay: Layout,
    starts: Starts,
    /// Separator and newline masks of the block being read, one word per 64 bytes.
    seps: Vec<u64>,
    nls: Vec<u64>,
    warned_headerless: bool,
    headerless_rejects: u64,
    /// On a parsing thread: stop at a header line, which only the reading thread reads, and
    /// say where in `stopped`.
    stop_at_header: bool,
    stopped: Option<usize>,
}

impl Tsv {
    pub(super) fn new(lay: Layout) -> Self {
        Tsv {
            lay,
            starts: sentinel_starts(),
            seps: Vec::new(),
            nls: Vec::new(),
            warned_headerless: false,
            headerless_rejects: 0,
            stop_at_header: false,
            stopped: None,
        }
    }

    /// Whether data rows leave the state as it is, so that a copy of the layout can parse
    /// them elsewhere (a file without `#fields` has its columns guessed from its first row).
    fn rows_stateless(&self) -> bool {
        self.lay.have_fields || self.lay.other_path.is_some()
    }

    /// Reads the rest of the input line by line.
    pub(super) fn lines<R: Read>(&mut self, ctx: &mut Ctx<'_>, mut lines: Lines<R>) {
        loop {
            match lines.next_line() {
                Ok(Some((no, line, cut))) => self.line(ctx, no, line, cut),
                Ok(None) => break,
                Err(e) => {
                    ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                    break;
                }
            }
        }
    }

    /// Reads a block of whole lines, the first numbered `no + 1`; `no` ends at the last.
    /// Separators and newlines are found together, 64 bytes at a time, and data rows are
    /// parsed where they lie; header lines and rows before `#fields` go through
    /// [`Tsv::line`]. Bytes after the last `\n` are ignored.
    fn block(&mut self, ctx: &mut Ctx<'_>, block: &[u8], no: &mut u64) {
        // A header line that gives or takes away a plan hands the rest of the block to the
        // other walk; each walk reads at least that line.
        let mut at = 0;
        while at < block.len() {
            let rest = &block[at..];
            let stop = match self.lay.plan() {
                Some(plan) => self.block_planned(ctx, rest, no, plan),
                None => self.block_masked(ctx, rest, no),
            };
            if let Some(h) = self.stopped.as_mut() {
                *h += at;
                break;
            }
            match stop {
                Some(n) if n > 0 => at += n,
                _ => break,
            }
        }
    }

    /// [`Tsv::block`] for a layout with a [`Plan`]: the masks of the whole block first, then
    /// each row's separators are taken in column order, with no field starts written; a row
    /// the plan does not fit is split and read as [`Tsv::line`] reads it.
    /// Returns where a header line left a layout without a plan, for [`Tsv::block_masked`].
    fn block_planned(
        &mut self,
        ctx: &mut Ctx<'_>,
        block: &[u8],
        no: &mut u64,
        mut plan: Plan,
    ) -> Option<usize> {
        let sep = self.lay.sep[0];
        let (mut seps_m, mut nls_m) = (
            std::mem::take(&mut self.seps),
            std::mem::take(&mut self.nls),
        );
        fill_masks(block, sep, b'\n', &mut seps_m, &mut nls_m);
        let mut seps = Bits::new(&seps_m);
        let mut nls = Bits::new(&nls_m);
        let mut row_start = 0usize;
        let mut rest = None;
        // The counts and the sink's buffer in locals for the run of planned rows; each other
        // line gives them back first.
        let (mut read, mut used, mut n) = (0u64, 0u64, *no);
        let mut out = ctx.pushes();
        loop {
            let q = nls.pop();
            if q == Bits::NONE {
                break;
            }
            n += 1;
            let line = trim_cr(&block[row_start..q]);
            let Some(&first) = line.first() else {
                row_start = q + 1;
                continue;
            };
            if first != b'#' && fast_path_on() {
                let end = row_start + line.len();
                if let Some(rec) = planned_record(&mut seps, block, row_start, end, &self.lay, plan)
                {
                    #[cfg(test)]
                    PLANNED_ROWS.with(|c| c.set(c.get() + 1));
                    read += 1;
                    used += 1;
                    out.push(ctx, rec);
                    row_start = q + 1;
                    continue;
                }
            }
            ctx.put_pushes(out);
            if first == b'#' && self.stop_at_header {
                n -= 1;
                self.stopped = Some(row_start);
                out = ctx.pushes();
                break;
            }
            if first == b'#' {
                self.line(ctx, n, line, false);
                out = ctx.pushes();
                match self.lay.plan() {
                    Some(p) if self.lay.sep[..] == [sep] => plan = p,
                    _ => {
                        rest = Some(q + 1);
                        break;
                    }
                }
            } else {
                // The end of [`Tsv::line`], inline: a call to it here made every row cost
                // ~2% more instructions (the hot loop compiled worse).
                read += 1;
                let k = split_line(line, &self.lay.sep, &mut self.starts);
                fields(ctx, &self.lay, &self.starts, k, line, n, line, false);
                out = ctx.pushes();
            }
            seps.seek(q + 1);
            row_start = q + 1;
        }
        ctx.put_pushes(out);
        ctx.report.counts.read += read;
        ctx.report.counts.used += used;
        *no = n;
        (self.seps, self.nls) = (seps_m, nls_m);
        rest
    }

    /// [`Tsv::block`] for any layout: the field starts of each row from the masks. Returns
    /// where a header line gave the layout a plan, for [`Tsv::block_planned`].
    fn block_masked(&mut self, ctx: &mut Ctx<'_>, block: &[u8], no: &mut u64) -> Option<usize> {
        let sep = match self.lay.sep[..] {
            [b] if b != b'\n' => b,
            _ => {
                self.block_by_lines(ctx, block, no);
                return None;
            }
        };
        let mut row_start = 0usize;
        let mut n = 1usize;
        self.starts[0] = 0;
        for (base, mut seps, mut nls) in Windows::new(block, sep, b'\n') {
            while nls != 0 {
                let q = nls.trailing_zeros() as usize;
                let before = seps & ((1u64 << q) - 1);
                n = push_starts(&mut self.starts, n, before, base);
                seps ^= before;
                let end = base + q;
                if self.stop_at_header && block[row_start] == b'#' {
                    self.stopped = Some(row_start);
                    return None;
                }
                *no += 1;
                if !self.row_in_block(ctx, *no, block, row_start, end, n, sep) {
                    // A `#separator` line changed the separator: the masks ahead are of
                    // the old one.
                    self.block_by_lines(ctx, &block[end + 1..], no);
                    return None;
                }
                if block[row_start] == b'#' && self.lay.plan().is_some() {
                    return Some(end + 1);
                }
                row_start = end + 1;
                n = 1;
                self.starts[0] = row_start as u32;
                nls &= nls - 1;
            }
            n = push_starts(&mut self.starts, n, seps, base);
        }
        None
    }

    /// [`Tsv::block`] one line at a time.
    fn block_by_lines(&mut self, ctx: &mut Ctx<'_>, block: &[u8], no: &mut u64) {
        let mut s = 0;
        for p in memchr::memchr_iter(b'\n', block) {
            if self.stop_at_header && block[s] == b'#' {
                self.stopped = Some(s);
                return;
            }
            *no += 1;
            self.line(ctx, *no, trim_cr(&block[s..p]), false);
            s = p + 1;
        }
    }

    /// The row `block[start..end]` (without its `\n`), whose `n` fields start at
    /// `self.starts`; false when it changed the separator from `sep`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn row_in_block(
        &mut self,
        ctx: &mut Ctx<'_>,
        no: u64,
        block: &[u8],
        start: usize,
        end: usize,
        n: usize,
        sep: u8,
    ) -> bool {
        let line = trim_cr(&block[start..end]);
        let Some(&first) = line.first() else {
            return true;
        };
        if first == b'#' || !self.lay.have_fields || self.lay.other_path.is_some() {
            self.line(ctx, no, line, false);
            return self.lay.sep[..] == [sep];
        }
        ctx.report.counts.read += 1;
        // The last field ends before a trailing `\r` too.
        self.starts[n & (STARTS - 1)] = (start + line.len() + 1) as u32;
        fields(ctx, &self.lay, &self.starts, n, block, no, line, false);
        true
    }

    /// One line; `cut` says it lacked its newline (the input ended mid-line).
    pub(super) fn line(&mut self, ctx: &mut Ctx<'_>, no: u64, line: &[u8], cut: bool) {
        let lay = &mut self.lay;
        if line.is_empty() {
            return;
        }
        if line[0] == b'#' {
            header_line(ctx, lay, no, line);
            return;
        }
        ctx.report.counts.read += 1;
        if lay.other_path.is_some() {
            ctx.report.skipped += 1;
            return;
        }
        if !lay.have_fields {
            let nf = memchr::memchr_iter(b'\t', line).count() + 1;
            let first = line.split(|&b| b == b'\t').next().unwrap_or(b"");
            if nf >= DEFAULT_FIELDS.len() && parse_secs_us(first).is_some() {
                lay.set_fields(DEFAULT_FIELDS.iter().map(|s| s.as_bytes()));
                ctx.diag(
                    no,
                    b"",
                    "no #fields header: assuming Zeek's default conn.log columns",
                );
            } else {
                self.headerless_rejects += 1;
                ctx.report.counts.rejected += 1;
                if !self.warned_headerless {
                    self.warned_headerless = true;
                    ctx.diag(
                        no,
                        line,
                        "not a Zeek conn.log: no #fields header before this row and it does not fit the default conn columns",
                    );
                }
                return;
            }
        }
        let n = split_line(line, &lay.sep, &mut self.starts);
        fields(ctx, lay, &self.starts, n, line, no, line, cut);
    }

    pub(super) fn finish(self, mut ctx: Ctx<'_>) -> ReadReport {
        if self.headerless_rejects > 1 {
            ctx.diag(
                0,
                b"",
                format!(
                    "{} rows rejected: file has no Zeek #fields header",
                    self.headerless_rejects
                ),
            );
        }
        ctx.finish(Format::ZeekTsv)
    }
}

#[cfg(not(test))]
#[inline(always)]
fn fast_path_on() -> bool {
    true
}

#[cfg(test)]
thread_local! {
    /// Off on a test's own thread to read the reference without [`fast_record`].
    pub(super) static FAST_PATH: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// Rows this thread read through [`tsv_record`].
    pub(super) static SLOW_ROWS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Rows this thread read by a [`Plan`].
    pub(super) static PLANNED_ROWS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
fn fast_path_on() -> bool {
    FAST_PATH.with(|f| f.get())
}

fn sentinel_starts() -> Starts {
    let mut starts = [0; 2 * STARTS];
    // `1..2 - 1`: empty, with the one-byte separator of the fast path.
    starts[SENTINEL] = 1;
    starts[SENTINEL + 1] = 2;
    starts
}

/// A data row of `n` fields starting at `starts` in `buf`: checks the column count, then
/// emits the record or rejects the row naming the column and value.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fields(
    ctx: &mut Ctx<'_>,
    lay: &Layout,
    starts: &Starts,
    n: usize,
    buf: &[u8],
    no: u64,
    line: &[u8],
    cut: bool,
) {
    if n > MAX_FIELDS {
        ctx.reject(
            no,
            line,
            format!("row has {n} columns, more than {MAX_FIELDS} supported"),
        );
        return;
    }
    if n < lay.nfields {
        let why = if cut {
            format!(
                "row cut short at end of file: {n} of {} columns",
                lay.nfields
            )
        } else {
            format!("row has {n} of the {} columns in #fields", lay.nfields)
        };
        ctx.reject(no, line, why);
        return;
    }
    let row = Row {
        buf,
        starts,
        seplen: lay.sep.len() as u32,
        idx: &lay.idx,
        cols: &lay.cols,
        unset: &lay.unset,
        empty: &lay.empty,
    };
    if row.seplen == 1 && fast_path_on() {
        if let Some(rec) = fast_record(&row) {
            return ctx.emit(rec);
        }
    }
    #[cfg(test)]
    SLOW_ROWS.with(|c| c.set(c.get() + 1));
    match tsv_record(&row) {
        Ok(rec) => ctx.emit(rec),
        Err((k, v, why)) => {
            let v = v.to_vec();
            ctx.reject(no, &v, format!("{}: {why}", NAMES[k]));
        }
    }
}

impl BlockReader for Tsv {
    type Layout = Layout;
    const THREAD_NAME: &'static str = "zeek-tsv";

    fn for_thread() -> Self {
        let mut st = Tsv::new(Layout::new());
        st.stop_at_header = true;
        st
    }
    fn layout(&self) -> &Layout {
        &self.lay
    }
    fn set_layout(&mut self, lay: Layout) {
        self.lay = lay;
    }
    fn rows_stateless(&self) -> bool {
        self.rows_stateless()
    }
    fn block(&mut self, ctx: &mut Ctx<'_>, block: &[u8], no: &mut u64) -> Option<usize> {
        self.block(ctx, block, no);
        self.stopped.take()
    }
    fn lines<R: Read>(&mut self, ctx: &mut Ctx<'_>, lines: Lines<R>) {
        self.lines(ctx, lines);
    }
    fn cut_line(&mut self, ctx: &mut Ctx<'_>, no: u64, line: &[u8]) {
        self.line(ctx, no, line, true);
    }
}
