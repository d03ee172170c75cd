//! Converts the upstream range CSVs into the bundled database `data/net/ipdb.bin.gz`.
//!
//! ```text
//! cargo run -p unmask-enrich --release --example build_ipdb -- ../shared/data/net/enrich data/net/ipdb.bin.gz
//! ```
//! Deterministic: the same input gives the same bytes (checked by `tests/enrich.rs`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: build_ipdb SRC_DIR OUT_FILE";
    let src = args.next().ok_or(usage)?;
    let out = args.next().ok_or(usage)?;
    let (db, counts) = unmask_enrich::build::from_dir_with_counts(std::path::Path::new(&src))?;
    for (file, c) in counts {
        println!(
            "{file}: {} rows, {} used ({} inside an earlier range, overriding it there), {} out of order dropped",
            c.rows, c.used, c.overlapping, c.out_of_order
        );
    }
    let gz = db.to_gz();
    std::fs::write(&out, &gz)?;
    println!(
        "wrote {out}: {} bytes ({} raw); {:?}",
        gz.len(),
        db.to_raw().len(),
        db.stats()
    );
    Ok(())
}
