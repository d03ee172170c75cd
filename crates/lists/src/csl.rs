//! trade.gov Consolidated Screening List CSV (numeric `_id` of 2023 and the 56-hex `_id` of 2025).

use crate::util::{decode, norm_country, org_kind};
use crate::ReadOutput;
use unmask_model::*;

const COLUMNS: &[&str] = &[
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
];

/// Maps the CSL `source` column to the list code used everywhere else.
pub fn csl_list_code(source: &str) -> String {
    let abbr = source
        .find('(')
        .and_then(|a| source[a + 1..].find(')').map(|b| &source[a + 1..a + 1 + b]))
        .unwrap_or(source)
        .trim();
    match abbr {
        "SDN" => "OFAC_SDN",
        "EL" => "BIS_ENTITY_LIST",
        "DPL" => "BIS_DPL",
        "UVL" => "BIS_UVL",
        "MEU" => "BIS_MEU",
        "SSI" => "OFAC_SSI",
        "ISN" => "STATE_ISN",
        "DTC" => "STATE_DTC",
        "PLC" => "OFAC_NS_PLC",
        "CMIC" => "TREASURY_NS_CMIC",
        "NS-MBS List" | "NS-MBS" => "OFAC_NS_MBS",
        "FSE" => "OFAC_FSE",
        "CAP" => "OFAC_CAPTA",
        other => {
            return other
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect()
        }
    }
    .to_string()
}

/// Reads a CSL CSV. The first row must be the header; a repeated header row is rejected with a
/// diagnostic, as is a row without a name.
pub fn read_csl(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = crate::util::LineCounter::default();
    let mut header: Option<Vec<String>> = None;
    let mut idx = [usize::MAX; 29];
    loop {
        let line = lines.record(bytes, rdr.position().byte());
        let row = match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => rec
                .iter()
                .map(|f| {
                    decode(f, label, line, &mut out.diagnostics)
                        .trim()
                        .to_string()
                })
                .collect::<Vec<String>>(),
            Err(e) => {
                out.counts.read += 1;
                out.reject(label, line, "", format!("unreadable CSV row: {e}"));
                continue;
            }
        };
        let Some(h) = &header else {
            if !row.iter().any(|c| c == "name") {
                out.reject(
                    label,
                    line,
                    row.join(","),
                    "no CSL header (expected a `name` column)",
                );
                return out;
            }
            for (i, col) in COLUMNS.iter().enumerate() {
                idx[i] = row.iter().position(|c| c == col).unwrap_or(usize::MAX);
            }
            header = Some(row);
            continue;
        };
        out.counts.read += 1;
        if &row == h {
            out.reject(label, line, row.join(","), "repeated header");
            continue;
        }
        let get = |c: &str| -> &str {
            let i = COLUMNS
                .iter()
                .position(|x| *x == c)
                .map_or(usize::MAX, |i| idx[i]);
            row.get(i).map(String::as_str).unwrap_or("").trim()
        };
        let name = get("name");
        if name.is_empty() {
            out.reject(label, line, row.join(","), "row without a name");
            continue;
        }
        if row.len() < h.len() {
            out.diag(
                label,
                line,
                row.join(","),
                format!(
                    "truncated row: {} of {} fields, read what is there",
                    row.len(),
                    h.len()
                ),
            );
        }
        let id = match (get("_id"), get("entity_number")) {
            ("", "") => format!("line{line}"),
            ("", n) => n.to_string(),
            (i, _) => i.to_string(),
        };
        let kind = match get("type").to_ascii_lowercase().as_str() {
            "individual" => EntityKind::Person,
            "vessel" => EntityKind::Vessel,
            "aircraft" => EntityKind::Aircraft,
            "entity" => org_kind(name),
            _ => match org_kind(name) {
                EntityKind::Company => EntityKind::Company,
                _ => EntityKind::Unknown,
            },
        };
        let mut e = Entity::new(format!("csl:{id}"), kind, "us_csl");
        e.add_name(name, NameRole::Primary);
        for a in split_multi(get("alt_names")) {
            e.add_name(a, NameRole::Alias);
        }
        // Treasury rows carry OFAC's entry number: the link to the same entry in OFAC's files.
        if get("source").contains("Treasury") && !get("entity_number").is_empty() {
            e.add_identifier(Identifier::new(
                IdKind::Other("ofac_uid".into()),
                get("entity_number"),
            ));
        }
        let mut m = Membership::new(csl_list_code(get("source")), "us_csl");
        m.program = non_empty(get("programs"));
        m.since = non_empty(get("start_date"));
        m.entry_id = non_empty(get("entity_number"));
        m.citation = non_empty(get("federal_register_notice"));
        e.memberships.push(m);
        for a in split_multi(get("addresses")) {
            // The 2023 and 2025 files end each address with an ISO country code.
            let country = a.rsplit(", ").next().and_then(norm_country);
            if let Some(c) = &country {
                e.add_country(c.clone());
            }
            e.addresses.push(Address {
                full: a.to_string(),
                city: None,
                country,
            });
        }
        for c in split_multi(get("nationalities")).chain(split_multi(get("citizenships"))) {
            if let Some(c) = norm_country(c) {
                e.add_country(c);
            }
        }
        if let Some(flag) = norm_country(get("vessel_flag")) {
            e.add_country(flag);
        }
        if let Some(t) = non_empty(get("title")) {
            e.notes.push(format!("title: {t}"));
        }
        if let Some(r) = non_empty(get("remarks")) {
            e.notes.push(r);
        }
        if let Some(o) = non_empty(get("vessel_owner")) {
            e.relations.push(Relation::new(
                RelationKind::OwnedBy,
                Target::Name(o),
                "us_csl",
            ));
        }
        parse_ids(&mut e, get("ids"));
        out.entities.push(e);
        out.counts.used += 1;
    }
    if header.is_none() {
        out.diag(label, 0, "", "empty file: no CSL header");
    }
    out
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn split_multi(s: &str) -> impl Iterator<Item = &str> {
    s.split("; ").map(str::trim).filter(|x| !x.is_empty())
}

/// `ids`: `Type, value, country; …`.
fn parse_ids(e: &mut Entity, ids: &str) {
    for item in split_multi(ids) {
        let mut parts = item.splitn(3, ", ");
        let (Some(kind), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let value = value.trim();
        if kind.trim() == "Listing Date (CMIC)" {
            for m in e.memberships.iter_mut().filter(|m| m.since.is_none()) {
                m.since = Some(value.to_string());
            }
            continue;
        }
        let kind = match kind.trim() {
            "Unified Social Credit Code (USCC)"
            | "Registration Number"
            | "Registration ID"
            | "Company Number"
            | "Business Registration Number"
            | "Commercial Registry Number" => IdKind::Registration,
            "ISIN" => IdKind::Isin,
            "Equity Ticker" => IdKind::Ticker,
            "Website" => IdKind::Website,
            "Email Address" => IdKind::Email,
            "Legal Entity Number" => IdKind::Lei,
            "Tax ID No." => IdKind::Other("tax_id".into()),
            "Passport" => IdKind::Other("passport".into()),
            _ => continue,
        };
        e.add_identifier(Identifier::new(kind, value));
    }
}
