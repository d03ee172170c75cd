//! The header model of a Zeek TSV log: the [`Layout`] its `#` lines give (separator, unset and
//! empty markers, `#path`, which column holds each field read) and the [`Plan`] for rows of
//! Zeek's default columns.
//!
//! `#separator` takes `\xHH` escapes; `#fields` names the columns, each of [`NAMES`] found at
//! its first occurrence, so extra columns such as `_node_name` or trailing labels are fine; a
//! `#path` that is not a connection log, or `#fields` without `ts`, `id.orig_h` and
//! `id.resp_h`, has its rows skipped; a new `#path` starts a new log (the columns are then
//! unknown until the next `#fields`). Every header line is read by [`header_line`], on the
//! reading thread only (see [`crate::blocks`]).
//!
//! A [`Plan`] is the shape of real conn.logs: Zeek's [`DEFAULT_FIELDS`] in their order, after
//! `lead` leading columns (`_node_name`) and before `extra` trailing ones (`ip_proto` first
//! when `ipp`, labels). A layout with a plan and a one-byte separator has its rows read by
//! popping their separators in column order ([`super::fast::planned_record`]); any other
//! layout goes by field starts.

use crate::text::{MAX_FIELDS, STARTS};
use crate::Ctx;

pub(super) const F_TS: usize = 0;
pub(super) const F_OH: usize = 1;
pub(super) const F_OP: usize = 2;
pub(super) const F_RH: usize = 3;
pub(super) const F_RP: usize = 4;
pub(super) const F_PROTO: usize = 5;
pub(super) const F_DUR: usize = 6;
pub(super) const F_OB: usize = 7;
pub(super) const F_RB: usize = 8;
pub(super) const F_STATE: usize = 9;
pub(super) const F_OPK: usize = 10;
pub(super) const F_RPK: usize = 11;
pub(super) const F_OIB: usize = 12;
pub(super) const F_RIB: usize = 13;
pub(super) const F_IPPROTO: usize = 14;
pub(super) const NF: usize = 15;
pub(super) const NAMES: [&str; NF] = [
    "ts",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "orig_pkts",
    "resp_pkts",
    "orig_ip_bytes",
    "resp_ip_bytes",
    "ip_proto",
];
pub(super) const ABSENT: usize = usize::MAX;
/// The field-start index of an always-empty field, for absent columns: `starts[SENTINEL]`
/// and `starts[SENTINEL + 1]` delimit an empty field, past the entries rows write.
pub(super) const SENTINEL: usize = STARTS;

/// Zeek's default conn.log columns, used when a file has no `#fields` header.
pub(super) const DEFAULT_FIELDS: &[&str] = &[
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
];

#[derive(Clone, PartialEq)]
pub(super) struct Layout {
    pub(super) sep: Vec<u8>,
    pub(super) unset: Vec<u8>,
    pub(super) empty: Vec<u8>,
    pub(super) idx: [usize; NF],
    /// `idx` as field-start indexes, an absent column pointing at the empty sentinel field.
    pub(super) cols: [u16; NF],
    pub(super) nfields: usize,
    pub(super) have_fields: bool,
    /// The `#path` is not a connection log (dns, http, …): rows are skipped.
    pub(super) other_path: Option<String>,
    /// How to read rows column by column when the columns are Zeek's defaults.
    pub(super) plan: Option<Plan>,
}

/// A layout whose rows are read straight through, column by column ([`super::fast::planned_record`]):
/// `lead` columns, Zeek's [`DEFAULT_FIELDS`] in their order, then `extra` more, the first
/// of them `ip_proto` when `ipp`. Real conn.logs have this shape (`_node_name` first,
/// `ip_proto` or labels last).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Plan {
    pub(super) lead: usize,
    pub(super) extra: usize,
    pub(super) ipp: bool,
}

impl Plan {
    /// The plan of `names` whose columns of [`NAMES`] are at `idx`, if they have its shape.
    fn of(names: &[&[u8]], idx: &[usize; NF]) -> Option<Plan> {
        let lead = idx[F_TS];
        // No `ts` column: `lead` is ABSENT.
        let cols = names.get(lead..lead.checked_add(DEFAULT_FIELDS.len())?)?;
        if names.len() > MAX_FIELDS
            || cols
                .iter()
                .zip(DEFAULT_FIELDS)
                .any(|(a, b)| *a != b.as_bytes())
        {
            return None;
        }
        // Each column is taken at its first occurrence: none may come earlier.
        for (k, name) in NAMES.iter().enumerate().filter(|&(k, _)| k != F_IPPROTO) {
            let at = DEFAULT_FIELDS.iter().position(|f| f == name)?;
            if idx[k] != lead + at {
                return None;
            }
        }
        let after = lead + DEFAULT_FIELDS.len();
        let ipp = match idx[F_IPPROTO] {
            ABSENT => false,
            i if i == after => true,
            _ => return None,
        };
        Some(Plan {
            lead,
            extra: names.len() - after,
            ipp,
        })
    }
}

impl Layout {
    pub(super) fn new() -> Self {
        Layout {
            sep: vec![b'\t'],
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            idx: [ABSENT; NF],
            cols: [SENTINEL as u16; NF],
            nfields: 0,
            have_fields: false,
            other_path: None,
            plan: None,
        }
    }

    /// The plan for data rows now, if they can go by one.
    pub(super) fn plan(&self) -> Option<Plan> {
        match self.sep[..] {
            [b] if b != b'\n' && b != b'\r' && self.have_fields && self.other_path.is_none() => {
                self.plan
            }
            _ => None,
        }
    }

    pub(super) fn set_fields<'a>(&mut self, names: impl Iterator<Item = &'a [u8]>) {
        self.idx = [ABSENT; NF];
        let names: Vec<&[u8]> = names.collect();
        for (i, name) in names.iter().enumerate() {
            if let Some(k) = NAMES.iter().position(|f| f.as_bytes() == *name) {
                if self.idx[k] == ABSENT {
                    self.idx[k] = i;
                }
            }
        }
        let n = names.len();
        self.plan = Plan::of(&names, &self.idx);
        for (c, &i) in self.cols.iter_mut().zip(&self.idx) {
            *c = if i < MAX_FIELDS {
                i as u16
            } else {
                SENTINEL as u16
            };
        }
        self.nfields = n;
        self.have_fields = true;
    }

    fn missing_required(&self) -> Vec<&'static str> {
        [F_TS, F_OH, F_RH]
            .iter()
            .filter(|&&k| self.idx[k] == ABSENT)
            .map(|&k| NAMES[k])
            .collect()
    }
}

/// Decodes `\xHH` escapes of a `#separator` value.
fn unescape(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 3 < v.len() && v.get(i + 1) == Some(&b'x') {
            let h = std::str::from_utf8(&v[i + 2..i + 4])
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok());
            if let Some(b) = h {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

fn split_fields<'l>(line: &'l [u8], sep: &[u8]) -> Vec<&'l [u8]> {
    if sep.len() == 1 {
        line.split(|&b| b == sep[0]).collect()
    } else {
        let mut out = Vec::new();
        let mut s = 0;
        for p in memchr::memmem::find_iter(line, sep) {
            if p >= s {
                out.push(&line[s..p]);
                s = p + sep.len();
            }
        }
        out.push(&line[s..]);
        out
    }
}

pub(super) fn header_line(ctx: &mut Ctx<'_>, lay: &mut Layout, no: u64, line: &[u8]) {
    if let Some(v) = line.strip_prefix(b"#separator") {
        let v = v.trim_ascii();
        let sep = unescape(v);
        if sep.is_empty() {
            ctx.diag(no, line, "empty #separator ignored");
        } else {
            lay.sep = sep;
        }
        return;
    }
    let mut parts = split_fields(line, &lay.sep).into_iter();
    let key = parts.next().unwrap_or(b"");
    match key {
        b"#fields" => {
            lay.set_fields(parts);
            let missing = lay.missing_required();
            if !missing.is_empty() && lay.other_path.is_none() {
                lay.other_path = Some(String::from("(no connection columns)"));
                ctx.diag(
                    no,
                    line,
                    format!(
                        "Zeek log without connection columns {missing:?}: its rows are skipped"
                    ),
                );
            }
        }
        b"#unset_field" => lay.unset = parts.next().unwrap_or(b"-").to_vec(),
        b"#empty_field" => lay.empty = parts.next().unwrap_or(b"(empty)").to_vec(),
        b"#path" => {
            let p = parts.next().unwrap_or(b"");
            // A new #path starts a new log: reset what the previous header said.
            lay.have_fields = false;
            lay.other_path = None;
            if !(p.is_empty() || memchr::memmem::find(p, b"conn").is_some()) {
                let p = String::from_utf8_lossy(p).into_owned();
                ctx.diag(
                    no,
                    p.as_bytes(),
                    format!("Zeek log of path {p:?}, not a connection log: rows skipped"),
                );
                lay.other_path = Some(p);
            }
        }
        // #set_separator, #types, #open, #close, btest banners: nothing to use.
        _ => {}
    }
}
