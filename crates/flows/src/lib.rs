//! Flow-log readers (Zeek, Suricata EVE, nfdump, NetFlow v5/v9/IPFIX, pcap) producing
//! [`FlowRecord`]s.
//!
//! Every reader streams its input with bounded memory, never stops at the first bad row and
//! never panics on any bytes: each row that cannot be used is counted as rejected in the
//! [`ReadReport`]'s [`RowCounts`] and explained by a [`Diagnostic`] naming the file, the line
//! (for binary inputs: the packet or datagram number) and the offending value.
//!
//! * [`read_path`] reads a file or a directory of rotated logs (sorted by path), decompresses
//!   gzip transparently (detected by its magic bytes, multi-member files included) and
//!   detects the [`Format`] from the content (or uses [`ReadOptions::format`]);
//!   [`read_path_batches`] does the same, handing records on in batches (slices in file
//!   order) for consumers that loop over them.
//! * Per-format functions take any [`std::io::Read`] (a `&[u8]` works, which is what the fuzz
//!   targets use): [`read_zeek_tsv`], [`read_zeek_json`], [`read_eve`], [`read_nfdump_csv`],
//!   [`read_netflow_pcap`], [`read_pcap_flows`]. NetFlow v5/v9/IPFIX datagrams are decoded by
//!   a [`NetflowDecoder`], which the live [`collect_udp`] collector feeds too.
//! * [`synth_conn_log`] writes a large Zeek conn.log for benchmarks by replaying records with
//!   shifted addresses and times.
//!
//! Fuzz entry points (each takes arbitrary bytes and must neither panic nor loop):
//! [`read_zeek_tsv`], [`read_zeek_json`], [`read_eve`], [`read_nfdump_csv`],
//! [`read_netflow_datagram`], [`read_netflow_pcap`], [`read_pcap_flows`] over `&[u8]`, and
//! [`detect_format`]. The integration tests run all of them under proptest on random and on
//! mutated real samples.
//!
//! Byte counts: [`FlowRecord::bytes_out`]/[`FlowRecord::bytes_in`] are **IP bytes** (IP header
//! included) for every source: Zeek's `orig_ip_bytes`/`resp_ip_bytes` (falling back to
//! `orig_bytes`/`resp_bytes` when those columns are absent or unset), NetFlow/IPFIX octet
//! counts, nfdump `ibyt`/`obyt`, the IP total length of packets in pcaps. Suricata EVE counts
//! whole frames (`bytes_toserver`), which is what it reports.
//!
//! ```
//! use unmask_flows::{read_zeek_tsv, ConnState, ReadOptions};
//! let log = b"#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_bytes\tresp_bytes\tconn_state\n\
//! 1677024003.714845\t192.168.1.107\t65164\t66.63.168.35\t5888\ttcp\t0.037629\t0\t0\tREJ\n\
//! not a row\n";
//! let mut records = Vec::new();
//! let report = read_zeek_tsv(&log[..], "conn.log", &ReadOptions::default(), &mut |r| records.push(r));
//! assert_eq!(records.len(), 1);
//! assert_eq!(records[0].ts_us, 1_677_024_003_714_845);
//! assert_eq!(records[0].dst_port, 5888);
//! assert_eq!(records[0].state, ConnState::Failed);
//! assert_eq!((report.counts.read, report.counts.used, report.counts.rejected), (2, 1, 1));
//! assert_eq!(report.diagnostics[0].line, 4);
//! ```

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use unmask_model::{Diagnostic, RowCounts};

mod blocks;
mod eve;
mod netflow;
mod nfdump;
mod pcap;
mod synth;
mod text;
mod zeek;

pub use eve::read_eve;
pub use netflow::{
    collect_udp, read_netflow_datagram, read_netflow_pcap, CollectLimits, NetflowDecoder,
    UdpCollector,
};
pub use nfdump::read_nfdump_csv;
pub use pcap::{read_pcap_flows, read_pcap_flows_detailed, PcapFlow, PcapFlowOptions};
pub use synth::{synth_conn_log, synth_conn_log_from};
pub use zeek::{read_zeek_json, read_zeek_tsv};

/// How a connection ended, as far as the source tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    #[default]
    Unknown,
    /// Handshake completed / data flowed both ways.
    Established,
    /// Attempt with no answer or rejected (Zeek S0, REJ, RSTOS0, …): not a real contact.
    Failed,
    /// Partial or mid-stream (Zeek OTH, SH, …).
    Partial,
}

impl ConnState {
    /// Maps a Zeek `conn_state` value: S0, REJ, RSTOS0, RSTRH, SH, SHR → [`ConnState::Failed`];
    /// OTH → [`ConnState::Partial`]; S1, SF, S2, S3, RSTO, RSTR → [`ConnState::Established`];
    /// anything else (including unset) → [`ConnState::Unknown`].
    pub fn from_zeek(s: &[u8]) -> ConnState {
        match s {
            b"S0" | b"REJ" | b"RSTOS0" | b"RSTRH" | b"SH" | b"SHR" => ConnState::Failed,
            b"OTH" => ConnState::Partial,
            b"S1" | b"SF" | b"S2" | b"S3" | b"RSTO" | b"RSTR" => ConnState::Established,
            _ => ConnState::Unknown,
        }
    }
}

/// One normalized flow, whatever the source format.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRecord {
    /// Start time, microseconds since the Unix epoch, UTC.
    pub ts_us: i64,
    /// Duration in microseconds (0 when unknown).
    pub duration_us: i64,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    pub dst_port: u16,
    /// IANA protocol number (6 TCP, 17 UDP, 1 ICMP).
    pub proto: u8,
    /// Bytes sent by the originator (src → dst), payload or IP bytes as the source counts.
    pub bytes_out: u64,
    /// Bytes sent by the responder (dst → src).
    pub bytes_in: u64,
    pub pkts_out: u64,
    pub pkts_in: u64,
    pub state: ConnState,
}

/// The input formats the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Zeek conn.log (or open_conn.log) in Zeek's tab-separated form with `#` header lines.
    ZeekTsv,
    /// Zeek conn.log as one JSON object per line.
    ZeekJson,
    /// Suricata EVE JSON; `flow` events become records, other events are skipped.
    SuricataEve,
    /// `nfdump -o csv` output.
    NfdumpCsv,
    /// A pcap/pcapng of NetFlow v5/v9/IPFIX export datagrams (UDP payloads are decoded).
    NetflowPcap,
    /// A pcap/pcapng of ordinary traffic, turned into flows.
    Pcap,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::ZeekTsv => "zeek-tsv",
            Format::ZeekJson => "zeek-json",
            Format::SuricataEve => "suricata-eve",
            Format::NfdumpCsv => "nfdump-csv",
            Format::NetflowPcap => "netflow-pcap",
            Format::Pcap => "pcap",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = FlowError;
    fn from_str(s: &str) -> Result<Self, FlowError> {
        Ok(match s {
            "zeek-tsv" | "zeek" | "tsv" => Format::ZeekTsv,
            "zeek-json" | "json" => Format::ZeekJson,
            "suricata-eve" | "eve" | "suricata" => Format::SuricataEve,
            "nfdump-csv" | "nfdump" | "csv" => Format::NfdumpCsv,
            "netflow-pcap" | "netflow" | "ipfix" => Format::NetflowPcap,
            "pcap" | "pcapng" => Format::Pcap,
            _ => return Err(FlowError::UnknownFormatName(s.to_string())),
        })
    }
}

/// Errors that stop a whole read (bad rows never do: they become [`Diagnostic`]s).
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("unknown flow format name {0:?} (expected zeek-tsv, zeek-json, suricata-eve, nfdump-csv, netflow-pcap or pcap)")]
    UnknownFormatName(String),
    #[error("cannot bind UDP socket on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
}

/// Options of a read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Force a format instead of detecting it from the content.
    pub format: Option<Format>,
    /// Keep at most this many diagnostics per read (the rest are counted in
    /// [`ReadReport::diagnostics_dropped`]).
    pub max_diagnostics: usize,
    /// Timeouts and limits of the pcap → flow assembler.
    pub pcap: PcapFlowOptions,
    /// NetFlow v9/IPFIX data sets held while their template is unknown (oldest dropped first).
    pub max_pending_sets: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            max_diagnostics: 1000,
            pcap: PcapFlowOptions::default(),
            max_pending_sets: 4096,
        }
    }
}

/// What one input file gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileSummary {
    pub file: String,
    /// `None` when a file in a directory was not recognized and was skipped.
    pub format: Option<Format>,
    pub counts: RowCounts,
    pub skipped: u64,
}

/// Counts and diagnostics of a read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadReport {
    /// `read` = data rows (or decoded flow records, for binary inputs) seen; `used` = records
    /// handed to the sink; `rejected` = rows that could not be used.
    pub counts: RowCounts,
    /// Rows read but deliberately not turned into records (Suricata events other than `flow`,
    /// Zeek logs of another `#path`, nfdump summary lines, non-flow packets of a NetFlow pcap).
    pub skipped: u64,
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics beyond [`ReadOptions::max_diagnostics`], counted but not kept.
    pub diagnostics_dropped: u64,
    /// One entry per file read, in reading order.
    pub files: Vec<FileSummary>,
}

impl ReadReport {
    /// Adds another report (counts, diagnostics within `max_diagnostics`, file summaries).
    pub fn merge(&mut self, other: ReadReport, max_diagnostics: usize) {
        self.counts.add(other.counts);
        self.skipped += other.skipped;
        self.diagnostics_dropped += other.diagnostics_dropped;
        for d in other.diagnostics {
            if self.diagnostics.len() < max_diagnostics {
                self.diagnostics.push(d);
            } else {
                self.diagnostics_dropped += 1;
            }
        }
        self.files.extend(other.files);
    }
}

/// Shared state of one reader run: the file name, the report and the sink.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub report: ReadReport,
    pub max_diags: usize,
    pub sink: Sink<'a>,
}

/// Where a reader's records go: the caller's function per record, the caller's function
/// per batch (collected here), or (for a parsing thread) a batch that the reading thread
/// hands on in order; a push in place of a call per record.
pub(crate) enum Sink<'a> {
    Fn(&'a mut dyn FnMut(FlowRecord)),
    Batches {
        buf: Vec<FlowRecord>,
        out: &'a mut dyn FnMut(&[FlowRecord]),
    },
    Batch(&'a mut Vec<FlowRecord>),
}

/// The sink's buffer taken for a run of records ([`Ctx::pushes`]), handed on each `at`.
pub(crate) struct Pushes {
    v: Vec<FlowRecord>,
    at: usize,
}

impl Pushes {
    /// Adds a used record (counted by the caller).
    #[inline(always)]
    pub fn push(&mut self, ctx: &mut Ctx<'_>, rec: FlowRecord) {
        self.v.push(rec);
        if self.v.len() >= self.at {
            ctx.flush(self);
        }
    }
}

/// Records per batch collected for a [`Sink::Batches`] (blocks read on parsing threads go
/// as they come, a block's worth).
const BATCH: usize = 4096;

/// Where the records of a read go: one call per record, or one per batch.
pub(crate) enum Out<'a> {
    Each(&'a mut dyn FnMut(FlowRecord)),
    Batches(&'a mut dyn FnMut(&[FlowRecord])),
}

impl Out<'_> {
    pub(crate) fn sink(&mut self) -> Sink<'_> {
        match self {
            Out::Each(f) => Sink::Fn(&mut **f),
            Out::Batches(f) => Sink::Batches {
                buf: Vec::new(),
                out: &mut **f,
            },
        }
    }
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a str, opts: &ReadOptions, sink: &'a mut dyn FnMut(FlowRecord)) -> Self {
        Self::to(file, opts, Sink::Fn(sink))
    }
    pub fn to(file: &'a str, opts: &ReadOptions, sink: Sink<'a>) -> Self {
        Ctx {
            file,
            report: ReadReport::default(),
            max_diags: opts.max_diagnostics,
            sink,
        }
    }
    pub fn diag(&mut self, line: u64, value: &[u8], reason: impl Into<String>) {
        if self.report.diagnostics.len() < self.max_diags {
            let v = String::from_utf8_lossy(&value[..value.len().min(512)]);
            self.report
                .diagnostics
                .push(Diagnostic::new(self.file, line, v, reason));
        } else {
            self.report.diagnostics_dropped += 1;
        }
    }
    pub fn reject(&mut self, line: u64, value: &[u8], reason: impl Into<String>) {
        self.report.counts.rejected += 1;
        self.diag(line, value, reason);
    }
    #[inline(always)]
    pub fn emit(&mut self, rec: FlowRecord) {
        self.report.counts.used += 1;
        self.deliver(rec);
    }
    /// Hands a record on without counting it.
    #[inline(always)]
    pub fn deliver(&mut self, rec: FlowRecord) {
        match &mut self.sink {
            Sink::Fn(f) => f(rec),
            Sink::Batches { buf, out } => {
                buf.push(rec);
                if buf.len() >= BATCH {
                    out(buf);
                    buf.clear();
                }
            }
            Sink::Batch(v) => v.push(rec),
        }
    }
    /// The sink's buffer for a run of [`Pushes::push`] with no dispatch on the sink per
    /// record. Nothing may reach the sink otherwise until [`Ctx::put_pushes`] gives it back.
    pub fn pushes(&mut self) -> Pushes {
        match &mut self.sink {
            Sink::Fn(_) => Pushes {
                v: Vec::new(),
                at: 1,
            },
            Sink::Batches { buf, .. } => Pushes {
                v: std::mem::take(buf),
                at: BATCH,
            },
            Sink::Batch(v) => Pushes {
                v: std::mem::take(*v),
                at: usize::MAX,
            },
        }
    }
    /// Hands on the records of `p` that are due: for a function, each; for batches, a full
    /// one.
    #[cold]
    #[inline(never)]
    fn flush(&mut self, p: &mut Pushes) {
        match &mut self.sink {
            Sink::Fn(f) => p.v.drain(..).for_each(f),
            Sink::Batches { out, .. } => {
                out(&p.v);
                p.v.clear();
            }
            Sink::Batch(_) => {}
        }
    }
    /// Ends a run of pushes: the records not yet handed on go back to the sink.
    pub fn put_pushes(&mut self, mut p: Pushes) {
        match &mut self.sink {
            Sink::Fn(_) => self.flush(&mut p),
            Sink::Batches { buf, .. } => *buf = p.v,
            Sink::Batch(v) => **v = p.v,
        }
    }
    /// Hands on every record of `recs` (left empty) after those collected so far.
    pub fn deliver_all(&mut self, recs: &mut Vec<FlowRecord>) {
        match &mut self.sink {
            Sink::Fn(f) => recs.drain(..).for_each(f),
            Sink::Batches { buf, out } => {
                if !buf.is_empty() {
                    out(buf);
                    buf.clear();
                }
                if !recs.is_empty() {
                    out(recs);
                }
                recs.clear();
            }
            Sink::Batch(v) => v.append(recs),
        }
    }
    pub fn finish(mut self, format: Format) -> ReadReport {
        self.deliver_all(&mut Vec::new());
        self.report.files.push(FileSummary {
            file: self.file.to_string(),
            format: Some(format),
            counts: self.report.counts,
            skipped: self.report.skipped,
        });
        self.report
    }
}

/// Reads a file, or every file under a directory (recursively, sorted by path), and hands each
/// record to `sink`. The format of each file is detected from its (decompressed) content
/// unless [`ReadOptions::format`] forces one. In a directory, files whose content is not
/// recognized (READMEs, label files) and Zeek logs of another `#path` (dns, http, …) are
/// skipped and listed in [`ReadReport::files`] with `format: None` or as skipped rows.
///
/// Errors only when `path` itself cannot be read; every problem inside a file becomes a
/// diagnostic.
pub fn read_path(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> Result<ReadReport, FlowError> {
    read_path_to(path, opts, &mut Out::Each(sink))
}

/// [`read_path`] handing the records on in batches: slices in file order, each as it is
/// ready (a block's worth for Zeek TSV read on several threads). For consumers that loop
/// over records themselves, it saves a call per record.
pub fn read_path_batches(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(&[FlowRecord]),
) -> Result<ReadReport, FlowError> {
    read_path_to(path, opts, &mut Out::Batches(sink))
}

fn read_path_to(
    path: &Path,
    opts: &ReadOptions,
    sink: &mut Out<'_>,
) -> Result<ReadReport, FlowError> {
    let meta = std::fs::metadata(path).map_err(|e| FlowError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut report = ReadReport::default();
    if meta.is_dir() {
        let mut files = Vec::new();
        collect_files(path, &mut files).map_err(|e| FlowError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        files.sort();
        for f in files {
            let r = read_one(&f, opts, true, sink)?;
            report.merge(r, opts.max_diagnostics);
        }
    } else {
        report = read_one(path, opts, false, sink)?;
    }
    Ok(report)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let p = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            collect_files(&p, out)?;
        } else if ft.is_file() || (ft.is_symlink() && p.is_file()) {
            out.push(p);
        }
    }
    Ok(())
}

/// Opens a file, undoing gzip if the magic bytes say so, and returns the reader together with
/// the first bytes of the (decompressed) content for format detection.
fn open_sniffed(path: &Path) -> io::Result<(Box<dyn Read + Send>, Vec<u8>)> {
    let mut f = File::open(path)?;
    let mut magic = Vec::with_capacity(2);
    (&mut f).take(2).read_to_end(&mut magic)?;
    let raw = io::Cursor::new(magic.clone()).chain(f);
    let mut inner: Box<dyn Read + Send> = if magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(256 * 1024, raw),
        ))
    } else {
        Box::new(raw)
    };
    let mut head = Vec::with_capacity(8192);
    // A decompression error here (corrupt gzip) is reported by the format reader below.
    let _ = (&mut inner).take(8192).read_to_end(&mut head);
    let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(head.clone()).chain(inner));
    Ok((reader, head))
}

fn read_one(
    path: &Path,
    opts: &ReadOptions,
    in_dir: bool,
    sink: &mut Out<'_>,
) -> Result<ReadReport, FlowError> {
    let name = path.display().to_string();
    let (reader, head) = open_sniffed(path).map_err(|e| FlowError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let format = match opts.format.or_else(|| detect_format(&head)) {
        Some(f) => f,
        None if in_dir => {
            let mut r = ReadReport::default();
            let base = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if base.contains("conn") || base.ends_with(".log") || base.ends_with(".log.gz") {
                // Named like a flow log: say why it was left out.
                let first = head.split(|&b| b == b'\n').next().unwrap_or(b"");
                r.diagnostics.push(Diagnostic::new(
                    &name,
                    1,
                    String::from_utf8_lossy(&first[..first.len().min(120)]),
                    "not a recognized flow log (Zeek TSV/JSON, Suricata EVE, nfdump CSV, pcap): file skipped",
                ));
            }
            r.files.push(FileSummary {
                file: name,
                format: None,
                counts: RowCounts::default(),
                skipped: 0,
            });
            return Ok(r);
        }
        // An explicitly named file that is no known format: read it as a Zeek TSV log,
        // which rejects every line with a diagnostic saying why.
        None => Format::ZeekTsv,
    };
    Ok(read_format_to(format, reader, &name, opts, sink))
}

/// Reads `input` as `format` (no decompression: wrap gzip yourself or use [`read_path`]).
pub fn read_format(
    format: Format,
    input: impl Read + Send,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    read_format_to(format, input, file, opts, &mut Out::Each(sink))
}

fn read_format_to(
    format: Format,
    input: impl Read + Send,
    file: &str,
    opts: &ReadOptions,
    out: &mut Out<'_>,
) -> ReadReport {
    let sink = match (format, out) {
        (Format::ZeekTsv, out) => return zeek::read_zeek_tsv_to(input, file, opts, out),
        (_, Out::Each(sink)) => sink,
        (_, Out::Batches(out)) => {
            // The other readers go record by record: collected into batches here.
            let mut buf = Vec::with_capacity(BATCH);
            let rep = read_format_to(
                format,
                input,
                file,
                opts,
                &mut Out::Each(&mut |r| {
                    buf.push(r);
                    if buf.len() >= BATCH {
                        out(&buf);
                        buf.clear();
                    }
                }),
            );
            if !buf.is_empty() {
                out(&buf);
            }
            return rep;
        }
    };
    match format {
        Format::ZeekTsv => read_zeek_tsv(input, file, opts, sink),
        Format::ZeekJson => read_zeek_json(input, file, opts, sink),
        Format::SuricataEve => read_eve(input, file, opts, sink),
        Format::NfdumpCsv => read_nfdump_csv(input, file, opts, sink),
        Format::NetflowPcap => read_netflow_pcap(input, file, opts, sink),
        Format::Pcap => read_pcap_flows(input, file, opts, sink),
    }
}

/// Guesses the format from the first bytes of a (decompressed) input; `None` when nothing fits.
pub fn detect_format(head: &[u8]) -> Option<Format> {
    if head.len() >= 4 {
        let m = [head[0], head[1], head[2], head[3]];
        let pcap_magic = matches!(
            m,
            [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0xc3, 0xd4]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0x0a, 0x0d, 0x0d, 0x0a]
        );
        if pcap_magic {
            return Some(if pcap::looks_like_netflow_export(head) {
                Format::NetflowPcap
            } else {
                Format::Pcap
            });
        }
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    let first_line = match memchr::memchr(b'\n', rest) {
        Some(i) => &rest[..i],
        None => rest,
    };
    if rest.starts_with(b"{") {
        if memchr::memmem::find(first_line, b"\"event_type\"").is_some() {
            return Some(Format::SuricataEve);
        }
        return Some(Format::ZeekJson);
    }
    if rest.starts_with(b"#separator") || rest.starts_with(b"#fields") {
        return Some(Format::ZeekTsv);
    }
    if rest.starts_with(b"### BTest") || rest.starts_with(b"#") {
        // btest baselines and other commented TSV: Zeek if a #fields line follows.
        if memchr::memmem::find(head, b"\n#fields").is_some() {
            return Some(Format::ZeekTsv);
        }
    }
    if first_line.starts_with(b"ts,te,") || memchr::memmem::find(first_line, b",sa,da,").is_some() {
        return Some(Format::NfdumpCsv);
    }
    // Header-less Zeek TSV: many tab-separated columns starting with an epoch time.
    let tabs = memchr::memchr_iter(b'\t', first_line).count();
    if tabs >= 9 && first_line.first().is_some_and(u8::is_ascii_digit) {
        return Some(Format::ZeekTsv);
    }
    None
}
