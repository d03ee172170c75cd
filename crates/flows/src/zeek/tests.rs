//! The TSV block reader against the reference reader, on the shared samples and on
//! fragments; plans of real headers.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::header::{Layout, Plan, DEFAULT_FIELDS};
use super::walk::{Tsv, FAST_PATH, PLANNED_ROWS, SLOW_ROWS};
use super::{read_tsv_blocks, BLOCK};
use crate::text::{Lines, MAX_FIELDS};
use crate::{Ctx, FlowRecord, Out, ReadOptions, ReadReport};

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
