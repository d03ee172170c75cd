//! End-to-end checks of the `unmask` binary: exit codes, JSON contracts and snapshots of the
//! human output, on the bundled data and the real shared files.

use std::path::PathBuf;
use std::process::Command;

fn shared() -> PathBuf {
    unmask_testdata::shared_dir().to_path_buf()
}

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

struct Out {
    stdout: String,
    stderr: String,
    code: i32,
}

fn unmask(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run unmask");
    Out {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn lists_shows_every_bundled_source_with_its_date() {
    let out = unmask(&["lists"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("lists", out.stdout);
    let out = unmask(&["lists", "--json"]);
    let rows = json_lines(&out.stdout);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "curated",
            "us_ofac_sdn",
            "us_ofac_cons",
            "us_csl",
            "us_bis_dpl",
            "un_sc",
            "us_fcc_covered"
        ]
    );
    for r in &rows {
        let date = r["date"].as_str().unwrap();
        assert!(date.len() == 10 && date.starts_with("20"), "{date}");
        let rows = &r["rows"];
        assert_eq!(
            rows["read"].as_u64().unwrap(),
            rows["used"].as_u64().unwrap() + rows["rejected"].as_u64().unwrap()
        );
    }
}

#[test]
fn lists_from_user_file_reports_bad_rows_and_goes_on() {
    let csl = shared().join("lists/us_csl/csl_2023-11-30_partial.csv");
    let out = unmask(&["lists", "--from", csl.to_str().unwrap(), "--diagnostics"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("4220"), "{}", out.stdout);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("csl_2023-11-30_partial.csv:2: repeated header"),
        "{all}"
    );

    let out = unmask(&["lists", "--from", "README.md"]);
    assert!(format!("{}{}", out.stdout, out.stderr).contains("README.md"));
}

#[test]
fn entity_shows_nuctech_with_listing_and_subsidiaries() {
    let out = unmask(&["entity", "Nuctech"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("entity_nuctech", out.stdout);
    assert!(out.stdout.contains("BIS_ENTITY_LIST"));
    assert!(out
        .stdout
        .contains("Secure Technology Value Solutions (curated:stvs)"));

    let out = unmask(&["entity", "curated:stvs", "--json"]);
    let v = &json_lines(&out.stdout)[0];
    assert_eq!(v["entity_id"], "curated:stvs");
    assert_eq!(v["paths"][0][0]["entity_id"], "curated:nuctech");
}

#[test]
fn entity_merges_hikvision_across_sources() {
    let out = unmask(&["entity", "curated:hikvision", "--json"]);
    let v = &json_lines(&out.stdout)[0];
    let lists: Vec<&str> = v["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["list"].as_str().unwrap())
        .collect();
    assert!(
        lists.contains(&"FCC_COVERED_LIST") || lists.contains(&"NDAA_FY2019_S889"),
        "{lists:?}"
    );
    assert!(lists.iter().any(|l| l.contains("CMIC")), "{lists:?}");
    assert!(!v["merges"].as_array().unwrap().is_empty());
}

#[test]
fn unknown_entity_is_an_error_not_a_panic() {
    let out = unmask(&["entity", "no such vendor anywhere"]);
    assert_ne!(out.code, 0);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn screen_sees_through_fronts_brands_and_scripts() {
    let out = unmask(&[
        "screen",
        "Secure Technology Value Solutions",
        "同方威视",
        "EZVIZ",
        "Technology Co., Ltd.",
        "Dahua Hotel",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("screen_table", out.stdout);
    assert!(
        out.stderr.contains("5 read, 5 used, 0 rejected"),
        "{}",
        out.stderr
    );
}

#[test]
fn screen_json_follows_the_contract() {
    let out = unmask(&["screen", "--json", "STVS", "Corporation", "Hikvision"]);
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["query"], "STVS");
    let m = &rows[0]["matches"][0];
    assert_eq!(m["entity_id"], "curated:stvs");
    assert_eq!(m["path"][0]["relation"], "subsidiary_of");
    assert_eq!(m["path"][0]["entity_id"], "curated:nuctech");
    assert_eq!(m["path"][0]["lists"][0]["list"], "BIS_ENTITY_LIST");
    assert!(m["explanation"].is_object());
    assert_eq!(
        rows[1]["matches"].as_array().unwrap().len(),
        0,
        "generic word matched"
    );
    let scores: Vec<f64> = rows[2]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(
        !scores.is_empty() && scores.windows(2).all(|w| w[0] >= w[1]),
        "{scores:?}"
    );
    assert!(scores.iter().all(|&s| s >= 0.8));
}

#[test]
fn screen_batch_keeps_one_line_per_row_in_order() {
    let dir = std::env::temp_dir().join(format!("unmask-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vendors.csv");
    let mut bytes =
        b"id,name\n1,Huawei Technologies\n2,\n3,\xff\xfe broken\n4,Acme Widgets Inc\n5,".to_vec();
    bytes.extend("x".repeat(10_000).as_bytes());
    bytes.extend(b"\n6,EZVIZ\n");
    std::fs::write(&file, bytes).unwrap();
    let out = unmask(&["screen", "--json", "--input", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 6, "{}", out.stdout);
    assert_eq!(rows[0]["matches"][0]["entity_id"], "curated:huawei");
    // The error names the file, its line and the value.
    let err = rows[2]["error"].as_str().unwrap();
    assert!(
        err.contains("vendors.csv:4: invalid UTF-8") && err.contains(r"\xff\xfe broken"),
        "{err}"
    );
    assert!(out.stderr.contains(err), "{}", out.stderr);
    assert_eq!(rows[3]["matches"].as_array().unwrap().len(), 0);
    assert_eq!(rows[5]["matches"][0]["entity_id"], "curated:ezviz");
    assert!(out.stderr.contains("6 read"), "{}", out.stderr);
}

fn airport(extra: &[&str]) -> Out {
    let mut args = vec![
        "scan",
        "--inventory",
        "examples/airport/inventory.csv",
        "--apps",
        "examples/airport/apps.csv",
        "--nmap",
        "examples/airport/nmap.xml",
    ];
    args.extend_from_slice(extra);
    unmask(&args)
}

#[test]
fn scan_of_the_example_airport() {
    let out = airport(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The summary, up to the first exposed asset.
    let summary: String = out
        .stdout
        .lines()
        .take_while(|l| !l.starts_with("EXPOSED"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("scan_airport_summary", summary);
    assert!(
        out.stderr.contains("inventory.csv:350: bad MAC"),
        "{}",
        out.stderr
    );

    let out = airport(&["--json", "--fail-on", "exposed"]);
    assert_eq!(
        out.code, 1,
        "--fail-on exposed must fail when something is exposed"
    );
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 354);
    let clean = rows
        .iter()
        .filter(|r| r["exposures"].as_array().unwrap().is_empty())
        .count();
    assert!(clean > 0 && clean < rows.len());
    let bag = rows
        .iter()
        .find(|r| r["asset"]["Asset Tag"] == "BAG-0001")
        .expect("BAG-0001");
    assert!(bag["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["entity_id"] == "curated:nuctech"));
}

#[test]
fn flows_find_the_remcos_beacon() {
    let log = shared().join("net/zeek/ctu-sme-11-remcos/conn.log.labeled");
    let intel = shared().join("net/intel/maltrail-remcos.txt");
    let out = unmask(&[
        "flows",
        "--json",
        log.to_str().unwrap(),
        "--intel",
        intel.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = json_lines(&out.stdout);
    let beacon = rows
        .iter()
        .find(|r| r["kind"] == "beacon")
        .expect("a beacon");
    assert_eq!(beacon["src"], "192.168.1.107");
    assert_eq!(beacon["dst"], "66.63.168.35");
    assert!(beacon["score"].as_f64().unwrap() >= 0.95);
    assert!(rows.iter().any(|r| r["kind"] == "threat_intel"));

    let out = unmask(&[
        "flows",
        log.to_str().unwrap(),
        "--intel",
        intel.to_str().unwrap(),
    ]);
    // Timings vary run to run; everything else is stable.
    let stable: String = out
        .stdout
        .lines()
        .map(|l| match l.rfind("; ") {
            Some(i) if l.starts_with("Rows:") && l.ends_with('s') => format!("{}\n", &l[..i]),
            _ => format!("{l}\n"),
        })
        .collect();
    insta::assert_snapshot!("flows_remcos", stable);
}

/// The UDP payloads of a classic little-endian pcap of Ethernet/IPv4/UDP export traffic.
fn export_datagrams(pcap: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = &pcap[24..];
    while rest.len() >= 16 {
        let caplen = u32::from_le_bytes([rest[8], rest[9], rest[10], rest[11]]) as usize;
        let frame = &rest[16..16 + caplen];
        let udp_at = 14 + usize::from(frame[14] & 0x0f) * 4;
        out.push(frame[udp_at + 8..].to_vec());
        rest = &rest[16 + caplen..];
    }
    out
}

#[test]
fn collect_decodes_live_netflow_and_finds_the_beacon() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let pcap = std::fs::read(shared().join("net/netflow/netflow_v9_cc1.pcap")).unwrap();
    let datagrams = export_datagrams(&pcap);
    assert_eq!(datagrams.len(), 20);
    let mut child = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["collect", "--listen", "127.0.0.1:0", "--json"])
        .args(["--datagrams", "20", "--duration", "120"])
        .args(["--internal", "147.32.0.0/16"])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unmask collect");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let addr = first
        .split("udp://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address announced: {first}"))
        .to_string();
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in &datagrams {
        sock.send_to(d, &addr).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{rest}");
    assert!(
        rest.contains(&format!(
            "Rows: 594 read, 594 used, 0 rejected from udp://{addr}"
        )),
        "{rest}"
    );
    let rows = json_lines(&String::from_utf8_lossy(&out.stdout));
    let beacon = rows
        .iter()
        .find(|r| r["kind"] == "beacon" && r["dst"] == "141.193.213.21")
        .unwrap_or_else(|| panic!("no beacon in {rows:?}"));
    assert_eq!(beacon["src"], "147.32.80.37");
    assert!(beacon["score"].as_f64().unwrap() >= 0.95, "{beacon}");
}

/// The entity fields every output shows in the one shape of `unmask_model::ExposedEntity`.
fn entity_shape(v: &serde_json::Value) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for k in [
        "entity_id",
        "entity_key",
        "name",
        "exposed",
        "lists",
        "path",
        "other_paths",
    ] {
        m.insert(
            k.into(),
            v.get(k).cloned().unwrap_or(serde_json::Value::Null),
        );
    }
    serde_json::Value::Object(m)
}

/// Hikvision as `screen` shows the match, as `scan` shows an exposed camera's vendor, and as
/// `flows` shows the vendor of the camera that beacons: the same JSON, field for field.
#[test]
fn one_entity_shape_in_screen_scan_and_flows() {
    let out = unmask(&["screen", "--json", "Hangzhou Hikvision Digital Technology"]);
    let screened = json_lines(&out.stdout)[0]["matches"][0].clone();
    assert_eq!(screened["entity_id"], "curated:hikvision", "{screened}");
    let shape = entity_shape(&screened);
    assert!(shape["entity_key"]
        .as_array()
        .is_some_and(|k| k.iter().any(|id| id == "curated:hikvision")));

    let rows = json_lines(&airport(&["--json"]).stdout);
    let scanned = rows
        .iter()
        .flat_map(|r| r["exposures"].as_array().unwrap().iter())
        .find(|e| e["entity_id"] == "curated:hikvision")
        .expect("a Hikvision exposure in the airport");
    assert_eq!(entity_shape(scanned), shape);
    assert!(scanned["evidence"][0]["at"]
        .as_str()
        .unwrap()
        .starts_with("examples/airport/"));

    let dir = std::env::temp_dir().join(format!("unmask-cli-shape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        "Asset Tag,IP Address,Manufacturer,Model\nCAM-0107,192.168.1.107,Hikvision,DS-2CD2143G0-I\n",
    )
    .unwrap();
    let log = shared().join("net/zeek/ctu-sme-11-remcos/conn.log.labeled");
    let out = unmask(&[
        "flows",
        "--json",
        log.to_str().unwrap(),
        "--inventory",
        inv.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    let findings = json_lines(&out.stdout);
    let beacon = findings
        .iter()
        .find(|f| f["kind"] == "beacon")
        .expect("the Remcos beacon");
    let asset = &beacon["src_asset"];
    assert_eq!(asset["asset_key"], "asset_id:CAM-0107");
    assert_eq!(entity_shape(&asset["restricted_vendors"][0]), shape);
}

/// A screening result in full, explanation included (`unmask screen --json STVS`).
#[test]
fn screen_json_snapshot() {
    let out = unmask(&["screen", "--json", "Secure Technology Value Solutions"]);
    let rows = json_lines(&out.stdout);
    insta::assert_json_snapshot!("screen_stvs_json", rows[0]);
}
