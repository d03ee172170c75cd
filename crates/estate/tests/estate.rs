//! Integration tests of unmask-estate: readers, registry, attribution over the curated graph.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use unmask_estate::*;
use unmask_model::Graph;

fn read_shared(rel: &str) -> Vec<u8> {
    unmask_testdata::read(rel)
}

/// The curated layer (restricted vendors and apps) as a graph, built once.
fn graph() -> &'static Arc<Graph> {
    static G: OnceLock<Arc<Graph>> = OnceLock::new();
    G.get_or_init(|| {
        let mut out = unmask_lists::read_curated_vendors(
            &read_shared("vendors/restricted-vendors.jsonl"),
            "restricted-vendors.jsonl",
        );
        out.extend(unmask_lists::read_curated_apps(
            &read_shared("vendors/apps.jsonl"),
            "apps.jsonl",
        ));
        let src = unmask_lists::Dataset::source(
            "curated",
            unmask_lists::Format::CuratedVendors,
            "curated",
            out,
        );
        unmask_lists::Dataset::build(vec![src]).graph
    })
}

/// An attributor with its own screener over `g`.
fn attributor(g: &Arc<Graph>) -> Attributor {
    Attributor::new(Arc::new(unmask_screen::Screener::new(Arc::clone(g))))
}

fn asset(mac: Option<&str>, manufacturer: Option<&str>, model: Option<&str>) -> Asset {
    Asset {
        file: "test".into(),
        line: 1,
        mac_text: mac.map(str::to_string),
        mac: mac.map(|m| Mac::parse(m).unwrap()),
        manufacturer: manufacturer.map(str::to_string),
        model: model.map(str::to_string),
        ..Asset::default()
    }
}

/// A MAC inside an IEEE assignment ("C09BF4B" → C0:9B:F4:B0:00:01).
fn mac_in(prefix: &str) -> Mac {
    let mut hex = prefix.to_string();
    while hex.len() < 11 {
        hex.push('0');
    }
    hex.push('1');
    Mac::parse(&hex).unwrap()
}

fn ids(f: &AssetFindings) -> Vec<String> {
    f.exposures
        .iter()
        .map(|e| e.entity.view.entity_id.clone())
        .collect()
}

/// What a data-driven case expects.
#[derive(Debug, Default)]
struct Expect<'a> {
    /// Entity ids that must be among the exposures.
    entities: &'a [&'a str],
    /// Listed entity ids that must be reached (own lists or via the path).
    listed: &'a [&'a str],
    exposed: bool,
    conflict: bool,
    mac: Option<&'a str>,
}

/// One inventory CSV row (header `asset,manufacturer,model,mac`) plus optional banner
/// and app; checks the findings against `expect`.
fn check(row: &str, banner: Option<&str>, app: Option<&str>, expect: Expect<'_>) {
    let csv = format!("asset,manufacturer,model,mac\n{row}\n");
    let inv = read_inventory(csv.as_bytes(), "case.csv");
    assert_eq!(inv.records.len(), 1, "{row}: {:?}", inv.diagnostics);
    let mut a = inv.records[0].clone();
    if let Some(b) = banner {
        a.observed.push(Observed {
            field: "port 80/tcp product".into(),
            value: b.into(),
        });
    }
    if let Some(app) = app {
        let apps = read_apps(
            format!("device,platform,package,app name,publisher\n{app}\n").as_bytes(),
            "apps.csv",
        );
        assert_eq!(apps.records.len(), 1, "{app}: {:?}", apps.diagnostics);
        a.apps = apps.records;
    }
    let attr = attributor(graph());
    let f = attr.attribute(&a);
    let got = ids(&f);
    for e in expect.entities {
        assert!(
            got.iter().any(|g| g == e),
            "{row} {banner:?} {app:?}: expected {e} in {got:?}"
        );
    }
    let listed: BTreeSet<&str> = f
        .exposures
        .iter()
        .flat_map(|e| {
            e.entity
                .view
                .reached_listings()
                .into_iter()
                .map(|(id, _, _)| id)
        })
        .collect();
    for l in expect.listed {
        assert!(
            listed.contains(l),
            "{row}: expected listed {l} in {listed:?}"
        );
    }
    assert_eq!(
        f.is_exposed(),
        expect.exposed,
        "{row} {banner:?} {app:?}: exposures {got:?}"
    );
    assert_eq!(
        !f.conflicts.is_empty(),
        expect.conflict,
        "{row}: conflicts {:?}",
        f.conflicts
    );
    if let Some(m) = expect.mac {
        let d = f.mac.describe().unwrap_or_default();
        assert!(d.contains(m), "{row}: MAC finding {d:?} lacks {m:?}");
    }
    // Every exposure carries evidence with field, value and location.
    for e in &f.exposures {
        assert!(!e.evidence.is_empty());
        assert!(e
            .evidence
            .iter()
            .all(|ev| !ev.field.is_empty() && !ev.value.is_empty() && ev.at.contains(':')));
    }
}

#[test]
fn model_family_evidence_names_its_own_family() {
    let attr = attributor(graph());
    for (model, fam) in [
        ("CX6040BI", "CXnnnn"),
        ("DS-2CD2143G2-IS", "DS-2CD"),
        ("IPC-HFW2431S", "IPC-HFW"),
    ] {
        let f = attr.attribute(&asset(None, None, Some(model)));
        let how = &f.exposures[0].evidence[0].how;
        assert!(
            how.contains(&format!("model family {fam} ")),
            "{model}: {how}"
        );
    }
}

#[test]
fn data_driven_cases() {
    let none = Expect::default;
    // MAC prefixes of the curated table.
    check(
        "S1,,,C0:9B:F4:B1:22:33",
        None,
        None,
        Expect {
            entities: &["curated:nuctech"],
            listed: &["curated:nuctech"],
            exposed: true,
            mac: Some("NUCTECH"),
            ..none()
        },
    );
    check(
        "S2,,,40-ED-98-01-02-03",
        None,
        None,
        Expect {
            entities: &["curated:tsinghua_tongfang"],
            listed: &["curated:cnnc"],
            exposed: true,
            ..none()
        },
    );
    check(
        "C1,,,bcad.2811.2233",
        None,
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    // Brands, fronts and native names in the manufacturer field.
    check(
        "C2,EZVIZ,CS-C6N,",
        None,
        None,
        Expect {
            entities: &["curated:ezviz"],
            listed: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    check(
        "X1,Secure Technology Value Solutions,,",
        None,
        None,
        Expect {
            entities: &["curated:stvs"],
            listed: &["curated:nuctech"],
            exposed: true,
            ..none()
        },
    );
    check(
        "X2,STVS,,",
        None,
        None,
        Expect {
            entities: &["curated:stvs"],
            exposed: true,
            ..none()
        },
    );
    check(
        "X3,同方威视,,",
        None,
        None,
        Expect {
            entities: &["curated:nuctech"],
            exposed: true,
            ..none()
        },
    );
    check(
        "X4,同方威视技术股份有限公司,,",
        None,
        None,
        Expect {
            entities: &["curated:nuctech"],
            exposed: true,
            ..none()
        },
    );
    check(
        "C3,海康威视,,",
        None,
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    check(
        "C4,Lorex,LNB4321,",
        None,
        None,
        Expect {
            entities: &["curated:lorex"],
            listed: &["curated:dahua"],
            exposed: true,
            ..none()
        },
    );
    // Model-number families.
    check(
        "C5,,DS-2CD2143G2-IS,",
        None,
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    check(
        "C6,,IPC-HDW2431T-AS-S2,",
        None,
        None,
        Expect {
            entities: &["curated:dahua"],
            exposed: true,
            ..none()
        },
    );
    check(
        "R1,,PD785G,",
        None,
        None,
        Expect {
            entities: &["curated:hytera"],
            exposed: true,
            ..none()
        },
    );
    // An ambiguous family with another maker named is not counted.
    check("P1,HP Inc.,HP 4155,", None, None, none());
    check(
        "N1,,ZXR10 5950-H,",
        None,
        None,
        Expect {
            entities: &["curated:zte"],
            exposed: true,
            ..none()
        },
    );
    check(
        "N2,,CloudEngine S5731-S24T4X,",
        None,
        None,
        Expect {
            entities: &["curated:huawei"],
            exposed: true,
            ..none()
        },
    );
    // Banners.
    check(
        "C7,,cam,",
        Some("Hikvision-Webs"),
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    check(
        "C8,,cam,",
        Some("Dahua DSS web service"),
        None,
        Expect {
            entities: &["curated:dahua"],
            exposed: true,
            ..none()
        },
    );
    // Clean devices.
    check(
        "C9,Axis Communications,P3245-V,00:40:8C:11:22:33",
        None,
        None,
        Expect {
            mac: Some("AXIS"),
            ..none()
        },
    );
    check(
        "C10,Bosch,FLEXIDOME IP 5000,",
        Some("Apache httpd 2.4"),
        None,
        none(),
    );
    check("L1,Cisco,C9300-48P,", None, None, none());
    // Randomized / multicast MACs are recognized and said so.
    check(
        "P2,Apple,iPhone 14,da:a1:19:55:66:77",
        None,
        None,
        Expect {
            mac: Some("locally administered"),
            ..none()
        },
    );
    check(
        "M1,,x,01:00:5e:00:00:fb",
        None,
        None,
        Expect {
            mac: Some("multicast"),
            ..none()
        },
    );
    // Conflicting evidence: both sides reported.
    check(
        "C11,EZVIZ,CS-C6N,00:40:8C:11:22:33",
        None,
        None,
        Expect {
            entities: &["curated:ezviz"],
            exposed: true,
            conflict: true,
            mac: Some("AXIS"),
            ..none()
        },
    );
    check(
        "C12,Axis,P3245,BC:AD:28:11:22:33",
        None,
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            conflict: true,
            ..none()
        },
    );
    check(
        "C13,TruVision,TVD-5402,BC:AD:28:11:22:33",
        None,
        None,
        Expect {
            entities: &["curated:hikvision"],
            exposed: true,
            ..none()
        },
    );
    // Apps by id, publisher and name.
    check(
        "PH1,Apple,iPhone,",
        None,
        Some("PH1,android,com.zhiliaoapp.musically,TikTok,"),
        Expect {
            entities: &["curated:app_tiktok"],
            listed: &["curated:bytedance"],
            exposed: true,
            ..none()
        },
    );
    check(
        "PH2,Apple,iPhone,",
        None,
        Some("PH2,ios,com.tencent.xin,WeChat,Tencent"),
        Expect {
            entities: &["curated:app_wechat"],
            listed: &["curated:tencent"],
            exposed: true,
            ..none()
        },
    );
    check(
        "PH3,Samsung,Galaxy,",
        None,
        Some("PH3,android,com.example.notes,Notes,Example Ltd"),
        none(),
    );
}

#[test]
fn every_curated_restricted_prefix_attributes_to_its_entity() {
    let csv = read_shared("vendors/restricted-ouis.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_slice());
    let attr = attributor(graph());
    assert!(
        attr.unresolved_prefixes().is_empty(),
        "{:?}",
        &attr.unresolved_prefixes()[..3.min(attr.unresolved_prefixes().len())]
    );
    let reg = OuiRegistry::bundled();
    let mut n = 0;
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (ent, registry, asg, org) = (&rec[0], &rec[1], &rec[2], &rec[3]);
        let mac = mac_in(asg);
        let found = reg.lookup(mac).expect("prefix in registry");
        assert_eq!(found.prefix, asg, "longest assignment for {asg}");
        assert_eq!(found.registry.as_str(), registry);
        assert_eq!(found.organization, org.trim());
        let mut a = asset(None, None, None);
        a.mac = Some(mac);
        let f = attr.attribute(&a);
        let want = format!("curated:{ent}");
        assert!(
            ids(&f).contains(&want),
            "{asg} ({org}): want {want}, got {:?}",
            ids(&f)
        );
        *per.entry(ent.to_string()).or_default() += 1;
        n += 1;
    }
    assert_eq!(n, 1840);
    assert_eq!(per["huawei"], 967);
    assert_eq!(per["nuctech"], 1);
}

#[test]
fn largest_unrelated_registrants_attribute_to_nothing_restricted() {
    let csv = read_shared("vendors/restricted-ouis.csv");
    let mut rdr = csv::Reader::from_reader(csv.as_slice());
    let restricted: BTreeSet<String> = rdr.records().map(|r| r.unwrap()[2].to_string()).collect();
    let reg = OuiRegistry::bundled();
    let restricted_orgs: BTreeSet<String> = reg
        .assignments()
        .iter()
        .filter(|a| restricted.contains(&a.prefix))
        .map(|a| a.organization.to_lowercase())
        .collect();
    let mut by_org: BTreeMap<String, Vec<&Assignment>> = BTreeMap::new();
    for a in reg.assignments() {
        if a.is_private()
            || a.is_registration_authority()
            || restricted_orgs.contains(&a.organization.to_lowercase())
        {
            continue;
        }
        by_org.entry(a.organization.clone()).or_default().push(a);
    }
    let mut orgs: Vec<(&String, &Vec<&Assignment>)> = by_org.iter().collect();
    orgs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    // Against the curated layer and against the whole bundled dataset (OFAC, CSL, DPL, UN, FCC).
    let bundled = unmask_lists::bundled();
    let mut bad = Vec::new();
    for g in [graph(), &bundled.graph] {
        let attr = attributor(g);
        for (org, asgs) in orgs.iter().take(200) {
            // The MAC alone, and the MAC with the registrant written as manufacturer.
            let mut a = asset(None, Some(org), None);
            a.mac = Some(mac_in(&asgs[0].prefix));
            let f = attr.attribute(&a);
            if f.is_exposed() {
                bad.push(format!(
                    "{org}: {:?}",
                    f.exposures
                        .iter()
                        .map(|e| (&e.entity.view.entity_id, &e.evidence[0].how))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));

    // Registrants on the lists at large are found by screening; look-alikes the curated
    // table excludes on purpose, vessel aliases and one-word near-homonyms are not.
    let attr = attributor(&bundled.graph);
    for (prefix, want) in [
        ("0063DE", Some("ofac_cons:")), // CLOUDWALK TECHNOLOGY CO.,LTD (CMIC)
        ("402C761", None),              // Shanghai Dahua Scale Factory
        ("14AE857", None),              // SHENZHEN HONOR ELECTRONIC CO.,LTD
        ("745E1C", None),               // PIONEER CORPORATION (an SDN vessel alias)
        ("70B3D553B", None),            // Mr.Loop (CSL "Loop SA")
    ] {
        let mut a = asset(None, None, None);
        a.mac = Some(mac_in(prefix));
        let f = attr.attribute(&a);
        match want {
            Some(w) => assert!(
                ids(&f).iter().any(|i| i.starts_with(w)),
                "{prefix}: {:?}",
                ids(&f)
            ),
            None => assert!(f.exposures.is_empty(), "{prefix}: {:?}", ids(&f)),
        }
    }
}

#[test]
fn crlf_files_keep_their_line_numbers() {
    let out = read_inventory(
        b"asset,mac\r\nA1,00:40:8c:00:00:01\r\nA2,bad\r\n\r\nA3,zz\r\n",
        "crlf.csv",
    );
    let lines: Vec<u64> = out.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [3, 5]);
    assert_eq!(out.records[0].line, 2);
}

#[test]
fn registry_counts_and_longest_match() {
    let reg = OuiRegistry::bundled();
    assert_eq!(reg.len(), 32_530 + 4_390 + 5_029 + 4_575);
    // 70:B3:D5 is an IEEE RA block split into MA-S assignments: the /36 wins.
    let a = reg.lookup(mac_in("70B3D5F2F")).unwrap();
    assert_eq!(
        (a.registry, a.organization.as_str()),
        (RegistryKind::MaS, "TELEPLATFORMS")
    );
    assert_eq!(reg.get("C09BF4B").unwrap().registry, RegistryKind::MaM);
}

#[test]
fn mac_formats() {
    let want = Mac([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    for s in [
        "aa:bb:cc:dd:ee:ff",
        "AA-BB-CC-DD-EE-FF",
        "aabb.ccdd.eeff",
        "aabbccddeeff",
        " AABBCCDDEEFF ",
    ] {
        assert_eq!(Mac::parse(s).unwrap(), want, "{s}");
    }
    for s in [
        "",
        "aa:bb:cc",
        "aa:bb:cc:dd:ee:gg",
        "aa:bb-cc:dd:ee:ff",
        "aabb.ccdd.eef",
        "aab:bcc:dde:eff:",
        "ａａ:bb:cc:dd:ee:ff",
    ] {
        assert!(Mac::parse(s).is_err(), "{s}");
    }
    assert!(Mac::parse("da:a1:19:00:00:01")
        .unwrap()
        .is_locally_administered());
    assert!(Mac::parse("01:00:5e:00:00:01").unwrap().is_multicast());
}

#[test]
fn inventory_diagnostics() {
    let csv = b"Asset Tag;Vendor;Model;MAC Address;Cost Centre\nA1;Axis;P3245;00:40:8c:aa:bb:cc;FIN\nA2;Hikvision;DS-2CD;not-a-mac;OPS\n;;;;\nA4;;;;SEC\n";
    let out = read_inventory(csv, "inv.csv");
    assert_eq!(out.counts.read, 3);
    assert_eq!(out.counts.used, 2);
    assert_eq!(out.counts.rejected, 1);
    let bad = out
        .diagnostics
        .iter()
        .find(|d| d.reason.starts_with("bad MAC"))
        .unwrap();
    assert_eq!(
        (bad.file.as_str(), bad.line, bad.value.as_str()),
        ("inv.csv", 3, "not-a-mac")
    );
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.line == 5 && d.reason.contains("nothing to attribute")));
    // Unknown columns are kept and echoed.
    assert_eq!(
        out.records[0].fields[4],
        ("Cost Centre".to_string(), "FIN".to_string())
    );
    assert_eq!(out.records[1].mac, None);

    // An unknown layout: a file-level message, every row rejected.
    let out = read_inventory(b"foo,bar\n1,2\n3,4\n", "odd.csv");
    assert_eq!(out.counts.rejected, 2);
    assert!(
        out.diagnostics[0]
            .reason
            .starts_with("unknown column layout"),
        "{:?}",
        out.diagnostics
    );

    // JSON: a bad element is reported with its line, the others are read.
    let json = b"[\n {\"mac\": \"00:40:8c:00:00:01\", \"vendor\": \"Axis\", \"rack\": 3},\n {\"mac\": oops},\n {\"manufacturer\": \"EZVIZ\"}\n]";
    let out = read_inventory(json, "inv.json");
    assert_eq!(out.records.len(), 2);
    assert_eq!(
        out.records[0]
            .fields
            .iter()
            .find(|f| f.0 == "rack")
            .unwrap()
            .1,
        "3"
    );
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.reason.contains("bad JSON"))
        .unwrap();
    assert_eq!(d.line, 3);
    // JSON lines.
    let out = read_inventory(
        b"{\"mac\":\"00408c000001\"}\n{broken\n{\"make\":\"Dahua\"}\n",
        "inv.jsonl",
    );
    assert_eq!(out.records.len(), 2);
    assert_eq!(out.diagnostics[0].line, 2);
}

#[test]
fn apps_reader() {
    let csv = b"Device,OS,Bundle ID,App Name,Developer,Version\nPH-1,iOS,com.zhiliaoapp.musically,TikTok,TikTok Ltd.,32.1\nPH-1,Android,,,\nPH-2,Android,not an id,Thing,Someone,1\n";
    let out = read_apps(csv, "apps.csv");
    assert_eq!(
        (out.counts.read, out.counts.used, out.counts.rejected),
        (3, 2, 1)
    );
    assert_eq!(out.records[0].platform, Some(Platform::Ios));
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.line == 4 && d.reason.contains("reverse-DNS")));
    let out = read_apps(b"a,b\n1,2\n", "x.csv");
    assert!(out.diagnostics[0]
        .reason
        .starts_with("unknown column layout"));
}

const NMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sV -oX scan.xml 10.0.0.0/24" version="7.93">
<host starttime="1" endtime="2"><status state="up" reason="arp-response"/>
<address addr="10.0.0.5" addrtype="ipv4"/>
<address addr="BC:AD:28:01:02:03" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<hostnames><hostname name="cam-5.airport.example" type="PTR"/></hostnames>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/><service name="http" product="Hikvision IP camera httpd" method="probed" conf="10"/>
<script id="http-title" output="Document Error: Unauthorized"/><cpe>cpe:/h:hikvision:ds-2cd2032-i</cpe></port>
<port protocol="tcp" portid="23"><state state="closed" reason="reset"/><service name="telnet"/></port>
</ports>
<os><osmatch name="Linux 3.2 - 4.9" accuracy="95"><osclass type="general purpose" vendor="Linux" osfamily="Linux"/></osmatch></os>
</host>
<host><status state="down" reason="no-response"/><address addr="10.0.0.6" addrtype="ipv4"/></host>
<host><status state="up"/><address addr="10.0.0.7" addrtype="ipv4"/><address addr="00:40:8C:zz:02:03" addrtype="mac" vendor="Axis Communications"/></host>
</nmaprun>
"#;

#[test]
fn nmap_reader_and_merge() {
    let out = read_nmap(NMAP.as_bytes(), "scan.xml");
    assert_eq!(
        (out.counts.read, out.counts.used, out.counts.rejected),
        (3, 2, 1)
    );
    let h = &out.records[0];
    assert_eq!(h.line, 4);
    assert_eq!(h.hostnames, ["cam-5.airport.example"]);
    assert_eq!(h.ports.len(), 1, "closed ports are dropped");
    assert_eq!(h.ports[0].scripts[0].0, "http-title");
    assert_eq!(h.ports[0].cpe, ["cpe:/h:hikvision:ds-2cd2032-i"]);
    let bad = out
        .diagnostics
        .iter()
        .find(|d| d.reason.starts_with("bad MAC"))
        .unwrap();
    assert_eq!(bad.line, 15);

    let mut assets =
        read_inventory(b"asset,ip,manufacturer\nCAM-5,10.0.0.5,Axis\n", "inv.csv").records;
    merge_hosts(&mut assets, &out.records);
    assert_eq!(assets.len(), 2);
    assert_eq!(
        assets[0].mac_vendor.as_deref(),
        Some("Hangzhou Hikvision Digital Technology")
    );
    let attr = attributor(graph());
    let f = attr.attribute(&assets[0]);
    assert!(ids(&f).contains(&"curated:hikvision".to_string()));
    assert!(!f.conflicts.is_empty());
    assert!(f.exposures[0]
        .evidence
        .iter()
        .any(|e| e.field.starts_with("port 80/tcp")));
}

#[test]
fn broken_xml_is_reported_with_its_line() {
    let broken = NMAP.replace("</ports>", "</portz>");
    let out = read_nmap(broken.as_bytes(), "broken.xml");
    let d = out
        .diagnostics
        .iter()
        .find(|d| d.reason.starts_with("broken XML"))
        .unwrap();
    assert_eq!(d.line, 11, "{d}");
    let truncated = &NMAP[..NMAP.find("<host><status state=\"down\"").unwrap() + 20];
    let out = read_nmap(truncated.as_bytes(), "cut.xml");
    assert_eq!(out.records.len(), 1);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.reason.contains("truncated") || d.reason.starts_with("broken XML")),
        "{:?}",
        out.diagnostics
    );
    let out = read_nmap(b"hello", "x.xml");
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.reason.contains("not an nmap")));
}

#[test]
fn exposure_carries_lists_with_legal_basis_and_path() {
    let attr = attributor(graph());
    let f = attr.attribute(&asset(None, Some("EZVIZ"), None));
    let e = &f.exposures[0].entity.view;
    assert_eq!(e.path[0].relation, "brand_of");
    assert_eq!(e.path[0].entity_id, "curated:hikvision");
    let reached = e.reached_listings();
    let find = |list: &str| {
        reached
            .iter()
            .find(|(_, _, l)| l.list == list)
            .unwrap_or_else(|| panic!("{list} not reached"))
    };
    let (id, _, fcc) = find("FCC_COVERED_LIST");
    assert_eq!(*id, "curated:hikvision");
    assert!(fcc.basis.contains("Hikvision") && fcc.since.as_deref() == Some("2021-03-12"));
    let (_, _, ndaa) = find("NDAA_FY2019_S889");
    assert!(ndaa.basis.contains("(f)(3)(B)"));
    assert!(reached
        .iter()
        .any(|(id, _, l)| l.list == "DOD_1260H" && *id == "curated:cetc"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn inventory_reader_never_panics(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let out = read_inventory(&b, "fuzz.csv");
        prop_assert!(out.counts.used <= out.counts.read);
    }
    #[test]
    fn inventory_reader_never_panics_on_jsonish(s in "[\\[\\]{}\",:a-z0-9 \n\\\\]{0,200}") {
        let _ = read_inventory(s.as_bytes(), "fuzz.json");
        let _ = read_apps(s.as_bytes(), "fuzz.json");
    }
    #[test]
    fn apps_reader_never_panics(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_apps(&b, "fuzz.csv");
    }
    #[test]
    fn nmap_reader_never_panics(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_nmap(&b, "fuzz.xml");
    }
    #[test]
    fn nmap_reader_never_panics_on_cut_scans(cut in 0usize..NMAP.len(), junk in "[<>/=\" a-z]{0,20}") {
        let mut s = NMAP.as_bytes()[..cut].to_vec();
        s.extend_from_slice(junk.as_bytes());
        let _ = read_nmap(&s, "fuzz.xml");
    }
    #[test]
    fn mac_parse_never_panics(s in "\\PC{0,40}") {
        if let Ok(m) = Mac::parse(&s) {
            prop_assert_eq!(Mac::parse(&m.to_string()).unwrap(), m);
        }
    }
    #[test]
    fn attribution_never_panics(s in "\\PC{0,30}", mac in any::<[u8; 6]>()) {
        let mut a = asset(None, Some(&s), Some(&s));
        a.mac = Some(Mac(mac));
        let attr = attributor(graph());
        let _ = attr.attribute(&a);
    }
}

/// One attributor serves many threads: the example airport attributed from four threads
/// sharing one `Attributor` (caches filling concurrently) gives what one thread gives.
#[test]
fn one_attributor_shared_by_threads() {
    fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<Attributor>();
    assert_shareable::<unmask_screen::Screener>();
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/airport/");
    let inv = std::fs::read(format!("{repo}inventory.csv")).unwrap();
    let assets = read_inventory(&inv, "inventory.csv").records;
    assert!(assets.len() > 300);
    let bundled = unmask_lists::bundled();
    let alone: Vec<AssetFindings> = {
        let attr = attributor(&bundled.graph);
        assets.iter().map(|a| attr.attribute(a)).collect()
    };
    assert!(alone.iter().any(AssetFindings::is_exposed));
    let shared = attributor(&bundled.graph);
    let per_thread: Vec<Vec<AssetFindings>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (shared, assets) = (&shared, &assets);
                // Each thread walks the assets from a different start, so they race on the
                // same cache entries.
                s.spawn(move || {
                    let n = assets.len();
                    let mut out: Vec<(usize, AssetFindings)> = (0..n)
                        .map(|i| (i + t * n / 4) % n)
                        .map(|i| (i, shared.attribute(&assets[i])))
                        .collect();
                    out.sort_by_key(|(i, _)| *i);
                    out.into_iter().map(|(_, f)| f).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for found in per_thread {
        assert!(
            found == alone,
            "a thread's results differ from one thread's"
        );
    }
}
