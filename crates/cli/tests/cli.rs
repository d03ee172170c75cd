//! End-to-end checks of the `unmask` binary: exit codes, JSON contracts and snapshots of the
//! human output, on the bundled data and the real shared files.

use std::path::PathBuf;
use std::process::Command;

fn shared() -> PathBuf {
    std::env::var_os("UNMASK_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        })
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
