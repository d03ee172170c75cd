//! Reads each path given and prints the per-file counts and the diagnostics.
//!
//! `cargo run --release -p unmask-flows --example flows_read -- PATH...`

use std::path::Path;

use unmask_flows::{read_path, ReadOptions};

fn main() {
    let opts = ReadOptions::default();
    for arg in std::env::args().skip(1) {
        let mut n = 0u64;
        let mut first = None;
        match read_path(Path::new(&arg), &opts, &mut |r| {
            n += 1;
            if first.is_none() {
                first = Some(r);
            }
        }) {
            Ok(rep) => {
                println!(
                    "{arg}: {} ({} skipped, {n} records)",
                    rep.counts, rep.skipped
                );
                for f in &rep.files {
                    let fmt = f.format.map_or("-", |f| f.name());
                    println!("  {} [{fmt}] {} ({} skipped)", f.file, f.counts, f.skipped);
                }
                for d in rep.diagnostics.iter().take(8) {
                    println!("  ! {d}");
                }
                if rep.diagnostics.len() > 8 {
                    println!("  ! … {} more", rep.diagnostics.len() - 8);
                }
                if let Some(r) = first {
                    println!("  first: {r:?}");
                }
            }
            Err(e) => println!("{arg}: error: {e}"),
        }
    }
}
