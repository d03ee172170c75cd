//! UN Security Council consolidated list XML (`<CONSOLIDATED_LIST>`), read as a stream.

use crate::util::{line_of, norm_country, org_kind, LineCounter};
use crate::ReadOutput;
use quick_xml::events::Event;
use unmask_model::*;

const SOURCE: &str = "un_sc";

#[derive(Default)]
struct Rec {
    individual: bool,
    start_line: u64,
    name_parts: [String; 4],
    dataid: String,
    reference: String,
    list_type: String,
    listed_on: String,
    original: String,
    aliases: Vec<(String, String)>,
    alias_q: String,
    alias_name: String,
    nationalities: Vec<String>,
    addresses: Vec<Address>,
    addr: Address,
    addr_parts: Vec<String>,
    comments: String,
}

/// Reads the UN list. Records before an XML error are kept; the error and any record it cut
/// are reported with their line.
pub fn read_un(bytes: &[u8], label: &str) -> ReadOutput {
    let mut out = ReadOutput::default();
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut rec: Option<Rec> = None;
    let mut seen_root = false;
    // Line numbers are counted forward from the last one asked for, so the stream stays linear.
    let mut lines = LineCounter::default();
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                let at = reader.error_position() as usize;
                out.diag(
                    label,
                    line_of(bytes, at),
                    "",
                    format!("XML error, reading stops: {e}"),
                );
                break;
            }
        };
        match ev {
            Event::Start(s) => {
                let tag = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                seen_root |= tag == "CONSOLIDATED_LIST";
                if tag == "INDIVIDUAL" || tag == "ENTITY" {
                    out.counts.read += 1;
                    rec = Some(Rec {
                        individual: tag == "INDIVIDUAL",
                        start_line: lines.at(bytes, pos),
                        ..Rec::default()
                    });
                }
                path.push(tag);
            }
            Event::End(_) => {
                let tag = path.pop().unwrap_or_default();
                let Some(r) = rec.as_mut() else { continue };
                match tag.as_str() {
                    "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => {
                        let (q, n) = (
                            std::mem::take(&mut r.alias_q),
                            std::mem::take(&mut r.alias_name),
                        );
                        if !n.is_empty() {
                            r.aliases.push((q, n));
                        }
                    }
                    "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => {
                        let mut a = std::mem::take(&mut r.addr);
                        let parts = std::mem::take(&mut r.addr_parts);
                        if !parts.is_empty() {
                            a.full = parts.join(", ");
                            r.addresses.push(a);
                        }
                    }
                    "INDIVIDUAL" | "ENTITY" => {
                        if let Some(r) = rec.take() {
                            finish(r, label, &mut out);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                let Some(r) = rec.as_mut() else { continue };
                let text = match t.unescape() {
                    Ok(s) => s.into_owned(),
                    Err(e) => {
                        let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                        out.diag(label, lines.at(bytes, pos), &raw, format!("bad text: {e}"));
                        raw
                    }
                };
                let text = text.trim().to_string();
                let parent = path
                    .len()
                    .checked_sub(2)
                    .and_then(|i| path.get(i))
                    .map(String::as_str);
                match (parent, path.last().map(String::as_str)) {
                    (_, Some("FIRST_NAME")) => r.name_parts[0] = text,
                    (_, Some("SECOND_NAME")) => r.name_parts[1] = text,
                    (_, Some("THIRD_NAME")) => r.name_parts[2] = text,
                    (_, Some("FOURTH_NAME")) => r.name_parts[3] = text,
                    (_, Some("DATAID")) => r.dataid = text,
                    (_, Some("REFERENCE_NUMBER")) => r.reference = text,
                    (_, Some("UN_LIST_TYPE")) => r.list_type = text,
                    (_, Some("LISTED_ON")) => r.listed_on = text,
                    (_, Some("NAME_ORIGINAL_SCRIPT")) => r.original = text,
                    (_, Some("COMMENTS1")) => r.comments = text,
                    (_, Some("QUALITY")) => r.alias_q = text,
                    (_, Some("ALIAS_NAME")) => r.alias_name = text,
                    (Some("NATIONALITY"), Some("VALUE")) => r.nationalities.push(text),
                    (Some("INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS"), Some(field)) => {
                        match field {
                            "CITY" => r.addr.city = Some(text.clone()),
                            "COUNTRY" => r.addr.country = norm_country(&text),
                            _ => {}
                        }
                        if matches!(
                            field,
                            "STREET" | "CITY" | "STATE_PROVINCE" | "ZIP_CODE" | "COUNTRY"
                        ) {
                            r.addr_parts.push(text);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(r) = rec {
        out.reject(
            label,
            r.start_line,
            r.name_parts.join(" ").trim(),
            if r.individual {
                "file ends inside <INDIVIDUAL>: record dropped"
            } else {
                "file ends inside <ENTITY>: record dropped"
            },
        );
    } else if !path.is_empty() {
        out.diag(
            label,
            line_of(bytes, bytes.len()),
            path.join("/"),
            "file ends before closing tags",
        );
    }
    if !seen_root && out.entities.is_empty() {
        out.diag(
            label,
            0,
            "",
            "no <CONSOLIDATED_LIST> element: not a UN list",
        );
    }
    out
}

fn finish(r: Rec, label: &str, out: &mut ReadOutput) {
    let name = r
        .name_parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        out.reject(label, r.start_line, &r.reference, "record without a name");
        return;
    }
    let key = if r.reference.is_empty() {
        &r.dataid
    } else {
        &r.reference
    };
    let kind = if r.individual {
        EntityKind::Person
    } else {
        org_kind(&name)
    };
    let mut e = Entity::new(format!("un:{key}"), kind, SOURCE);
    e.add_name(&name, NameRole::Primary);
    if !r.original.is_empty() {
        e.add_name(&r.original, NameRole::Native);
    }
    for (q, n) in r.aliases {
        let role = match q.to_ascii_lowercase().as_str() {
            "low" => NameRole::WeakAlias,
            "f.k.a." => NameRole::Former,
            _ => NameRole::Alias,
        };
        e.add_name(n, role);
    }
    for n in &r.nationalities {
        if let Some(c) = norm_country(n) {
            e.add_country(c);
        }
    }
    for a in r.addresses {
        if let Some(c) = &a.country {
            e.add_country(c.clone());
        }
        e.addresses.push(a);
    }
    let mut m = Membership::new("UN_SC", SOURCE);
    m.program = Some(r.list_type).filter(|s| !s.is_empty());
    m.since = Some(r.listed_on).filter(|s| !s.is_empty());
    m.entry_id = Some(r.reference).filter(|s| !s.is_empty());
    e.memberships.push(m);
    if !r.comments.is_empty() {
        e.notes.push(r.comments);
    }
    out.entities.push(e);
    out.counts.used += 1;
}
