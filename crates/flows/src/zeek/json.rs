//! Zeek conn logs in JSON form: one object per line, read with `serde_json` (no fast path:
//! JSON logs are rarer and smaller). The value helpers serve the Suricata EVE reader too.

use std::io::Read;
use std::net::IpAddr;

use serde_json::Value;

use crate::text::{parse_iso_us, parse_secs_us, Lines};
use crate::{ConnState, Ctx, FlowRecord, Format, ReadOptions, ReadReport};

use super::reference::proto_number;

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
