//! BIS Denied Persons List, tab-separated text with quoted fields and a header row.

use crate::util::{date_us, decode, norm_country, org_kind, slug};
use crate::ReadOutput;
use std::collections::HashMap;
use unmask_model::*;

/// Reads the DPL. Rows naming the same party (one per address or order) become one record.
pub fn read_dpl(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = crate::util::LineCounter::default();
    let mut cols: Option<HashMap<String, usize>> = None;
    let mut by_id: HashMap<String, usize> = HashMap::new();
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
                out.reject(label, line, "", format!("unreadable row: {e}"));
                continue;
            }
        };
        let Some(c) = &cols else {
            if !row.iter().any(|h| h == "Name") {
                out.reject(
                    label,
                    line,
                    row.join("\t"),
                    "no DPL header (expected a `Name` column)",
                );
                return out;
            }
            cols = Some(row.into_iter().enumerate().map(|(i, h)| (h, i)).collect());
            continue;
        };
        out.counts.read += 1;
        let get = |k: &str| -> &str {
            c.get(k)
                .and_then(|&i| row.get(i))
                .map_or("", |s| s.as_str())
        };
        let name = get("Name");
        if name.is_empty() || name == "Name" {
            out.reject(label, line, row.join("\t"), "row without a name");
            continue;
        }
        if row.len() < c.len() {
            out.diag(
                label,
                line,
                row.join("\t"),
                format!(
                    "truncated row: {} of {} fields, read what is there",
                    row.len(),
                    c.len()
                ),
            );
        }
        let id = format!("bis_dpl:{}", slug(name));
        let i = *by_id.entry(id.clone()).or_insert_with(|| {
            let kind = match org_kind(name) {
                EntityKind::Company => EntityKind::Company,
                _ => EntityKind::Person,
            };
            let mut e = Entity::new(id, kind, "us_bis_dpl");
            e.add_name(name, NameRole::Primary);
            out.entities.push(e);
            out.entities.len() - 1
        });
        let e = &mut out.entities[i];
        let country = norm_country(get("Country"));
        let parts: Vec<&str> = ["Street_Address", "City", "State", "Postal_Code", "Country"]
            .iter()
            .map(|k| get(k))
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            let a = Address {
                full: parts.join(", "),
                city: Some(get("City").to_string()).filter(|s| !s.is_empty()),
                country: country.clone(),
            };
            if !e.addresses.contains(&a) {
                e.addresses.push(a);
            }
        }
        if let Some(c) = country {
            e.add_country(c);
        }
        let mut m = Membership::new("BIS_DPL", "us_bis_dpl");
        m.since = date_us(get("Effective_Date"));
        m.citation = Some(get("FR_Citation").to_string()).filter(|s| !s.is_empty());
        if !e.memberships.contains(&m) {
            e.memberships.push(m);
        }
        out.counts.used += 1;
    }
    out
}
