//! Quick speed probe over the bundled dataset (the real benchmark is `unmask bench screen`).
use std::time::Instant;
use unmask_screen::{Query, Screener};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let t = Instant::now();
    let ds = unmask_lists::bundled();
    let load = t.elapsed();
    let t = Instant::now();
    let s = Screener::new(ds.graph.clone());
    let build = t.elapsed();
    let names: Vec<&str> = ds
        .graph
        .entities()
        .iter()
        .flat_map(|e| e.names.iter().map(|n| n.value.as_str()))
        .collect();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut lat = Vec::new();
    let mut slow = Vec::new();
    let t = Instant::now();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let q = if i % 2 == 0 {
            names[(x % names.len() as u64) as usize].to_string()
        } else {
            format!("Alpine Robotics {} GmbH", x % 1000)
        };
        let s0 = Instant::now();
        let _ = s.screen(&Query::new(&q));
        lat.push(s0.elapsed());
        slow.push((s0.elapsed(), q.clone()));
    }
    let total = t.elapsed();
    lat.sort();
    slow.sort();
    for (d, q) in slow.iter().rev().take(8) {
        println!("{d:?} {q}");
    }
    println!(
        "load {load:?} index {build:?}; {:.0} names/s p50 {:?} p99 {:?}",
        n as f64 / total.as_secs_f64(),
        lat[n / 2],
        lat[n * 99 / 100]
    );
}
