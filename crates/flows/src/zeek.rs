//! Zeek conn.log readers: the tab-separated form driven by its header lines, and JSON.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::IpAddr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::OnceLock;
use std::thread::Scope;

use serde_json::Value;

use crate::text::{
    digits8, fill_masks, parse_ip_at, parse_iso_us, parse_secs_us, parse_secs_us_at,
    parse_secs_us_cold, parse_u64, parse_u64_at, push_starts, secs_fixed, split_line, trim_cr,
    word_at, Bits, Lines, Starts, Windows, MAX_FIELDS, STARTS, TOP_BYTES,
};
use crate::{ConnState, Ctx, FlowRecord, Format, Out, ReadOptions, ReadReport, Sink};

const F_TS: usize = 0;
const F_OH: usize = 1;
const F_OP: usize = 2;
const F_RH: usize = 3;
const F_RP: usize = 4;
const F_PROTO: usize = 5;
const F_DUR: usize = 6;
const F_OB: usize = 7;
const F_RB: usize = 8;
const F_STATE: usize = 9;
const F_OPK: usize = 10;
const F_RPK: usize = 11;
const F_OIB: usize = 12;
const F_RIB: usize = 13;
const F_IPPROTO: usize = 14;
const NF: usize = 15;
const NAMES: [&str; NF] = [
    "ts",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "orig_pkts",
    "resp_pkts",
    "orig_ip_bytes",
    "resp_ip_bytes",
    "ip_proto",
];
const ABSENT: usize = usize::MAX;
/// The field-start index of an always-empty field, for absent columns: `starts[SENTINEL]`
/// and `starts[SENTINEL + 1]` delimit an empty field, past the entries rows write.
const SENTINEL: usize = STARTS;

/// Zeek's default conn.log columns, used when a file has no `#fields` header.
const DEFAULT_FIELDS: &[&str] = &[
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
];

#[derive(Clone, PartialEq)]
struct Layout {
    sep: Vec<u8>,
    unset: Vec<u8>,
    empty: Vec<u8>,
    idx: [usize; NF],
    /// `idx` as field-start indexes, an absent column pointing at the empty sentinel field.
    cols: [u16; NF],
    nfields: usize,
    have_fields: bool,
    /// The `#path` is not a connection log (dns, http, …): rows are skipped.
    other_path: Option<String>,
    /// How to read rows column by column when the columns are Zeek's defaults.
    plan: Option<Plan>,
}

/// A layout whose rows are read straight through, column by column ([`planned_record`]):
/// `lead` columns, Zeek's [`DEFAULT_FIELDS`] in their order, then `extra` more, the first
/// of them `ip_proto` when `ipp`. Real conn.logs have this shape (`_node_name` first,
/// `ip_proto` or labels last).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Plan {
    lead: usize,
    extra: usize,
    ipp: bool,
}

impl Plan {
    /// The plan of `names` whose columns of [`NAMES`] are at `idx`, if they have its shape.
    fn of(names: &[&[u8]], idx: &[usize; NF]) -> Option<Plan> {
        let lead = idx[F_TS];
        // No `ts` column: `lead` is ABSENT.
        let cols = names.get(lead..lead.checked_add(DEFAULT_FIELDS.len())?)?;
        if names.len() > MAX_FIELDS
            || cols
                .iter()
                .zip(DEFAULT_FIELDS)
                .any(|(a, b)| *a != b.as_bytes())
        {
            return None;
        }
        // Each column is taken at its first occurrence: none may come earlier.
        for (k, name) in NAMES.iter().enumerate().filter(|&(k, _)| k != F_IPPROTO) {
            let at = DEFAULT_FIELDS.iter().position(|f| f == name)?;
            if idx[k] != lead + at {
                return None;
            }
        }
        let after = lead + DEFAULT_FIELDS.len();
        let ipp = match idx[F_IPPROTO] {
            ABSENT => false,
            i if i == after => true,
            _ => return None,
        };
        Some(Plan {
            lead,
            extra: names.len() - after,
            ipp,
        })
    }
}

impl Layout {
    fn new() -> Self {
        Layout {
            sep: vec![b'\t'],
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            idx: [ABSENT; NF],
            cols: [SENTINEL as u16; NF],
            nfields: 0,
            have_fields: false,
            other_path: None,
            plan: None,
        }
    }

    /// The plan for data rows now, if they can go by one.
    fn plan(&self) -> Option<Plan> {
        match self.sep[..] {
            [b] if b != b'\n' && b != b'\r' && self.have_fields && self.other_path.is_none() => {
                self.plan
            }
            _ => None,
        }
    }

    fn set_fields<'a>(&mut self, names: impl Iterator<Item = &'a [u8]>) {
        self.idx = [ABSENT; NF];
        let names: Vec<&[u8]> = names.collect();
        for (i, name) in names.iter().enumerate() {
            if let Some(k) = NAMES.iter().position(|f| f.as_bytes() == *name) {
                if self.idx[k] == ABSENT {
                    self.idx[k] = i;
                }
            }
        }
        let n = names.len();
        self.plan = Plan::of(&names, &self.idx);
        for (c, &i) in self.cols.iter_mut().zip(&self.idx) {
            *c = if i < MAX_FIELDS {
                i as u16
            } else {
                SENTINEL as u16
            };
        }
        self.nfields = n;
        self.have_fields = true;
    }

    fn missing_required(&self) -> Vec<&'static str> {
        [F_TS, F_OH, F_RH]
            .iter()
            .filter(|&&k| self.idx[k] == ABSENT)
            .map(|&k| NAMES[k])
            .collect()
    }
}

/// Decodes `\xHH` escapes of a `#separator` value.
fn unescape(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 3 < v.len() && v.get(i + 1) == Some(&b'x') {
            let h = std::str::from_utf8(&v[i + 2..i + 4])
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok());
            if let Some(b) = h {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

fn split_fields<'l>(line: &'l [u8], sep: &[u8]) -> Vec<&'l [u8]> {
    if sep.len() == 1 {
        line.split(|&b| b == sep[0]).collect()
    } else {
        let mut out = Vec::new();
        let mut s = 0;
        for p in memchr::memmem::find_iter(line, sep) {
            if p >= s {
                out.push(&line[s..p]);
                s = p + sep.len();
            }
        }
        out.push(&line[s..]);
        out
    }
}

#[inline]
fn proto_number(name: &[u8], v6: bool) -> Option<u8> {
    Some(match name {
        b"tcp" | b"TCP" => 6,
        b"udp" | b"UDP" => 17,
        b"icmp" | b"ICMP" => {
            if v6 {
                58
            } else {
                1
            }
        }
        b"icmp6" | b"ipv6-icmp" | b"IPv6-ICMP" => 58,
        b"unknown_transport" => 0,
        _ => return parse_u64(name).and_then(|v| u8::try_from(v).ok()),
    })
}

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
    // Asked once: it reads cgroup files, and the fuzz targets call this in a loop.
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let workers = if cores > 1 { cores.min(MAX_WORKERS) } else { 0 };
    read_tsv_blocks(input, file, opts, out, BLOCK, workers)
}

/// The first block's size: a small input is read without a 1 MiB buffer.
const FIRST_BLOCK: usize = 64 * 1024;

/// Bytes of input handed to a parsing thread at a time.
const BLOCK: usize = 1 << 20;
/// Most parsing threads of one read.
const MAX_WORKERS: usize = 8;
/// Blocks queued or being parsed per thread: enough to keep each busy, and memory bounded.
const IN_FLIGHT: usize = 2;

/// What a TSV read carries from line to line: the header's layout and the header-less guess.
struct Tsv {
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
    fn new(lay: Layout) -> Self {
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
    fn lines<R: Read>(&mut self, ctx: &mut Ctx<'_>, mut lines: Lines<R>) {
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
    fn line(&mut self, ctx: &mut Ctx<'_>, no: u64, line: &[u8], cut: bool) {
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

    fn finish(self, mut ctx: Ctx<'_>) -> ReadReport {
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

/// A block of whole lines for a parsing thread, with the layout in force.
struct Job {
    buf: Vec<u8>,
    len: usize,
    lay: Layout,
    recs: Vec<FlowRecord>,
}

/// A parsed block: its records, counts and diagnostics (lines numbered from the block's
/// start), and the buffers back for reuse.
struct Parsed {
    buf: Vec<u8>,
    /// The block's length, and where in it a header line stopped the parse.
    len: usize,
    stopped: Option<usize>,
    recs: Vec<FlowRecord>,
    report: ReadReport,
    lines: u64,
}

fn parse_blocks(file: &str, opts: &ReadOptions, jobs: Receiver<Job>, done: Sender<Parsed>) {
    let mut st = Tsv::new(Layout::new());
    st.stop_at_header = true;
    while let Ok(job) = jobs.recv() {
        let mut recs = job.recs;
        st.lay = job.lay;
        let mut ctx = Ctx::to(file, opts, Sink::Batch(&mut recs));
        let mut no = 0u64;
        st.block(&mut ctx, &job.buf[..job.len], &mut no);
        let report = std::mem::take(&mut ctx.report);
        drop(ctx);
        let parsed = Parsed {
            buf: job.buf,
            len: job.len,
            stopped: st.stopped.take(),
            recs,
            report,
            lines: no,
        };
        if done.send(parsed).is_err() {
            break;
        }
    }
}

/// The parsing threads of one read and the blocks in flight.
struct Workers {
    jobs: Vec<Sender<Job>>,
    results: Vec<Receiver<Parsed>>,
    /// The thread of each block in flight, oldest first: each thread parses its blocks in
    /// order, so taking the oldest block's thread's next result keeps the file order.
    pending: VecDeque<usize>,
    next: usize,
    spare_bufs: Vec<Vec<u8>>,
    spare_recs: Vec<Vec<FlowRecord>>,
    /// Lines delivered so far: where the next block's line numbers start.
    line_no: u64,
    /// No thread could be started.
    no_threads: bool,
}

impl Workers {
    fn new() -> Self {
        Workers {
            jobs: Vec::new(),
            results: Vec::new(),
            pending: VecDeque::new(),
            next: 0,
            spare_bufs: Vec::new(),
            spare_recs: Vec::new(),
            line_no: 0,
            no_threads: false,
        }
    }

    fn started(&self) -> bool {
        !self.jobs.is_empty()
    }

    fn start<'s, 'e: 's>(
        &mut self,
        s: &'s Scope<'s, 'e>,
        n: usize,
        file: &'e str,
        opts: &'e ReadOptions,
    ) {
        for _ in 0..n {
            let (jtx, jrx) = channel();
            let (rtx, rrx) = channel();
            let t = std::thread::Builder::new().name("zeek-tsv".into());
            // Without threads (none could be made) the blocks are read on this one.
            if t.spawn_scoped(s, move || parse_blocks(file, opts, jrx, rtx))
                .is_err()
            {
                self.no_threads = self.jobs.is_empty();
                break;
            }
            self.jobs.push(jtx);
            self.results.push(rrx);
        }
    }

    /// Queues a block of whole lines, first handing over the oldest block when enough are in
    /// flight.
    fn send(&mut self, ctx: &mut Ctx<'_>, st: &mut Tsv, buf: Vec<u8>, len: usize) {
        if self.pending.len() >= self.jobs.len() * IN_FLIGHT {
            self.take_oldest(ctx, st);
        }
        if !st.rows_stateless() {
            // A header line just read here left rows only this thread reads.
            self.drain(ctx, st);
            st.block(ctx, &buf[..len], &mut self.line_no);
            self.spare_bufs.push(buf);
            return;
        }
        let job = Job {
            buf,
            len,
            lay: st.lay.clone(),
            recs: self.spare_recs.pop().unwrap_or_default(),
        };
        // Sending fails only if the thread panicked, which the scope passes on.
        if self.jobs[self.next].send(job).is_ok() {
            self.pending.push_back(self.next);
        }
        self.next = (self.next + 1) % self.jobs.len();
    }

    /// Hands the oldest parsed block's records to the sink and adds its counts and
    /// diagnostics; false when none is in flight. A block its thread stopped at a header
    /// line is finished here by `st`, which reads every header line; if that changed the
    /// layout, the blocks in flight (parsed by the old one) are read again here too.
    fn take_oldest(&mut self, ctx: &mut Ctx<'_>, st: &mut Tsv) -> bool {
        let Some(mut p) = self.next_parsed() else {
            return false;
        };
        self.hand_over(ctx, &mut p);
        if let Some(at) = p.stopped {
            let before = st.lay.clone();
            st.block(ctx, &p.buf[at..p.len], &mut self.line_no);
            if st.lay != before {
                while let Some(mut q) = self.next_parsed() {
                    q.recs.clear();
                    st.block(ctx, &q.buf[..q.len], &mut self.line_no);
                    self.spare_bufs.push(q.buf);
                    self.spare_recs.push(q.recs);
                }
            }
        }
        self.spare_bufs.push(p.buf);
        self.spare_recs.push(p.recs);
        true
    }

    /// The oldest block in flight, parsed.
    fn next_parsed(&mut self) -> Option<Parsed> {
        let w = self.pending.pop_front()?;
        // Fails only if the thread panicked, which the scope passes on.
        self.results[w].recv().ok()
    }

    /// Hands a parsed block's records to the sink and adds its counts and diagnostics.
    fn hand_over(&mut self, ctx: &mut Ctx<'_>, p: &mut Parsed) {
        ctx.deliver_all(&mut p.recs);
        let rep = std::mem::take(&mut p.report);
        ctx.report.counts.add(rep.counts);
        ctx.report.skipped += rep.skipped;
        ctx.report.diagnostics_dropped += rep.diagnostics_dropped;
        for mut d in rep.diagnostics {
            if ctx.report.diagnostics.len() < ctx.max_diags {
                d.line += self.line_no;
                ctx.report.diagnostics.push(d);
            } else {
                ctx.report.diagnostics_dropped += 1;
            }
        }
        self.line_no += p.lines;
    }

    /// Hands over every block in flight.
    fn drain(&mut self, ctx: &mut Ctx<'_>, st: &mut Tsv) {
        while self.take_oldest(ctx, st) {}
    }
}

/// The TSV reader over blocks of whole lines: blocks without header lines are parsed on
/// `workers` threads while this one reads ahead, and their records reach the sink in file
/// order on this thread. Header lines, the header-less guess, the last line and lines longer
/// than a block are handled here, line by line, exactly as [`Lines`] gives them.
fn read_tsv_blocks(
    mut input: impl Read,
    file: &str,
    opts: &ReadOptions,
    out: &mut Out<'_>,
    block: usize,
    workers: usize,
) -> ReadReport {
    let mut ctx = Ctx::to(file, opts, out.sink());
    let mut st = Tsv::new(Layout::new());
    std::thread::scope(|s| {
        let mut w = Workers::new();
        let mut buf = vec![0u8; block.min(FIRST_BLOCK)];
        let mut filled = 0usize;
        loop {
            let mut eof = false;
            let mut err = None;
            while filled < buf.len() {
                match input.read(&mut buf[filled..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let end = memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |p| p + 1);
            if end == 0 && filled == buf.len() {
                if buf.len() < block {
                    buf.resize(block, 0);
                    continue;
                }
                // A line longer than a block: the line splitter takes the rest.
                w.drain(&mut ctx, &mut st);
                let rest = io::Cursor::new(&buf[..filled]).chain(&mut input);
                st.lines(&mut ctx, Lines::after(rest, w.line_no));
                return;
            }
            if end > 0 {
                // The whole lines go on; the partial last one starts the next block.
                let mut next = w.spare_bufs.pop().unwrap_or_default();
                next.resize(block.max(next.len()), 0);
                next[..filled - end].copy_from_slice(&buf[end..filled]);
                let full = std::mem::replace(&mut buf, next);
                filled -= end;
                // Header lines are left to this thread by the parsing threads, which stop at
                // one (no scan for them here).
                let plain = st.rows_stateless();
                // A small input read at once is not worth a thread.
                if plain && !w.started() && workers > 0 && !eof && !w.no_threads {
                    w.start(s, workers, file, opts);
                }
                if plain && w.started() {
                    w.send(&mut ctx, &mut st, full, end);
                } else {
                    w.drain(&mut ctx, &mut st);
                    st.block(&mut ctx, &full[..end], &mut w.line_no);
                    w.spare_bufs.push(full);
                }
            }
            if err.is_some() || eof {
                w.drain(&mut ctx, &mut st);
                if let Some(e) = err {
                    ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                } else if filled > 0 {
                    st.line(&mut ctx, w.line_no + 1, &buf[..filled], true);
                }
                return;
            }
        }
    });
    st.finish(ctx)
}

fn header_line(ctx: &mut Ctx<'_>, lay: &mut Layout, no: u64, line: &[u8]) {
    if let Some(v) = line.strip_prefix(b"#separator") {
        let v = v.trim_ascii();
        let sep = unescape(v);
        if sep.is_empty() {
            ctx.diag(no, line, "empty #separator ignored");
        } else {
            lay.sep = sep;
        }
        return;
    }
    let mut parts = split_fields(line, &lay.sep).into_iter();
    let key = parts.next().unwrap_or(b"");
    match key {
        b"#fields" => {
            lay.set_fields(parts);
            let missing = lay.missing_required();
            if !missing.is_empty() && lay.other_path.is_none() {
                lay.other_path = Some(String::from("(no connection columns)"));
                ctx.diag(
                    no,
                    line,
                    format!(
                        "Zeek log without connection columns {missing:?}: its rows are skipped"
                    ),
                );
            }
        }
        b"#unset_field" => lay.unset = parts.next().unwrap_or(b"-").to_vec(),
        b"#empty_field" => lay.empty = parts.next().unwrap_or(b"(empty)").to_vec(),
        b"#path" => {
            let p = parts.next().unwrap_or(b"");
            // A new #path starts a new log: reset what the previous header said.
            lay.have_fields = false;
            lay.other_path = None;
            if !(p.is_empty() || memchr::memmem::find(p, b"conn").is_some()) {
                let p = String::from_utf8_lossy(p).into_owned();
                ctx.diag(
                    no,
                    p.as_bytes(),
                    format!("Zeek log of path {p:?}, not a connection log: rows skipped"),
                );
                lay.other_path = Some(p);
            }
        }
        // #set_separator, #types, #open, #close, btest banners: nothing to use.
        _ => {}
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
    static FAST_PATH: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    /// Rows this thread read through [`tsv_record`].
    static SLOW_ROWS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Rows this thread read by a [`Plan`].
    static PLANNED_ROWS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
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

type FieldErr<'a> = (usize, &'a [u8], &'static str);

/// The column values of one row, found by where its fields start.
struct Row<'a, 'c> {
    buf: &'a [u8],
    /// Field starts in `buf`, one past the last field's end included (see [`Starts`]); the
    /// row has at least as many fields as `idx` names (shorter rows are rejected before).
    starts: &'c Starts,
    seplen: u32,
    idx: &'c [usize; NF],
    cols: &'c [u16; NF],
    unset: &'c [u8],
    empty: &'c [u8],
}

impl<'a> Row<'a, '_> {
    /// `(start, end)` in the buffer of field `k` when present, set and non-empty.
    #[inline(always)]
    fn span(&self, k: usize) -> Option<(usize, usize)> {
        let i = self.idx[k];
        if i == ABSENT {
            return None;
        }
        let s = self.starts[i & (2 * STARTS - 1)] as usize;
        let e = (self.starts[(i + 1) & (2 * STARTS - 1)] - self.seplen) as usize;
        let v = self.buf.get(s..e)?;
        // Unset and empty markers never start with a digit: one byte decides most cases.
        match v.first() {
            None => None,
            Some(c) if c.is_ascii_digit() => Some((s, e)),
            Some(_) if v == self.unset || v == self.empty => None,
            Some(_) => Some((s, e)),
        }
    }

    #[inline(always)]
    fn get(&self, k: usize) -> Option<&'a [u8]> {
        self.span(k).map(|(s, e)| &self.buf[s..e])
    }

    #[inline(always)]
    fn req(&self, k: usize) -> Result<(usize, usize), FieldErr<'a>> {
        self.span(k).ok_or((k, &b""[..], "column missing or unset"))
    }

    /// An interval or time in seconds, as microseconds.
    #[inline(always)]
    fn secs(
        &self,
        (s, e): (usize, usize),
        k: usize,
        why: &'static str,
    ) -> Result<i64, FieldErr<'a>> {
        parse_secs_us_at(self.buf, s, e).ok_or((k, &self.buf[s..e], why))
    }

    #[inline(always)]
    fn port(&self, k: usize) -> Result<u16, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(0),
            Some((s, e)) => (if e - s <= 5 {
                parse_u64_at(self.buf, s, e).and_then(|v| u16::try_from(v).ok())
            } else {
                None
            })
            .ok_or((k, &self.buf[s..e], "not a port number (0..65535)")),
        }
    }

    #[inline(always)]
    fn count(&self, k: usize) -> Result<Option<u64>, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(None),
            Some((s, e)) => {
                parse_u64_at(self.buf, s, e)
                    .map(Some)
                    .ok_or((k, &self.buf[s..e], "not a count"))
            }
        }
    }
}

impl<'a> FastCols<'a> for Row<'a, '_> {
    #[inline(always)]
    fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline(always)]
    fn markers(&self) -> (&[u8], &[u8]) {
        (self.unset, self.empty)
    }

    /// Absent columns point at the empty sentinel field.
    #[inline(always)]
    fn at(&self, k: usize) -> (usize, usize) {
        let i = self.cols[k] as usize;
        (
            self.starts[i & (2 * STARTS - 1)] as usize,
            self.starts[(i + 1) & (2 * STARTS - 1)] as usize - 1,
        )
    }
}

/// Where [`fast_record`] finds a row's columns: `(start, end)` in one buffer of each of the
/// [`NAMES`], an absent column as an empty field. The field starts of a split row and the
/// separators popped in column order both give them.
trait FastCols<'a> {
    fn buf(&self) -> &'a [u8];
    /// The unset and the empty markers.
    fn markers(&self) -> (&[u8], &[u8]);
    fn at(&self, k: usize) -> (usize, usize);

    /// Whether `buf[s..e]` is absent, unset or empty.
    #[inline(always)]
    fn unset_at(&self, s: usize, e: usize) -> bool {
        let (unset, empty) = self.markers();
        match self.buf().get(s..e) {
            Some(v) => v.is_empty() || v == unset || v == empty,
            None => false,
        }
    }

    /// Column `k` when set and not empty.
    #[inline(always)]
    fn value(&self, k: usize) -> Option<&'a [u8]> {
        let (s, e) = self.at(k);
        if self.unset_at(s, e) {
            return None;
        }
        self.buf().get(s..e)
    }

    /// Column `k` as a count: Some(None) when absent, unset or empty; None when neither that
    /// nor digits (left to [`tsv_record`]).
    #[inline(always)]
    fn fast_count(&self, k: usize) -> Option<Option<u64>> {
        let (s, e) = self.at(k);
        match parse_u64_at(self.buf(), s, e) {
            Some(v) => Some(Some(v)),
            None if self.unset_at(s, e) => Some(None),
            None => None,
        }
    }

    /// `ip_proto` as [`FastCols::fast_count`] reads it.
    #[inline(always)]
    fn ip_proto(&self) -> Option<Option<u64>> {
        self.fast_count(F_IPPROTO)
    }

    /// Column `k` as a port, 0 when absent, unset or empty; at most five digits, as
    /// [`tsv_record`] reads them.
    #[inline(always)]
    fn fast_port(&self, k: usize) -> Option<u16> {
        let (s, e) = self.at(k);
        // One word of up to five digits; anything else unless unset is left to the general
        // path.
        if let Some((w, len)) = word_at(self.buf(), s, e, 5) {
            return u16::try_from(digits8(w, len)?).ok();
        }
        self.unset_at(s, e).then_some(0)
    }

    /// Column `k` as seconds (microseconds), 0 when absent, unset or empty.
    #[inline(always)]
    fn fast_secs(&self, k: usize) -> Option<i64> {
        let (s, e) = self.at(k);
        match secs_fixed(self.buf(), s, e) {
            Some(v) => Some(v),
            None if self.unset_at(s, e) => Some(0),
            None => parse_secs_us_cold(self.buf().get(s..e)?),
        }
    }
}

/// The columns of a row read in order by [`Plan`]: where each of the [`DEFAULT_FIELDS`]
/// ends (the separator after it), the first one's start, and `ip_proto`'s span. Only ends
/// are kept, a column starting one past the one before, so each popped separator costs one
/// store at most.
struct PoppedCols<'a, 'l> {
    buf: &'a [u8],
    lay: &'l Layout,
    first: usize,
    ends: [usize; DEFAULT_NF - 1],
    ipp: (usize, usize),
    /// The layout has `ip_proto`: without, reading the absent column is skipped.
    has_ipp: bool,
}

const DEFAULT_NF: usize = DEFAULT_FIELDS.len();

/// The column of [`DEFAULT_FIELDS`] holding each of the [`NAMES`] but `ip_proto`.
const DEFAULT_AT: [usize; NF] = {
    let mut at = [usize::MAX; NF];
    let mut k = 0;
    while k < NF {
        let mut j = 0;
        while j < DEFAULT_NF {
            if same(NAMES[k].as_bytes(), DEFAULT_FIELDS[j].as_bytes()) {
                at[k] = j;
            }
            j += 1;
        }
        k += 1;
    }
    at
};

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// Every name but `ip_proto` is a default column, and not the last (which may end the row).
const _: () = {
    let mut k = 0;
    while k < NF {
        assert!((k == F_IPPROTO) == (DEFAULT_AT[k] == usize::MAX));
        assert!(k == F_IPPROTO || DEFAULT_AT[k] < DEFAULT_NF - 1);
        k += 1;
    }
};

impl<'a> FastCols<'a> for PoppedCols<'a, '_> {
    #[inline(always)]
    fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline(always)]
    fn markers(&self) -> (&[u8], &[u8]) {
        (&self.lay.unset, &self.lay.empty)
    }

    #[inline(always)]
    fn ip_proto(&self) -> Option<Option<u64>> {
        if self.has_ipp {
            self.fast_count(F_IPPROTO)
        } else {
            Some(None)
        }
    }

    #[inline(always)]
    fn at(&self, k: usize) -> (usize, usize) {
        if k == F_IPPROTO {
            return self.ipp;
        }
        // `k` is a constant wherever this is inlined: the branches fold.
        match DEFAULT_AT[k] {
            0 => (self.first, self.ends[0]),
            c => (self.ends[c - 1].wrapping_add(1), self.ends[c]),
        }
    }
}

/// [`fast_record`] of the row `buf[start..end]` of a [`Plan`] layout, its separators popped
/// from `seps` in column order. None (the row has other columns or values, or fewer or more
/// separators) leaves it to the general path; `seps` is then past the row or inside it.
#[inline(always)]
fn planned_record(
    seps: &mut Bits<'_>,
    buf: &[u8],
    start: usize,
    end: usize,
    lay: &Layout,
    plan: Plan,
) -> Option<FlowRecord> {
    let mut first = start;
    for _ in 0..plan.lead {
        first = seps.pop().wrapping_add(1);
    }
    // Written out, one pop per column: as a loop or an array `map` (the pop has a loop
    // inside) it was not unrolled, and cost 12% more instructions per row.
    macro_rules! pops {
        ($($col:literal)*) => { [$({ let _ = $col; seps.pop() }),*] };
    }
    let ends: [usize; DEFAULT_NF - 1] = pops!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
    // `tunnel_parents` and the extra columns; the last ends the row.
    let mut last = ends[DEFAULT_NF - 2];
    let mut ipp = (end, end);
    for j in 0..plan.extra {
        let s = last.wrapping_add(1);
        last = seps.pop();
        if j == 1 && plan.ipp {
            ipp = (s, last);
        }
    }
    if plan.extra == 1 && plan.ipp {
        ipp = (last.wrapping_add(1), end);
    }
    // Every separator in the row, and no more.
    if last >= end || seps.peek() < end {
        return None;
    }
    let cols = PoppedCols {
        buf,
        lay,
        first,
        ends,
        ipp,
        has_ipp: plan.ipp,
    };
    fast_record(&cols)
}

/// [`tsv_record`] for a row of the usual shapes (one-byte separator, numbers in digits,
/// columns set or marked unset), without building errors; None leaves the row to
/// [`tsv_record`], which decides and names what is wrong. Both give the same record.
#[inline(always)]
fn fast_record<'a>(row: &impl FastCols<'a>) -> Option<FlowRecord> {
    let buf = row.buf();
    let (s, e) = row.at(F_TS);
    let ts_us = parse_secs_us_at(buf, s, e)?;
    let (s, e) = row.at(F_OH);
    let src = parse_ip_at(buf, s, e)?;
    let (s, e) = row.at(F_RH);
    let dst = parse_ip_at(buf, s, e)?;
    let src_port = row.fast_port(F_OP)?;
    let dst_port = row.fast_port(F_RP)?;
    let duration_us = row.fast_secs(F_DUR)?;
    let bytes_out = match row.fast_count(F_OIB)? {
        Some(b) => b,
        None => row.fast_count(F_OB)?.unwrap_or(0),
    };
    let bytes_in = match row.fast_count(F_RIB)? {
        Some(b) => b,
        None => row.fast_count(F_RB)?.unwrap_or(0),
    };
    let proto = match row.ip_proto()? {
        Some(p) if p <= 255 => p as u8,
        _ => {
            let (s, e) = row.at(F_PROTO);
            match short_tag(buf, s, e).and_then(|t| lookup(&PROTOS, PROTO_K, t)) {
                // icmp is ICMPv6 between IPv6 addresses.
                Some(p) => p + 57 * u8::from(p == 1 && src.is_ipv6()),
                None => match row.value(F_PROTO) {
                    Some(v) => proto_number(v, src.is_ipv6())?,
                    None => 0,
                },
            }
        }
    };
    let (s, e) = row.at(F_STATE);
    let state = match short_tag(buf, s, e).and_then(|t| lookup(&STATES, STATE_K, t)) {
        Some(st) => st,
        None => row
            .value(F_STATE)
            .map_or(ConnState::Unknown, ConnState::from_zeek),
    };
    Some(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out,
        bytes_in,
        pkts_out: row.fast_count(F_OPK)?.unwrap_or(0),
        pkts_in: row.fast_count(F_RPK)?.unwrap_or(0),
        state,
    })
}

/// A word naming a string of 1–7 bytes: the bytes at its top end, the length in its low byte.
const fn tag(s: &[u8]) -> u64 {
    let mut w = s.len() as u64;
    let mut i = 0;
    while i < s.len() {
        w |= (s[i] as u64) << (8 * (8 - s.len() + i));
        i += 1;
    }
    w
}

/// [`tag`] of `buf[s..e]` with one load, when it is 1–7 bytes long.
#[inline(always)]
fn short_tag(buf: &[u8], s: usize, e: usize) -> Option<u64> {
    let (w, len) = word_at(buf, s, e, 7)?;
    Some(w & TOP_BYTES[len & 15] | len as u64)
}

// The protocol and state names the fast path knows, each in a slot of its own by a
// multiplicative hash of its tag: which one a row has varies from row to row, so a table
// load replaces branches that would often be mispredicted. Other names go by the slice
// matchers.

/// Hash multipliers, found by search, that put each name below in a slot of its own.
const PROTO_K: u64 = 0x1027_c4d1_c386_bbc5;
const STATE_K: u64 = 0x9b81_0e76_6ec9_d287;

const PROTOS: [(u64, u8); 4] = slots(&[(b"tcp", 6), (b"udp", 17), (b"icmp", 1)], PROTO_K);
const STATES: [(u64, ConnState); 16] = {
    use ConnState::{Established as E, Failed as F, Partial as P};
    slots(
        &[
            (b"SF", E),
            (b"S1", E),
            (b"S2", E),
            (b"S3", E),
            (b"RSTO", E),
            (b"RSTR", E),
            (b"S0", F),
            (b"REJ", F),
            (b"RSTOS0", F),
            (b"RSTRH", F),
            (b"SH", F),
            (b"SHR", F),
            (b"OTH", P),
        ],
        STATE_K,
    )
};

/// The slot of a tag in a table of `N` (a power of two) slots.
const fn slot<const N: usize>(t: u64, k: u64) -> usize {
    (t.wrapping_mul(k) >> (64 - N.trailing_zeros())) as usize
}

/// The table of `names` by [`slot`]; two in one slot fail the build. Empty slots hold
/// `u64::MAX`, which is no tag (a tag's low byte is its length, 0 to 7).
const fn slots<V: Copy, const N: usize>(names: &[(&[u8], V)], k: u64) -> [(u64, V); N] {
    let mut out = [(u64::MAX, names[0].1); N];
    let mut i = 0;
    while i < names.len() {
        let t = tag(names[i].0);
        let h = slot::<N>(t, k);
        assert!(
            out[h].0 == u64::MAX,
            "two names in one slot: search another multiplier"
        );
        out[h] = (t, names[i].1);
        i += 1;
    }
    out
}

/// The value of tag `t` in `table`.
#[inline(always)]
fn lookup<V: Copy, const N: usize>(table: &[(u64, V); N], k: u64, t: u64) -> Option<V> {
    let (have, v) = table[slot::<N>(t, k) % N];
    (have == t).then_some(v)
}

#[inline(always)]
fn tsv_record<'a>(row: &Row<'a, '_>) -> Result<FlowRecord, FieldErr<'a>> {
    let ts_us = row.secs(row.req(F_TS)?, F_TS, "not an epoch time")?;
    let (s, e) = row.req(F_OH)?;
    let src: IpAddr =
        parse_ip_at(row.buf, s, e).ok_or((F_OH, &row.buf[s..e], "not an IP address"))?;
    let (s, e) = row.req(F_RH)?;
    let dst: IpAddr =
        parse_ip_at(row.buf, s, e).ok_or((F_RH, &row.buf[s..e], "not an IP address"))?;
    let src_port = row.port(F_OP)?;
    let dst_port = row.port(F_RP)?;
    let duration_us = match row.span(F_DUR) {
        Some(sp) => row.secs(sp, F_DUR, "not an interval")?,
        None => 0,
    };
    // IP byte counts when the log has them, else the payload counts.
    let bytes_out = match row.count(F_OIB)? {
        Some(b) => b,
        None => row.count(F_OB)?.unwrap_or(0),
    };
    let bytes_in = match row.count(F_RIB)? {
        Some(b) => b,
        None => row.count(F_RB)?.unwrap_or(0),
    };
    let proto = match row.count(F_IPPROTO)? {
        Some(p) if p <= 255 => p as u8,
        _ => match row.get(F_PROTO) {
            Some(v) => {
                proto_number(v, src.is_ipv6()).ok_or((F_PROTO, v, "unknown transport protocol"))?
            }
            None => 0,
        },
    };
    Ok(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out,
        bytes_in,
        pkts_out: row.count(F_OPK)?.unwrap_or(0),
        pkts_in: row.count(F_RPK)?.unwrap_or(0),
        state: row
            .get(F_STATE)
            .map_or(ConnState::Unknown, ConnState::from_zeek),
    })
}

/// Reads Zeek conn logs in JSON form (one object per line, dotted keys such as `id.orig_h`;
/// `ts` as a number of epoch seconds or an ISO 8601 string). Lines whose `_path` is not a
/// connection log are skipped; invalid JSON, bad addresses or out-of-range ports are rejected
/// with the offending value.
pub fn read_zeek_json(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut lines = Lines::new(input);
    let mut warned_other = false;
    loop {
        let (no, line, cut) = match lines.next_line() {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => {
                ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                break;
            }
        };
        let line = line.trim_ascii();
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        ctx.report.counts.read += 1;
        let obj: serde_json::Map<String, Value> = match serde_json::from_slice(line) {
            Ok(o) => o,
            Err(e) => {
                let why = if cut {
                    format!("JSON row cut short at end of file ({e})")
                } else {
                    format!("invalid JSON object: {e}")
                };
                ctx.reject(no, line, why);
                continue;
            }
        };
        match obj.get("_path") {
            Some(Value::String(p)) if !p.contains("conn") => {
                ctx.report.skipped += 1;
                continue;
            }
            Some(_) => {}
            None => {
                // No _path: a conn record has at least one of the conn-only columns.
                const CONN_KEYS: [&str; 6] = [
                    "conn_state",
                    "orig_bytes",
                    "orig_pkts",
                    "orig_ip_bytes",
                    "history",
                    "duration",
                ];
                if !CONN_KEYS.iter().any(|k| obj.contains_key(*k)) {
                    ctx.report.skipped += 1;
                    if !warned_other {
                        warned_other = true;
                        ctx.diag(
                            no,
                            b"",
                            "JSON rows without connection columns (conn_state, orig_bytes, …): not a conn log, skipped",
                        );
                    }
                    continue;
                }
            }
        }
        match json_record(&obj) {
            Ok(r) => ctx.emit(r),
            Err((key, val, why)) => ctx.reject(no, val.as_bytes(), format!("{key}: {why}")),
        }
    }
    ctx.finish(Format::ZeekJson)
}

type JsonErr = (&'static str, String, &'static str);

pub(crate) fn json_get<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Option<&'a Value> {
    // Zeek writes dotted keys ("id.orig_h"); some pipelines nest them ({"id": {"orig_h": …}}).
    obj.get(key).or_else(|| {
        let (a, b) = key.split_once('.')?;
        obj.get(a)?.as_object()?.get(b)
    })
}

pub(crate) fn json_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(crate) fn json_time_us(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => parse_secs_us(n.to_string().as_bytes()),
        Value::String(s) => parse_iso_us(s.as_bytes()).or_else(|| parse_secs_us(s.as_bytes())),
        _ => None,
    }
}

fn json_record(obj: &serde_json::Map<String, Value>) -> Result<FlowRecord, JsonErr> {
    let show = |v: Option<&Value>| v.map_or(String::new(), |v| v.to_string());
    let ts_v = json_get(obj, "ts");
    let ts_us = ts_v
        .and_then(json_time_us)
        .ok_or(("ts", show(ts_v), "missing or not a time"))?;
    let ip = |key: &'static str| -> Result<IpAddr, JsonErr> {
        let v = json_get(obj, key);
        v.and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or((key, show(v), "missing or not an IP address"))
    };
    let src = ip("id.orig_h")?;
    let dst = ip("id.resp_h")?;
    let port = |key: &'static str| -> Result<u16, JsonErr> {
        match json_get(obj, key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => json_u64(v).and_then(|p| u16::try_from(p).ok()).ok_or((
                key,
                show(Some(v)),
                "port out of range 0..65535",
            )),
        }
    };
    let src_port = port("id.orig_p")?;
    let dst_port = port("id.resp_p")?;
    let count = |key: &'static str| -> Result<Option<u64>, JsonErr> {
        match json_get(obj, key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_u64(v)
                .map(Some)
                .ok_or((key, show(Some(v)), "not a count")),
        }
    };
    let duration_us = match json_get(obj, "duration") {
        None | Some(Value::Null) => 0,
        Some(v) => json_time_us(v).ok_or(("duration", show(Some(v)), "not an interval"))?,
    };
    let proto = match count("ip_proto")? {
        Some(p) if p <= 255 => p as u8,
        _ => match json_get(obj, "proto") {
            Some(Value::String(s)) => proto_number(s.as_bytes(), src.is_ipv6()).ok_or((
                "proto",
                s.clone(),
                "unknown transport protocol",
            ))?,
            _ => 0,
        },
    };
    Ok(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out: count("orig_ip_bytes")?
            .or(count("orig_bytes")?)
            .unwrap_or(0),
        bytes_in: count("resp_ip_bytes")?
            .or(count("resp_bytes")?)
            .unwrap_or(0),
        pkts_out: count("orig_pkts")?.unwrap_or(0),
        pkts_in: count("resp_pkts")?.unwrap_or(0),
        state: match json_get(obj, "conn_state") {
            Some(Value::String(s)) => ConnState::from_zeek(s.as_bytes()),
            _ => ConnState::Unknown,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};

    /// Reads `data` in `chunk`-byte reads, failing with an error after `fail_at` bytes.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
        fail_at: Option<usize>,
        pos: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.fail_at.is_some_and(|f| self.pos >= f) {
                return Err(io::Error::other("disk on fire"));
            }
            let lim = self.fail_at.unwrap_or(usize::MAX);
            let n = out
                .len()
                .min(self.chunk)
                .min(self.data.len() - self.pos)
                .min(lim - self.pos);
            out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn read_with(
        data: &[u8],
        chunk: usize,
        fail_at: Option<usize>,
        block: usize,
        workers: usize,
    ) -> (Vec<FlowRecord>, ReadReport) {
        read_via(data, chunk, fail_at, block, workers, false)
    }

    /// [`read_with`], the records handed on in batches when `batches`.
    fn read_via(
        data: &[u8],
        chunk: usize,
        fail_at: Option<usize>,
        block: usize,
        workers: usize,
        batches: bool,
    ) -> (Vec<FlowRecord>, ReadReport) {
        let mut recs = Vec::new();
        let opts = ReadOptions {
            max_diagnostics: 50,
            ..ReadOptions::default()
        };
        let input = Trickle {
            data,
            chunk,
            fail_at,
            pos: 0,
        };
        let rep = match block {
            // The reference: every line through the line splitter and `tsv_record`.
            0 => {
                FAST_PATH.with(|f| f.set(false));
                let mut sink = |r| recs.push(r);
                let mut ctx = Ctx::new("f", &opts, &mut sink);
                let mut st = Tsv::new(Layout::new());
                st.lines(&mut ctx, Lines::new(input));
                FAST_PATH.with(|f| f.set(true));
                st.finish(ctx)
            }
            _ if batches => read_tsv_blocks(
                input,
                "f",
                &opts,
                &mut Out::Batches(&mut |b| recs.extend_from_slice(b)),
                block,
                workers,
            ),
            _ => read_tsv_blocks(
                input,
                "f",
                &opts,
                &mut Out::Each(&mut |r| recs.push(r)),
                block,
                workers,
            ),
        };
        (recs, rep)
    }

    /// The block reader, on this thread or on others, gives exactly what the line-by-line
    /// reader without the fast path gives.
    fn same_as_lines(data: &[u8], chunk: usize, fail_at: Option<usize>) {
        let want = read_with(data, chunk, fail_at, 0, 0);
        for block in [40, 300, 4096, BLOCK] {
            for (workers, batches) in [(0, false), (2, false), (0, true), (2, true)] {
                let got = read_via(data, chunk, fail_at, block, workers, batches);
                assert!(
                    got == want,
                    "block {block}, {workers} threads, batches {batches}, reads of {chunk}, fail at {fail_at:?}"
                );
            }
        }
    }

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("data dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    fn blocks_match_lines_on_samples() {
        let data = unmask_testdata::shared_dir();
        let mut paths = Vec::new();
        files(&data.join("net/zeek"), &mut paths);
        assert!(!paths.is_empty());
        let mut all = Vec::new();
        for p in &paths {
            let mut raw = std::fs::read(p).expect("sample");
            if raw.starts_with(&[0x1f, 0x8b]) {
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
                raw = out;
            }
            same_as_lines(&raw, 1 << 16, None);
            all.extend_from_slice(&raw);
        }
        // Logs one after another: headers mid-file, other paths, a truncated end.
        same_as_lines(&all, 1 << 16, None);
        same_as_lines(&all, 7, None);
        same_as_lines(&all, 1 << 16, Some(all.len() / 3));
        let crlf: Vec<u8> = all
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        same_as_lines(&crlf, 1000, None);
        // Header-less rows, and lines longer than a block.
        let rows: Vec<u8> = all
            .split(|&b| b == b'\n')
            .filter(|l| !l.starts_with(b"#"))
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect();
        same_as_lines(&rows, 1 << 16, None);
        let mut long = all[..all.len() / 2].to_vec();
        long.extend(std::iter::repeat_n(b'\t', 10_000));
        long.extend_from_slice(&all[all.len() / 2..]);
        same_as_lines(&long, 1 << 16, None);
        // A first line longer than the first block.
        let mut first_long = vec![b'x'; 100_000];
        first_long.push(b'\n');
        first_long.extend_from_slice(&all);
        same_as_lines(&first_long, 1 << 16, None);
    }

    /// Real conn.logs take the fast path: only rows it does not know (rejected rows, unusual
    /// values) go the long way.
    #[test]
    fn samples_take_the_fast_path() {
        let data = unmask_testdata::shared_dir();
        let mut paths = Vec::new();
        files(&data.join("net/zeek"), &mut paths);
        let (mut used, mut rejected) = (0, 0);
        SLOW_ROWS.with(|c| c.set(0));
        for p in &paths {
            let mut raw = std::fs::read(p).expect("sample");
            if raw.starts_with(&[0x1f, 0x8b]) {
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
                raw = out;
            }
            let (_, rep) = read_with(&raw, 1 << 16, None, BLOCK, 0);
            used += rep.counts.used;
            rejected += rep.counts.rejected;
        }
        let slow = SLOW_ROWS.with(|c| c.get());
        assert!(used > 10_000, "{used} rows");
        assert!(
            slow <= rejected + used / 1000,
            "{slow} of {used} rows went the long way ({rejected} rejected)"
        );
    }

    /// A comment line with more separators than a row may have leaves the empty field that
    /// absent columns read alone.
    #[test]
    fn long_comment_keeps_absent_columns_empty() {
        let mut data = b"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n".to_vec();
        for _ in 0..3 {
            data.extend_from_slice(b"#");
            for _ in 0..600 {
                data.extend_from_slice(b"\t7");
            }
            data.extend_from_slice(b"\n1.5\t10.0.0.1\t5\t10.0.0.2\t80\ttcp\n");
        }
        same_as_lines(&data, 1 << 16, None);
        let (recs, _) = read_with(&data, 1 << 16, None, BLOCK, 0);
        assert_eq!(recs.len(), 3);
        assert!(recs
            .iter()
            .all(|r| r.proto == 6 && r.bytes_out == 0 && r.duration_us == 0));
    }

    /// The slot tables give what the slice matchers give, for their names and for others.
    #[test]
    fn name_tables_match_matchers() {
        let states = [
            "SF", "S0", "S1", "S2", "S3", "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR",
            "OTH",
        ];
        for n in states {
            let want = ConnState::from_zeek(n.as_bytes());
            assert_eq!(
                lookup(&STATES, STATE_K, tag(n.as_bytes())),
                Some(want),
                "{n}"
            );
        }
        for n in ["tcp", "udp", "icmp"] {
            let got = lookup(&PROTOS, PROTO_K, tag(n.as_bytes()));
            assert_eq!(got, proto_number(n.as_bytes(), false), "{n}");
        }
        for n in [
            "", "S", "SF ", "sf", "RSTOS0X", "TCP", "icmp6", "tcpx", "OTH2", "-", "ud",
        ] {
            let t = tag(n.as_bytes());
            assert_eq!(lookup(&STATES, STATE_K, t), None, "{n}");
            assert_eq!(lookup(&PROTOS, PROTO_K, t), None, "{n}");
        }
    }

    /// Zeek's default columns, then `tail`.
    fn default_header(lead: &str, tail: &str) -> String {
        format!("#fields\t{lead}{}{tail}\n", DEFAULT_FIELDS.join("\t"))
    }

    #[test]
    fn plans_of_real_headers() {
        let plan = |h: &str| {
            let mut lay = Layout::new();
            lay.set_fields(h.trim_end().split('\t').skip(1).map(str::as_bytes));
            lay.plan
        };
        let p = |lead, extra, ipp| Some(Plan { lead, extra, ipp });
        assert_eq!(plan(&default_header("", "")), p(0, 0, false));
        assert_eq!(plan(&default_header("_node_name\t", "")), p(1, 0, false));
        assert_eq!(plan(&default_header("", "\tip_proto")), p(0, 1, true));
        assert_eq!(
            plan(&default_header("", "\tlabel\tdetailedlabel")),
            p(0, 2, false)
        );
        assert_eq!(
            plan(&default_header("", "\tip_proto\tlabel")),
            p(0, 2, true)
        );
        // ip_proto not right after the defaults, a column of ours before them, reordered
        // columns: the general walk.
        assert_eq!(plan(&default_header("", "\tlabel\tip_proto")), None);
        assert_eq!(plan(&default_header("duration\t", "")), None);
        assert_eq!(plan(&default_header("ip_proto\t", "")), None);
        let swapped =
            default_header("", "").replace("orig_bytes\tresp_bytes", "resp_bytes\torig_bytes");
        assert_eq!(plan(&swapped), None);
        assert_eq!(plan("#fields\tts\tid.orig_h\tid.resp_h\n"), None);
        assert_eq!(plan("#fields\tuid\tid.orig_h\tid.resp_h\n"), None);
    }

    /// Rows under the default columns go by the plan, and give what the general reader
    /// gives for each shape it has to hand on: too few or too many columns, unset counts.
    #[test]
    fn planned_rows_match_lines() {
        let row = "1331901001.250000\tCx2\t10.0.0.1\t49152\t8.8.8.8\t53\ttcp\t-\t12.5\t100\t2000\tSF\tT\tF\t0\tShADadFf\t5\t-\t4\t-\t(empty)";
        let mut data = String::new();
        for (lead, tail, pre, post) in [
            ("", "", "", ""),
            ("_node_name\t", "\tip_proto", "w1\t", "\t17"),
            ("", "\tip_proto\tlabel", "", "\t17\tbenign"),
        ] {
            data += &default_header(lead, tail);
            for _ in 0..3000 {
                data += &format!("{pre}{row}{post}\n");
            }
            // More columns than a row may have, some more, too few; CRLF.
            data += &format!("{pre}{row}{post}{}\n", "\t7".repeat(MAX_FIELDS));
            data += &format!("{pre}{row}{post}\textra\n");
            data += &format!("{pre}{}\n", &row[..row.len() - 10]);
            data += &format!("{pre}{row}{post}\r\n");
        }
        let data = data.into_bytes();
        same_as_lines(&data, 1 << 16, None);
        PLANNED_ROWS.with(|c| c.set(0));
        let (recs, rep) = read_with(&data, 1 << 16, None, BLOCK, 0);
        let planned = PLANNED_ROWS.with(|c| c.get());
        assert!(planned > 8000, "{planned} rows by the plan");
        assert_eq!(rep.counts.rejected, 6, "{:?}", rep.diagnostics);
        // A file smaller than a block: the rows after its header go by the plan too.
        let small = format!(
            "#separator \\x09\n{}{}",
            default_header("", ""),
            format!("{row}\n").repeat(10)
        );
        PLANNED_ROWS.with(|c| c.set(0));
        let (few, _) = read_with(small.as_bytes(), 1 << 16, None, BLOCK, 0);
        assert_eq!((few.len(), PLANNED_ROWS.with(|c| c.get())), (10, 10));
        // Unset IP byte counts fall back to the payload counts.
        assert!(recs
            .iter()
            .all(|r| r.bytes_out == 100 && r.bytes_in == 2000));
        assert_eq!(recs.iter().filter(|r| r.proto == 17).count(), 2 * 3002);
    }

    proptest! {
        #[test]
        fn blocks_match_lines_on_fragments(
            parts in proptest::collection::vec(0usize..40, 0..300),
            chunk in 1usize..64,
            fail in proptest::option::of(0usize..4000),
        ) {
            const FRAGS: [&[u8]; 32] = [
                b"#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n",
                b"1.5\t10.0.0.1\t5\t10.0.0.2\t80\ttcp\n",
                b"2.5\t10.0.0.1\t-\tfe80::1\t80\t6\r\n",
                b"3\tnot an ip\t5\t10.0.0.2\t80\ttcp\n",
                b"#path\tdns\n",
                b"#path\tconn\n",
                b"\n",
                b"4.0\t10.0.0.1\t5",
                b"#separator ,\n",
                b"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tconn_state\torig_ip_bytes\tip_proto\n",
                b"5.000001\t10.0.0.9\t-\t10.0.0.8\t443\ttcp\t-\t(empty)\tSF\t12\t6\n",
                b"6\t1.2.3.4\t7\t::1\t70000\tudp\t-1.5\t3\tS0\t-\t-\n",
                b"7.25\t1.2.3.4\t007\t5.6.7.8\t9\tfoo\t0.5\t12345678901234567890\tRSTO\t1\t300\n",
                b"8\t::2\t1\t::3\t2\ticmp\t-\t-\tOTH\t-\t-\n",
                b"9\t1.1.1.1\t1\t2.2.2.2\t2\ticmp\t1\t2\tRSTOS0X\t3\t-\n",
                b"10\t1.1.1.1\t000080\t2.2.2.2\t0443\t17\t(empty)\t-\t-\t(empty)\t256\n",
                b"#unset_field\tNULL\n",
                b"#unset_field\t-\n",
                b"+5\t1.1.1.1\t80\t2.2.2.2\t+80\ttcp\t+1.5\t+3\tSF\tNULL\t+6\n",
                // Zeek's default columns, read by a plan: alone, after a node name, with
                // ip_proto and labels after them.
                b"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n",
                b"#fields\t_node_name\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto\n",
                b"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tip_proto\tlabel\n",
                b"1331901000.000000\tCx1\t192.168.1.1\t5353\t224.0.0.251\t5353\tudp\tdns\t0.000123\t0\t0\tS0\t-\t-\t0\tD\t1\t73\t0\t0\t-\n",
                b"1331901001.250000\tCx2\t10.0.0.1\t49152\t8.8.8.8\t53\ttcp\t-\t12.5\t100\t2000\tSF\tT\tF\t0\tShADadFf\t5\t360\t4\t2208\t(empty)\n",
                b"n1\t1331901002.000000\tCx3\tfe80::1\t1\t::1\t2\ticmp\t-\t-\t-\t-\tOTH\t-\t-\t0\t-\t-\t-\t-\t-\t-\t1\n",
                b"n2\t1331901003.000000\tCx4\t1.2.3.4\t1\t5.6.7.8\t2\tfoo\t-\t1\t2\t3\tRSTOS0X\t-\t-\t0\t-\t4\t5\t6\t7\t-\t300\r\n",
                b"1331901004.000000\tCx5\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t1\t2\t3\tSF\t-\t-\t0\t-\t4\t5\t6\t7\t-\t6\tbenign\textra\n",
                b"1331901005.000000\tCx6\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t1\t2\t3\tSF\t-\t-\t0\t-\t4\t5\n",
                b"1331901006.000000\tCxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\t1.2.3.4\t65535\t5.6.7.8\t65536\tudp\tssl,http\t0.5\t-\t(empty)\tS1\t-\t-\t0\tDd\tNULL\t12345678901\t-\t-\t-\n",
                b"1331901007\tCx8\t999.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t-0.5\t2\t3\tREJ\t-\t-\t0\t-\t4\t5\t6\t7\t-\n",
                b"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n",
                b"1331901009.000000\tCx9\t1.2.3.4\t1\t5.6.7.8\t2\ttcp\t-\t1\t2\t3\tSF\t-\t-\t0\t-\t4\t5\t6\t7\t-\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n",
            ];
            // Mostly rows, so that some blocks go to the threads.
            let data: Vec<u8> = parts
                .iter()
                .flat_map(|&i| FRAGS[if i < 32 { i } else { [1, 10, 12, 15, 22, 23, 24, 25, 26][i % 9] }].iter().copied())
                .collect();
            same_as_lines(&data, chunk, fail);
        }
    }
}
