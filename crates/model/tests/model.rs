//! Graph merge and exposure behaviour.

use unmask_model::*;

fn company(id: &str, source: &str, name: &str, country: &str) -> Entity {
    let mut e = Entity::new(id, EntityKind::Company, source);
    e.add_name(name, NameRole::Primary);
    if !country.is_empty() {
        e.add_country(country);
    }
    e
}

fn key(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One place for the merge table: (records, expected entity count, ids expected to share an entity).
fn check(records: Vec<Entity>, entities: usize, same: &[(&str, &str)], different: &[(&str, &str)]) {
    let g = Graph::build(records, key);
    assert_eq!(g.len(), entities, "entity count");
    for (a, b) in same {
        assert_eq!(g.lookup(a), g.lookup(b), "{a} and {b} should merge");
        assert!(!g.merge_notes(g.lookup(a).unwrap()).is_empty());
    }
    for (a, b) in different {
        assert_ne!(g.lookup(a), g.lookup(b), "{a} and {b} should stay apart");
    }
}

#[test]
fn merges_across_sources_on_name_and_country() {
    let mut ofac = company(
        "ofac:30946",
        "ofac",
        "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
        "CN",
    );
    ofac.memberships
        .push(Membership::new("TREASURY_NS_CMIC", "ofac"));
    let curated = company(
        "curated:hikvision",
        "curated",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "CN",
    );
    check(
        vec![curated, ofac],
        1,
        &[("curated:hikvision", "ofac:30946")],
        &[],
    );
}

#[test]
fn same_source_or_other_country_does_not_merge() {
    check(
        vec![
            company("dpl:1", "dpl", "Dahua Electronics Corporation", "US"),
            company(
                "curated:dahua",
                "curated",
                "Dahua Electronics Corporation",
                "CN",
            ),
            company("dpl:2", "dpl", "Dahua Electronics Corporation", "US"),
        ],
        3,
        &[],
        &[("dpl:1", "curated:dahua"), ("dpl:1", "dpl:2")],
    );
}

#[test]
fn merges_on_shared_strong_identifier() {
    let mut a = company("a:1", "a", "Huawei Technologies Co., Ltd.", "CN");
    a.add_identifier(Identifier::new(IdKind::Registration, "914403001922038216"));
    let mut b = company("b:1", "b", "HUAWEI TECHNOLOGIES", "");
    b.add_identifier(Identifier::new(
        IdKind::Registration,
        "9144-0300-1922-038216",
    ));
    check(vec![a, b], 1, &[("a:1", "b:1")], &[]);
}

#[test]
fn exposure_walks_up_and_across_identity_relations() {
    let mut parent = company("c:nuctech", "c", "Nuctech Company Limited", "CN");
    parent
        .memberships
        .push(Membership::new("BIS_ENTITY_LIST", "c").since("2020-12-18"));
    let mut stvs = company("c:stvs", "c", "Secure Technology Value Solutions", "US");
    stvs.relations.push(Relation::new(
        RelationKind::SubsidiaryOf,
        Target::Id("c:nuctech".into()),
        "c",
    ));
    let mut maker = company("c:maker", "c", "Maker", "CN");
    maker
        .memberships
        .push(Membership::new("FCC_COVERED_LIST", "c"));
    maker.relations.push(Relation::new(
        RelationKind::OemFor,
        Target::Id("c:brand".into()),
        "c",
    ));
    let brand = company("c:brand", "c", "Brand", "US");
    let mut old = company("c:old", "c", "Old Name Ltd", "CN");
    old.relations.push(Relation::new(
        RelationKind::FormerlyKnownAs,
        Target::Name("Nuctech Company Limited".into()),
        "c",
    ));
    let g = Graph::build(vec![parent, stvs, maker, brand, old], key);

    let names = |start: &str| -> Vec<String> {
        let s = g.lookup(start).unwrap();
        g.exposure_paths(s, 4)
            .iter()
            .map(|p| g.entity(p.listed).primary_name().to_string())
            .collect()
    };
    assert_eq!(names("c:stvs"), vec!["Nuctech Company Limited"]);
    // oem_for points down: a brand made by a listed maker is exposed (walking the edge back) …
    assert_eq!(names("c:brand"), vec!["Maker"]);
    // … but the maker is not exposed through the brand.
    assert!(names("c:maker").is_empty());
    // A relation given only by name resolves through the key.
    assert_eq!(names("c:old"), vec!["Nuctech Company Limited"]);
    // Incoming edges are indexed.
    let n = g.lookup("c:nuctech").unwrap();
    assert_eq!(g.incoming(n).count(), 2);
}

#[test]
fn diagnostics_show_file_line_and_value() {
    let d = Diagnostic::new("sdn.csv", 12, "x".repeat(200), "bad row");
    let s = d.to_string();
    assert!(s.starts_with("sdn.csv:12: bad row (value: \"xxx"));
    assert!(s.ends_with("…\")"));
}

#[test]
fn loose_merge_only_for_countryless_records_with_one_candidate() {
    let strip = |s: &str| {
        key(s)
            .split(' ')
            .filter(|t| !matches!(*t, "co" | "ltd" | "company" | "corporation"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let records = vec![
        company("c:huawei", "c", "Huawei Technologies Co., Ltd.", "CN"),
        company("fcc:1", "fcc", "Huawei Technologies Company", ""),
        company("c:zte", "c", "Zhongxing Telecom Corporation", "CN"),
        company("x:zte", "x", "Zhongxing Telecom Company", "IR"),
        company("fcc:2", "fcc", "Zhongxing Telecom Co", ""),
    ];
    let g = Graph::build_loose(records, key, strip);
    assert_eq!(g.lookup("c:huawei"), g.lookup("fcc:1"));
    let notes = g.merge_notes(g.lookup("fcc:1").unwrap());
    assert!(notes[0].reason.contains("no country"), "{notes:?}");
    // Two candidates for "zhongxing telecom": nothing merges.
    assert_ne!(g.lookup("fcc:2"), g.lookup("c:zte"));
    assert_ne!(g.lookup("fcc:2"), g.lookup("x:zte"));
    assert_eq!(g.len(), 4);
}

/// The key of a merged entity is every record behind it: a list update that adds an earlier
/// record changes the display id, not what the key still holds.
#[test]
fn entity_keys_hold_every_record_and_survive_an_update() {
    let before = Graph::build(
        vec![
            company("ofac:30946", "ofac", "Hikvision Digital", "CN"),
            company("csl:30946", "csl", "Hikvision Digital", "CN"),
        ],
        key,
    );
    let b = before.lookup("csl:30946").unwrap();
    assert_eq!(before.entity(b).id, "ofac:30946");
    assert_eq!(before.key(b).record_ids(), ["csl:30946", "ofac:30946"]);
    // The update puts the curated record first: it gives the entity its display id.
    let after = Graph::build(
        vec![
            company("curated:hikvision", "curated", "Hikvision Digital", "CN"),
            company("csl:30946", "csl", "Hikvision Digital", "CN"),
        ],
        key,
    );
    let a = after.lookup("csl:30946").unwrap();
    assert_eq!(after.entity(a).id, "curated:hikvision");
    assert_ne!(before.key(b), after.key(a));
    assert!(before.key(b).overlaps(after.key(a)));
    // An unrelated entity's key shares nothing.
    let other = EntityKey::new(["ofac:1"]);
    assert!(!other.overlaps(before.key(b)));
    assert_eq!(
        serde_json::to_string(after.key(a)).unwrap(),
        r#"["csl:30946","curated:hikvision"]"#
    );
}

/// Dates at the edges of the civil calendar: leap days, the epoch, before it.
#[test]
fn civil_dates() {
    use unmask_model::time::*;
    for (days, ymd) in [
        (0, (1970, 1, 1)),
        (-1, (1969, 12, 31)),
        (11_016, (2000, 2, 29)),
        (19_410, (2023, 2, 22)),
        (-719_468, (0, 3, 1)),
    ] {
        assert_eq!(civil_from_days(days), ymd, "{days}");
        assert_eq!(days_from_civil(ymd.0, ymd.1, ymd.2), days, "{ymd:?}");
    }
    assert_eq!(iso_time_us(0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(
        iso_time_us(1_677_024_003_714_845),
        "2023-02-22T00:00:03.714845Z"
    );
    assert_eq!(iso_time_us(-1), "1969-12-31T23:59:59.999999Z");
    assert_eq!(
        serde_json::to_string(&UtcMicros(951_782_400_000_000)).unwrap(),
        r#""2000-02-29T00:00:00.000000Z""#
    );
}
