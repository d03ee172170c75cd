//! Suricata EVE JSON: `flow` events become records; other events are counted as skipped.

use std::io::Read;
use std::net::IpAddr;

use serde_json::Value;

use crate::text::{parse_iso_us, Lines};
use crate::zeek::{json_get, json_u64};
use crate::{ConnState, Ctx, FlowRecord, Format, ReadOptions, ReadReport};

/// Reads Suricata EVE JSON (one event per line). `flow` events give one record each: `src_ip`
/// → `dest_ip` with `flow.start`/`flow.end`, `flow.bytes_toserver`/`pkts_toserver` as
/// outgoing and `*_toclient` as incoming counts. Other event types (alert, dns, http, …) are
/// counted in [`ReadReport::skipped`].
///
/// State: TCP flows whose client saw SYN+ACK (`tcp.tcp_flags_tc`) or with packets both ways in
/// state `established`/`closed` are [`ConnState::Established`]; with no packet back, or a
/// RST back without SYN+ACK, [`ConnState::Failed`]; otherwise [`ConnState::Partial`]. UDP with
/// packets both ways is established, one-way is failed (like Zeek's S0); ICMP is partial.
pub fn read_eve(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut lines = Lines::new(input);
    loop {
        let (no, line, _cut) = match lines.next_line() {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => {
                ctx.diag(0, b"", format!("read error, rest of file ignored: {e}"));
                break;
            }
        };
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        ctx.report.counts.read += 1;
        let obj: serde_json::Map<String, Value> = match serde_json::from_slice(line) {
            Ok(o) => o,
            Err(e) => {
                ctx.reject(no, line, format!("invalid JSON object: {e}"));
                continue;
            }
        };
        match obj.get("event_type").and_then(Value::as_str) {
            Some("flow") => {}
            Some(_) => {
                ctx.report.skipped += 1;
                continue;
            }
            None => {
                ctx.reject(no, line, "no event_type: not a Suricata EVE event");
                continue;
            }
        }
        match eve_record(&obj) {
            Ok(r) => ctx.emit(r),
            Err((key, val, why)) => ctx.reject(no, val.as_bytes(), format!("{key}: {why}")),
        }
    }
    ctx.finish(Format::SuricataEve)
}

type EveErr = (&'static str, String, &'static str);

fn eve_record(obj: &serde_json::Map<String, Value>) -> Result<FlowRecord, EveErr> {
    let show = |v: Option<&Value>| v.map_or(String::new(), |v| v.to_string());
    let ip = |key: &'static str| -> Result<IpAddr, EveErr> {
        let v = obj.get(key);
        v.and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or((key, show(v), "missing or not an IP address"))
    };
    let src = ip("src_ip")?;
    let dst = ip("dest_ip")?;
    let port = |key: &'static str| -> Result<u16, EveErr> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => json_u64(v).and_then(|p| u16::try_from(p).ok()).ok_or((
                key,
                show(Some(v)),
                "port out of range 0..65535",
            )),
        }
    };
    let src_port = port("src_port")?;
    let dst_port = port("dest_port")?;
    let proto =
        match obj.get("proto") {
            Some(Value::String(s)) => match s.to_ascii_uppercase().as_str() {
                "TCP" => 6,
                "UDP" => 17,
                "ICMP" => 1,
                "IPV6-ICMP" | "ICMPV6" => 58,
                "SCTP" => 132,
                "GRE" => 47,
                other => other
                    .parse::<u8>()
                    .map_err(|_| ("proto", s.clone(), "unknown protocol"))?,
            },
            Some(v @ Value::Number(_)) => json_u64(v)
                .and_then(|p| u8::try_from(p).ok())
                .ok_or(("proto", v.to_string(), "protocol number out of range"))?,
            _ => 0,
        };
    let flow = obj.get("flow").and_then(Value::as_object).ok_or((
        "flow",
        show(obj.get("flow")),
        "missing flow object",
    ))?;
    let fcount = |key: &'static str| -> Result<u64, EveErr> {
        match flow.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => json_u64(v).ok_or((key, v.to_string(), "not a count")),
        }
    };
    let time = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|s| parse_iso_us(s.as_bytes()))
    };
    let start = time(flow.get("start"))
        .or_else(|| time(obj.get("timestamp")))
        .ok_or((
            "flow.start",
            show(flow.get("start")),
            "missing or not a time",
        ))?;
    let end = time(flow.get("end")).unwrap_or(start);
    let pkts_out = fcount("pkts_toserver")?;
    let pkts_in = fcount("pkts_toclient")?;
    let state = if proto == 6 {
        let flags = |k: &str| {
            json_get(obj, k)
                .and_then(Value::as_str)
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        };
        let tc = flags("tcp.tcp_flags_tc");
        let st = flow.get("state").and_then(Value::as_str).unwrap_or("");
        match tc {
            Some(f) if f & 0x12 == 0x12 => ConnState::Established,
            Some(f) if f & 0x04 != 0 => ConnState::Failed,
            _ if pkts_in == 0 => ConnState::Failed,
            _ if st == "established" || st == "closed" => ConnState::Established,
            _ => ConnState::Partial,
        }
    } else if proto == 1 || proto == 58 {
        ConnState::Partial
    } else if pkts_in > 0 {
        ConnState::Established
    } else {
        ConnState::Failed
    };
    Ok(FlowRecord {
        ts_us: start,
        duration_us: end.saturating_sub(start).max(0),
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out: fcount("bytes_toserver")?,
        bytes_in: fcount("bytes_toclient")?,
        pkts_out,
        pkts_in,
        state,
    })
}
