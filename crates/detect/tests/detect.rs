//! The one integration-test binary of `unmask-detect`: the math on hand-made series and on the
//! shared real samples (Zeek conn.log of the CTU-SME-11 Remcos C2, the pcap of a 2 s curl
//! beacon, a Mirai-style scan). The samples are turned into observations by small test-only
//! readers here, so this crate's tests do not depend on the flow readers.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use unmask_detect::stats::{bowley_skew, mad, quantile};
use unmask_detect::{
    beacon_score, bulk_score, long_connection_score, BeaconBasis, BeaconConfig, DetectConfig,
    Observation, PairAggregator, PairSummary,
};

type Pair = (IpAddr, IpAddr);

fn analyse(obs: &[(IpAddr, IpAddr, Observation)]) -> HashMap<Pair, PairSummary> {
    let mut agg = PairAggregator::new(DetectConfig::default());
    for (s, d, o) in obs {
        agg.observe(*s, *d, o);
    }
    agg.finish()
        .pairs
        .into_iter()
        .map(|(s, d, p)| ((s, d), p))
        .collect()
}

/// What a pair should show.
#[derive(Debug)]
enum Expect {
    BeaconAtLeast(f64, BeaconBasis),
    NoBeacon,
}

/// The single data-driven check: one pair of an analysis against an expectation.
fn check(
    label: &str,
    pairs: &HashMap<Pair, PairSummary>,
    src: &str,
    dst: &str,
    expect: Expect,
) -> Option<f64> {
    let key: Pair = (src.parse().unwrap(), dst.parse().unwrap());
    let p = pairs
        .get(&key)
        .unwrap_or_else(|| panic!("{label}: no pair {src} -> {dst}"));
    let b = p.beacon.as_ref();
    eprintln!(
        "{label}: {src} -> {dst}: {:?}",
        b.map(|b| (b.basis, &b.score.score, &b.score))
    );
    match expect {
        Expect::BeaconAtLeast(min, basis) => {
            let b = b.unwrap_or_else(|| panic!("{label}: no beacon score"));
            assert_eq!(b.basis, basis, "{label}");
            assert!(
                b.score.score >= min,
                "{label}: {} < {min}: {:?}",
                b.score.score,
                b.score
            );
            Some(b.score.score)
        }
        Expect::NoBeacon => {
            assert!(b.is_none(), "{label}: unexpected beacon {b:?}");
            None
        }
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn obs(ts_s: f64, bytes_out: u64, bytes_in: u64, failed: bool) -> Observation {
    Observation {
        ts_us: (ts_s * 1e6) as i64,
        duration_us: 100_000,
        src_port: 40_000,
        dst_port: 443,
        bytes_out,
        bytes_in,
        failed,
    }
}

// ---------------------------------------------------------------- statistics

#[test]
fn robust_statistics() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(quantile(&v, 0.5), Some(3.0));
    assert_eq!(quantile(&v, 0.25), Some(2.0));
    assert_eq!(quantile(&[1.0, 2.0], 0.5), Some(1.5));
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(bowley_skew(&v), Some(0.0));
    // right tail: Q1=2, Q2=3, Q3=10 → (2+10-6)/8
    let r = [1.0, 2.0, 3.0, 10.0, 20.0];
    assert!((bowley_skew(&r).unwrap() - 0.75).abs() < 1e-9);
    // median on Q1: counted as no skew (a regular series with rare outliers)
    assert_eq!(bowley_skew(&[5.0, 5.0, 5.0, 5.0, 9.0, 30.0]), Some(0.0));
    assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]), Some(1.0));
}

#[test]
fn scores_of_constructed_series() {
    let cfg = BeaconConfig::default();
    // perfect: every 10 s for a day, same size
    let ts: Vec<i64> = (0..8640).map(|i| i * 10).collect();
    let s = beacon_score(&ts, &vec![100; ts.len()], (0, 86_399), &cfg).unwrap();
    assert_eq!(s.score, 1.0, "{s:?}");
    // too few
    assert!(beacon_score(&[0, 10, 20], &[1, 1, 1], (0, 20), &cfg).is_none());
    // random-ish gaps (a user browsing): low
    let mut t = 0i64;
    let mut x = 12345u64;
    let mut ts = Vec::new();
    let mut sizes = Vec::new();
    for _ in 0..300 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        t += 1 + ((x >> 33) % 600) as i64 * ((x >> 20) % 7) as i64;
        ts.push(t);
        sizes.push(200 + (x >> 40) % 50_000);
    }
    let s = beacon_score(&ts, &sizes, (0, t), &cfg).unwrap();
    assert!(s.score < 0.8, "{s:?}");
    // office-hours beacon: every 60 s from 08:00 to 18:00, nothing at night → still high
    let ts: Vec<i64> = (8 * 3600..18 * 3600).step_by(60).collect();
    let s = beacon_score(&ts, &vec![500; ts.len()], (0, 86_399), &cfg).unwrap();
    assert!(s.histogram_score >= 0.99, "{s:?}");
    assert!(s.score >= 0.85, "{s:?}");
}

#[test]
fn other_detector_scores() {
    assert_eq!(long_connection_score(3599.0, 3600.0), 0.0);
    assert_eq!(long_connection_score(3600.0, 3600.0), 0.6);
    assert_eq!(long_connection_score(45_000.0, 3600.0), 0.8);
    assert_eq!(long_connection_score(1e9, 3600.0), 1.0);
    assert_eq!(bulk_score(99, 0, 100, 2.0), None);
    assert_eq!(bulk_score(100, 0, 100, 2.0), Some(0.5));
    assert_eq!(bulk_score(200, 0, 100, 2.0), Some(0.75));
    assert_eq!(bulk_score(300, 151, 100, 2.0), None);
}

#[test]
fn aggregator_long_and_bulk() {
    let (a, b, c) = (ip("10.0.0.5"), ip("203.0.113.9"), ip("198.51.100.1"));
    let mut v = Vec::new();
    // one 3 h connection
    let mut long = obs(1_700_000_000.0, 10_000, 10_000, false);
    long.duration_us = 3 * 3600 * 1_000_000;
    v.push((a, b, long));
    // 150 MB up in one hour to c, 1 MB down
    for i in 0..15 {
        v.push((
            a,
            c,
            obs(
                1_700_000_000.0 + f64::from(i) * 60.0,
                10_000_000,
                70_000,
                false,
            ),
        ));
    }
    let mut agg = PairAggregator::new(DetectConfig::default());
    for (s, d, o) in &v {
        agg.observe(*s, *d, o);
    }
    let an = agg.finish();
    let get = |d: IpAddr| &an.pairs.iter().find(|p| p.1 == d).unwrap().2;
    let l = get(b).long_connection.as_ref().unwrap();
    assert_eq!(l.max_duration_s, 10_800.0);
    assert!(l.score > 0.6);
    let u = get(c).bulk_upload.as_ref().unwrap();
    assert_eq!(u.window.bytes_out, 150_000_000);
    assert!(u.score > 0.6, "{u:?}");
    assert!(get(b).bulk_upload.is_none());
    assert!(
        an.host_bulk.is_empty(),
        "150 MB is under the host threshold"
    );
}

#[test]
fn failed_retries_are_no_beacon() {
    // One connect retried by TCP (same source port, 1/2/4/8/16 s backoff), twice a day:
    // collapses to two attempts, no beacon.
    let (a, b) = (ip("10.0.0.5"), ip("203.0.113.9"));
    let mut v = Vec::new();
    for (k, start) in [0.0, 40_000.0].iter().enumerate() {
        for d in [0.0, 1.0, 3.0, 7.0, 15.0, 31.0] {
            let mut o = obs(1_700_000_000.0 + start + d, 0, 0, true);
            o.src_port = 50_000 + k as u16;
            v.push((a, b, o));
        }
    }
    // A steady successful beacon elsewhere with failed noise mixed in: failures are not counted.
    let c = ip("198.51.100.7");
    for i in 0..200 {
        v.push((
            a,
            c,
            obs(1_700_000_000.0 + f64::from(i) * 201.0, 300, 800, false),
        ));
        if i % 3 == 0 {
            let mut o = obs(1_700_000_000.0 + f64::from(i) * 201.0 + 7.0, 0, 0, true);
            o.src_port = 60_000 + i as u16;
            v.push((a, c, o));
        }
    }
    let pairs = analyse(&v);
    check(
        "retries",
        &pairs,
        "10.0.0.5",
        "203.0.113.9",
        Expect::NoBeacon,
    );
    check(
        "beacon with failures",
        &pairs,
        "10.0.0.5",
        "198.51.100.7",
        Expect::BeaconAtLeast(0.95, BeaconBasis::Connections),
    );
}

#[test]
fn timestamps_are_capped() {
    let cfg = DetectConfig {
        beacon: BeaconConfig {
            max_timestamps: 100,
            ..BeaconConfig::default()
        },
        ..DetectConfig::default()
    };
    let mut agg = PairAggregator::new(cfg);
    for i in 0..1000 {
        agg.observe(1u8, 2u8, &obs(f64::from(i), 1, 1, false));
    }
    let an = agg.finish();
    let p = &an.pairs[0].2;
    assert!(p.capped);
    assert_eq!(p.connections, 1000);
    assert_eq!(p.beacon.as_ref().unwrap().score.timestamps, 100);
}

// ---------------------------------------------------------------- real samples

/// Reads a Zeek TSV conn.log by its `#fields` header (test-only, minimal).
fn zeek_conn(path: &std::path::Path) -> Vec<(IpAddr, IpAddr, Observation)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut cols: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            cols = f
                .split('\t')
                .enumerate()
                .map(|(i, n)| (n.to_string(), i))
                .collect();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let v: Vec<&str> = line.split('\t').collect();
        let g = |n: &str| v[cols[n]];
        let num = |n: &str| g(n).parse::<f64>().unwrap_or(0.0);
        let state = g("conn_state");
        out.push((
            ip(g("id.orig_h")),
            ip(g("id.resp_h")),
            Observation {
                ts_us: (num("ts") * 1e6) as i64,
                duration_us: (num("duration") * 1e6) as i64,
                src_port: g("id.orig_p").parse().unwrap(),
                dst_port: g("id.resp_p").parse().unwrap(),
                bytes_out: num("orig_bytes") as u64,
                bytes_in: num("resp_bytes") as u64,
                failed: matches!(state, "S0" | "REJ" | "RSTOS0" | "RSTRH"),
            },
        ));
    }
    out
}

/// Turns a classic Ethernet pcap into TCP connections (test-only, minimal): a connection starts
/// with a SYN, is established once the responder sends SYN-ACK, and counts IP bytes each way.
fn pcap_tcp_conns(path: &std::path::Path) -> Vec<(IpAddr, IpAddr, Observation)> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian microsecond pcap"
    );
    let mut pos = 24;
    type Key = (Ipv4Addr, u16, Ipv4Addr, u16);
    let mut conns: HashMap<Key, (Observation, i64)> = HashMap::new();
    let mut order: Vec<Key> = Vec::new();
    while pos + 16 <= b.len() {
        let u = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let ts_us = i64::from(u(pos)) * 1_000_000 + i64::from(u(pos + 4));
        let incl = u(pos + 8) as usize;
        let pkt = &b[pos + 16..(pos + 16 + incl).min(b.len())];
        pos += 16 + incl;
        if pkt.len() < 14 + 20 || pkt[12..14] != [0x08, 0x00] {
            continue;
        }
        let ipb = &pkt[14..];
        let ihl = usize::from(ipb[0] & 0x0f) * 4;
        if ipb[9] != 6 || ipb.len() < ihl + 14 {
            continue;
        }
        let total = u64::from(u16::from_be_bytes([ipb[2], ipb[3]]));
        let src = Ipv4Addr::new(ipb[12], ipb[13], ipb[14], ipb[15]);
        let dst = Ipv4Addr::new(ipb[16], ipb[17], ipb[18], ipb[19]);
        let tcp = &ipb[ihl..];
        let sp = u16::from_be_bytes([tcp[0], tcp[1]]);
        let dp = u16::from_be_bytes([tcp[2], tcp[3]]);
        let flags = tcp[13];
        let (syn, ack) = (flags & 0x02 != 0, flags & 0x10 != 0);
        let fwd = (src, sp, dst, dp);
        let rev = (dst, dp, src, sp);
        if let Some((o, last)) = conns.get_mut(&fwd) {
            o.bytes_out += total;
            *last = ts_us;
        } else if let Some((o, last)) = conns.get_mut(&rev) {
            o.bytes_in += total;
            *last = ts_us;
            if syn && ack {
                o.failed = false;
            }
        } else if syn && !ack {
            let o = Observation {
                ts_us,
                duration_us: 0,
                src_port: sp,
                dst_port: dp,
                bytes_out: total,
                bytes_in: 0,
                failed: true,
            };
            conns.insert(fwd, (o, ts_us));
            order.push(fwd);
        }
    }
    order
        .into_iter()
        .map(|k| {
            let (mut o, last) = conns[&k];
            o.duration_us = last - o.ts_us;
            (IpAddr::V4(k.0), IpAddr::V4(k.2), o)
        })
        .collect()
}

#[test]
fn shared_samples() {
    let net = unmask_testdata::existing("net");
    // CTU-SME-11: 192.168.1.107 calls its Remcos C2 66.63.168.35:5888 about every 2 s; the C2
    // rejects every attempt (REJ), so the pair is scored on its attempts.
    let remcos = analyse(&zeek_conn(
        &net.join("zeek/ctu-sme-11-remcos/conn.log.labeled"),
    ));
    check(
        "remcos",
        &remcos,
        "192.168.1.107",
        "66.63.168.35",
        Expect::BeaconAtLeast(0.95, BeaconBasis::FailedAttempts),
    );

    // The 2 s curl beacon (sleep 2 between HTTPS requests).
    let cc = analyse(&pcap_tcp_conns(
        &net.join("pcap/slips-test-cc-capture-1.pcap"),
    ));
    check(
        "curl beacon",
        &cc,
        "147.32.80.37",
        "141.193.213.21",
        Expect::BeaconAtLeast(0.95, BeaconBasis::Connections),
    );
    // Same with 2.0–3.6 s jitter, only 22 connections in 67 s: a weaker but clear beacon.
    let cc2 = analyse(&pcap_tcp_conns(
        &net.join("pcap/slips-test-cc-capture-2.pcap"),
    ));
    eprintln!("cc2 pairs: {}", cc2.len());

    // Mirai-style scan: no destination of the scanner is a beacon.
    let scan_obs = pcap_tcp_conns(&net.join("pcap/slips-test7-malicious.pcap"));
    let scan = analyse(&scan_obs);
    let scanner = ip("192.168.2.16");
    let mut dsts = 0;
    let mut worst = 0.0f64;
    for ((s, _), p) in &scan {
        if *s == scanner {
            dsts += 1;
            if let Some(b) = &p.beacon {
                worst = worst.max(b.score.score);
            }
        }
    }
    eprintln!(
        "scan: {} connections, {dsts} destinations, best beacon score {worst}",
        scan_obs.len()
    );
    assert!(dsts > 100, "the scan reaches many destinations");
    assert!(
        worst < 0.7,
        "a scan destination scored as a beacon: {worst}"
    );
}
