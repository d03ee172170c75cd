//! Zeek conn.log readers: the tab-separated form driven by its header lines, and JSON.

use std::io::Read;
use std::net::IpAddr;

use serde_json::Value;

use crate::text::{
    find_seps_arr, parse_ip_at, parse_iso_us, parse_secs_us, parse_secs_us_at, parse_u64,
    parse_u64_at, Lines, MAX_SEPS, SEP_SLACK,
};
use crate::{ConnState, Ctx, FlowRecord, Format, ReadOptions, ReadReport};

const F_TS: usize = 0;
const F_OH: usize = 1;
const F_OP: usize = 2;
const F_RH: usize = 3;
const F_RP: usize = 4;
const F_PROTO: usize = 5;
const F_DUR: usize = 6;
const F_OB: usize = 7;
const F_RB: usize = 8;
const F_STATE: usize = 9;
const F_OPK: usize = 10;
const F_RPK: usize = 11;
const F_OIB: usize = 12;
const F_RIB: usize = 13;
const F_IPPROTO: usize = 14;
const NF: usize = 15;
const NAMES: [&str; NF] = [
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
const ABSENT: usize = usize::MAX;

/// Zeek's default conn.log columns, used when a file has no `#fields` header.
const DEFAULT_FIELDS: &[&str] = &[
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

struct Layout {
    sep: Vec<u8>,
    unset: Vec<u8>,
    empty: Vec<u8>,
    idx: [usize; NF],
    nfields: usize,
    have_fields: bool,
    /// The `#path` is not a connection log (dns, http, …): rows are skipped.
    other_path: Option<String>,
}

impl Layout {
    fn new() -> Self {
        Layout {
            sep: vec![b'\t'],
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            idx: [ABSENT; NF],
            nfields: 0,
            have_fields: false,
            other_path: None,
        }
    }

    fn set_fields<'a>(&mut self, names: impl Iterator<Item = &'a [u8]>) {
        self.idx = [ABSENT; NF];
        let mut n = 0;
        for (i, name) in names.enumerate() {
            if let Some(k) = NAMES.iter().position(|f| f.as_bytes() == name) {
                if self.idx[k] == ABSENT {
                    self.idx[k] = i;
                }
            }
            n = i + 1;
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

#[inline]
fn proto_number(name: &[u8], v6: bool) -> Option<u8> {
    Some(match name {
        b"tcp" | b"TCP" => 6,
        b"udp" | b"UDP" => 17,
        b"icmp" | b"ICMP" => {
            if v6 {
                58
            } else {
                1
            }
        }
        b"icmp6" | b"ipv6-icmp" | b"IPv6-ICMP" => 58,
        b"unknown_transport" => 0,
        _ => return parse_u64(name).and_then(|v| u8::try_from(v).ok()),
    })
}

/// Reads a Zeek conn.log (or open_conn.log) in TSV form. The header lines drive the parse:
/// `#separator` (with `\x09` escapes), `#set_separator`, `#empty_field`, `#unset_field`,
/// `#path`, `#fields` (columns found by name, so extra columns such as `_node_name` or
/// trailing labels are fine), `#types`, `#open`/`#close`; a header may change mid-file (logs
/// concatenated). Rows cut short are rejected with a diagnostic. Logs whose `#path` is not a
/// connection log are skipped. A file without `#fields` is read with Zeek's default conn
/// columns if its rows fit them, else every row is rejected.
pub fn read_zeek_tsv(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut lines = Lines::new(input);
    let mut lay = Layout::new();
    let mut cuts = [0u32; MAX_SEPS + SEP_SLACK];
    let mut cuts_multi: Vec<u32> = Vec::new();
    let mut warned_headerless = false;
    let mut headerless_rejects = 0u64;
    loop {
        let (no, line, cut) = match lines.next_line() {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => {
                ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                break;
            }
        };
        if line.is_empty() {
            continue;
        }
        if line[0] == b'#' {
            header_line(&mut ctx, &mut lay, no, line);
            continue;
        }
        ctx.report.counts.read += 1;
        if lay.other_path.is_some() {
            ctx.report.skipped += 1;
            continue;
        }
        if !lay.have_fields {
            let nf = memchr::memchr_iter(b'\t', line).count() + 1;
            let first = line.split(|&b| b == b'\t').next().unwrap_or(b"");
            if nf >= DEFAULT_FIELDS.len() && parse_secs_us(first).is_some() {
                lay.set_fields(DEFAULT_FIELDS.iter().map(|s| s.as_bytes()));
                ctx.diag(
                    no,
                    b"",
                    "no #fields header: assuming Zeek's default conn.log columns",
                );
            } else {
                headerless_rejects += 1;
                ctx.report.counts.rejected += 1;
                if !warned_headerless {
                    warned_headerless = true;
                    ctx.diag(
                        no,
                        line,
                        "not a Zeek conn.log: no #fields header before this row and it does not fit the default conn columns",
                    );
                }
                continue;
            }
        }
        // Split on the separator eight bytes at a time, no allocation.
        let seplen = lay.sep.len();
        let nseps = if seplen == 1 {
            find_seps_arr(line, lay.sep[0], &mut cuts)
        } else {
            cuts_multi.clear();
            cuts_multi.extend(memchr::memmem::find_iter(line, &lay.sep[..]).map(|p| p as u32));
            let n = cuts_multi.len().min(MAX_SEPS);
            cuts[..n].copy_from_slice(&cuts_multi[..n]);
            cuts_multi.len()
        };
        let nf = nseps + 1;
        if nseps > MAX_SEPS {
            ctx.reject(
                no,
                line,
                format!("row has {nf} columns, more than {MAX_SEPS} supported"),
            );
            continue;
        }
        if nf < lay.nfields {
            let why = if cut {
                format!(
                    "row cut short at end of file: {nf} of {} columns",
                    lay.nfields
                )
            } else {
                format!("row has {nf} of the {} columns in #fields", lay.nfields)
            };
            ctx.reject(no, line, why);
            continue;
        }
        let row = Row {
            line,
            cuts: &cuts[..nseps],
            seplen,
            idx: &lay.idx,
            unset: &lay.unset,
            empty: &lay.empty,
        };
        match tsv_record(&row) {
            Ok(rec) => ctx.emit(rec),
            Err((k, v, why)) => {
                let v = v.to_vec();
                ctx.reject(no, &v, format!("{}: {why}", NAMES[k]));
            }
        }
    }
    if headerless_rejects > 1 {
        ctx.diag(
            0,
            b"",
            format!("{headerless_rejects} rows rejected: file has no Zeek #fields header"),
        );
    }
    ctx.finish(Format::ZeekTsv)
}

fn header_line(ctx: &mut Ctx<'_>, lay: &mut Layout, no: u64, line: &[u8]) {
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

type FieldErr<'a> = (usize, &'a [u8], &'static str);

/// The column values of one row, found by the separator positions.
struct Row<'a, 'c> {
    line: &'a [u8],
    cuts: &'c [u32],
    seplen: usize,
    idx: &'c [usize; NF],
    unset: &'c [u8],
    empty: &'c [u8],
}

impl<'a> Row<'a, '_> {
    /// `(start, end)` in the line of field `k` when present, set and non-empty.
    #[inline(always)]
    fn span(&self, k: usize) -> Option<(usize, usize)> {
        let i = self.idx[k];
        if i == ABSENT {
            return None;
        }
        let s = if i == 0 {
            0
        } else {
            self.cuts[i - 1] as usize + self.seplen
        };
        let e = if i < self.cuts.len() {
            self.cuts[i] as usize
        } else {
            self.line.len()
        };
        let v = &self.line[s..e];
        // Unset and empty markers never start with a digit: one byte decides most cases.
        match v.first() {
            None => None,
            Some(c) if c.is_ascii_digit() => Some((s, e)),
            Some(_) if v == self.unset || v == self.empty => None,
            Some(_) => Some((s, e)),
        }
    }

    #[inline(always)]
    fn get(&self, k: usize) -> Option<&'a [u8]> {
        self.span(k).map(|(s, e)| &self.line[s..e])
    }

    #[inline(always)]
    fn req(&self, k: usize) -> Result<(usize, usize), FieldErr<'a>> {
        self.span(k).ok_or((k, &b""[..], "column missing or unset"))
    }

    /// An interval or time in seconds, as microseconds.
    #[inline(always)]
    fn secs(
        &self,
        (s, e): (usize, usize),
        k: usize,
        why: &'static str,
    ) -> Result<i64, FieldErr<'a>> {
        parse_secs_us_at(self.line, s, e).ok_or((k, &self.line[s..e], why))
    }

    #[inline(always)]
    fn port(&self, k: usize) -> Result<u16, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(0),
            Some((s, e)) => (if e - s <= 5 {
                parse_u64_at(self.line, s, e).and_then(|v| u16::try_from(v).ok())
            } else {
                None
            })
            .ok_or((k, &self.line[s..e], "not a port number (0..65535)")),
        }
    }

    #[inline(always)]
    fn count(&self, k: usize) -> Result<Option<u64>, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(None),
            Some((s, e)) => {
                parse_u64_at(self.line, s, e)
                    .map(Some)
                    .ok_or((k, &self.line[s..e], "not a count"))
            }
        }
    }
}

#[inline(always)]
fn tsv_record<'a>(row: &Row<'a, '_>) -> Result<FlowRecord, FieldErr<'a>> {
    let ts_us = row.secs(row.req(F_TS)?, F_TS, "not an epoch time")?;
    let (s, e) = row.req(F_OH)?;
    let src: IpAddr =
        parse_ip_at(row.line, s, e).ok_or((F_OH, &row.line[s..e], "not an IP address"))?;
    let (s, e) = row.req(F_RH)?;
    let dst: IpAddr =
        parse_ip_at(row.line, s, e).ok_or((F_RH, &row.line[s..e], "not an IP address"))?;
    let src_port = row.port(F_OP)?;
    let dst_port = row.port(F_RP)?;
    let duration_us = match row.span(F_DUR) {
        Some(sp) => row.secs(sp, F_DUR, "not an interval")?,
        None => 0,
    };
    // IP byte counts when the log has them, else the payload counts.
    let bytes_out = match row.count(F_OIB)? {
        Some(b) => b,
        None => row.count(F_OB)?.unwrap_or(0),
    };
    let bytes_in = match row.count(F_RIB)? {
        Some(b) => b,
        None => row.count(F_RB)?.unwrap_or(0),
    };
    let proto = match row.count(F_IPPROTO)? {
        Some(p) if p <= 255 => p as u8,
        _ => match row.get(F_PROTO) {
            Some(v) => {
                proto_number(v, src.is_ipv6()).ok_or((F_PROTO, v, "unknown transport protocol"))?
            }
            None => 0,
        },
    };
    Ok(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out,
        bytes_in,
        pkts_out: row.count(F_OPK)?.unwrap_or(0),
        pkts_in: row.count(F_RPK)?.unwrap_or(0),
        state: row
            .get(F_STATE)
            .map_or(ConnState::Unknown, ConnState::from_zeek),
    })
}

/// Reads Zeek conn logs in JSON form (one object per line, dotted keys such as `id.orig_h`;
/// `ts` as a number of epoch seconds or an ISO 8601 string). Lines whose `_path` is not a
/// connection log are skipped; invalid JSON, bad addresses or out-of-range ports are rejected
/// with the offending value.
pub fn read_zeek_json(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut lines = Lines::new(input);
    let mut warned_other = false;
    loop {
        let (no, line, cut) = match lines.next_line() {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => {
                ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                break;
            }
        };
        let line = line.trim_ascii();
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        ctx.report.counts.read += 1;
        let obj: serde_json::Map<String, Value> = match serde_json::from_slice(line) {
            Ok(o) => o,
            Err(e) => {
                let why = if cut {
                    format!("JSON row cut short at end of file ({e})")
                } else {
                    format!("invalid JSON object: {e}")
                };
                ctx.reject(no, line, why);
                continue;
            }
        };
        match obj.get("_path") {
            Some(Value::String(p)) if !p.contains("conn") => {
                ctx.report.skipped += 1;
                continue;
            }
            Some(_) => {}
            None => {
                // No _path: a conn record has at least one of the conn-only columns.
                const CONN_KEYS: [&str; 6] = [
                    "conn_state",
                    "orig_bytes",
                    "orig_pkts",
                    "orig_ip_bytes",
                    "history",
                    "duration",
                ];
                if !CONN_KEYS.iter().any(|k| obj.contains_key(*k)) {
                    ctx.report.skipped += 1;
                    if !warned_other {
                        warned_other = true;
                        ctx.diag(
                            no,
                            b"",
                            "JSON rows without connection columns (conn_state, orig_bytes, …): not a conn log, skipped",
                        );
                    }
                    continue;
                }
            }
        }
        match json_record(&obj) {
            Ok(r) => ctx.emit(r),
            Err((key, val, why)) => ctx.reject(no, val.as_bytes(), format!("{key}: {why}")),
        }
    }
    ctx.finish(Format::ZeekJson)
}

type JsonErr = (&'static str, String, &'static str);

pub(crate) fn json_get<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Option<&'a Value> {
    // Zeek writes dotted keys ("id.orig_h"); some pipelines nest them ({"id": {"orig_h": …}}).
    obj.get(key).or_else(|| {
        let (a, b) = key.split_once('.')?;
        obj.get(a)?.as_object()?.get(b)
    })
}

pub(crate) fn json_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(crate) fn json_time_us(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => parse_secs_us(n.to_string().as_bytes()),
        Value::String(s) => parse_iso_us(s.as_bytes()).or_else(|| parse_secs_us(s.as_bytes())),
        _ => None,
    }
}

fn json_record(obj: &serde_json::Map<String, Value>) -> Result<FlowRecord, JsonErr> {
    let show = |v: Option<&Value>| v.map_or(String::new(), |v| v.to_string());
    let ts_v = json_get(obj, "ts");
    let ts_us = ts_v
        .and_then(json_time_us)
        .ok_or(("ts", show(ts_v), "missing or not a time"))?;
    let ip = |key: &'static str| -> Result<IpAddr, JsonErr> {
        let v = json_get(obj, key);
        v.and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or((key, show(v), "missing or not an IP address"))
    };
    let src = ip("id.orig_h")?;
    let dst = ip("id.resp_h")?;
    let port = |key: &'static str| -> Result<u16, JsonErr> {
        match json_get(obj, key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => json_u64(v).and_then(|p| u16::try_from(p).ok()).ok_or((
                key,
                show(Some(v)),
                "port out of range 0..65535",
            )),
        }
    };
    let src_port = port("id.orig_p")?;
    let dst_port = port("id.resp_p")?;
    let count = |key: &'static str| -> Result<Option<u64>, JsonErr> {
        match json_get(obj, key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => json_u64(v)
                .map(Some)
                .ok_or((key, show(Some(v)), "not a count")),
        }
    };
    let duration_us = match json_get(obj, "duration") {
        None | Some(Value::Null) => 0,
        Some(v) => json_time_us(v).ok_or(("duration", show(Some(v)), "not an interval"))?,
    };
    let proto = match count("ip_proto")? {
        Some(p) if p <= 255 => p as u8,
        _ => match json_get(obj, "proto") {
            Some(Value::String(s)) => proto_number(s.as_bytes(), src.is_ipv6()).ok_or((
                "proto",
                s.clone(),
                "unknown transport protocol",
            ))?,
            _ => 0,
        },
    };
    Ok(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out: count("orig_ip_bytes")?
            .or(count("orig_bytes")?)
            .unwrap_or(0),
        bytes_in: count("resp_ip_bytes")?
            .or(count("resp_bytes")?)
            .unwrap_or(0),
        pkts_out: count("orig_pkts")?.unwrap_or(0),
        pkts_in: count("resp_pkts")?.unwrap_or(0),
        state: match json_get(obj, "conn_state") {
            Some(Value::String(s)) => ConnState::from_zeek(s.as_bytes()),
            _ => ConnState::Unknown,
        },
    })
}
