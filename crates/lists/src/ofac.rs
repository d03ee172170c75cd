//! OFAC "classic" CSV exports: `sdn.csv` + `alt.csv` + `add.csv` + `sdn_comments.csv`, and the
//! consolidated non-SDN set `cons_prim.csv` + `cons_alt.csv` + `cons_add.csv` + `cons_comments.csv`.

use crate::util::{date_dmy, decode, norm_country, ofac_null, org_kind};
use crate::ReadOutput;
use std::collections::HashMap;
use unmask_model::*;

/// Which OFAC list a file set holds; it decides the membership list code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfacList {
    /// The SDN list (`sdn.csv`): every entry is on `OFAC_SDN`.
    Sdn,
    /// The consolidated non-SDN list (`cons_prim.csv`): the list follows the program
    /// (CMIC → `TREASURY_NS_CMIC`, NS-PLC → `OFAC_NS_PLC`, …).
    Consolidated,
}

/// One input file: its bytes and the label diagnostics name.
#[derive(Debug, Clone, Copy)]
pub struct OfacFile<'a> {
    pub bytes: &'a [u8],
    pub label: &'a str,
}

/// The files of one OFAC export; only the main file is required.
#[derive(Debug, Clone, Copy)]
pub struct OfacSet<'a> {
    pub main: OfacFile<'a>,
    pub alt: Option<OfacFile<'a>>,
    pub add: Option<OfacFile<'a>>,
    pub comments: Option<OfacFile<'a>>,
}

/// Reads one OFAC file set. `source` is the source id put on every record.
pub fn read_ofac(set: &OfacSet<'_>, list: OfacList, source: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let prefix = match list {
        OfacList::Sdn => "ofac_sdn",
        OfacList::Consolidated => "ofac_cons",
    };
    let mut by_num: HashMap<String, usize> = HashMap::new();
    let mut remarks: Vec<String> = Vec::new();

    for (line, rec) in rows(set.main, &mut out) {
        let f = |i: usize| rec.get(i).and_then(|s| ofac_null(s));
        let (Some(num), Some(name)) = (f(0), f(1)) else {
            out.reject(
                set.main.label,
                line,
                rec.join(","),
                "row without ent_num or name",
            );
            continue;
        };
        if rec.len() < 12 {
            out.diag(
                set.main.label,
                line,
                rec.join(","),
                format!(
                    "truncated row: {} of 12 fields, read what is there",
                    rec.len()
                ),
            );
        }
        let kind = match f(2).map(str::to_ascii_lowercase).as_deref() {
            Some("individual") => EntityKind::Person,
            Some("vessel") => EntityKind::Vessel,
            Some("aircraft") => EntityKind::Aircraft,
            _ => org_kind(name),
        };
        let mut e = Entity::new(format!("{prefix}:{num}"), kind, source);
        e.add_name(name, NameRole::Primary);
        e.add_identifier(Identifier::new(IdKind::Other("ofac_uid".into()), num));
        let programs: Vec<&str> = f(3)
            .map(|p| {
                p.trim_matches(|c| c == '[' || c == ']')
                    .split("] [")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let lists: Vec<(String, Option<&str>)> = if programs.is_empty() {
            vec![(list_code(list, ""), None)]
        } else {
            programs
                .iter()
                .map(|p| (list_code(list, p), Some(*p)))
                .collect()
        };
        for (code, program) in lists {
            let mut m = Membership::new(code, source).entry(num);
            m.program = program.map(str::to_string);
            e.memberships.push(m);
        }
        if let Some(t) = f(4) {
            e.notes.push(format!("title: {t}"));
        }
        if let Some(cs) = f(5) {
            e.add_identifier(Identifier::new(IdKind::Other("call_sign".into()), cs));
        }
        if let Some(flag) = f(9).and_then(norm_country) {
            e.add_country(flag);
        }
        if let Some(owner) = f(10) {
            e.relations.push(Relation::new(
                RelationKind::OwnedBy,
                Target::Name(owner.to_string()),
                source,
            ));
        }
        if by_num.insert(num.to_string(), out.entities.len()).is_some() {
            out.diag(
                set.main.label,
                line,
                num,
                "ent_num repeated; both rows kept",
            );
        }
        remarks.push(f(11).unwrap_or_default().to_string());
        out.entities.push(e);
        out.counts.used += 1;
    }

    // Remarks spill into the comments file, cut mid-word: append as they are.
    if let Some(file) = set.comments {
        for (line, rec) in rows(file, &mut out) {
            match rec.first().and_then(|n| by_num.get(n.trim())) {
                Some(&i) => {
                    remarks[i].push_str(rec.get(1).map(String::as_str).unwrap_or_default());
                    out.counts.used += 1;
                }
                None => out.reject(file.label, line, rec.join(","), "unknown ent_num"),
            }
        }
    }
    for (e, r) in out.entities.iter_mut().zip(&remarks) {
        if !r.is_empty() {
            parse_remarks(e, r, source);
        }
    }

    if let Some(file) = set.alt {
        for (line, rec) in rows(file, &mut out) {
            let f = |i: usize| rec.get(i).and_then(|s| ofac_null(s));
            let Some(&i) = f(0).and_then(|n| by_num.get(n)) else {
                out.reject(file.label, line, rec.join(","), "unknown ent_num");
                continue;
            };
            let Some(name) = f(3) else {
                out.reject(file.label, line, rec.join(","), "alias row without a name");
                continue;
            };
            let weak = f(4).is_some_and(|r| r.to_ascii_lowercase().contains("weak"));
            let role = match f(2).map(str::to_ascii_lowercase).as_deref() {
                _ if weak => NameRole::WeakAlias,
                Some("fka") => NameRole::Former,
                _ => NameRole::Alias,
            };
            out.entities[i].add_name(name, role);
            out.counts.used += 1;
        }
    }

    if let Some(file) = set.add {
        for (line, rec) in rows(file, &mut out) {
            let f = |i: usize| rec.get(i).and_then(|s| ofac_null(s));
            let Some(&i) = f(0).and_then(|n| by_num.get(n)) else {
                out.reject(file.label, line, rec.join(","), "unknown ent_num");
                continue;
            };
            let country = f(4).and_then(norm_country);
            let parts: Vec<&str> = [f(2), f(3), f(4)].into_iter().flatten().collect();
            let e = &mut out.entities[i];
            if !parts.is_empty() {
                let a = Address {
                    full: parts.join(", "),
                    city: f(3).map(str::to_string),
                    country: country.clone(),
                };
                if !e.addresses.contains(&a) {
                    e.addresses.push(a);
                }
            }
            if let Some(c) = country {
                e.add_country(c);
            }
            out.counts.used += 1;
        }
    }
    out
}

/// Convenience for one file (fuzz targets, a lone `sdn.csv`): the SDN reader without its siblings.
pub fn read_ofac_sdn(bytes: &[u8], label: &str) -> ReadOutput {
    read_ofac(
        &OfacSet {
            main: OfacFile { bytes, label },
            alt: None,
            add: None,
            comments: None,
        },
        OfacList::Sdn,
        "us_ofac_sdn",
    )
}

fn list_code(list: OfacList, program: &str) -> String {
    if list == OfacList::Sdn {
        return "OFAC_SDN".into();
    }
    let p = program.to_ascii_uppercase();
    let code = if p.contains("CMIC") {
        "TREASURY_NS_CMIC"
    } else if p.contains("NS-PLC") {
        "OFAC_NS_PLC"
    } else if p.contains("FSE") {
        "OFAC_FSE"
    } else if p.contains("CAPTA") || p.contains("561") {
        "OFAC_CAPTA"
    } else if p.contains("UKRAINE-EO13662") || p.contains("RUSSIA-EO14024") {
        "OFAC_SSI"
    } else {
        "OFAC_NON_SDN"
    };
    code.to_string()
}

/// Parses the rows of one headerless OFAC CSV, counting them as read. A trailing DOS EOF
/// byte (0x1A) is not a row.
fn rows(file: OfacFile<'_>, out: &mut ReadOutput) -> Vec<(u64, Vec<String>)> {
    let mut bytes = file.bytes;
    while let Some((&last, rest)) = bytes.split_last() {
        if last == 0x1A || last == b'\r' || last == b'\n' {
            bytes = rest;
        } else {
            break;
        }
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut v = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut lines = crate::util::LineCounter::default();
    let mut last_start = 0usize;
    loop {
        let start = rdr.position().byte() as usize;
        let line = lines.record(bytes, rdr.position().byte());
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                last_start = start;
                out.counts.read += 1;
                if rec.len() == 1 && rec[0].iter().all(|b| b.is_ascii_whitespace() || *b == 0x1A) {
                    out.counts.read -= 1;
                    continue;
                }
                let fields: Vec<String> = rec
                    .iter()
                    .map(|f| decode(f, file.label, line, &mut out.diagnostics).into_owned())
                    .collect();
                v.push((line, fields));
            }
            Err(e) => {
                out.counts.read += 1;
                out.reject(file.label, line, "", format!("unreadable CSV row: {e}"));
            }
        }
    }
    // A file cut inside a quoted field still yields a full-looking last row: an odd number of
    // quotes in it gives the cut away.
    let tail = &bytes[last_start.min(bytes.len())..];
    if tail.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
        let line = v.last().map_or(1, |(l, _)| *l);
        let value = String::from_utf8_lossy(&tail[..tail.len().min(120)])
            .trim()
            .to_string();
        out.diag(
            file.label,
            line,
            value,
            "file ends inside a quoted field: last row truncated",
        );
    }
    v
}

/// Remarks: `;`-separated facts. Reads names, relations, identifiers and countries; keeps the
/// text as a note.
fn parse_remarks(e: &mut Entity, remarks: &str, source: &str) {
    e.notes.push(remarks.to_string());
    for raw in remarks.split(';') {
        let f = raw.trim().trim_end_matches('.').trim();
        let f = f.strip_prefix("alt. ").unwrap_or(f);
        let starts = |label: &str| {
            f.get(..label.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(label))
        };
        // OFAC puts its weak a.k.a.s in the remarks, in single quotes.
        for (tag, role) in [
            ("a.k.a. ", NameRole::WeakAlias),
            ("f.k.a. ", NameRole::Former),
            ("n.k.a. ", NameRole::Alias),
        ] {
            if starts(tag) {
                let rest = &f[tag.len()..];
                let name = rest.trim().trim_end_matches('.');
                let name = name
                    .strip_prefix('\'')
                    .and_then(|n| n.strip_suffix('\''))
                    .unwrap_or(name);
                e.add_name(name.trim(), role);
            }
        }
        let value = |label: &str| -> Option<String> {
            if !starts(label) {
                return None;
            }
            let rest = &f[label.len()..];
            let rest = rest.trim_start_matches(':').trim();
            // "91330000733796106P (China)" → the number.
            let v = match rest.rfind(" (") {
                Some(p) if rest.ends_with(')') => &rest[..p],
                _ => rest,
            };
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let rel = |label: &str| -> Option<String> {
            starts(label)
                .then(|| f[label.len()..].trim().to_string())
                .filter(|s| !s.is_empty())
        };
        if let Some(t) = rel("Linked To:") {
            e.relations.push(Relation::new(
                RelationKind::LinkedTo,
                Target::Name(t),
                source,
            ));
        } else if let Some(t) = rel("Subsidiary Of:") {
            e.relations.push(Relation::new(
                RelationKind::SubsidiaryOf,
                Target::Name(t),
                source,
            ));
        } else if let Some(t) = rel("Owned or Controlled By:") {
            e.relations.push(Relation::new(
                RelationKind::OwnedBy,
                Target::Name(t),
                source,
            ));
        } else if let Some(t) = value("Former Name") {
            e.add_name(t, NameRole::Former);
        } else if let Some(v) = value("Website") {
            e.add_identifier(Identifier::new(IdKind::Website, v));
        } else if let Some(v) = value("Email Address") {
            e.add_identifier(Identifier::new(IdKind::Email, v));
        } else if let Some(v) = value("Equity Ticker") {
            e.add_identifier(Identifier::new(IdKind::Ticker, v));
        } else if let Some(v) = value("ISIN") {
            e.add_identifier(Identifier::new(IdKind::Isin, v));
        } else if let Some(v) = value("Legal Entity Number") {
            e.add_identifier(Identifier::new(IdKind::Lei, v));
        } else if let Some(v) = [
            "Unified Social Credit Code (USCC)",
            "Registration Number",
            "Registration ID",
            "Company Number",
            "Business Registration Number",
            "Commercial Registry Number",
            "Public Registration Number",
        ]
        .iter()
        .find_map(|l| value(l))
        {
            e.add_identifier(Identifier::new(IdKind::Registration, v));
        } else if let Some(v) = value("Tax ID No.") {
            e.add_identifier(Identifier::new(IdKind::Other("tax_id".into()), v));
        } else if let Some(v) = value("Passport") {
            e.add_identifier(Identifier::new(IdKind::Other("passport".into()), v));
        } else if let Some(v) = value("National ID No.") {
            e.add_identifier(Identifier::new(IdKind::Other("national_id".into()), v));
        } else if let Some(v) = value("Vessel Registration Identification") {
            e.add_identifier(Identifier::new(IdKind::Other("imo".into()), v));
        } else if let Some(c) = ["Nationality of Registration", "nationality", "citizen"]
            .iter()
            .find_map(|l| value(l))
        {
            if let Some(c) = norm_country(&c) {
                e.add_country(c);
            }
        } else if let Some(d) = value("Listing Date (CMIC)").and_then(|d| date_dmy(&d)) {
            for m in e.memberships.iter_mut().filter(|m| m.since.is_none()) {
                m.since = Some(d.clone());
            }
        }
    }
}
