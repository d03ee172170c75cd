//! Integration tests of the flow readers over the real shared samples (../shared/data/net).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use unmask_flows::*;

fn data() -> PathBuf {
    unmask_testdata::shared_dir().to_path_buf()
}

fn net(rel: &str) -> PathBuf {
    data().join("net").join(rel)
}

fn read_all(path: &Path) -> (Vec<FlowRecord>, ReadReport) {
    let mut v = Vec::new();
    let rep = read_path(path, &ReadOptions::default(), &mut |r| v.push(r)).expect("readable");
    (v, rep)
}

/// What a sample must give.
struct Expect {
    format: Option<Format>,
    read: u64,
    used: u64,
    rejected: u64,
    skipped: u64,
    /// (line, text that the diagnostic's reason or value contains)
    diags: &'static [(u64, &'static str)],
}

const fn ex(format: Format, read: u64, used: u64, rejected: u64, skipped: u64) -> Expect {
    Expect {
        format: Some(format),
        read,
        used,
        rejected,
        skipped,
        diags: &[],
    }
}

fn check(rel: &str, want: Expect) -> Vec<FlowRecord> {
    let (recs, rep) = read_all(&net(rel));
    let c = rep.counts;
    assert_eq!(
        (c.read, c.used, c.rejected, rep.skipped),
        (want.read, want.used, want.rejected, want.skipped),
        "{rel}: counts (read, used, rejected, skipped); diagnostics: {:#?}",
        rep.diagnostics
    );
    assert_eq!(
        recs.len() as u64,
        want.used,
        "{rel}: records handed to the sink"
    );
    if let Some(f) = want.format {
        assert!(
            rep.files.iter().any(|s| s.format == Some(f)),
            "{rel}: expected format {f}, got {:?}",
            rep.files
        );
    }
    for (line, text) in want.diags {
        assert!(
            rep.diagnostics
                .iter()
                .any(|d| d.line == *line && (d.reason.contains(text) || d.value.contains(text))),
            "{rel}: no diagnostic at line {line} mentioning {text:?}: {:#?}",
            rep.diagnostics
        );
    }
    for d in &rep.diagnostics {
        assert!(
            d.file.ends_with(rel.rsplit('/').next().unwrap()) || Path::new(&d.file).is_file(),
            "{rel}: diagnostic names its file: {d}"
        );
    }
    recs
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn samples_give_their_records_and_diagnostics() {
    use Format::*;
    let cases: Vec<(&str, Expect)> = vec![
        (
            "zeek/rita-missing_host",
            ex(ZeekTsv, 105_918, 105_918, 0, 0),
        ),
        ("zeek/rita-proxy/conn.log", ex(ZeekTsv, 463, 463, 0, 0)),
        ("zeek/rita-json/conn.log", ex(ZeekJson, 29, 29, 0, 0)),
        (
            "zeek/ctu-sme-11-remcos/conn.log.labeled",
            ex(ZeekTsv, 766, 766, 0, 0),
        ),
        ("zeek/rita-edge/open_conn.log", ex(ZeekTsv, 59, 59, 0, 0)),
        (
            "zeek/rita-edge/truncated_conn.log",
            Expect {
                diags: &[(67, "cut short"), (67, "1517336086.507674")],
                ..ex(ZeekTsv, 59, 58, 1, 0)
            },
        ),
        (
            "zeek/rita-edge/truncated_conn_json.log",
            Expect {
                diags: &[(3, "93145"), (3, "id.orig_p"), (4, "cut short")],
                ..ex(ZeekJson, 4, 2, 2, 0)
            },
        ),
        (
            "zeek/rita-edge/not_a_zeek_log_conn.log",
            Expect {
                diags: &[(1, "not a Zeek conn.log"), (1, "Lorem ipsum")],
                ..ex(ZeekTsv, 5, 0, 5, 0)
            },
        ),
        (
            "zeek/rita-proxy/dns.log",
            Expect {
                diags: &[(5, "not a connection log")],
                ..ex(ZeekTsv, 942, 0, 0, 942)
            },
        ),
        (
            "zeek/rita-json/dns.log",
            Expect {
                diags: &[(1, "not a conn log")],
                ..ex(ZeekJson, 34, 0, 0, 34)
            },
        ),
        (
            "suricata/slips-test6-malicious.eve.json",
            ex(SuricataEve, 5000, 3512, 0, 1488),
        ),
        ("nfdump/nfdump_v9_cc1.csv", ex(NfdumpCsv, 594, 594, 0, 3)),
        (
            "netflow/netflow_v5_cc1.pcap",
            ex(NetflowPcap, 594, 594, 0, 0),
        ),
        (
            "netflow/netflow_v9_cc1.pcap",
            ex(NetflowPcap, 594, 594, 0, 2),
        ),
        ("netflow/ipfix_cc2.pcap", ex(NetflowPcap, 521, 521, 0, 2)),
        // pcaps: read = used = flows; skipped = non-IP frames.
        (
            "pcap/slips-test-cc-capture-1.pcap",
            ex(Pcap, 299, 299, 0, 0),
        ),
        (
            "pcap/slips-test-cc-capture-2.pcap",
            ex(Pcap, 261, 261, 0, 0),
        ),
        (
            "pcap/zeek-pcapng-multi-interface.pcapng",
            ex(Pcap, 3, 3, 0, 0),
        ),
        ("pcap/zeek-pppoe.pcap", ex(Pcap, 7, 7, 0, 40)),
        ("pcap/zeek-q-in-q.pcap", ex(Pcap, 2, 2, 0, 1)),
    ];
    for (rel, want) in cases {
        check(rel, want);
    }
}

#[test]
fn remcos_c2_pair_and_server_directions() {
    let recs = check(
        "zeek/ctu-sme-11-remcos/conn.log.labeled",
        ex(Format::ZeekTsv, 766, 766, 0, 0),
    );
    let c2: Vec<_> = recs
        .iter()
        .filter(|r| {
            r.src == ip("192.168.1.107") && r.dst == ip("66.63.168.35") && r.dst_port == 5888
        })
        .collect();
    assert_eq!(c2.len(), 719);
    assert_eq!(
        c2.iter().filter(|r| r.state == ConnState::Failed).count(),
        719
    );
    assert_eq!(c2[0].ts_us, 1_677_024_003_714_845);
    assert_eq!(
        (c2[0].pkts_out, c2[0].bytes_out, c2[0].bytes_in),
        (2, 104, 80)
    );

    let (recs, _) = read_all(&net("zeek/rita-missing_host"));
    let server = ip("64.225.56.201");
    let inbound = recs.iter().filter(|r| r.dst == server).count();
    let outbound = recs.iter().filter(|r| r.src == server).count();
    assert_eq!((inbound, outbound), (100_146, 5_607));
    let ip_bytes: u64 = recs.iter().map(|r| r.bytes_out + r.bytes_in).sum();
    assert_eq!(ip_bytes, 252_212_294);
    // Rotated files are read in order: times never go back by more than a file's span.
    assert!(recs.first().unwrap().ts_us < recs.last().unwrap().ts_us);
    assert_eq!(recs[0].ts_us, 1_713_484_795_943_239);
}

fn totals(recs: &[FlowRecord]) -> (usize, u64, u64) {
    (
        recs.len(),
        recs.iter().map(|r| r.pkts_out + r.pkts_in).sum(),
        recs.iter().map(|r| r.bytes_out + r.bytes_in).sum(),
    )
}

#[test]
fn netflow_v5_v9_nfdump_and_pcap_agree_on_capture_1() {
    // nfdump's own summary line of the CSV: 594 flows, 1,834,892 bytes, 7,931 packets.
    let (v5, _) = read_all(&net("netflow/netflow_v5_cc1.pcap"));
    let (v9, _) = read_all(&net("netflow/netflow_v9_cc1.pcap"));
    let (csv, _) = read_all(&net("nfdump/nfdump_v9_cc1.csv"));
    let (pcap, _) = read_all(&net("pcap/slips-test-cc-capture-1.pcap"));
    for (name, recs) in [("v5", &v5), ("v9", &v9), ("nfdump", &csv)] {
        assert_eq!(totals(recs), (594, 7_931, 1_834_892), "{name}");
    }
    // The pcap gives bidirectional flows with the same packets and IP bytes: 297 connections
    // as softflowd saw them, plus 2 where the client reused its port for a new connection
    // after closing (softflowd merged those; Zeek and we split them on the new SYN).
    assert_eq!(totals(&pcap), (299, 7_931, 1_834_892));
    assert!(pcap
        .iter()
        .all(|r| r.dst_port == 443 && r.state == ConnState::Established));
    // Per connection, v5 records match the pcap flow's directions.
    let first = &pcap[0];
    let out = v5
        .iter()
        .find(|r| r.src == first.src && r.src_port == first.src_port)
        .unwrap();
    assert_eq!(
        (out.pkts_out, out.bytes_out),
        (first.pkts_out, first.bytes_out)
    );
    assert!((out.ts_us - first.ts_us).abs() < 1_000);
}

#[test]
fn ipfix_matches_capture_2() {
    let (ipfix, _) = read_all(&net("netflow/ipfix_cc2.pcap"));
    let (pcap, _) = read_all(&net("pcap/slips-test-cc-capture-2.pcap"));
    let (_, p_pkts, p_bytes) = totals(&pcap);
    let (n, pkts, bytes) = totals(&ipfix);
    assert_eq!(n, 521);
    assert_eq!((pkts, bytes), (p_pkts, p_bytes));
    assert_eq!((p_pkts, p_bytes), (1_084, 231_575));
    assert!(ipfix.iter().any(|r| r.dst_port == 53 || r.src_port == 53));
}

#[test]
fn ipfix_times_are_absolute_from_sysuptime_and_system_init_time() {
    // The exporter writes flowStart/EndSysUpTime (IEs 22/21, ms since its start) and announces
    // systemInitTimeMilliseconds (IE 160) in an options data record; IPFIX headers carry no
    // uptime. Without IE 160 every record fell back to the export time (1707834946 s).
    let recs = check(
        "netflow/ipfix_cc2.pcap",
        ex(Format::NetflowPcap, 521, 521, 0, 2),
    );
    let (pcap, _) = read_all(&net("pcap/slips-test-cc-capture-2.pcap"));
    let distinct: std::collections::BTreeSet<i64> = recs.iter().map(|r| r.ts_us).collect();
    assert!(
        distinct.len() > 100,
        "{} distinct IPFIX start times",
        distinct.len()
    );
    let span = |v: &[FlowRecord]| {
        let lo = v.iter().map(|r| r.ts_us).min().unwrap();
        let hi = v.iter().map(|r| r.ts_us).max().unwrap();
        (lo, hi)
    };
    let (lo, hi) = span(&recs);
    let (p_lo, p_hi) = span(&pcap);
    // 1707834878788 ms (IE 160) + 294 ms (first flowStartSysUpTime).
    assert_eq!(recs[0].ts_us, 1_707_834_879_082_000);
    assert!(
        (lo - p_lo).abs() < 1_000,
        "first start {lo} vs capture {p_lo}"
    );
    assert!(
        (hi - p_hi).abs() < 2_000_000,
        "last start {hi} vs capture {p_hi}"
    );
    // Nothing after the export (header seconds are truncated: the last flows start at .433).
    assert!(recs.iter().all(|r| r.ts_us < 1_707_834_947_000_000));
}

/// Reads a Zeek btest baseline (timestamps masked) into (5-tuple → counts, conn_state).
type FlowKey = (IpAddr, u16, IpAddr, u16);
/// (orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, conn_state, duration µs)
type FlowFacts = (u64, u64, u64, u64, String, i64);

fn baseline(rel: &str) -> BTreeMap<FlowKey, FlowFacts> {
    let text = std::fs::read_to_string(net(rel)).unwrap();
    let mut fields: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if let Some(f) = line.strip_prefix("#fields\t") {
            fields = f.split('\t').map(String::from).collect();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let v: Vec<&str> = line.split('\t').collect();
        let col = |name: &str| v[fields.iter().position(|f| f == name).unwrap()];
        let n = |name: &str| col(name).parse::<u64>().unwrap();
        let dur = match col("duration") {
            "-" => 0,
            d => (d.parse::<f64>().unwrap() * 1e6).round() as i64,
        };
        out.insert(
            (
                ip(col("id.orig_h")),
                n("id.orig_p") as u16,
                ip(col("id.resp_h")),
                n("id.resp_p") as u16,
            ),
            (
                n("orig_pkts"),
                n("orig_ip_bytes"),
                n("resp_pkts"),
                n("resp_ip_bytes"),
                col("conn_state").to_string(),
                dur,
            ),
        );
    }
    out
}

#[test]
fn pcap_flows_match_zeek_baselines() {
    for (pcap, base) in [
        (
            "pcap/zeek-q-in-q.pcap",
            "zeek/zeek-baselines/q-in-q.conn.log",
        ),
        (
            "pcap/zeek-pcapng-multi-interface.pcapng",
            "zeek/zeek-baselines/pcapng-multi-interface.conn.log",
        ),
        ("pcap/zeek-pppoe.pcap", "zeek/zeek-baselines/pppoe.conn.log"),
    ] {
        let want = baseline(base);
        let mut got = BTreeMap::new();
        let rep = read_pcap_flows_detailed(
            File::open(net(pcap)).unwrap(),
            pcap,
            &ReadOptions::default(),
            &mut |f| {
                let r = f.record;
                got.insert(
                    (r.src, r.src_port, r.dst, r.dst_port),
                    (
                        r.pkts_out,
                        r.bytes_out,
                        r.pkts_in,
                        r.bytes_in,
                        f.zeek_state.to_string(),
                        r.duration_us,
                    ),
                );
            },
        );
        assert!(rep.diagnostics.is_empty(), "{pcap}: {:?}", rep.diagnostics);
        // Tolerance: none. Same flows, packets, IP bytes, conn_state and duration (µs).
        assert_eq!(got, want, "{pcap} vs {base}");
    }
}

#[test]
fn suricata_flow_events() {
    let recs = check(
        "suricata/slips-test6-malicious.eve.json",
        ex(Format::SuricataEve, 5000, 3512, 0, 1488),
    );
    let r = &recs[0];
    assert_eq!(
        (r.src, r.src_port, r.dst_port, r.proto),
        (ip("192.168.1.132"), 1900, 44232, 17)
    );
    // 2021-06-06T16:38:55.855844+0200
    assert_eq!(r.ts_us, 1_622_990_335_855_844);
    assert_eq!((r.pkts_out, r.bytes_out, r.pkts_in), (12, 4056, 0));
    assert_eq!(r.duration_us, 1_107_183);
}

#[test]
fn gzip_multi_member_and_header_change_mid_file() {
    let dir = std::env::temp_dir().join(format!("unmask-flows-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two gzip members: the ctu log (trailing label columns) then a missing_host hour
    // (leading _node_name column): the second header changes the layout mid-stream.
    let ctu = std::fs::read(net("zeek/ctu-sme-11-remcos/conn.log.labeled")).unwrap();
    let hour = {
        let mut s = Vec::new();
        let gz = File::open(net(
            "zeek/rita-missing_host/2024-04-19/conn.00:00:00-01:00:00.log.gz",
        ))
        .unwrap();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(gz), &mut s).unwrap();
        s
    };
    let path = dir.join("two-members.log.gz");
    let mut f = File::create(&path).unwrap();
    for part in [&ctu, &hour] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(part).unwrap();
        f.write_all(&enc.finish().unwrap()).unwrap();
    }
    drop(f);
    let (recs, rep) = read_all(&path);
    assert_eq!(rep.counts.used, 766 + 1765, "{:?}", rep.diagnostics);
    assert_eq!(rep.counts.rejected, 0);
    assert_eq!(recs[766].src, ip("167.94.138.145"));
    // A gzip file cut short: records before the cut still count, the cut is reported.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.join("cut.log.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let (recs, rep) = read_all(&cut);
    assert!(
        !recs.is_empty() && recs.len() < 766 + 1765,
        "{}",
        recs.len()
    );
    assert!(rep
        .diagnostics
        .iter()
        .any(|d| d.reason.contains("read error") || d.reason.contains("cut short")));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Batches give the records one by one would, in the same order, with the same report: every
/// shared format, and a conn.log large enough for the parsing threads.
#[test]
fn batches_match_records() {
    let dir = std::env::temp_dir().join(format!("unmask-batches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("conn.log");
    let mut f = std::fs::File::create(&big).unwrap();
    synth_conn_log(&mut f, 60_000, 3).unwrap();
    drop(f);
    for path in [
        net("zeek"),
        net("suricata"),
        net("nfdump"),
        net("netflow"),
        big.clone(),
    ] {
        let (want, want_rep) = read_all(&path);
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        let rep = read_path_batches(&path, &ReadOptions::default(), &mut |b| {
            sizes.push(b.len());
            got.extend_from_slice(b);
        })
        .expect("readable");
        assert!(!want.is_empty(), "{}", path.display());
        assert!(got == want, "{}", path.display());
        assert_eq!(rep, want_rep, "{}", path.display());
        assert!(sizes.iter().all(|&n| n > 0), "no empty batch");
        assert!(sizes.len() < want.len(), "records come in batches");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn synthetic_conn_log_reads_back() {
    let mut buf = Vec::new();
    synth_conn_log(&mut buf, 10_000, 7).unwrap();
    let mut again = Vec::new();
    synth_conn_log(&mut again, 10_000, 7).unwrap();
    assert_eq!(buf, again, "deterministic for a seed");
    let mut n = 0;
    let rep = read_zeek_tsv(&buf[..], "synth", &ReadOptions::default(), &mut |_| n += 1);
    assert_eq!((n, rep.counts.rejected), (10_000, 0));
    // Replaying real records keeps their counts and states.
    let (src, _) = read_all(&net("zeek/ctu-sme-11-remcos/conn.log.labeled"));
    let mut buf = Vec::new();
    synth_conn_log_from(&src, &mut buf, 1_532, 1).unwrap();
    let mut out = Vec::new();
    read_zeek_tsv(&buf[..], "synth", &ReadOptions::default(), &mut |r| {
        out.push(r)
    });
    assert_eq!(out.len(), 1_532);
    let mut sorted = src.clone();
    sorted.sort_by_key(|r| r.ts_us);
    for (a, b) in sorted.iter().zip(&out) {
        assert_eq!(
            (a.pkts_out, a.bytes_out, a.dst_port, a.state),
            (b.pkts_out, b.bytes_out, b.dst_port, b.state)
        );
    }
    assert!(out[766].ts_us > out[765].ts_us, "second cycle is later");
    assert_ne!(
        out[766].src, out[0].src,
        "second cycle has shifted addresses"
    );
}

/// UDP payloads of a classic pcap of Ethernet/IPv4/UDP export datagrams (test fixture).
fn udp_payloads(rel: &str) -> Vec<Vec<u8>> {
    let d = std::fs::read(net(rel)).unwrap();
    let mut off = 24;
    let mut out = Vec::new();
    while off + 16 <= d.len() {
        let caplen = u32::from_le_bytes(d[off + 8..off + 12].try_into().unwrap()) as usize;
        let frame = &d[off + 16..off + 16 + caplen];
        let ihl = (frame[14] & 0x0f) as usize * 4;
        out.push(frame[14 + ihl + 8..].to_vec());
        off += 16 + caplen;
    }
    out
}

#[test]
fn collector_decodes_datagrams_and_holds_early_data_sets() {
    for (rel, want) in [
        ("netflow/netflow_v9_cc1.pcap", 594),
        ("netflow/ipfix_cc2.pcap", 521),
        ("netflow/netflow_v5_cc1.pcap", 594),
    ] {
        let mut payloads = udp_payloads(rel);
        // Send in reverse: data sets arrive before their templates and must be held.
        payloads.reverse();
        let mut col = UdpCollector::bind("127.0.0.1:0").unwrap();
        let addr: SocketAddr = col.local_addr().unwrap();
        let n = payloads.len() as u64;
        let sender = std::thread::spawn(move || {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            for p in &payloads {
                s.send_to(p, addr).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let limits = CollectLimits {
            max_datagrams: Some(n),
            idle_timeout: Some(Duration::from_secs(5)),
            max_duration: Some(Duration::from_secs(20)),
            stop: None,
        };
        let mut recs = Vec::new();
        let rep = col.run(&limits, &ReadOptions::default(), &mut |r| recs.push(r));
        sender.join().unwrap();
        assert_eq!(recs.len(), want, "{rel}: {:?}", rep.diagnostics);
        assert_eq!(rep.counts.rejected, 0, "{rel}");
    }
}

#[test]
fn unknown_templates_are_reported_at_the_end() {
    // Only the data datagrams of the v9 capture, without any template.
    let payloads = udp_payloads("netflow/netflow_v9_cc1.pcap");
    let mut dec = NetflowDecoder::with_label("v9");
    let opts = ReadOptions::default();
    let mut rep = ReadReport::default();
    let mut n = 0;
    for (i, p) in payloads.iter().enumerate().skip(1) {
        // Strip template flowsets (id 0/1) so that data sets wait.
        let mut off = 20;
        let mut kept = p[..20].to_vec();
        while off + 4 <= p.len() {
            let id = u16::from_be_bytes([p[off], p[off + 1]]);
            let len = u16::from_be_bytes([p[off + 2], p[off + 3]]) as usize;
            if id >= 256 {
                kept.extend_from_slice(&p[off..off + len]);
            }
            off += len;
        }
        dec.decode(&kept, None, i as u64 + 1, &opts, &mut rep, &mut |_| n += 1);
    }
    assert_eq!(n, 0);
    assert!(dec.pending_sets() > 0);
    let held = dec.pending_sets() as u64;
    dec.finish(&opts, &mut rep);
    assert_eq!(rep.counts.rejected, held);
    let d = &rep.diagnostics[0];
    assert!(d.reason.contains("template never arrived"), "{d:?}");
    assert_eq!(d.file, "v9");
    assert!(d.line >= 2);
}

#[test]
fn format_detection_and_forcing() {
    assert_eq!(detect_format(b"#separator \\x09\n"), Some(Format::ZeekTsv));
    assert_eq!(
        detect_format(b"{\"ts\":1,\"id.orig_h\":\"1.2.3.4\"}"),
        Some(Format::ZeekJson)
    );
    assert_eq!(
        detect_format(b"{\"event_type\":\"flow\"}"),
        Some(Format::SuricataEve)
    );
    assert_eq!(
        detect_format(b"ts,te,td,sa,da,sp,dp\n"),
        Some(Format::NfdumpCsv)
    );
    assert_eq!(detect_format(b"Lorem ipsum"), None);
    assert_eq!("eve".parse::<Format>().unwrap(), Format::SuricataEve);
    assert!("bogus".parse::<Format>().is_err());
    let opts = ReadOptions {
        format: Some(Format::SuricataEve),
        ..ReadOptions::default()
    };
    let rep = read_path(&net("zeek/rita-json/conn.log"), &opts, &mut |_| {}).unwrap();
    assert_eq!((rep.counts.read, rep.counts.rejected), (29, 29));
    assert!(read_path(Path::new("/nonexistent/unmask"), &opts, &mut |_| {}).is_err());
}

#[test]
fn pcap_timeouts_split_flows() {
    let opts = ReadOptions {
        pcap: PcapFlowOptions {
            active_timeout_us: Some(100_000),
            ..PcapFlowOptions::default()
        },
        ..ReadOptions::default()
    };
    let mut n = 0;
    let f = File::open(net("pcap/slips-test-cc-capture-1.pcap")).unwrap();
    let rep = read_pcap_flows(f, "cc1", &opts, &mut |_| n += 1);
    assert!(
        n > 299,
        "an active timeout of 100 ms splits the longer connections: {n}"
    );
    assert_eq!(rep.counts.used, n);
}

// ---- no panic on any bytes ------------------------------------------------------------------

fn sample(rel: &str, max: usize) -> Vec<u8> {
    let mut d = std::fs::read(net(rel)).unwrap();
    d.truncate(max);
    d
}

fn all_readers(bytes: &[u8]) {
    let o = ReadOptions::default();
    let mut sink = |_r: FlowRecord| {};
    read_zeek_tsv(bytes, "f", &o, &mut sink);
    read_zeek_json(bytes, "f", &o, &mut sink);
    read_eve(bytes, "f", &o, &mut sink);
    read_nfdump_csv(bytes, "f", &o, &mut sink);
    read_netflow_datagram(bytes, "f", &o, &mut sink);
    read_netflow_pcap(bytes, "f", &o, &mut sink);
    read_pcap_flows(bytes, "f", &o, &mut sink);
    let _ = detect_format(bytes);
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=N for a longer run.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn no_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_readers(&bytes);
    }

    #[test]
    fn no_panic_on_mutated_samples(
        which in 0usize..8,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let rel = [
            "zeek/rita-edge/truncated_conn.log",
            "zeek/rita-json/conn.log",
            "suricata/slips-test6-malicious.eve.json",
            "nfdump/nfdump_v9_cc1.csv",
            "netflow/netflow_v9_cc1.pcap",
            "netflow/ipfix_cc2.pcap",
            "pcap/zeek-pppoe.pcap",
            "pcap/zeek-pcapng-multi-interface.pcapng",
        ][which];
        let mut d = sample(rel, 8192);
        for (i, b) in edits {
            let at = i.index(d.len());
            d[at] = b;
        }
        d.truncate(cut.index(d.len() + 1));
        all_readers(&d);
        // Every NetFlow datagram of a mutated capture too.
        for p in udp_payloads_lenient(&d) {
            let mut sink = |_r: FlowRecord| {};
            read_netflow_datagram(&p, "f", &ReadOptions::default(), &mut sink);
        }
    }
}

fn udp_payloads_lenient(d: &[u8]) -> Vec<Vec<u8>> {
    let mut off = 24;
    let mut out = Vec::new();
    while off + 16 <= d.len() {
        let caplen = u32::from_le_bytes(d[off + 8..off + 12].try_into().unwrap()) as usize;
        let Some(frame) = d.get(off + 16..off + 16 + caplen) else {
            break;
        };
        if frame.len() > 42 {
            out.push(frame[42..].to_vec());
        }
        off += 16 + caplen;
    }
    out
}

#[test]
fn header_driven_tsv_and_json_variants() {
    // Comma separator given as \x2c, custom unset marker, IPv6 + ICMP, header change mid-file
    // with extra columns, a row before any header in the second part is fine (header kept).
    let log = b"#separator \\x2c\n#unset_field,NA\n#path,conn\n\
#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,duration,orig_bytes,resp_bytes,conn_state\n\
1.5,fe80::1,128,fe80::2,129,icmp,NA,NA,NA,OTH\n\
#close,x\n#separator \\x09\n#path\tconn\n\
#fields\t_node_name\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_ip_bytes\tresp_ip_bytes\tconn_state\tlabel\n\
w1\t2.000001\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t60\t40\tS0\tbenign\n\
w1\t2.5\t10.0.0.1\t70000\t10.0.0.2\t2\ttcp\t60\t40\tS0\tbenign\n";
    let mut v = Vec::new();
    let rep = read_zeek_tsv(&log[..], "mixed", &ReadOptions::default(), &mut |r| {
        v.push(r)
    });
    assert_eq!(v.len(), 2, "{:?}", rep.diagnostics);
    assert_eq!(
        (v[0].ts_us, v[0].proto, v[0].duration_us),
        (1_500_000, 58, 0)
    );
    assert_eq!(v[0].state, ConnState::Partial);
    assert_eq!(
        (v[1].ts_us, v[1].bytes_out, v[1].state),
        (2_000_001, 60, ConnState::Failed)
    );
    let d = &rep.diagnostics[0];
    assert_eq!((d.line, d.value.contains("70000")), (11, true), "{d}");
    assert!(d.reason.contains("id.orig_p"));

    let json = br#"{"ts":"2024-04-19T00:00:01.250000Z","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp","conn_state":"SF","orig_ip_bytes":80,"resp_ip_bytes":120}
{"ts":1713484801.25,"id":{"orig_h":"10.0.0.1","orig_p":1,"resp_h":"10.0.0.2","resp_p":53},"proto":"udp","conn_state":"S0"}
{"ts":1713484801.25,"id.orig_h":"10.0.0.999","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"conn_state":"S0"}
"#;
    let mut v = Vec::new();
    let rep = read_zeek_json(&json[..], "j", &ReadOptions::default(), &mut |r| v.push(r));
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].ts_us, 1_713_484_801_250_000);
    assert_eq!(v[0].ts_us, v[1].ts_us);
    assert_eq!(
        (v[0].bytes_out, v[0].bytes_in, v[0].state),
        (80, 120, ConnState::Established)
    );
    assert_eq!(v[1].state, ConnState::Failed);
    assert_eq!(rep.diagnostics[0].line, 3);
    assert!(rep.diagnostics[0].value.contains("10.0.0.999"));
}

#[test]
fn directories_skip_unknown_files_and_say_so_for_log_names() {
    let (recs, rep) = read_all(&net("zeek/rita-edge"));
    // open_conn (59) + truncated TSV (58 of 59) + truncated JSON (2 of 4); the text file
    // named conn.log is skipped with a diagnostic.
    assert_eq!(recs.len(), 59 + 58 + 2);
    assert_eq!((rep.counts.read, rep.counts.rejected), (59 + 59 + 4, 1 + 2));
    let skipped = rep
        .files
        .iter()
        .find(|f| f.file.ends_with("not_a_zeek_log_conn.log"))
        .unwrap();
    assert_eq!(skipped.format, None);
    assert!(rep
        .diagnostics
        .iter()
        .any(|d| d.file.ends_with("not_a_zeek_log_conn.log")
            && d.line == 1
            && d.reason.contains("not a recognized flow log")
            && d.value.starts_with("Lorem ipsum")));
    // Files are read in sorted order.
    let names: Vec<&str> = rep.files.iter().map(|f| f.file.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}
