//! The block pool: a text log read in blocks of whole lines, parsed on up to one scoped
//! thread per core while the reading thread reads ahead, with records, counts and
//! diagnostics handed on in file order on the reading thread. It knows nothing of the format:
//! a [`BlockReader`] (the Zeek TSV reader) reads the blocks.
//!
//! * Blocks after the first are sent to the parsing threads once the reader's rows are
//!   stateless (each can be read with a copy of the [`BlockReader::Layout`] in force); a
//!   small input read at once starts no thread, and a failed spawn reads every block here.
//! * A parsing thread pushes its records straight into a batch and stops at a line only the
//!   reading thread may read (Zeek: a header line), saying where. The reading thread finishes
//!   that block itself and, if the layout changed, reads again the blocks in flight (parsed
//!   with the old one), so nothing scans blocks for such lines beforehand.
//! * The cut last line, read errors and lines longer than a block stay on the reading thread
//!   too, which reads them as the line splitter ([`Lines`]) gives them.
//! * The sink is called on the reading thread, in file order, with the same line numbers as
//!   a line-by-line read (a block's diagnostics are numbered from its start and shifted
//!   here), and at most [`IN_FLIGHT`] blocks per thread are in flight: memory stays bounded
//!   whatever the input's size.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::OnceLock;
use std::thread::Scope;

use crate::text::Lines;
use crate::{Ctx, FlowRecord, ReadOptions, ReadReport, Sink};

/// A reader of blocks of whole lines, on the reading thread and on the parsing threads.
pub(crate) trait BlockReader {
    /// What a parsing thread needs to read rows as the reading thread would now (Zeek: the
    /// header's layout); compared to tell whether the blocks in flight are stale.
    type Layout: Clone + PartialEq + Send;
    /// The parsing threads' name.
    const THREAD_NAME: &'static str;

    /// A reader for a parsing thread: [`BlockReader::block`] stops at the first line only the
    /// reading thread may read.
    fn for_thread() -> Self;
    fn layout(&self) -> &Self::Layout;
    fn set_layout(&mut self, lay: Self::Layout);
    /// Whether data rows leave the reader's state as it is, so that a copy of the layout can
    /// read them elsewhere.
    fn rows_stateless(&self) -> bool;
    /// Reads a block of whole lines, the first numbered `no + 1`; `no` ends at the last line
    /// read. On a parsing thread: `Some(at)` when it stopped at the line starting at `at`,
    /// which it left unread.
    fn block(&mut self, ctx: &mut Ctx<'_>, block: &[u8], no: &mut u64) -> Option<usize>;
    /// Reads the rest of the input line by line.
    fn lines<R: Read>(&mut self, ctx: &mut Ctx<'_>, lines: Lines<R>);
    /// Reads the last line, which lacked its newline (the input ended mid-line).
    fn cut_line(&mut self, ctx: &mut Ctx<'_>, no: u64, line: &[u8]);
}

/// The first block's size: a small input is read without a full block's buffer.
const FIRST_BLOCK: usize = 64 * 1024;
/// Most parsing threads of one read.
const MAX_THREADS: usize = 8;
/// Blocks queued or being parsed per thread: enough to keep each busy, and memory bounded.
const IN_FLIGHT: usize = 2;

/// Parsing threads for a read: one per core up to [`MAX_THREADS`], none on one core.
pub(crate) fn threads() -> usize {
    // Asked once: it reads cgroup files, and the fuzz targets read in a loop.
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if cores > 1 {
        cores.min(MAX_THREADS)
    } else {
        0
    }
}

/// A block of whole lines for a parsing thread, with the layout in force.
struct Job<L> {
    buf: Vec<u8>,
    len: usize,
    lay: L,
    recs: Vec<FlowRecord>,
}

/// A parsed block: its records, counts and diagnostics (lines numbered from the block's
/// start), and the buffers back for reuse.
struct Parsed {
    buf: Vec<u8>,
    /// The block's length, and where in it the parsing thread stopped.
    len: usize,
    stopped: Option<usize>,
    recs: Vec<FlowRecord>,
    report: ReadReport,
    lines: u64,
}

fn parse_blocks<T: BlockReader>(
    file: &str,
    opts: &ReadOptions,
    jobs: Receiver<Job<T::Layout>>,
    done: Sender<Parsed>,
) {
    let mut st = T::for_thread();
    while let Ok(job) = jobs.recv() {
        let mut recs = job.recs;
        st.set_layout(job.lay);
        let mut ctx = Ctx::to(file, opts, Sink::Batch(&mut recs));
        let mut no = 0u64;
        let stopped = st.block(&mut ctx, &job.buf[..job.len], &mut no);
        let report = std::mem::take(&mut ctx.report);
        drop(ctx);
        let parsed = Parsed {
            buf: job.buf,
            len: job.len,
            stopped,
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
struct Workers<L> {
    jobs: Vec<Sender<Job<L>>>,
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

impl<L: Clone + PartialEq + Send> Workers<L> {
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

    fn start<'s, 'e: 's, T: BlockReader<Layout = L>>(
        &mut self,
        s: &'s Scope<'s, 'e>,
        n: usize,
        file: &'e str,
        opts: &'e ReadOptions,
    ) where
        L: 'e,
    {
        for _ in 0..n {
            let (jtx, jrx) = channel();
            let (rtx, rrx) = channel();
            let t = std::thread::Builder::new().name(T::THREAD_NAME.into());
            // Without threads (none could be made) the blocks are read on this one.
            if t.spawn_scoped(s, move || parse_blocks::<T>(file, opts, jrx, rtx))
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
    fn send<T: BlockReader<Layout = L>>(
        &mut self,
        ctx: &mut Ctx<'_>,
        st: &mut T,
        buf: Vec<u8>,
        len: usize,
    ) {
        if self.pending.len() >= self.jobs.len() * IN_FLIGHT {
            self.take_oldest(ctx, st);
        }
        if !st.rows_stateless() {
            // A line just read here left rows only this thread reads.
            self.drain(ctx, st);
            st.block(ctx, &buf[..len], &mut self.line_no);
            self.spare_bufs.push(buf);
            return;
        }
        let job = Job {
            buf,
            len,
            lay: st.layout().clone(),
            recs: self.spare_recs.pop().unwrap_or_default(),
        };
        // Sending fails only if the thread panicked, which the scope passes on.
        if self.jobs[self.next].send(job).is_ok() {
            self.pending.push_back(self.next);
        }
        self.next = (self.next + 1) % self.jobs.len();
    }

    /// Hands the oldest parsed block's records to the sink and adds its counts and
    /// diagnostics; false when none is in flight. A block its thread stopped in is finished
    /// here by `st`; if that changed the layout, the blocks in flight (parsed by the old one)
    /// are read again here too.
    fn take_oldest<T: BlockReader<Layout = L>>(&mut self, ctx: &mut Ctx<'_>, st: &mut T) -> bool {
        let Some(mut p) = self.next_parsed() else {
            return false;
        };
        self.hand_over(ctx, &mut p);
        if let Some(at) = p.stopped {
            let before = st.layout().clone();
            st.block(ctx, &p.buf[at..p.len], &mut self.line_no);
            if *st.layout() != before {
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
    fn drain<T: BlockReader<Layout = L>>(&mut self, ctx: &mut Ctx<'_>, st: &mut T) {
        while self.take_oldest(ctx, st) {}
    }
}

/// Reads `input` by blocks of whole lines of `block` bytes (the first at most
/// [`FIRST_BLOCK`]) with `st`: blocks whose rows are stateless are parsed on `threads`
/// threads while this one reads ahead, and their records reach `ctx`'s sink in file order
/// on this thread. The rest (lines `st` must read itself, the last line, lines longer than a
/// block) is read here, exactly as [`Lines`] gives it.
pub(crate) fn read_blocks<T: BlockReader>(
    mut input: impl Read,
    ctx: &mut Ctx<'_>,
    st: &mut T,
    opts: &ReadOptions,
    block: usize,
    threads: usize,
) {
    let file = ctx.file;
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
                w.drain(ctx, st);
                let rest = io::Cursor::new(&buf[..filled]).chain(&mut input);
                st.lines(ctx, Lines::after(rest, w.line_no));
                return;
            }
            if end > 0 {
                // The whole lines go on; the partial last one starts the next block.
                let mut next = w.spare_bufs.pop().unwrap_or_default();
                next.resize(block.max(next.len()), 0);
                next[..filled - end].copy_from_slice(&buf[end..filled]);
                let full = std::mem::replace(&mut buf, next);
                filled -= end;
                // Lines only this thread may read are left to it by the parsing threads,
                // which stop at one (no scan for them here).
                let plain = st.rows_stateless();
                // A small input read at once is not worth a thread.
                if plain && !w.started() && threads > 0 && !eof && !w.no_threads {
                    w.start::<T>(s, threads, file, opts);
                }
                if plain && w.started() {
                    w.send(ctx, st, full, end);
                } else {
                    w.drain(ctx, st);
                    st.block(ctx, &full[..end], &mut w.line_no);
                    w.spare_bufs.push(full);
                }
            }
            if err.is_some() || eof {
                w.drain(ctx, st);
                if let Some(e) = err {
                    ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                } else if filled > 0 {
                    st.cut_line(ctx, w.line_no + 1, &buf[..filled]);
                }
                return;
            }
        }
    });
}
