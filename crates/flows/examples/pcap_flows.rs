//! Prints the flows assembled from a pcap/pcapng, one per line, in Zeek-like columns.
//!
//! `cargo run --release -p unmask-flows --example pcap_flows -- FILE.pcap`

use std::fs::File;

use unmask_flows::{read_pcap_flows_detailed, ReadOptions};

fn main() {
    for arg in std::env::args().skip(1) {
        let f = File::open(&arg).expect("open");
        let rep = read_pcap_flows_detailed(f, &arg, &ReadOptions::default(), &mut |f| {
            let r = &f.record;
            println!(
                "{}.{:06}\t{}\t{}\t{}\t{}\t{}\t{:.6}\t{}\t{}\t{}\t{}\t{}",
                r.ts_us / 1_000_000,
                r.ts_us % 1_000_000,
                r.src,
                r.src_port,
                r.dst,
                r.dst_port,
                r.proto,
                r.duration_us as f64 / 1e6,
                f.zeek_state,
                r.pkts_out,
                r.bytes_out,
                r.pkts_in,
                r.bytes_in
            );
        });
        eprintln!("{arg}: {} ({} frames skipped)", rep.counts, rep.skipped);
        for d in &rep.diagnostics {
            eprintln!("  ! {d}");
        }
    }
}
