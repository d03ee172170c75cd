//! The one integration-test binary of `unmask-detect`: the math on hand-made series and on the
//! shared real samples (Zeek conn.log of the CTU-SME-11 Remcos C2, the pcap of a 2 s curl
//! beacon, a Mirai-style scan). The samples are turned into observations by small test-only
//! readers here, so this crate's tests do not depend on the flow readers.
//!
//! Merging: a stream split into shards, each aggregated, shipped through JSON and merged in any
//! order, must give the same analysis as the whole stream in one aggregator ([`Outcome`]).

use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use unmask_detect::stats::{bowley_skew, mad, quantile};
use unmask_detect::{
    beacon_score, bulk_score, long_connection_score, AggregatorState, Analysis, AnalysisWindow,
    BeaconBasis, BeaconConfig, DetectConfig, HostBulk, MergeError, Observation, PairAggregator,
    PairState, PairSummary,
};

type Pair = (IpAddr, IpAddr);
type Obs = (IpAddr, IpAddr, Observation);

fn analyse(obs: &[Obs]) -> HashMap<Pair, PairSummary> {
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

/// An [`Analysis`] in a form that compares: pairs by key, host uploads by source.
#[derive(Debug, PartialEq)]
struct Outcome {
    pairs: BTreeMap<Pair, PairSummary>,
    pair_count: usize,
    host_bulk: Vec<HostBulk<IpAddr>>,
    window: (i64, i64),
    observations: u64,
}

fn outcome(a: Analysis<IpAddr, IpAddr>) -> Outcome {
    let mut host_bulk = a.host_bulk;
    host_bulk.sort_by_key(|h| h.src);
    Outcome {
        pairs: a.pairs.into_iter().map(|(s, d, p)| ((s, d), p)).collect(),
        pair_count: a.pair_count,
        host_bulk,
        window: a.window,
        observations: a.observations,
    }
}

/// One aggregator fed `obs` in the order given.
fn aggregate<'a>(
    cfg: DetectConfig,
    obs: impl IntoIterator<Item = &'a Obs>,
) -> PairAggregator<IpAddr, IpAddr> {
    let mut agg = PairAggregator::new(cfg);
    for (s, d, o) in obs {
        agg.observe(*s, *d, o);
    }
    agg
}

/// `obs` split by `shard_of` (one shard index per observation, order within a shard kept),
/// each shard aggregated and shipped as JSON, then merged in `merge_order` (shard indices).
fn sharded(
    cfg: DetectConfig,
    obs: &[Obs],
    shard_of: &[usize],
    merge_order: &[usize],
) -> PairAggregator<IpAddr, IpAddr> {
    let shards = merge_order.iter().copied().max().map_or(0, |m| m + 1);
    let mut parts: Vec<Vec<&Obs>> = vec![Vec::new(); shards];
    for (o, &k) in obs.iter().zip(shard_of) {
        parts[k].push(o);
    }
    let shipped: Vec<String> = parts
        .into_iter()
        .map(|part| serde_json::to_string(&aggregate(cfg, part).into_state()).unwrap())
        .collect();
    let mut merged: Option<PairAggregator<IpAddr, IpAddr>> = None;
    for &k in merge_order {
        let state: AggregatorState<IpAddr, IpAddr> = serde_json::from_str(&shipped[k]).unwrap();
        let agg = PairAggregator::from_state(state);
        match merged.as_mut() {
            None => merged = Some(agg),
            Some(m) => m.merge(agg).unwrap(),
        }
    }
    merged.unwrap_or_else(|| PairAggregator::new(cfg))
}

/// How to cut a stream: `order` is a permutation of its indices (the order the whole is fed
/// the second time, and the order inside each shard), `shard_of` the shard of each
/// observation, `merge_order` the order the shards' states are merged in.
#[derive(Debug)]
struct Cut {
    order: Vec<usize>,
    shard_of: Vec<usize>,
    merge_order: Vec<usize>,
}

/// The single data-driven merge check: the whole stream in its order and shuffled, and its
/// shards merged, give one outcome, against the observed window and against `fixed`.
fn check_merge(label: &str, cfg: DetectConfig, stream: &[Obs], cut: &Cut, fixed: (i64, i64)) {
    let shuffled: Vec<Obs> = cut.order.iter().map(|&i| stream[i]).collect();
    let shard_of: Vec<usize> = cut.order.iter().map(|&i| cut.shard_of[i]).collect();
    let windows = [
        AnalysisWindow::Observed,
        AnalysisWindow::Fixed {
            start_s: fixed.0,
            end_s: fixed.1,
        },
    ];
    for window in windows {
        let expected = outcome(aggregate(cfg, stream).finish_in(window));
        let reordered = outcome(aggregate(cfg, &shuffled).finish_in(window));
        assert_eq!(reordered, expected, "{label}: shuffled, {window:?}");
        let merged =
            outcome(sharded(cfg, &shuffled, &shard_of, &cut.merge_order).finish_in(window));
        assert_eq!(merged, expected, "{label}: sharded, {window:?}");
    }
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

fn capped_config(max_timestamps: usize) -> DetectConfig {
    DetectConfig {
        beacon: BeaconConfig {
            max_timestamps,
            ..BeaconConfig::default()
        },
        ..DetectConfig::default()
    }
}

/// One pair `1 -> 2` aggregated from `obs` in the order given, scored against `window`.
fn one_pair_in(
    cfg: DetectConfig,
    window: AnalysisWindow,
    obs: impl IntoIterator<Item = Observation>,
) -> PairSummary {
    let mut agg = PairAggregator::new(cfg);
    for o in obs {
        agg.observe(1u8, 2u8, &o);
    }
    agg.finish_in(window).pairs.pop().unwrap().2
}

fn one_pair(cfg: DetectConfig, obs: impl IntoIterator<Item = Observation>) -> PairSummary {
    one_pair_in(cfg, AnalysisWindow::Observed, obs)
}

#[test]
fn timestamps_are_capped() {
    let cfg = capped_config(100);
    let p = one_pair(cfg, (0..1000).map(|i| obs(f64::from(i), 1, 1, false)));
    assert!(p.capped);
    assert_eq!(p.connections, 1000);
    assert_eq!(p.beacon.as_ref().unwrap().score.timestamps, 100);
    // The earliest 100 are kept whatever the order: fed backwards, the same summary.
    let backwards = one_pair(cfg, (0..1000).rev().map(|i| obs(f64::from(i), 1, 1, false)));
    assert_eq!(backwards, p);
    // Scored as the first 100 seconds alone would be, in the same window.
    let seconds = AnalysisWindow::Fixed {
        start_s: 0,
        end_s: 999,
    };
    let first = one_pair_in(
        cfg,
        seconds,
        (0..100).map(|i| obs(f64::from(i), 1, 1, false)),
    );
    assert!(!first.capped);
    assert_eq!(first.beacon, p.beacon);
}

#[test]
fn capped_exactly_when_more_than_the_cap_were_offered() {
    // (connections that did not fail, failed attempts) offered → capped
    let cases = [
        ((10, 0), false),
        ((11, 0), true),
        ((0, 10), false),
        ((0, 11), true),
        ((10, 10), false),
        ((10, 11), true),
        ((11, 10), true),
    ];
    for ((ok, failed), capped) in cases {
        let series = |n: u32, f: bool| (0..n).map(move |i| obs(f64::from(i) * 7.0, 5, 5, f));
        let p = one_pair(
            capped_config(10),
            series(ok, false).chain(series(failed, true)),
        );
        assert_eq!(p.capped, capped, "{ok} connections, {failed} failed");
        assert_eq!(p.connections, u64::from(ok + failed));
    }
    // Duplicates count as offered too; cap 0 keeps nothing.
    let p = one_pair(capped_config(2), (0..3).map(|_| obs(5.0, 1, 1, false)));
    assert!(p.capped);
    let p = one_pair(capped_config(0), [obs(5.0, 1, 1, false)]);
    assert!(p.capped && p.beacon.is_none());
}

#[test]
fn ports_are_the_four_first_seen() {
    let at = |ts_s: f64, port: u16| Observation {
        dst_port: port,
        ..obs(ts_s, 1, 1, false)
    };
    // (observations in arrival order, ports expected)
    let cases: [(Vec<Observation>, Vec<u16>); 4] = [
        (vec![at(1.0, 443), at(2.0, 80)], vec![443, 80]),
        (vec![at(2.0, 80), at(1.0, 443)], vec![443, 80]),
        // equal starts: by port
        (vec![at(1.0, 443), at(1.0, 80)], vec![80, 443]),
        // six ports, arriving late ones first: the four seen earliest, earliest first
        (
            vec![
                at(6.0, 6),
                at(5.0, 5),
                at(4.0, 4),
                at(3.0, 3),
                at(2.0, 2),
                at(1.0, 1),
                at(0.5, 5),
            ],
            vec![5, 1, 2, 3],
        ),
    ];
    for (arrivals, ports) in cases {
        let p = one_pair(DetectConfig::default(), arrivals.iter().copied());
        assert_eq!(p.dst_ports, ports, "{arrivals:?}");
    }
}

#[test]
fn fixed_analysis_window() {
    let stream: Vec<Obs> = (0..50)
        .map(|i| {
            let o = obs(1_700_000_000.0 + f64::from(i) * 60.0, 10, 10, false);
            (ip("10.0.0.5"), ip("203.0.113.9"), o)
        })
        .collect();
    let cfg = DetectConfig::default();
    let observed = aggregate(cfg, &stream).finish();
    assert_eq!(observed.window, (1_700_000_000, 1_700_000_000 + 49 * 60));
    let same = aggregate(cfg, &stream).finish_in(AnalysisWindow::Observed);
    assert_eq!(outcome(same), outcome(aggregate(cfg, &stream).finish()));
    // A day around the beacon: the histogram bins are hours, most of them empty.
    let day = AnalysisWindow::Fixed {
        start_s: 1_699_990_000,
        end_s: 1_699_990_000 + 86_399,
    };
    let fixed = aggregate(cfg, &stream).finish_in(day);
    assert_eq!(fixed.window, (1_699_990_000, 1_699_990_000 + 86_399));
    let b = &fixed.pairs[0].2.beacon.as_ref().unwrap().score;
    // 49 minutes straddle two of the hourly bins.
    assert_eq!(b.histogram.iter().filter(|&&c| c > 0).count(), 2, "{b:?}");
    assert!(b.duration_score < 0.1, "{b:?}");
    // Given backwards, the same window.
    let backwards = AnalysisWindow::Fixed {
        start_s: 1_699_990_000 + 86_399,
        end_s: 1_699_990_000,
    };
    let again = aggregate(cfg, &stream).finish_in(backwards);
    assert_eq!(outcome(again), outcome(fixed));
    // With no observations the observed window is (0, 0).
    let empty = PairAggregator::<u8, u8>::new(cfg).finish();
    assert_eq!((empty.window, empty.observations), ((0, 0), 0));
}

#[test]
fn merge_refuses_another_config_and_pair_states_merge() {
    let mut a = PairAggregator::<u8, u8>::new(DetectConfig::default());
    let b = PairAggregator::<u8, u8>::new(capped_config(10));
    assert!(matches!(a.merge(b), Err(MergeError::ConfigDiffers { .. })));
    // The per-pair state alone (a distributed engine's accumulator): halves merged, either way.
    let cfg = capped_config(30);
    let series: Vec<Observation> = (0..100)
        .map(|i| obs(f64::from(i * 37 % 100) * 10.0, 100, 100, i % 7 == 0))
        .collect();
    let fed = |it: &mut dyn Iterator<Item = &Observation>| {
        let mut st = PairState::default();
        it.for_each(|o| st.observe(o, &cfg));
        st
    };
    let whole = fed(&mut series.iter()).summarize((0, 1000), &cfg);
    let (left, right) = series.split_at(41);
    let mut l = fed(&mut left.iter());
    l.merge(fed(&mut right.iter()), &cfg);
    let mut r = fed(&mut right.iter());
    r.merge(fed(&mut left.iter()), &cfg);
    let mut empty = PairState::default();
    empty.merge(l.clone(), &cfg);
    assert!(whole.capped);
    assert_eq!(l.summarize((0, 1000), &cfg), whole);
    assert_eq!(r.summarize((0, 1000), &cfg), whole);
    assert_eq!(empty.summarize((0, 1000), &cfg), whole);
}

/// Pairs among three sources and three destinations, times over about an hour and a half
/// (many equal seconds and microseconds), some failed, a few ports, long and bulky ones.
fn arb_obs() -> impl Strategy<Value = Obs> {
    (
        0u8..3,
        0u8..3,
        0i64..5_000,
        prop::sample::select(vec![0i64, 1, 500_000, 999_999]),
        prop::sample::select(vec![0i64, 5_000_000, 2_000_000_000, 2_000_000_001]),
        0u16..3,
        0u16..7,
        prop::sample::select(vec![0u64, 100, 2_500, 40_000, u64::MAX / 2]),
        prop::sample::select(vec![0u64, 100, 900]),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(s, d, sec, us, dur, sp, dp, out, inn, failed)| {
            (
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, s)),
                IpAddr::V4(Ipv4Addr::new(203, 0, 113, d)),
                Observation {
                    ts_us: (1_700_000_000 + sec) * 1_000_000 + us,
                    duration_us: dur,
                    src_port: 40_000 + sp,
                    dst_port: 440 + dp,
                    bytes_out: out,
                    bytes_in: inn,
                    failed,
                },
            )
        })
}

/// A stream, a small cap (so it is hit) and a cut into up to six shards.
fn arb_case() -> impl Strategy<Value = (DetectConfig, Vec<Obs>, Cut)> {
    (
        1usize..12,
        prop::collection::vec(arb_obs(), 0..160),
        1usize..7,
    )
        .prop_flat_map(|(cap, stream, shards)| {
            let n = stream.len();
            let cfg = DetectConfig {
                beacon: BeaconConfig {
                    max_timestamps: cap,
                    ..BeaconConfig::default()
                },
                long_connection_s: 1_000,
                bulk_window_s: 600,
                bulk_pair_bytes: 3_000,
                bulk_host_bytes: 6_000,
                ..DetectConfig::default()
            };
            let cut = (
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                prop::collection::vec(0..shards, n),
                Just((0..shards).collect::<Vec<_>>()).prop_shuffle(),
            )
                .prop_map(|(order, shard_of, merge_order)| Cut {
                    order,
                    shard_of,
                    merge_order,
                });
            (Just(cfg), Just(stream), cut)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn shards_merged_in_any_order_equal_the_whole((cfg, stream, cut) in arb_case(), fixed_start in 1_699_999_000i64..1_700_006_000, fixed_len in 0i64..10_000) {
        check_merge("random stream", cfg, &stream, &cut, (fixed_start, fixed_start + fixed_len));
    }
}

/// A cut of `n` observations into `shards` by a fixed pseudo-random sequence, merged last
/// shard first, the whole shuffled the same way.
fn pseudo_random_cut(n: usize, shards: usize) -> Cut {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let shard_of = (0..n).map(|_| next() as usize % shards).collect();
    let mut keyed: Vec<(u64, usize)> = (0..n).map(|i| (next(), i)).collect();
    keyed.sort_unstable();
    Cut {
        order: keyed.into_iter().map(|(_, i)| i).collect(),
        shard_of,
        merge_order: (0..shards).rev().collect(),
    }
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

#[test]
fn shared_remcos_sample_sharded() {
    let net = unmask_testdata::existing("net");
    let stream = zeek_conn(&net.join("zeek/ctu-sme-11-remcos/conn.log.labeled"));
    let cut = pseudo_random_cut(stream.len(), 5);
    let fixed = (1_600_000_000, 1_700_000_000);
    check_merge("remcos", DetectConfig::default(), &stream, &cut, fixed);
    // The cap hit on real data: the C2's rejected attempts alone are thousands.
    let cfg = capped_config(500);
    let capped = outcome(aggregate(cfg, &stream).finish());
    let c2 = (ip("192.168.1.107"), ip("66.63.168.35"));
    assert!(capped.pairs[&c2].capped, "{:?}", capped.pairs[&c2]);
    check_merge("remcos capped", cfg, &stream, &cut, fixed);
}
