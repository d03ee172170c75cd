//! Reads every real list file in `shared/data/lists` (except `eval/` and `reference/`, which are
//! not lists) and `shared/data/vendors/*.jsonl`, and checks real counts and facts; then bad
//! input and arbitrary bytes.

use std::path::{Path, PathBuf};
use unmask_lists::*;
use unmask_model::*;

fn shared() -> PathBuf {
    unmask_testdata::shared_dir().to_path_buf()
}

fn bytes(rel: &str) -> Vec<u8> {
    unmask_testdata::read(rel)
}

/// Table-like assertions: every row is checked and all mismatches are reported together.
fn check(rows: &[(&str, String, &str)]) {
    let bad: Vec<String> = rows
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(what, got, want)| format!("{what}: got {got:?}, want {want:?}"))
        .collect();
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

fn find<'a>(out: &'a ReadOutput, id: &str) -> &'a Entity {
    out.entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

fn names(e: &Entity, role: NameRole) -> String {
    let mut v: Vec<&str> = e
        .names
        .iter()
        .filter(|n| n.role == role)
        .map(|n| n.value.as_str())
        .collect();
    v.sort_unstable();
    v.join(" | ")
}

fn ids(e: &Entity, kind: IdKind) -> String {
    let v: Vec<&str> = e
        .identifiers
        .iter()
        .filter(|i| i.kind == kind)
        .map(|i| i.value.as_str())
        .collect();
    v.join(" | ")
}

fn ofac(dir: &str, cons: bool) -> ReadOutput {
    let parts: &[&str] = if cons {
        &[
            "cons_prim.csv",
            "cons_alt.csv",
            "cons_add.csv",
            "cons_comments.csv",
        ]
    } else {
        &["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
    };
    let files: Vec<(String, Vec<u8>)> = parts
        .iter()
        .map(|p| (p.to_string(), bytes(&format!("lists/us_ofac/{dir}/{p}"))))
        .collect();
    let fmt = if cons {
        Format::OfacCons
    } else {
        Format::OfacSdn
    };
    read_ofac_named(fmt, &files).expect("OFAC set")
}

fn count_kind(out: &ReadOutput, kind: EntityKind) -> String {
    out.entities
        .iter()
        .filter(|e| e.kind == kind)
        .count()
        .to_string()
}

#[test]
fn ofac_sdn_2021_and_2019() {
    let o21 = ofac("sdn_2021-07-07", false);
    let o19 = ofac("sdn_2019-01-15", false);
    let bnc = find(&o21, "ofac_sdn:306");
    let mut bnc_countries = bnc.countries.clone();
    bnc_countries.sort();
    // 2019's sdn.csv has 7,379 rows: its last line has no newline, so `wc -l` says 7,378.
    check(&[
        ("2021 entries", o21.entities.len().to_string(), "8976"),
        ("2021 persons", count_kind(&o21, EntityKind::Person), "4620"),
        ("2021 vessels", count_kind(&o21, EntityKind::Vessel), "406"),
        (
            "2021 aircraft",
            count_kind(&o21, EntityKind::Aircraft),
            "277",
        ),
        // sdn 8,976 + alt 11,910 + add 13,837 + comments 5; the 0x1A byte is not a row.
        ("2021 rows read", o21.counts.read.to_string(), "34728"),
        ("2021 rejected", o21.counts.rejected.to_string(), "0"),
        ("2021 diagnostics", o21.diagnostics.len().to_string(), "0"),
        (
            "2021 memberships (one per program)",
            o21.entities
                .iter()
                .map(|e| e.memberships.len())
                .sum::<usize>()
                .to_string(),
            "10759",
        ),
        ("2019 entries", o19.entities.len().to_string(), "7379"),
        // The other 2019 files also end without a newline: alt 9,682, add 11,696, comments 3 rows.
        (
            "2019 rows read",
            o19.counts.read.to_string(),
            (7379 + 9682 + 11696 + 3).to_string().as_str(),
        ),
        (
            "306 primary",
            names(bnc, NameRole::Primary),
            "BANCO NACIONAL DE CUBA",
        ),
        (
            "306 alias (alt.csv)",
            names(bnc, NameRole::Alias),
            "NATIONAL BANK OF CUBA",
        ),
        (
            "306 weak alias (remarks)",
            names(bnc, NameRole::WeakAlias),
            "BNC",
        ),
        ("306 countries", bnc_countries.join(","), "CH,ES,JP,PA"),
        ("306 list", bnc.memberships[0].list.clone(), "OFAC_SDN"),
        (
            "306 program",
            bnc.memberships[0].program.clone().unwrap_or_default(),
            "CUBA",
        ),
    ]);
    // Comments continue a cut remark: entry 12300 gets its Linked To: targets from sdn_comments.
    let e = find(&o21, "ofac_sdn:12300");
    assert!(
        e.relations
            .iter()
            .any(|r| r.target == Target::Name("FUNDACION PARA EL BIENESTAR Y EL PORVENIR".into())),
        "{:?}",
        e.relations
    );
    // Person names stay as written; normalization reorders later.
    assert!(o21
        .entities
        .iter()
        .any(|e| e.primary_name() == "GUZMAN LOERA, Joaquin" && e.kind == EntityKind::Person));
}

#[test]
fn ofac_non_sdn_hikvision_and_huawei() {
    let o = ofac("non_sdn_consolidated_2025-12-19", true);
    let hik = find(&o, "ofac_cons:30946");
    let hold = find(&o, "ofac_cons:32087");
    let m = &hik.memberships[0];
    check(&[
        ("entries", o.entities.len().to_string(), "442"),
        ("rejected", o.counts.rejected.to_string(), "0"),
        (
            "hik primary",
            names(hik, NameRole::Primary),
            "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
        ),
        (
            "hik aliases (cons_alt)",
            names(hik, NameRole::Alias),
            "HANGZHOU HIKVISION DIGITAL TECHNOLOGY | HIKVISION",
        ),
        ("hik list", m.list.clone(), "TREASURY_NS_CMIC"),
        (
            "hik program",
            m.program.clone().unwrap_or_default(),
            "CMIC-EO13959",
        ),
        (
            "hik since",
            m.since.clone().unwrap_or_default(),
            "2021-06-03",
        ),
        ("hik entry", m.entry_id.clone().unwrap_or_default(), "30946"),
        ("hik isin", ids(hik, IdKind::Isin), "CNE100000PM8"),
        (
            "hik uscc",
            ids(hik, IdKind::Registration),
            "91330000733796106P",
        ),
        ("hik ticker", ids(hik, IdKind::Ticker), "002415 CN"),
        ("hik kind", hik.kind.as_str().into(), "company"),
        (
            "holding isin count",
            hold.identifiers
                .iter()
                .filter(|i| i.kind == IdKind::Isin)
                .count()
                .to_string(),
            "6",
        ),
        ("holding countries", hold.countries.join(","), "CN"),
        (
            "holding linked to",
            format!(
                "{:?}",
                hold.relations
                    .iter()
                    .map(|r| (r.kind, &r.target))
                    .collect::<Vec<_>>()
            ),
            "[(LinkedTo, Name(\"HUAWEI TECHNOLOGIES CO., LTD\"))]",
        ),
    ]);
}

#[test]
fn csl_both_layouts() {
    let o = read_csl(&bytes("lists/us_csl/csl_2023-11-30_partial.csv"), "csl.csv");
    let per = |code: &str| {
        o.entities
            .iter()
            .filter(|e| e.memberships.iter().any(|m| m.list == code))
            .count()
            .to_string()
    };
    let hik = find(&o, "csl:30946");
    check(&[
        ("records", o.entities.len().to_string(), "4227"),
        (
            "rows read (with the repeated header)",
            o.counts.read.to_string(),
            "4228",
        ),
        ("rejected", o.counts.rejected.to_string(), "1"),
        (
            "diag 1",
            o.diagnostics[0].to_string(),
            format!(
                "csl.csv:2: repeated header (value: {:?})",
                o.diagnostics[0].value
            )
            .as_str(),
        ),
        ("OFAC_SDN", per("OFAC_SDN"), "1738"),
        ("BIS_ENTITY_LIST", per("BIS_ENTITY_LIST"), "919"),
        ("BIS_DPL", per("BIS_DPL"), "577"),
        ("OFAC_SSI", per("OFAC_SSI"), "288"),
        ("TREASURY_NS_CMIC", per("TREASURY_NS_CMIC"), "68"),
        (
            "hik aliases",
            names(hik, NameRole::Alias),
            "Hangzhou Hikvision Digital Technology | Hikvision",
        ),
        ("hik countries", hik.countries.join(","), "CN"),
        (
            "hik uscc",
            ids(hik, IdKind::Registration),
            "91330000733796106P",
        ),
    ]);
    // The extract ends mid-row: reported, and what is there is read.
    let last = o.diagnostics.last().unwrap();
    assert!(
        last.reason.starts_with("truncated row") && last.line == 4233,
        "{last}"
    );
    assert!(o
        .entities
        .iter()
        .any(|e| e.primary_name() == "BERMUDEZ SUAZA, Pedro Antonio"));

    let s = read_csl(&bytes("lists/us_csl/csl_2025-06_sample.csv"), "sample.csv");
    let isn = find(
        &s,
        "csl:233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b",
    );
    check(&[
        // 13 records below the header (PROVENANCE.md says 12).
        ("2025 records", s.entities.len().to_string(), "13"),
        ("2025 rejected", s.counts.rejected.to_string(), "0"),
        (
            "2025 ISN list",
            isn.memberships[0].list.clone(),
            "STATE_ISN",
        ),
        (
            "2025 ISN since",
            isn.memberships[0].since.clone().unwrap_or_default(),
            "2023-07-19",
        ),
        (
            "2025 ISN citation",
            isn.memberships[0].citation.clone().unwrap_or_default(),
            "Vol. 88, No. 151, 08/08/2023",
        ),
    ]);
}

#[test]
fn un_consolidated() {
    let o = read_un(&bytes("lists/un/un_consolidated_2026-02-27.xml"), "un.xml");
    let adf = find(&o, "un:CDe.001");
    let weak: usize = o
        .entities
        .iter()
        .map(|e| {
            e.names
                .iter()
                .filter(|n| n.role == NameRole::WeakAlias)
                .count()
        })
        .sum();
    check(&[
        ("individuals", count_kind(&o, EntityKind::Person), "730"),
        ("entities", (o.entities.len() - 730).to_string(), "273"),
        ("rejected", o.counts.rejected.to_string(), "0"),
        ("diagnostics", o.diagnostics.len().to_string(), "0"),
        ("low-quality aliases are weak (615 in the file, a few repeat a name)", (weak > 600).to_string(), "true"),
        ("ADF primary", names(adf, NameRole::Primary), "ADF"),
        ("ADF alias", names(adf, NameRole::Alias), "Allied Democratic Forces"),
        ("ADF former names (f.k.a.)", names(adf, NameRole::Former), "ADF/NALU | Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda | NALU"),
        ("ADF program", adf.memberships[0].program.clone().unwrap_or_default(), "DRC"),
        ("ADF since", adf.memberships[0].since.clone().unwrap_or_default(), "2014-06-30"),
        ("ADF countries", adf.countries.join(","), "CD"),
        ("first individual", find(&o, "un:CDi.001").primary_name().into(), "ERIC BADEGE"),
        ("first individual countries", find(&o, "un:CDi.001").countries.join(","), "CD,RW"),
    ]);
}

#[test]
fn bis_dpl() {
    let o = read_dpl(&bytes("lists/us_bis_dpl/dpl_2023-11-30.txt"), "dpl.txt");
    let dahua = find(&o, "bis_dpl:dahua-electronics-corporation");
    let m = &dahua.memberships[0];
    check(&[
        ("rows", o.counts.read.to_string(), "665"),
        ("used", o.counts.used.to_string(), "665"),
        // 545 distinct names; two differ only in punctuation and share one key.
        ("parties", o.entities.len().to_string(), "544"),
        ("dahua kind", dahua.kind.as_str().into(), "company"),
        (
            "dahua since",
            m.since.clone().unwrap_or_default(),
            "2017-09-28",
        ),
        (
            "dahua citation",
            m.citation.clone().unwrap_or_default(),
            "82 F.R. 46480 10/5/2017",
        ),
        (
            "dahua address",
            dahua.addresses[0].full.clone(),
            "134-12 59HT AVENUE, FLUSHING, NY, 11355",
        ),
    ]);
}

#[test]
fn fcc_covered_list() {
    let o = read_fcc(&bytes("lists/us_fcc/fcc_covered_list_table.csv"), "fcc.csv");
    let mut got: Vec<&str> = o.entities.iter().map(|e| e.primary_name()).collect();
    got.sort_unstable();
    check(&[
        ("rows", o.counts.read.to_string(), "16"),
        ("used", o.counts.used.to_string(), "12"),
        ("category rows rejected", o.counts.rejected.to_string(), "4"),
        (
            "names",
            got.join(" | "),
            "AO Kaspersky Lab | China Mobile International USA Inc. | China Telecom (Americas) Corp. | \
             China Unicom (Americas) Operations Limited | ComNet (USA) LLC | Dahua Technology Company | \
             Digitalsystem Technology Inc. | Hangzhou Hikvision Digital Technology Company | \
             Huawei Technologies Company | Hytera Communications Corporation | Kaspersky Lab, Inc. | \
             Pacific Networks Corp | ZTE Corporation",
        ),
        (
            "huawei since",
            find(&o, "fcc:huawei-technologies-company").memberships[0].since.clone().unwrap_or_default(),
            "2021-03-12",
        ),
        (
            "comnet parent",
            format!("{:?}", find(&o, "fcc:comnet-usa-llc").relations[0].target),
            "Id(\"fcc:pacific-networks-corp\")",
        ),
    ]);
}

#[test]
fn ftm_jsonl_nc_files_only_in_tests() {
    let o = read_ftm(
        &bytes("lists/nc_cc-by-nc/opensanctions_ftm_zala_cluster.jsonl"),
        "zala.jsonl",
    );
    let owned: Vec<&Relation> = o
        .entities
        .iter()
        .flat_map(|e| e.relations.iter())
        .filter(|r| r.kind == RelationKind::OwnedBy)
        .collect();
    let cst = o
        .entities
        .iter()
        .find(|e| e.names.iter().any(|n| n.value == "LLC CST"))
        .expect("LLC CST");
    let memberships: usize = o.entities.iter().map(|e| e.memberships.len()).sum();
    check(&[
        ("lines", o.counts.read.to_string(), "91"),
        ("rejected", o.counts.rejected.to_string(), "0"),
        ("things", o.entities.len().to_string(), "17"),
        ("ownership edges", owned.len().to_string(), "14"),
        ("sanctions as memberships", memberships.to_string(), "41"),
        (
            "LLC CST owners",
            cst.relations
                .iter()
                .filter(|r| r.kind == RelationKind::OwnedBy)
                .count()
                .to_string(),
            "7",
        ),
        (
            "subsidiary role kept",
            cst.relations
                .iter()
                .any(|r| r.note.as_deref() == Some("Ownership: subsidiary of"))
                .to_string(),
            "true",
        ),
    ]);
    // Address and Passport lines are summarised, not silently dropped.
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.reason.starts_with("11 Address")),
        "{:?}",
        o.diagnostics
    );
    let t1 = read_ftm(
        &bytes("lists/nc_cc-by-nc/opensanctions_ftm_sample_t1.jsonl"),
        "t1.jsonl",
    );
    check(&[
        ("t1 lines", t1.counts.read.to_string(), "7"),
        ("t1 things", t1.entities.len().to_string(), "6"),
        ("t1 persons", count_kind(&t1, EntityKind::Person), "4"),
    ]);
}

#[test]
fn curated_vendors_and_apps() {
    let v = read_curated_vendors(
        &bytes("vendors/restricted-vendors.jsonl"),
        "restricted-vendors.jsonl",
    );
    let a = read_curated_apps(&bytes("vendors/apps.jsonl"), "apps.jsonl");
    let stvs = find(&v, "curated:stvs");
    let weview = find(&v, "curated:weview_india");
    let hik = find(&v, "curated:hikvision");
    let nuctech = find(&v, "curated:nuctech");
    let tiktok = find(&a, "curated:app_tiktok");
    check(&[
        ("vendor lines", v.entities.len().to_string(), "63"),
        ("app lines", a.entities.len().to_string(), "12"),
        (
            "rejected",
            (v.counts.rejected + a.counts.rejected).to_string(),
            "0",
        ),
        (
            "stvs → nuctech",
            format!(
                "{:?}",
                stvs.relations
                    .iter()
                    .map(|r| (r.kind, &r.target))
                    .collect::<Vec<_>>()
            ),
            "[(SubsidiaryOf, Id(\"curated:nuctech\"))]",
        ),
        (
            "weview former names",
            names(weview, NameRole::Former),
            "Nucetech Security Solutions Pvt. Ltd. | Nuctech India Private Limited",
        ),
        (
            "weview cin",
            ids(weview, IdKind::Registration),
            "U74999HR2017PTC067892",
        ),
        ("hik isin", ids(hik, IdKind::Isin), "CNE100000PM8"),
        (
            "hik uscc",
            ids(hik, IdKind::Registration),
            "91330000733796106P",
        ),
        (
            "nuctech native",
            names(nuctech, NameRole::Native),
            "同方威視技術股份有限公司 | 同方威视技术股份有限公司 | 威视股份",
        ),
        ("nuctech mac", ids(nuctech, IdKind::MacPrefix), "C09BF4B"),
        (
            "nuctech list",
            format!(
                "{} {}",
                nuctech.memberships[0].list,
                nuctech.memberships[0].since.clone().unwrap_or_default()
            ),
            "BIS_ENTITY_LIST 2020",
        ),
        ("tiktok kind", tiktok.kind.as_str().into(), "app"),
        (
            "tiktok packages",
            ids(tiktok, IdKind::PackageId),
            "com.zhiliaoapp.musically | com.ss.android.ugc.trill",
        ),
        (
            "tiktok publisher",
            format!("{:?}", tiktok.relations[0].target),
            "Id(\"curated:bytedance\")",
        ),
        (
            "clec former name",
            names(find(&v, "curated:clec"), NameRole::Former),
            "Confucius Institute Headquarters | Hanban",
        ),
        (
            "zte owner by name",
            format!("{:?}", find(&v, "curated:zte").relations[0].target),
            "Name(\"Zhongxingxin\")",
        ),
    ]);
}

/// Every real list file is recognised, and loading the folders gives no file-level error.
#[test]
fn every_shared_file_detected_and_loaded() {
    let root = shared();
    let mut files = Vec::new();
    let mut stack = vec![root.join("lists")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            if rel.starts_with("lists/eval") || rel.starts_with("lists/reference") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x != "md") {
                files.push((rel, p));
            }
        }
    }
    for p in ["vendors/restricted-vendors.jsonl", "vendors/apps.jsonl"] {
        files.push((p.to_string(), root.join(p)));
    }
    let mut undetected = Vec::new();
    let mut read_any = 0;
    for (rel, p) in &files {
        let mut b = std::fs::read(p).unwrap();
        if b.starts_with(&[0x1f, 0x8b]) {
            // Detection sees decompressed bytes, as `load_paths` hands them over.
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&b[..]), &mut raw)
                .unwrap();
            b = raw;
        }
        match detect_format(rel, &b) {
            // The nc_cc-by-nc CSVs are OpenSanctions transcriptions in their own column layouts,
            // not list formats unmask reads; the FtM JSON lines there are.
            None if rel.starts_with("lists/nc_cc-by-nc/") && rel.ends_with(".csv") => {}
            None => undetected.push(rel.clone()),
            Some(_) => read_any += 1,
        }
    }
    assert!(undetected.is_empty(), "undetected: {undetected:?}");
    // 21 files, and the 2022 full CSL and nine daily SDN snapshots of 2022 and 2024.
    assert_eq!(read_any, 31);

    let dirs: Vec<PathBuf> = ["us_ofac", "us_csl", "us_bis_dpl", "un", "us_fcc"]
        .iter()
        .map(|d| root.join("lists").join(d))
        .chain([
            root.join("vendors/restricted-vendors.jsonl"),
            root.join("vendors/apps.jsonl"),
        ])
        .collect();
    let ds = load_paths(&dirs, None);
    assert!(ds.errors.is_empty(), "{:?}", ds.errors);
    let mut ids: Vec<&str> = ds.sources.iter().map(|s| s.info.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "curated",
            "un_sc",
            "us_bis_dpl",
            "us_csl",
            "us_csl@2",
            "us_csl@3",
            "us_fcc_covered",
            "us_ofac_cons",
            "us_ofac_sdn",
            "us_ofac_sdn@10",
            "us_ofac_sdn@11",
            "us_ofac_sdn@2",
            "us_ofac_sdn@3",
            "us_ofac_sdn@4",
            "us_ofac_sdn@5",
            "us_ofac_sdn@6",
            "us_ofac_sdn@7",
            "us_ofac_sdn@8",
            "us_ofac_sdn@9"
        ]
    );
    // Each dated SDN snapshot of sdn_history is a set of its own (two sets of parts plus nine
    // snapshots), not a set missing its sdn.csv.
    let snapshots = ds
        .sources
        .iter()
        .filter(|s| s.info.origin.contains("sdn_history"))
        .count();
    assert_eq!(snapshots, 9);
    assert_eq!(ds.report("un_sc").unwrap().info.date, "2026-02-27");
    // Two SDN snapshots keep their own records (ids of the second are retagged).
    assert!(
        ds.graph.lookup("ofac_sdn:306").is_some() && ds.graph.lookup("ofac_sdn@2:306").is_some()
    );
}

#[test]
fn bundled_dataset() {
    let ds = bundled();
    assert!(ds.errors.is_empty(), "{:?}", ds.errors);
    let row = |id: &str| {
        let s = ds.report(id).unwrap_or_else(|| panic!("no source {id}"));
        format!("{} {} {}", s.info.date, s.entities, s.counts.rejected)
    };
    check(&[
        // 63 vendor lines + 12 app lines, 7 apps on both: 68 records.
        ("curated", row("curated"), "2026-11-22 68 0"),
        ("us_ofac_sdn", row("us_ofac_sdn"), "2021-07-07 8976 0"),
        ("us_ofac_cons", row("us_ofac_cons"), "2025-12-19 442 0"),
        // 4,227 rows; 7 entries sit on two Treasury lists under one _id (e.g. 17016 Gazprombank on
        // SSI and NS-MBS) and are one record with two memberships.
        ("us_csl", row("us_csl"), "2023-11-30 4220 1"),
        ("us_bis_dpl", row("us_bis_dpl"), "2023-11-30 544 0"),
        ("un_sc", row("un_sc"), "2026-02-27 1003 0"),
        ("us_fcc_covered", row("us_fcc_covered"), "2026-08-20 13 4"),
    ]);
    // Nothing from the non-commercial folder is bundled.
    let manifest = bundled_manifest().unwrap();
    for s in &manifest.sources {
        assert!(!s.licence.is_empty() && !s.date.is_empty(), "{}", s.id);
        for f in &s.files {
            assert!(!f.original.contains("nc_cc-by-nc"), "{}", f.original);
            // The embedded copy is byte-for-byte the original the manifest names.
            assert!(
                bundled_file(&f.path).unwrap() == bytes(&f.original),
                "{} differs from {}",
                f.path,
                f.original
            );
        }
    }

    let g = &ds.graph;
    let key = |s: &str| unmask_text::name_key(s);
    // `unmask entity Nuctech`: the BIS Entity List membership and STVS as its subsidiary.
    let nuctech = g.find_by_key(&key("Nuctech"));
    assert_eq!(nuctech.len(), 1);
    let n = g.entity(nuctech[0]);
    assert_eq!(n.id, "curated:nuctech");
    assert!(n
        .memberships
        .iter()
        .any(|m| m.list == "BIS_ENTITY_LIST" && m.source == "curated"));
    let subs: Vec<&str> = g
        .incoming(nuctech[0])
        .filter(|(_, e)| e.kind == RelationKind::SubsidiaryOf)
        .map(|(_, e)| g.entity(e.from).primary_name())
        .collect();
    assert!(
        subs.contains(&"Secure Technology Value Solutions"),
        "{subs:?}"
    );
    let stvs = g.lookup("curated:stvs").unwrap();
    let paths = g.exposure_paths(stvs, 4);
    assert_eq!(g.entity(paths[0].listed).id, "curated:nuctech");

    // Hikvision: the curated line, OFAC non-SDN CMIC, the CSL row and the FCC Covered List's
    // countryless entry (merged on its legal-form-free name) are one entity.
    let hik = g.lookup("ofac_cons:30946").unwrap();
    assert_eq!(Some(hik), g.lookup("curated:hikvision"));
    assert_eq!(Some(hik), g.lookup("csl:30946"));
    let e = g.entity(hik);
    let mut srcs: Vec<&str> = e.memberships.iter().map(|m| m.source.as_str()).collect();
    srcs.dedup();
    assert_eq!(
        srcs,
        ["curated", "us_ofac_cons", "us_csl", "us_fcc_covered"]
    );
    assert!(g
        .merge_notes(hik)
        .iter()
        .any(|m| m.with == "ofac_cons:30946" && m.reason.contains("CNE100000PM8")));
    assert!(e
        .names
        .iter()
        .any(|n| n.value.eq_ignore_ascii_case("HIKVISION")));

    // A person in the OFAC file and in the CSL's SDN rows: one entity, via OFAC's entry number.
    let chapo = g.lookup("ofac_sdn:6861").unwrap();
    assert_eq!(g.lookup("csl:6861"), Some(chapo));
    assert_eq!(g.entity(chapo).kind, EntityKind::Person);
    assert!(g
        .merge_notes(chapo)
        .iter()
        .any(|m| m.reason == "shared identifier ofac_uid:6861"));

    // Huawei: curated + OFAC 30947 + CSL 30947, merged on the USCC; Huawei Investment & Holding
    // stays its own entity although OFAC lists its name as an a.k.a. of 30947.
    let hw = g.lookup("curated:huawei").unwrap();
    let hold = g.lookup("curated:huawei_holding").unwrap();
    assert_ne!(hw, hold);
    assert_eq!(Some(hw), g.lookup("ofac_cons:30947"));
    assert_eq!(Some(hold), g.lookup("ofac_cons:32087"));
    assert!(g
        .merge_notes(hw)
        .iter()
        .any(|m| m.reason.contains("914403001922038216")));
    // OFAC's "Linked To:" from the holding resolves to Huawei Technologies.
    assert!(g
        .incoming(hw)
        .any(|(_, e)| e.from == hold && e.kind == RelationKind::LinkedTo));
}

#[test]
fn bad_input() {
    // Truncated CSV: the SDN file cut mid-row.
    let sdn = bytes("lists/us_ofac/sdn_2021-07-07/sdn.csv");
    let at = |needle: &str| {
        sdn.windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .unwrap()
    };
    let o = read_ofac_sdn(&sdn[..at("\"BANCO NACIONAL DE CUBA\"") + 8], "sdn.csv");
    check(&[
        ("cut entries", o.entities.len().to_string(), "3"),
        ("cut diags", o.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
         "sdn.csv:3: file ends inside a quoted field: last row truncated (value: \"306,\\\"BANCO N\")\n\
          sdn.csv:3: truncated row: 2 of 12 fields, read what is there (value: \"306,BANCO N\")"),
    ]);
    // Cut inside the long remarks field: all 12 fields look present, the open quote tells.
    let o = read_ofac_sdn(&sdn[..sdn.len() / 2], "sdn.csv");
    assert!(o.entities.len() > 1000 && o.entities.len() < 8976);
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.file == "sdn.csv" && d.line as usize == o.entities.len()),
        "{:?}",
        o.diagnostics
    );

    // Invalid UTF-8 in a name: reported with file, line and value; the row is still read.
    let mut bad =
        b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
            .to_vec();
    bad.extend_from_slice(
        b"37,\"BAD \xff\xfe NAME\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
    );
    let o = read_ofac_sdn(&bad, "bad.csv");
    check(&[
        ("utf8 entries", o.entities.len().to_string(), "2"),
        ("utf8 diag", o.diagnostics[0].to_string(), "bad.csv:2: invalid UTF-8, decoded with replacement characters (value: \"BAD �� NAME\")"),
    ]);

    // XML cut mid-element: records before the cut are kept, the cut one reported.
    let un = bytes("lists/un/un_consolidated_2026-02-27.xml");
    let text = std::str::from_utf8(&un).unwrap();
    let at = text.match_indices("<INDIVIDUAL>").nth(100).unwrap().0 + 200;
    let o = read_un(&un[..at], "un.xml");
    assert_eq!(o.entities.len(), 100);
    assert_eq!(o.counts.rejected, 1);
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.reason.contains("file ends inside <INDIVIDUAL>")),
        "{:?}",
        o.diagnostics
    );
    let o = read_un(b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL><INDIVIDUAL><FIRST_NAME>B</SECOND_NAME>", "x.xml");
    assert_eq!(o.entities.len(), 1);
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.reason.starts_with("XML error") && d.line == 1),
        "{:?}",
        o.diagnostics
    );

    // A broken JSON line among good ones.
    let v = bytes("vendors/restricted-vendors.jsonl");
    let mut lines: Vec<&[u8]> = v.split(|&b| b == b'\n').collect();
    lines.insert(3, b"{\"id\": \"broken\", \"name\": ");
    let joined = lines.join(&b'\n');
    let o = read_curated_vendors(&joined, "rv.jsonl");
    check(&[
        ("json entries", o.entities.len().to_string(), "63"),
        ("json rejected", o.counts.rejected.to_string(), "1"),
        ("json diag line", o.diagnostics[0].line.to_string(), "4"),
    ]);
    let o = read_ftm(
        b"{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"name\":[\"A Co\"]}}\nnot json\n",
        "f.jsonl",
    );
    check(&[
        ("ftm entries", o.entities.len().to_string(), "1"),
        ("ftm rejected", o.counts.rejected.to_string(), "1"),
    ]);

    // An unknown file: a clear error naming it; the other file is still read.
    let dir = std::env::temp_dir().join(format!("unmask-lists-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let unknown = dir.join("notes.txt");
    std::fs::write(&unknown, "hello, this is not a list\n").unwrap();
    let fcc = dir.join("covered.csv");
    std::fs::write(&fcc, bytes("lists/us_fcc/fcc_covered_list_table.csv")).unwrap();
    let ds = load_paths(&[unknown.clone(), fcc], None);
    assert_eq!(ds.errors.len(), 1);
    let msg = ds.errors[0].to_string();
    assert!(
        msg.starts_with(&unknown.display().to_string()) && msg.contains("not a list format"),
        "{msg}"
    );
    assert_eq!(ds.sources.len(), 1);
    assert_eq!(ds.sources[0].entities, 13);
    let ds = load_paths(&[dir.join("missing.csv")], None);
    assert!(matches!(ds.errors[0], LoadError::Io { .. }));
    std::fs::remove_dir_all(&dir).ok();
    assert!(Path::new("/").exists());
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<Vec<u8>> {
        vec![
            bytes("lists/us_ofac/non_sdn_consolidated_2025-12-19/cons_prim.csv")[..3000].to_vec(),
            bytes("lists/us_csl/csl_2025-06_sample.csv"),
            bytes("lists/un/un_consolidated_2026-02-27.xml")[..6000].to_vec(),
            bytes("lists/us_bis_dpl/dpl_2023-11-30.txt")[..3000].to_vec(),
            bytes("lists/us_fcc/fcc_covered_list_table.csv"),
            bytes("vendors/apps.jsonl")[..3000].to_vec(),
        ]
    }

    /// Arbitrary bytes, and real files with bytes flipped or cut.
    fn input() -> impl Strategy<Value = Vec<u8>> {
        let seeds = seeds();
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..600),
            (
                0..seeds.len(),
                any::<usize>(),
                proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8)
            )
                .prop_map(move |(i, cut, flips)| {
                    let mut b = seeds[i].clone();
                    for (at, v) in flips {
                        let n = b.len();
                        b[at % n] = v;
                    }
                    b.truncate(cut % (b.len() + 1));
                    b
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test] fn ofac(b in input()) { let _ = read_ofac_sdn(&b, "f"); }
        #[test] fn ofac_set(b in input(), c in input()) {
            let set = OfacSet { main: OfacFile { bytes: &b, label: "m" }, alt: Some(OfacFile { bytes: &c, label: "a" }), add: Some(OfacFile { bytes: &c, label: "d" }), comments: Some(OfacFile { bytes: &c, label: "c" }) };
            let _ = read_ofac(&set, OfacList::Consolidated, "s");
        }
        #[test] fn csl(b in input()) { let _ = read_csl(&b, "f"); }
        #[test] fn un(b in input()) { let _ = read_un(&b, "f"); }
        #[test] fn dpl(b in input()) { let _ = read_dpl(&b, "f"); }
        #[test] fn fcc(b in input()) { let _ = read_fcc(&b, "f"); }
        #[test] fn ftm(b in input()) { let _ = read_ftm(&b, "f"); }
        #[test] fn curated_vendors(b in input()) { let _ = read_curated_vendors(&b, "f"); }
        #[test] fn curated_apps(b in input()) { let _ = read_curated_apps(&b, "f"); }
        #[test] fn detect(b in input()) { let _ = detect_format("f", &b); }
    }
}
