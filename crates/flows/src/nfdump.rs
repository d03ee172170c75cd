//! `nfdump -o csv` output.

use std::io::Read;

use crate::text::{parse_ip, parse_iso_us, parse_secs_us, parse_u16, parse_u64, Lines};
use crate::{ConnState, Ctx, FlowRecord, Format, ReadOptions, ReadReport};

const C_TS: usize = 0;
const C_TE: usize = 1;
const C_TD: usize = 2;
const C_SA: usize = 3;
const C_DA: usize = 4;
const C_SP: usize = 5;
const C_DP: usize = 6;
const C_PR: usize = 7;
const C_FLG: usize = 8;
const C_IPKT: usize = 9;
const C_IBYT: usize = 10;
const C_OPKT: usize = 11;
const C_OBYT: usize = 12;
const NC: usize = 13;
const ALIASES: [&[&str]; NC] = [
    &["ts", "firstseen", "first", "start"],
    &["te", "lastseen", "last", "end"],
    &["td", "duration"],
    &["sa", "srcaddr", "src_addr", "srcip"],
    &["da", "dstaddr", "dst_addr", "dstip"],
    &["sp", "srcport", "src_port"],
    &["dp", "dstport", "dst_port"],
    &["pr", "proto", "protocol"],
    &["flg", "flags", "tcpflags"],
    &["ipkt", "packets", "inpackets", "in_packets"],
    &["ibyt", "bytes", "inbytes", "in_bytes"],
    &["opkt", "outpackets", "out_packets"],
    &["obyt", "outbytes", "out_bytes"],
];
const ABSENT: usize = usize::MAX;

/// Reads `nfdump -o csv` output: a header line names the columns (`ts,te,td,sa,da,sp,dp,pr,
/// flg,…,ipkt,ibyt,opkt,obyt,…`; the long names of newer nfdump are accepted too), one flow per
/// line, then an optional `Summary` footer (skipped). Times are printed by nfdump in the
/// local time of the machine that ran it, without zone: they are taken as UTC. Records are
/// unidirectional (`ipkt`/`ibyt` → outgoing, `opkt`/`obyt` → incoming, usually 0). TCP state
/// comes from the flag string (`...AP.SF`): SYN without ACK or RST without ACK → failed, ACK
/// seen → established; other protocols are unknown.
pub fn read_nfdump_csv(
    input: impl Read,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut lines = Lines::new(input);
    let mut idx: Option<[usize; NC]> = None;
    let mut footer = false;
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
        if footer || line == b"Summary" || line.starts_with(b"Summary:") {
            footer = true;
            ctx.report.skipped += 1;
            continue;
        }
        let fields: Vec<&[u8]> = line.split(|&b| b == b',').map(<[u8]>::trim_ascii).collect();
        let Some(ix) = idx else {
            let mut ix = [ABSENT; NC];
            for (i, name) in fields.iter().enumerate() {
                let lname = String::from_utf8_lossy(name).to_ascii_lowercase();
                for (k, al) in ALIASES.iter().enumerate() {
                    if ix[k] == ABSENT && al.contains(&lname.as_str()) {
                        ix[k] = i;
                    }
                }
            }
            if ix[C_TS] == ABSENT || ix[C_SA] == ABSENT || ix[C_DA] == ABSENT {
                ctx.report.counts.read += 1;
                ctx.reject(
                    no,
                    line,
                    "not an nfdump CSV header (needs ts, sa and da columns); later rows rejected",
                );
                idx = Some([ABSENT; NC]);
            } else {
                idx = Some(ix);
            }
            continue;
        };
        ctx.report.counts.read += 1;
        if ix[C_TS] == ABSENT {
            ctx.report.counts.rejected += 1;
            continue;
        }
        match nf_record(&fields, &ix) {
            Ok(r) => ctx.emit(r),
            Err((k, v, why)) => {
                let v = v.to_vec();
                ctx.reject(no, &v, format!("{}: {why}", ALIASES[k][0]));
            }
        }
    }
    ctx.finish(Format::NfdumpCsv)
}

type NfErr<'a> = (usize, &'a [u8], &'static str);

fn nf_record<'a>(f: &[&'a [u8]], ix: &[usize; NC]) -> Result<FlowRecord, NfErr<'a>> {
    let get = |k: usize| -> Option<&'a [u8]> {
        let i = ix[k];
        if i == ABSENT {
            None
        } else {
            f.get(i).copied()
        }
    };
    let req = |k: usize| get(k).ok_or((k, &b""[..], "column missing in this row"));
    let time = |v: &[u8]| parse_iso_us(v).or_else(|| parse_secs_us(v));
    let tsb = req(C_TS)?;
    let ts_us = time(tsb).ok_or((C_TS, tsb, "not a time"))?;
    let duration_us = match get(C_TD) {
        Some(v) if !v.is_empty() => parse_secs_us(v).ok_or((C_TD, v, "not a duration"))?,
        _ => match get(C_TE).and_then(time) {
            Some(te) => te.saturating_sub(ts_us).max(0),
            None => 0,
        },
    };
    let sab = req(C_SA)?;
    let src = parse_ip(sab).ok_or((C_SA, sab, "not an IP address"))?;
    let dab = req(C_DA)?;
    let dst = parse_ip(dab).ok_or((C_DA, dab, "not an IP address"))?;
    let port = |k: usize| -> Result<u16, NfErr<'a>> {
        match get(k) {
            None => Ok(0),
            Some(v) => {
                // ICMP "ports" are printed as type.code (e.g. 3.3).
                let v2 = v.split(|&b| b == b'.').next().unwrap_or(v);
                parse_u16(v2).ok_or((k, v, "not a port number (0..65535)"))
            }
        }
    };
    let src_port = port(C_SP)?;
    let dst_port = port(C_DP)?;
    let proto = match get(C_PR) {
        None => 0,
        Some(v) => match v.to_ascii_uppercase().as_slice() {
            b"TCP" => 6,
            b"UDP" => 17,
            b"ICMP" => 1,
            b"ICMP6" | b"IPV6-ICMP" => 58,
            b"GRE" => 47,
            b"ESP" => 50,
            _ => parse_u64(v).and_then(|p| u8::try_from(p).ok()).ok_or((
                C_PR,
                v,
                "unknown protocol",
            ))?,
        },
    };
    let count = |k: usize| -> Result<u64, NfErr<'a>> {
        match get(k) {
            None => Ok(0),
            Some([]) => Ok(0),
            Some(v) => parse_u64(v).ok_or((k, v, "not a count")),
        }
    };
    let state = if proto == 6 {
        let flg = get(C_FLG).unwrap_or(b"");
        let (syn, ack, rst) = if let Some(hex) = flg.strip_prefix(b"0x") {
            let n = std::str::from_utf8(hex)
                .ok()
                .and_then(|s| u16::from_str_radix(s, 16).ok())
                .unwrap_or(0);
            (n & 0x02 != 0, n & 0x10 != 0, n & 0x04 != 0)
        } else {
            (
                flg.contains(&b'S'),
                flg.contains(&b'A'),
                flg.contains(&b'R'),
            )
        };
        if ack {
            ConnState::Established
        } else if syn || rst {
            ConnState::Failed
        } else {
            ConnState::Unknown
        }
    } else {
        ConnState::Unknown
    };
    Ok(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out: count(C_IBYT)?,
        bytes_in: count(C_OBYT)?,
        pkts_out: count(C_IPKT)?,
        pkts_in: count(C_OPKT)?,
        state,
    })
}
