//! Throughput of the Zeek TSV reader.
//!
//! ```text
//! # write N records replaying the given logs (files or directories) with shifted times/addresses
//! cargo run --release -p unmask-flows --example bench_tsv -- gen /tmp/conn10m.log 10000000 SOURCE...
//! # read it back: prints records, seconds, records/s, MB/s and peak memory
//! cargo run --release -p unmask-flows --example bench_tsv -- read /tmp/conn10m.log
//! # the same without touching the records (as `unmask bench flows` times the reader)
//! cargo run --release -p unmask-flows --example bench_tsv -- count /tmp/conn10m.log
//! # the I/O floor: read the file and count newlines (compare with `wc -l`)
//! cargo run --release -p unmask-flows --example bench_tsv -- lines /tmp/conn10m.log
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use unmask_flows::{read_path, read_path_batches, synth_conn_log_from, FlowRecord, ReadOptions};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = ReadOptions::default();
    match args.first().map(String::as_str) {
        Some("gen") if args.len() >= 3 => {
            let n: u64 = args[2].parse().expect("N");
            let mut src: Vec<FlowRecord> = Vec::new();
            for p in &args[3..] {
                read_path(Path::new(p), &opts, &mut |r| src.push(r)).expect("source");
            }
            src.sort_by_key(|r| r.ts_us);
            let t = Instant::now();
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&args[1]).expect("out"));
            synth_conn_log_from(&src, &mut out, n, 42).expect("write");
            out.flush().expect("flush");
            eprintln!(
                "wrote {n} records replaying {} source records in {:.2}s",
                src.len(),
                t.elapsed().as_secs_f64()
            );
        }
        Some(mode @ ("read" | "count")) if args.len() == 2 => {
            let size = std::fs::metadata(&args[1]).map(|m| m.len()).unwrap_or(0);
            let t = Instant::now();
            let mut n = 0u64;
            let mut bytes = 0u64;
            // `count` leaves the records untouched, as `unmask bench flows` times the reader;
            // `read` sums a field of each, so they cross to this thread's core.
            let touch = mode == "read";
            let rep = read_path_batches(Path::new(&args[1]), &opts, &mut |b| {
                n += b.len() as u64;
                if touch {
                    for r in b {
                        bytes = bytes.wrapping_add(r.bytes_out);
                    }
                }
            })
            .expect("read");
            let s = t.elapsed().as_secs_f64();
            println!(
                "records {n} ({}) in {s:.3}s: {:.0} records/s, {:.0} MB/s, peak RSS {} MiB (checksum {bytes})",
                rep.counts,
                n as f64 / s,
                size as f64 / s / 1e6,
                peak_rss_kib() / 1024
            );
        }
        Some("lines") if args.len() == 2 => {
            // Floor of the I/O path: read the file in 256 KiB blocks and count newlines.
            let t = Instant::now();
            let mut f = File::open(&args[1]).expect("open");
            let mut buf = vec![0u8; 256 * 1024];
            let mut n = 0usize;
            loop {
                let k = std::io::Read::read(&mut f, &mut buf).expect("read");
                if k == 0 {
                    break;
                }
                n += memchr::memchr_iter(b'\n', &buf[..k]).count();
            }
            println!("{n} lines in {:.3}s", t.elapsed().as_secs_f64());
        }
        _ => eprintln!(
            "usage: bench_tsv gen OUT N SOURCE... | bench_tsv read|count FILE | bench_tsv lines FILE"
        ),
    }
}
