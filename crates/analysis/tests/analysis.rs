//! The one integration-test binary of `unmask-analysis`: the pipeline on records shaped like
//! real captures and on the real shared samples (through the readers), the asset join, owner
//! screening against the bundled lists, and the JSON contract of findings.

use serde_json::json;
use std::net::IpAddr;
use unmask_analysis::*;
use unmask_detect::DetectConfig;
use unmask_enrich::{IpDb, Networks, Safelist, Trails};
use unmask_flows::{ConnState, FlowRecord};

fn pipeline(nets: Networks, trails: Trails, safelist: Safelist, min_beacon: f64) -> Pipeline {
    let config = AnalysisConfig {
        detect: DetectConfig::default(),
        min_beacon,
        ..AnalysisConfig::default()
    };
    Pipeline::new(Classifier::new(nets, safelist, trails), config)
}

#[allow(clippy::too_many_arguments)]
fn rec(
    ts: f64,
    src: &str,
    sp: u16,
    dst: &str,
    dp: u16,
    out: u64,
    inn: u64,
    state: ConnState,
) -> FlowRecord {
    FlowRecord {
        ts_us: (ts * 1e6) as i64,
        duration_us: 30_000,
        src: src.parse().unwrap(),
        src_port: sp,
        dst: dst.parse().unwrap(),
        dst_port: dp,
        proto: 6,
        bytes_out: out,
        bytes_in: inn,
        pkts_out: 2,
        pkts_in: 2,
        state,
    }
}

/// Records shaped like the CTU-SME-11 Remcos conn.log: 192.168.1.107 → 66.63.168.35:5888,
/// REJ three times per source port (Windows connect retries), a new port every ~2.1 s.
fn remcos_like() -> Vec<FlowRecord> {
    let mut v = Vec::new();
    for i in 0..240u16 {
        let t0 = 1_677_024_003.714_845 + f64::from(i) * 2.1;
        for k in 0..3 {
            v.push(rec(
                t0 + f64::from(k) * 0.54,
                "192.168.1.107",
                65164 + i,
                "66.63.168.35",
                5888,
                0,
                0,
                ConnState::Failed,
            ));
        }
    }
    v.push(rec(
        1_677_024_005.317_605,
        "192.168.1.107",
        64746,
        "162.159.136.234",
        443,
        572,
        11677,
        ConnState::Partial,
    ));
    v.push(rec(
        1_677_024_010.0,
        "192.168.1.135",
        58211,
        "192.168.1.107",
        58211,
        100,
        0,
        ConnState::Failed,
    ));
    v
}

#[test]
fn remcos_pair_is_beacon_and_intel_hit() {
    let mut trails = Trails::default();
    assert!(trails
        .add_text(
            "remcos.txt",
            "remcos",
            "# Reference: x\n66.63.168.35:5888\n"
        )
        .is_empty());
    let mut pipe = pipeline(Networks::default(), trails, Safelist::default(), 0.8);
    for r in remcos_like() {
        pipe.push(&r);
    }
    assert_eq!(pipe.tally().outbound, 721);
    assert_eq!(pipe.tally().other_direction, 1);
    let db = IpDb::bundled().unwrap();
    let rep = pipe.finish(Some(db), None);
    let kinds: Vec<(FindingKind, String, f64)> = rep
        .findings
        .iter()
        .map(|f| (f.kind, f.dst.to_string(), f.score))
        .collect();
    assert_eq!(
        kinds[0],
        (FindingKind::ThreatIntel, "66.63.168.35".to_string(), 1.0),
        "{kinds:?}"
    );
    let b = rep
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Beacon)
        .expect("beacon");
    assert!(b.score >= 0.95, "{b:?}");
    let json = serde_json::to_value(b).unwrap();
    assert_eq!(json["basis"], "failed_attempts");
    assert_eq!(json["dst_country"], "US");
    assert_eq!(json["beacon"]["median_gap_s"], 2.0);
    assert_eq!(
        rep.countries,
        vec![CountryRow {
            country: "US".into(),
            controllers: 1,
            controlled_hosts: 1
        }]
    );
    let line = serde_json::to_string(b).unwrap();
    assert!(
        line.starts_with(r#"{"kind":"beacon","src":"192.168.1.107","dst":"66.63.168.35","score":"#),
        "{line}"
    );
}

#[test]
fn safelist_and_internal_networks() {
    let mut safe = Safelist::default();
    let _ = safe.add_text("s", "66.63.168.0/24\n");
    let mut pipe = pipeline(Networks::default(), Trails::default(), safe, 0.8);
    for r in remcos_like() {
        pipe.push(&r);
    }
    assert_eq!(pipe.tally().safelisted, 720);
    let rep = pipe.finish(None, None);
    assert!(rep.findings.is_empty(), "{:?}", rep.findings);
    // With 192.168.1.0/24 not internal nothing is outbound.
    let nets = Networks::from_cidrs(&["10.0.0.0/8"]).unwrap();
    let mut pipe = pipeline(nets, Trails::default(), Safelist::default(), 0.8);
    for r in remcos_like() {
        pipe.push(&r);
    }
    assert_eq!(pipe.tally().outbound, 0);
}

/// Runs the pipeline (no screening) over one shared file.
fn run_file(rel: &str, internal: &[&str], safelist: &str) -> FlowReport {
    let path = unmask_testdata::existing(rel);
    let nets = if internal.is_empty() {
        Networks::default()
    } else {
        Networks::from_cidrs(internal).unwrap()
    };
    let mut safe = Safelist::default();
    assert!(safe.add_text("safelist", safelist).is_empty());
    let mut pipe = pipeline(nets, Trails::default(), safe, 0.0);
    let rep = unmask_flows::read_path(
        &path,
        &unmask_flows::ReadOptions::default(),
        &mut |r: FlowRecord| pipe.push(&r),
    )
    .unwrap();
    assert!(rep.counts.used > 0);
    pipe.finish(Some(IpDb::bundled().unwrap()), None)
}

fn beacon_score_of(rep: &FlowReport, src: &str, dst: &str) -> f64 {
    rep.findings
        .iter()
        .find(|f| f.kind == FindingKind::Beacon && f.src == ip(src) && f.dst == Peer::Addr(ip(dst)))
        .map_or(0.0, |f| f.score)
}

#[test]
fn shared_samples_through_the_readers() {
    // `unmask flows ../shared/data/net/zeek/ctu-sme-11-remcos/conn.log.labeled`
    {
        let rep = run_file("net/zeek/ctu-sme-11-remcos/conn.log.labeled", &[], "");
        let s = beacon_score_of(&rep, "192.168.1.107", "66.63.168.35");
        assert!(s >= 0.95, "remcos {s}");
    }
    // `unmask flows ../shared/data/net/pcap/slips-test-cc-capture-1.pcap --internal 147.32.80.0/24`
    {
        let rep = run_file(
            "net/pcap/slips-test-cc-capture-1.pcap",
            &["147.32.80.0/24"],
            "",
        );
        let s = beacon_score_of(&rep, "147.32.80.37", "141.193.213.21");
        assert!(s >= 0.95, "curl beacon {s}");
    }
    // The Mirai-style scan: no scanned destination is a beacon; its only periodic contacts
    // are four NTP servers, which the example safelist (`port 123`) removes.
    {
        let rep = run_file("net/pcap/slips-test7-malicious.pcap", &[], "");
        for f in rep
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Beacon && f.score >= 0.8)
        {
            assert_eq!(
                serde_json::to_value(f).unwrap()["dst_ports"],
                json!([123]),
                "{f:?}"
            );
        }
    }
    let safelist = include_str!("../../../data/net/safelist.example.txt");
    {
        let rep = run_file("net/pcap/slips-test7-malicious.pcap", &[], safelist);
        let beacons: Vec<&Finding> = rep
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Beacon && f.score >= 0.8)
            .collect();
        assert!(beacons.is_empty(), "{beacons:?}");
        assert!(rep.tally.safelisted > 0);
    }
}

#[test]
fn findings_tie_to_inventoried_assets() {
    let inv = b"Asset Tag,IP Address,Manufacturer,Model\nCAM-0107,192.168.1.107,Hikvision,DS-2CD2143G0-I\n";
    let ds = unmask_lists::bundled();
    let screener = std::sync::Arc::new(unmask_screen::Screener::new(ds.graph.clone()));
    let attributor = unmask_estate::Attributor::new(screener);
    let input = InventoryInput {
        label: "inv.csv",
        bytes: inv,
    };
    let index = AssetIndex::build(&[input], Some(&attributor));
    assert_eq!((index.assets, index.exposed), (1, 1));
    let mut pipe = pipeline(
        Networks::default(),
        Trails::default(),
        Safelist::default(),
        0.8,
    );
    for r in remcos_like() {
        pipe.push(&r);
    }
    let mut rep = pipe.finish(None, None);
    // The beacon and nothing else comes from the camera's address.
    assert_eq!(index.tie(&mut rep.findings), 1);
    let b = rep
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Beacon)
        .unwrap();
    let json = serde_json::to_value(b).unwrap();
    let asset = &json["src_asset"];
    assert_eq!(asset["label"], "CAM-0107");
    assert_eq!(asset["asset_key"], "asset_id:CAM-0107");
    assert_eq!(asset["model"], "DS-2CD2143G0-I");
    assert_eq!(asset["at"], "inv.csv:2");
    // The vendor in the one exposure shape: listed parent with its legal basis.
    let vendor = &asset["restricted_vendors"][0];
    assert_eq!(vendor["entity_id"], "curated:hikvision");
    assert_eq!(vendor["exposed"], true);
    assert!(vendor["lists"].as_array().unwrap().iter().any(
        |l| l["list"] == "FCC_COVERED_LIST" && l["basis"].as_str().unwrap().contains("47 CFR")
    ));
    assert_eq!(vendor["evidence"][0]["at"], "inv.csv:2");
}

#[test]
fn huawei_cloud_and_tencent_resolve_to_listed_entities() {
    let ds = unmask_lists::bundled();
    let screener = unmask_screen::Screener::new(ds.graph.clone());
    let mut pipe = pipeline(
        Networks::default(),
        Trails::default(),
        Safelist::default(),
        0.8,
    );
    // 1.92.0.1: AS55990 "Huawei Cloud Service data center"; 1.12.0.1: AS45090 Tencent.
    pipe.push(&rec(
        1_700_000_000.0,
        "10.20.1.10",
        50000,
        "1.92.0.1",
        443,
        1000,
        2000,
        ConnState::Established,
    ));
    pipe.push(&rec(
        1_700_000_100.0,
        "10.20.1.11",
        50001,
        "1.12.0.1",
        443,
        1000,
        2000,
        ConnState::Established,
    ));
    let rep = pipe.finish(Some(IpDb::bundled().unwrap()), Some(&screener));
    let hits: Vec<(String, String, usize)> = rep
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::RestrictedInfrastructure)
        .map(|f| {
            let json = serde_json::to_value(f).unwrap();
            let e = &json["restricted_entity"];
            (
                f.dst.to_string(),
                e["name"].as_str().unwrap_or("").to_string(),
                e["lists"].as_array().map_or(0, Vec::len)
                    + e["path"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert!(
        hits.iter()
            .any(|(d, n, l)| d == "1.92.0.1" && n.contains("Huawei") && *l > 0),
        "{hits:?}"
    );
    assert!(
        hits.iter()
            .any(|(d, n, l)| d == "1.12.0.1" && n.contains("Tencent") && *l > 0),
        "{hits:?}"
    );
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn org_core_names() {
    for (org, want) in [
        ("Huawei Cloud Service data center", vec!["Huawei"]),
        ("Tencent AS num for global network", vec!["Tencent"]),
        ("Tencent Cloud Computing (Beijing) Co.", vec!["Tencent"]),
        (
            "HIPL-AS-AP - HUAWEI INTERNATIONAL PTE. LTD.",
            vec!["HIPL-AS-AP - HUAWEI", "HUAWEI"],
        ),
        (
            "Shenzhen Tencent Computer Systems Company Limited",
            vec!["Shenzhen Tencent Computer Systems"],
        ),
        ("AS", vec![]),
    ] {
        assert_eq!(org_variants(org), want, "{org}");
    }
}

/// Records of real captures split into shards (round robin, so every pair is split), each
/// shard's pipeline merged into the others in another order: the same report as one pipeline.
#[test]
fn shards_merged_equal_one_pipeline() {
    let mut records = Vec::new();
    for rel in [
        "net/zeek/ctu-sme-11-remcos/conn.log.labeled",
        "net/pcap/slips-test-cc-capture-1.pcap",
        "net/suricata/slips-test6-malicious.eve.json",
    ] {
        let path = unmask_testdata::existing(rel);
        unmask_flows::read_path(&path, &unmask_flows::ReadOptions::default(), &mut |r| {
            records.push(r)
        })
        .unwrap();
    }
    let text = unmask_testdata::read_text("net/intel/maltrail-remcos.txt");
    let build = || {
        let mut trails = Trails::default();
        assert!(trails.add_text("remcos.txt", "remcos", &text).is_empty());
        let nets = Networks::from_cidrs(&["192.168.0.0/16", "147.32.80.0/24"]).unwrap();
        pipeline(nets, trails, Safelist::default(), 0.0)
    };
    let db = IpDb::bundled().unwrap();
    let mut whole = build();
    records.iter().for_each(|r| whole.push(r));
    let whole = whole.finish(Some(db), None);
    assert!(whole.findings.len() > 5, "{}", whole.findings.len());
    assert!(whole
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::ThreatIntel));

    for k in [2usize, 3, 5] {
        let mut shards: Vec<Pipeline> = (0..k).map(|_| build()).collect();
        for (i, r) in records.iter().enumerate() {
            shards[i % k].push(r);
        }
        let mut merged = shards.pop().unwrap();
        while let Some(s) = shards.pop() {
            merged.merge(s).unwrap();
        }
        let merged = merged.finish(Some(db), None);
        assert_eq!(merged.tally, whole.tally, "{k} shards");
        assert_eq!(merged.countries, whole.countries, "{k} shards");
        assert_eq!(merged.pairs, whole.pairs, "{k} shards");
        let json = |r: &FlowReport| -> Vec<serde_json::Value> {
            r.findings
                .iter()
                .map(|f| serde_json::to_value(f).unwrap())
                .collect()
        };
        assert_eq!(json(&merged), json(&whole), "{k} shards");
    }
}

/// A pipeline of another configuration cannot be merged in: its state means other things.
#[test]
fn merge_refuses_another_configuration() {
    let mut a = pipeline(
        Networks::default(),
        Trails::default(),
        Safelist::default(),
        0.8,
    );
    let other = AnalysisConfig {
        detect: DetectConfig {
            bulk_window_s: 60,
            ..DetectConfig::default()
        },
        ..AnalysisConfig::default()
    };
    let b = Pipeline::new(Classifier::default(), other);
    assert!(a.merge(b).is_err());
}
