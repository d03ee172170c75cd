//! The FCC Covered List table (fcc.gov/supplychain/coveredlist), where the covered entities are
//! named inside free-text sentences.
//!
//! Policy: a row that names a producer or provider ("… produced by X, …", "… provided by X
//! subject to …") yields one company record for X (plus "its wholly-owned subsidiary Y" with a
//! `subsidiary_of` relation). A category-level row (foreign-produced UAS, routers, inverters,
//! robots) names no entity to screen against: it is rejected with a diagnostic saying so, so that
//! `unmask lists` shows it in the rejected count instead of inventing an entity.

use crate::util::{date_month_words, decode, slug};
use crate::ReadOutput;
use unmask_model::*;

const SOURCE: &str = "us_fcc_covered";

/// Where a name ends inside the sentence.
const STOPS: &[&str] = &[
    " or any ",
    " subject to ",
    ", subject to",
    ", including ",
    ", to the extent ",
    " and its ",
    " including ",
];

/// Extracts the covered entity names from one sentence: the main party and an optional
/// wholly-owned subsidiary.
pub fn fcc_entities(text: &str) -> Option<(String, Option<String>)> {
    let markers = [
        "produced or provided by ",
        "supplied, directly or indirectly, by ",
        "produced by ",
        "provided by ",
        "supplied by ",
    ];
    let (pos, len) = markers
        .iter()
        .filter_map(|m| text.find(m).map(|p| (p, m.len())))
        .min_by_key(|(p, _)| *p)?;
    let rest = &text[pos + len..];
    let end = STOPS
        .iter()
        .filter_map(|s| rest.find(s))
        .min()
        .unwrap_or(rest.len());
    let name = clean(&rest[..end]);
    // Lower-case start means a category ("… produced in a foreign country"), not a name.
    if !name.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let sub = rest[end..]
        .strip_prefix(" and its wholly-owned subsidiary ")
        .map(|s| {
            let e = STOPS
                .iter()
                .filter_map(|x| s.find(x))
                .min()
                .unwrap_or(s.len());
            clean(&s[..e])
        })
        .filter(|s| !s.is_empty());
    Some((name, sub))
}

/// Drops a trailing comma; a trailing dot stays (it ends "Inc." or "Corp.", the sentence goes on).
fn clean(s: &str) -> String {
    s.trim().trim_end_matches(',').trim().to_string()
}

/// Reads the covered list table (`covered_equipment_or_services, date_of_inclusion_on_covered_list`).
pub fn read_fcc(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = crate::util::LineCounter::default();
    let mut first = true;
    loop {
        let line = lines.record(bytes, rdr.position().byte());
        let row: Vec<String> = match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => rec
                .iter()
                .map(|f| {
                    decode(f, label, line, &mut out.diagnostics)
                        .trim()
                        .to_string()
                })
                .collect(),
            Err(e) => {
                out.counts.read += 1;
                out.reject(label, line, "", format!("unreadable CSV row: {e}"));
                continue;
            }
        };
        if first {
            first = false;
            if row
                .first()
                .is_some_and(|h| h.starts_with("covered_equipment"))
            {
                continue;
            }
        }
        out.counts.read += 1;
        let text = row.first().map_or("", String::as_str);
        let date = row.get(1).and_then(|d| date_month_words(d));
        let Some((name, sub)) = fcc_entities(text) else {
            out.reject(
                label,
                line,
                text,
                "category-level entry names no entity; not read as an entity",
            );
            continue;
        };
        let membership = |date: &Option<String>| {
            let mut m = Membership::new("FCC_COVERED_LIST", SOURCE);
            m.since = date.clone();
            m.entry_id = Some(format!("row {line}"));
            m.citation = Some(unmask_model::shorten(text, 200));
            m
        };
        let mut e = Entity::new(format!("fcc:{}", slug(&name)), EntityKind::Company, SOURCE);
        e.add_name(&name, NameRole::Primary);
        e.memberships.push(membership(&date));
        if let Some(sub) = sub {
            let mut s = Entity::new(format!("fcc:{}", slug(&sub)), EntityKind::Company, SOURCE);
            s.add_name(&sub, NameRole::Primary);
            s.memberships.push(membership(&date));
            s.relations.push(Relation::new(
                RelationKind::SubsidiaryOf,
                Target::Id(e.id.clone()),
                SOURCE,
            ));
            out.entities.push(s);
        }
        out.entities.push(e);
        out.counts.used += 1;
    }
    out
}
