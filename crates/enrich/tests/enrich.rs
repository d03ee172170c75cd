//! The one integration-test binary of `unmask-enrich`.

use proptest::prelude::*;
use std::net::IpAddr;
use std::path::PathBuf;
use unmask_enrich::{build, IpDb, Networks, Safelist, Scope, TrailKind, Trails};

fn shared() -> PathBuf {
    unmask_testdata::shared_dir().to_path_buf()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// One lookup: address → (country, asn, organization substring).
fn check(addr: &str, country: Option<&str>, asn: Option<(u32, &str)>) {
    let db = IpDb::bundled().unwrap();
    let got = db.lookup(ip(addr));
    assert_eq!(got.country, country, "country of {addr}");
    match (asn, got.asn) {
        (None, None) => {}
        (Some((n, org)), Some(a)) => {
            assert_eq!(a.asn, n, "ASN of {addr}");
            assert!(
                a.org.contains(org),
                "org of {addr}: {:?} lacks {org:?}",
                a.org
            );
        }
        (want, got) => panic!("ASN of {addr}: want {want:?}, got {got:?}"),
    }
}

#[test]
fn lookups_on_known_ranges() {
    // First and last addresses of upstream rows, inside and at the edges.
    check("1.0.0.0", Some("AU"), Some((13335, "Cloudflare")));
    check("1.0.0.255", Some("AU"), Some((13335, "Cloudflare")));
    check("1.0.4.7", Some("AU"), Some((38803, "Gtelecom")));
    check("1.0.1.1", Some("CN"), None); // a gap in the ASN table
    check("10.1.2.3", None, None);
    check("2001:200::1", Some("AU"), Some((2500, "WIDE")));
    check("::ffff:1.0.0.1", Some("AU"), Some((13335, "Cloudflare")));
}

#[test]
fn restricted_owners_resolve() {
    let db = IpDb::bundled().unwrap();
    let orgs: Vec<(u32, &str)> = db_orgs_for(db, &[55990, 45090, 136907]);
    assert!(
        orgs.iter().any(|(_, o)| o.contains("Huawei Cloud")),
        "{orgs:?}"
    );
    assert!(orgs.iter().any(|(_, o)| o.contains("Tencent")), "{orgs:?}");
}

/// Finds one address for each ASN by probing the source CSV when present, else known ranges.
fn db_orgs_for(db: &IpDb, asns: &[u32]) -> Vec<(u32, &'static str)> {
    let src = shared().join("net/enrich/asn-ipv4.csv.gz");
    let mut out = Vec::new();
    if let Ok(f) = std::fs::File::open(&src) {
        use std::io::BufRead;
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        for line in r.lines().map_while(Result::ok) {
            let mut it = line.splitn(4, ',');
            let (start, _end, asn) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            let n: u32 = asn.parse().unwrap();
            if asns.contains(&n) && !out.iter().any(|(m, _)| *m == n) {
                let a = db.asn(ip(start)).expect("covered");
                assert_eq!(a.asn, n);
                out.push((n, Box::leak(a.org.to_string().into_boxed_str()) as &str));
            }
        }
    } else {
        eprintln!(
            "shared data not found at {}: probing fixed addresses",
            src.display()
        );
        for a in ["114.119.172.1", "43.128.0.1"] {
            if let Some(a) = db.asn(ip(a)) {
                out.push((a.asn, Box::leak(a.org.to_string().into_boxed_str()) as &str));
            }
        }
    }
    out
}

#[test]
fn bundle_matches_its_source() {
    let dir = unmask_testdata::existing("net/enrich");
    let rebuilt = build::from_dir(&dir).unwrap();
    let bundled = IpDb::bundled().unwrap();
    assert_eq!(
        &rebuilt, bundled,
        "data/net/ipdb.bin.gz is stale: rerun examples/build_ipdb"
    );
    assert_eq!(rebuilt.to_gz().len(), IpDb::bundled_size());
    assert!(IpDb::bundled_size() < 4 << 20, "bundle grew past 4 MiB");
}

#[test]
fn nested_ranges_override_their_container() {
    // Upstream nests more specific (geofeed) rows inside registry rows:
    // 2.58.196.0-2.58.197.255 DE, then 2.58.197.15 BE, then 2.58.197.16-2.58.197.255 DE;
    // 3.2.35.0-3.2.35.63 DE, then .40-.47 TR, .48-.55 GR, .56-.63 DE.
    let db = IpDb::bundled().unwrap();
    for (a, cc) in [
        ("2.58.197.14", "DE"),
        ("2.58.197.15", "BE"),
        ("2.58.197.16", "DE"),
        ("3.2.35.39", "DE"),
        ("3.2.35.40", "TR"),
        ("3.2.35.47", "TR"),
        ("3.2.35.48", "GR"),
        ("3.2.35.56", "DE"),
    ] {
        assert_eq!(db.country(ip(a)), Some(cc), "{a}");
    }
}

/// Every source row's first address resolves to that row's value (the last row wins when
/// several rows start at the same address).
#[test]
fn every_source_row_start_resolves() {
    let dir = unmask_testdata::existing("net/enrich");
    use std::io::BufRead;
    let db = IpDb::bundled().unwrap();
    for (name, is_asn) in build::SOURCE_FILES {
        let f = std::fs::File::open(dir.join(name)).unwrap();
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        let mut last: std::collections::HashMap<IpAddr, String> = std::collections::HashMap::new();
        for line in r.lines().map_while(Result::ok) {
            let (start, rest) = line.split_once(',').unwrap();
            let (_, value) = rest.split_once(',').unwrap();
            let value = if is_asn {
                value.split(',').next().unwrap()
            } else {
                value
            };
            last.insert(ip(start), value.to_string());
        }
        let mut checked = 0;
        for (a, want) in &last {
            let got = if is_asn {
                db.asn(*a).map(|x| x.asn.to_string())
            } else {
                db.country(*a).map(str::to_string)
            };
            assert_eq!(got.as_deref(), Some(want.as_str()), "{name}: {a}");
            checked += 1;
        }
        assert!(checked > 100_000, "{name}: {checked}");
    }
}

#[test]
fn every_bundled_row_round_trips() {
    let db = IpDb::bundled().unwrap();
    let again = IpDb::from_raw(&db.to_raw()).unwrap();
    assert_eq!(&again, db);
    assert_eq!(db.info().date, "2026-06-17");
    assert!(db.info().attribution.contains("db-ip.com"));
}

#[test]
fn corrupt_bundles_fail_cleanly() {
    assert!(IpDb::from_gz(b"").is_err());
    assert!(IpDb::from_raw(b"UNMASKIP\x01").is_err());
    let raw = IpDb::bundled().unwrap().to_raw();
    assert!(IpDb::from_raw(&raw[..raw.len() / 2]).is_err());
}

#[test]
fn scopes() {
    let nets = Networks::default();
    for (a, s) in [
        ("10.0.0.1", Scope::Internal),
        ("172.31.255.255", Scope::Internal),
        ("172.32.0.1", Scope::External),
        ("192.168.1.107", Scope::Internal),
        ("fd12::1", Scope::Internal),
        ("127.0.0.1", Scope::Special),
        ("169.254.1.1", Scope::Special),
        ("224.0.0.252", Scope::Special),
        ("255.255.255.255", Scope::Special),
        ("fe80::1", Scope::Special),
        ("ff02::1", Scope::Special),
        ("66.63.168.35", Scope::External),
        ("2001:db8::1", Scope::External),
    ] {
        assert_eq!(nets.scope(ip(a)), s, "{a}");
    }
    let custom = Networks::from_cidrs(&["100.64.0.0/10"]).unwrap();
    assert!(custom.is_internal(ip("100.64.1.1")));
    assert!(custom.is_external(ip("10.0.0.1")));
    assert!(Networks::from_cidrs(&["10.0.0.0/33"]).is_err());
    assert!(Networks::from_cidrs(&["nonsense"])
        .unwrap_err()
        .to_string()
        .contains("nonsense"));
}

#[test]
fn maltrail_remcos_file() {
    let text = unmask_testdata::read_text("net/intel/maltrail-remcos.txt");
    let mut t = Trails::default();
    let diags = t.add_text("maltrail-remcos.txt", "remcos", &text);
    assert!(t.len() > 17_000, "{}", t.len());
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(5)]);
    assert!(t.path_trails() > 50);
    let hit = t
        .match_ip(ip("66.63.168.35"), 5888)
        .expect("the CTU-SME-11 C2");
    assert_eq!(hit.line, 6468);
    assert_eq!(hit.kind, TrailKind::IpPort);
    assert!(hit.aliases.iter().any(|a| a == "remcosrat"));
    assert!(t.match_ip(ip("66.63.168.35"), 80).is_none());
    assert!(t.match_domain("x.mdformo.ddns.net").is_some());
    assert!(t.match_domain("ddns.net").is_none());
}

#[test]
fn trail_lines() {
    let text = "# Aliases: a, b\n# Reference: https://r\n1.2.3.4\n5.6.7.8:99\n[2001:db8::1]:443\nevil.example\nhttp://9.9.9.9/x\n\
                evil.example/path\n1.2.3.4:93145\nno spaces here\n-bad.example\n/remcos_a.exe\n/\n";
    let mut t = Trails::default();
    let diags = t.add_text("t.txt", "fam", text);
    let lines: Vec<u64> = diags.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![9, 10, 11, 13], "{diags:?}");
    assert_eq!(t.path_trails(), 1);
    assert!(diags[0].reason.contains("port"));
    assert_eq!(
        t.match_ip(ip("1.2.3.4"), 1).unwrap().reference.as_deref(),
        Some("https://r")
    );
    assert!(t.match_ip(ip("5.6.7.8"), 99).is_some());
    assert!(t.match_ip(ip("5.6.7.8"), 98).is_none());
    assert!(t.match_ip(ip("2001:db8::1"), 443).is_some());
    assert_eq!(t.match_ip(ip("9.9.9.9"), 80).unwrap().kind, TrailKind::Url);
    assert_eq!(t.len(), 5); // evil.example/path repeats a host
}

#[test]
fn safelist_lines() {
    let mut s = Safelist::default();
    let diags = s.add_text(
        "safe.txt",
        "# NTP\nport 123\n162.159.200.0/24 # cloudflare ntp\ntime.windows.com\n10.0.0.5 -> 8.8.8.8\n* -> 2001:db8::/32\nport 70000\n1.2.3.4/40\n??\n",
    );
    assert_eq!(
        diags.iter().map(|d| d.line).collect::<Vec<_>>(),
        vec![7, 8, 9]
    );
    assert!(diags[1].value.contains("1.2.3.4/40"));
    assert_eq!(s.len(), 5);
    assert!(s.allows(ip("10.9.9.9"), ip("1.1.1.1"), 123));
    assert!(s.allows(ip("10.9.9.9"), ip("162.159.200.123"), 443));
    assert!(s.allows(ip("10.0.0.5"), ip("8.8.8.8"), 53));
    assert!(!s.allows(ip("10.0.0.6"), ip("8.8.8.8"), 53));
    assert!(s.allows(ip("10.0.0.6"), ip("2001:db8::5"), 53));
    assert!(s.allows_domain("EU.time.windows.com."));
    assert!(!s.allows_domain("windows.com"));
}

proptest! {
    #[test]
    fn trail_parser_never_panics(text in "\\PC*") {
        let mut t = Trails::default();
        let _ = t.add_text("f", "x", &text);
    }

    #[test]
    fn trail_parser_never_panics_on_near_misses(lines in proptest::collection::vec("[0-9a-f.:\\[\\]/#a-z-]{0,40}", 0..20)) {
        let mut t = Trails::default();
        let _ = t.add_text("f", "x", &lines.join("\n"));
    }

    #[test]
    fn safelist_parser_never_panics(lines in proptest::collection::vec("[0-9a-f.:/\\-> *#portPORT]{0,40}", 0..20)) {
        let mut s = Safelist::default();
        let _ = s.add_text("f", &lines.join("\n"));
        let _ = s.allows("10.0.0.1".parse().unwrap(), "1.2.3.4".parse().unwrap(), 1);
        let _ = s.allows_domain("a.b.c");
    }

    #[test]
    fn bundle_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut raw = b"UNMASKIP\x01".to_vec();
        raw.extend_from_slice(&bytes);
        let _ = IpDb::from_raw(&raw);
        let _ = IpDb::from_gz(&bytes);
    }
}
