//! NetFlow v5, v9 and IPFIX (v10) export datagrams: a decoder with per-exporter template
//! state, a reader for pcaps of export traffic and a live UDP collector.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::pcap::{decode_packet, for_each_frame};
use crate::{ConnState, Ctx, FlowError, FlowRecord, Format, ReadOptions, ReadReport};

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}
fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}
/// Big-endian unsigned integer of 1 to 8 bytes (reduced-size encoding).
fn be_uint(d: &[u8]) -> Option<u64> {
    if d.is_empty() || d.len() > 8 {
        return None;
    }
    Some(d.iter().fold(0u64, |a, &b| (a << 8) | b as u64))
}

/// True when `p` has the shape of a NetFlow v5/v9 or IPFIX export datagram.
pub(crate) fn plausible_export(p: &[u8]) -> bool {
    match be16(p, 0) {
        Some(5) => {
            let c = be16(p, 2).unwrap_or(0) as usize;
            (1..=30).contains(&c) && p.len() == 24 + 48 * c
        }
        Some(9) => {
            // The flowsets must tile the datagram exactly.
            let mut off = 20;
            if p.len() < 24 {
                return false;
            }
            while off + 4 <= p.len() {
                let len = be16(p, off + 2).unwrap_or(0) as usize;
                if len < 4 {
                    return false;
                }
                off += len;
            }
            off == p.len()
        }
        Some(10) => be16(p, 2).is_some_and(|l| l as usize == p.len() && p.len() >= 20),
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    id: u16,
    len: u16,
    /// IPFIX enterprise number (0 = IANA).
    pen: u32,
}

#[derive(Debug, Clone)]
struct Template {
    fields: Vec<Field>,
    /// Smallest record length (variable-length fields count one byte).
    min_len: usize,
    options: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct TKey {
    exporter: Option<SocketAddr>,
    version: u16,
    domain: u32,
    id: u16,
}

/// Header facts needed to turn relative times into absolute ones.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Export time, microseconds since the epoch.
    export_us: i64,
    /// v9: exporter uptime at export, milliseconds.
    uptime_ms: Option<u32>,
}

#[derive(Debug)]
struct Pending {
    key: TKey,
    clock: Clock,
    unit: u64,
    file: String,
    set: Vec<u8>,
}

/// Decodes NetFlow v5/v9/IPFIX datagrams into [`FlowRecord`]s, keeping v9/IPFIX templates
/// per (exporter address, version, source id / observation domain, template id). Data sets
/// whose template has not arrived yet are held (up to [`ReadOptions::max_pending_sets`],
/// oldest dropped first with a diagnostic) and decoded when it does; [`NetflowDecoder::finish`]
/// reports the sets still held.
///
/// Fields used: IANA IEs 1/85 (octets), 2/86 (packets), 4 (protocol), 6 (TCP flags), 7/11
/// (ports), 8/12 and 27/28 (addresses), 21/22 (sysUpTime end/start), 150–157 (absolute
/// start/end in s/ms/µs/ns), 160 (systemInitTimeMilliseconds); IPFIX reverse IEs (PEN 29305)
/// 1/2 give the incoming counts of biflows. Records are unidirectional unless reverse counts
/// are present; TCP state is from the flags (ACK → established, SYN or RST without ACK →
/// failed).
#[derive(Debug, Default)]
pub struct NetflowDecoder {
    templates: HashMap<TKey, Template>,
    pending: VecDeque<Pending>,
    label: String,
    /// systemInitTimeMilliseconds (IE 160) announced in options data records, per
    /// (exporter, version, observation domain): the base of IPFIX flowStart/EndSysUpTime.
    sysinit: HashMap<(Option<SocketAddr>, u16, u32), u64>,
}

#[derive(Default)]
struct Rec {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    sport: u16,
    dport: u16,
    proto: u8,
    bytes: u64,
    pkts: u64,
    rbytes: u64,
    rpkts: u64,
    flags: u8,
    first_up_ms: Option<u64>,
    last_up_ms: Option<u64>,
    start_us: Option<i64>,
    end_us: Option<i64>,
    sysinit_ms: Option<u64>,
}

fn ntp_us(v: u64) -> i64 {
    // NTP 64-bit timestamp: seconds since 1900 . fraction.
    let secs = (v >> 32) as i64 - 2_208_988_800;
    let frac = ((v & 0xffff_ffff) * 1_000_000) >> 32;
    secs * 1_000_000 + frac as i64
}

fn flags_state(proto: u8, flags: u8) -> ConnState {
    if proto != 6 {
        ConnState::Unknown
    } else if flags & 0x10 != 0 {
        ConnState::Established
    } else if flags & 0x06 != 0 {
        ConnState::Failed
    } else {
        ConnState::Unknown
    }
}

impl NetflowDecoder {
    pub fn new() -> Self {
        NetflowDecoder::default()
    }

    /// A decoder whose diagnostics name `label` as the file (e.g. `udp://0.0.0.0:2055`).
    pub fn with_label(label: impl Into<String>) -> Self {
        NetflowDecoder {
            label: label.into(),
            ..NetflowDecoder::default()
        }
    }

    /// Number of data sets held while waiting for their template.
    pub fn pending_sets(&self) -> usize {
        self.pending.len()
    }

    /// Decodes one export datagram. `unit` numbers it in diagnostics (the packet or datagram
    /// number, used as the line; the file is the decoder's label); `exporter` scopes the
    /// templates.
    pub fn decode(
        &mut self,
        datagram: &[u8],
        exporter: Option<SocketAddr>,
        unit: u64,
        opts: &ReadOptions,
        report: &mut ReadReport,
        sink: &mut dyn FnMut(FlowRecord),
    ) {
        let label = std::mem::take(&mut self.label);
        let mut ctx = Ctx::new(&label, opts, sink);
        self.decode_ctx(&mut ctx, datagram, exporter, unit, opts.max_pending_sets);
        let r = std::mem::take(&mut ctx.report);
        drop(ctx);
        self.label = label;
        report.merge(r, opts.max_diagnostics);
    }

    /// Reports (as diagnostics) the data sets still waiting for a template, and forgets them.
    pub fn finish(&mut self, opts: &ReadOptions, report: &mut ReadReport) {
        let mut sink = |_r: FlowRecord| {};
        let mut ctx = Ctx::new("", opts, &mut sink);
        self.finish_ctx(&mut ctx);
        let r = std::mem::take(&mut ctx.report);
        report.merge(r, opts.max_diagnostics);
    }

    fn finish_ctx(&mut self, ctx: &mut Ctx<'_>) {
        for p in self.pending.drain(..) {
            ctx.report.counts.rejected += 1;
            let d = unmask_model::Diagnostic::new(
                p.file,
                p.unit,
                format!("template {} ({} bytes of data)", p.key.id, p.set.len()),
                format!(
                    "NetFlow v{} data set whose template never arrived (source id {})",
                    p.key.version, p.key.domain
                ),
            );
            if ctx.report.diagnostics.len() < ctx.max_diags {
                ctx.report.diagnostics.push(d);
            } else {
                ctx.report.diagnostics_dropped += 1;
            }
        }
    }

    pub(crate) fn decode_ctx(
        &mut self,
        ctx: &mut Ctx<'_>,
        d: &[u8],
        exporter: Option<SocketAddr>,
        unit: u64,
        max_pending: usize,
    ) {
        let bad = |ctx: &mut Ctx<'_>, why: String| {
            ctx.report.counts.read += 1;
            ctx.reject(unit, &d[..d.len().min(32)], why);
        };
        match be16(d, 0) {
            Some(5) => self.decode_v5(ctx, d, unit),
            Some(9) => {
                if d.len() < 20 {
                    return bad(
                        ctx,
                        format!("NetFlow v9 header cut short ({} bytes)", d.len()),
                    );
                }
                let uptime = be32(d, 4).unwrap_or(0);
                let secs = be32(d, 8).unwrap_or(0);
                let domain = be32(d, 16).unwrap_or(0);
                let clock = Clock {
                    export_us: secs as i64 * 1_000_000,
                    uptime_ms: Some(uptime),
                };
                self.decode_sets(ctx, &d[20..], 9, domain, exporter, clock, unit, max_pending);
            }
            Some(10) => {
                if d.len() < 16 {
                    return bad(ctx, format!("IPFIX header cut short ({} bytes)", d.len()));
                }
                let len = be16(d, 2).unwrap_or(0) as usize;
                if len < 16 || len > d.len() {
                    return bad(
                        ctx,
                        format!(
                            "IPFIX message length {len} does not fit the {} bytes received",
                            d.len()
                        ),
                    );
                }
                let secs = be32(d, 4).unwrap_or(0);
                let domain = be32(d, 12).unwrap_or(0);
                let clock = Clock {
                    export_us: secs as i64 * 1_000_000,
                    uptime_ms: None,
                };
                self.decode_sets(
                    ctx,
                    &d[16..len],
                    10,
                    domain,
                    exporter,
                    clock,
                    unit,
                    max_pending,
                );
            }
            Some(v) => bad(
                ctx,
                format!("not a NetFlow v5/v9/IPFIX datagram (version {v})"),
            ),
            None => bad(ctx, "datagram shorter than a NetFlow header".into()),
        }
    }

    fn decode_v5(&mut self, ctx: &mut Ctx<'_>, d: &[u8], unit: u64) {
        let count = be16(d, 2).unwrap_or(0) as usize;
        if d.len() < 24 {
            ctx.report.counts.read += 1;
            ctx.reject(
                unit,
                d,
                format!("NetFlow v5 header cut short ({} bytes)", d.len()),
            );
            return;
        }
        let uptime = be32(d, 4).unwrap_or(0);
        let secs = be32(d, 8).unwrap_or(0) as i64;
        let nsecs = be32(d, 12).unwrap_or(0) as i64;
        let export_us = secs * 1_000_000 + nsecs / 1000;
        let avail = (d.len() - 24) / 48;
        if avail < count {
            ctx.diag(
                unit,
                count.to_string().as_bytes(),
                format!("NetFlow v5 header announces {count} records, datagram holds {avail}"),
            );
            ctx.report.counts.read += (count - avail) as u64;
            ctx.report.counts.rejected += (count - avail) as u64;
        }
        for i in 0..count.min(avail) {
            let r = &d[24 + 48 * i..24 + 48 * (i + 1)];
            ctx.report.counts.read += 1;
            let g32 = |at| be32(r, at).unwrap_or(0);
            let g16 = |at| be16(r, at).unwrap_or(0);
            let first = g32(24);
            let last = g32(28);
            let start = export_us - uptime.wrapping_sub(first) as i64 * 1000;
            let proto = r[38];
            let flags = r[37];
            ctx.emit(FlowRecord {
                ts_us: start,
                duration_us: last.wrapping_sub(first) as i64 * 1000,
                src: IpAddr::V4(Ipv4Addr::from(g32(0))),
                src_port: g16(32),
                dst: IpAddr::V4(Ipv4Addr::from(g32(4))),
                dst_port: g16(34),
                proto,
                bytes_out: g32(20) as u64,
                bytes_in: 0,
                pkts_out: g32(16) as u64,
                pkts_in: 0,
                state: flags_state(proto, flags),
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_sets(
        &mut self,
        ctx: &mut Ctx<'_>,
        mut sets: &[u8],
        version: u16,
        domain: u32,
        exporter: Option<SocketAddr>,
        clock: Clock,
        unit: u64,
        max_pending: usize,
    ) {
        while sets.len() >= 4 {
            let id = be16(sets, 0).unwrap_or(0);
            let len = be16(sets, 2).unwrap_or(0) as usize;
            if len < 4 || len > sets.len() {
                ctx.report.counts.read += 1;
                ctx.reject(
                    unit,
                    len.to_string().as_bytes(),
                    format!(
                        "NetFlow v{version} set {id}: length {len} does not fit the {} bytes left",
                        sets.len()
                    ),
                );
                return;
            }
            let body = &sets[4..len];
            sets = &sets[len..];
            let key = |tid: u16| TKey {
                exporter,
                version,
                domain,
                id: tid,
            };
            match (version, id) {
                (9, 0) | (10, 2) => {
                    for tid in self.parse_templates(ctx, body, version, false, unit, &key) {
                        self.release(ctx, key(tid));
                    }
                }
                (9, 1) | (10, 3) => {
                    for tid in self.parse_templates(ctx, body, version, true, unit, &key) {
                        self.release(ctx, key(tid));
                    }
                }
                (_, id) if id >= 256 => {
                    let k = key(id);
                    if self.templates.contains_key(&k) {
                        self.data_set(ctx, &k, body, clock, unit);
                    } else {
                        if self.pending.len() >= max_pending {
                            if let Some(old) = self.pending.pop_front() {
                                ctx.report.counts.rejected += 1;
                                ctx.diag(
                                    old.unit,
                                    format!("template {}", old.key.id).as_bytes(),
                                    "data set dropped: too many sets waiting for templates",
                                );
                            }
                        }
                        self.pending.push_back(Pending {
                            key: k,
                            clock,
                            unit,
                            file: ctx.file.to_string(),
                            set: body.to_vec(),
                        });
                    }
                }
                _ => {
                    ctx.report.skipped += 1;
                }
            }
        }
    }

    /// Parses a template (or options template) set; returns the ids defined.
    fn parse_templates(
        &mut self,
        ctx: &mut Ctx<'_>,
        mut b: &[u8],
        version: u16,
        options: bool,
        unit: u64,
        key: &dyn Fn(u16) -> TKey,
    ) -> Vec<u16> {
        let mut ids = Vec::new();
        while b.len() >= 4 {
            let tid = be16(b, 0).unwrap_or(0);
            let (mut n_fields, mut n_scope, hdr) = if !options {
                (be16(b, 2).unwrap_or(0) as usize, 0usize, 4usize)
            } else if version == 9 {
                // v9 options: scope length and option length in bytes, 4 bytes per field.
                let sl = be16(b, 2).unwrap_or(0) as usize;
                let ol = be16(b, 4).unwrap_or(0) as usize;
                ((sl + ol) / 4, 0, 6)
            } else {
                let fc = be16(b, 2).unwrap_or(0) as usize;
                let sc = be16(b, 4).unwrap_or(0) as usize;
                (fc, sc, 6)
            };
            if tid < 256 {
                if tid == 0 && b.iter().all(|&x| x == 0) {
                    break; // padding
                }
                ctx.diag(
                    unit,
                    tid.to_string().as_bytes(),
                    "template id below 256 ignored",
                );
                return ids;
            }
            if b.len() < hdr {
                break;
            }
            let mut off = hdr;
            let mut fields = Vec::with_capacity(n_fields);
            let mut ok = true;
            let mut min_len = 0usize;
            while n_fields > 0 {
                n_fields -= 1;
                n_scope = n_scope.saturating_sub(1);
                let (Some(fid), Some(flen)) = (be16(b, off), be16(b, off + 2)) else {
                    ok = false;
                    break;
                };
                off += 4;
                let mut pen = 0;
                let mut id = fid;
                if version == 10 && fid & 0x8000 != 0 {
                    let Some(p) = be32(b, off) else {
                        ok = false;
                        break;
                    };
                    pen = p;
                    id = fid & 0x7fff;
                    off += 4;
                }
                min_len += if flen == 0xffff { 1 } else { flen as usize };
                fields.push(Field { id, len: flen, pen });
            }
            if !ok {
                ctx.diag(
                    unit,
                    tid.to_string().as_bytes(),
                    "template cut short: ignored",
                );
                return ids;
            }
            b = &b[off..];
            if fields.is_empty() {
                // IPFIX template withdrawal.
                self.templates.remove(&key(tid));
                continue;
            }
            self.templates.insert(
                key(tid),
                Template {
                    fields,
                    min_len: min_len.max(1),
                    options,
                },
            );
            ids.push(tid);
            if options && version == 9 {
                // v9 options templates are padded to 4 bytes at the end of the set.
                if b.len() < 4 {
                    break;
                }
            }
        }
        ids
    }

    /// Decodes the held data sets that were waiting for `key`.
    fn release(&mut self, ctx: &mut Ctx<'_>, key: TKey) {
        if self.pending.is_empty() {
            return;
        }
        let (ready, rest): (Vec<Pending>, Vec<Pending>) =
            self.pending.drain(..).partition(|p| p.key == key);
        self.pending = rest.into();
        for p in ready {
            self.data_set(ctx, &key, &p.set, p.clock, p.unit);
        }
    }

    fn data_set(&mut self, ctx: &mut Ctx<'_>, key: &TKey, mut b: &[u8], clock: Clock, unit: u64) {
        let Some(t) = self.templates.get(key) else {
            return;
        };
        if t.options {
            // Options records are not flows, but the exporter's init time they may carry
            // (IE 160) anchors the sysUpTime-relative times of later IPFIX data records.
            if let Some(init) = options_sysinit(t, b) {
                self.sysinit
                    .insert((key.exporter, key.version, key.domain), init);
            }
            ctx.report.skipped += 1;
            return;
        }
        let domain_init = self
            .sysinit
            .get(&(key.exporter, key.version, key.domain))
            .copied();
        while b.len() >= t.min_len {
            let mut rec = Rec::default();
            let mut off = 0usize;
            let mut cut = false;
            for f in &t.fields {
                let mut len = f.len as usize;
                if f.len == 0xffff {
                    let Some(&l0) = b.get(off) else {
                        cut = true;
                        break;
                    };
                    off += 1;
                    len = l0 as usize;
                    if l0 == 255 {
                        let Some(l) = be16(b, off) else {
                            cut = true;
                            break;
                        };
                        off += 2;
                        len = l as usize;
                    }
                }
                let Some(v) = b.get(off..off + len) else {
                    cut = true;
                    break;
                };
                off += len;
                apply_field(&mut rec, f, v);
            }
            if cut || off == 0 {
                if b.iter().any(|&x| x != 0) {
                    ctx.report.counts.read += 1;
                    ctx.reject(
                        unit,
                        format!("template {}", key.id).as_bytes(),
                        "data record cut short",
                    );
                }
                break;
            }
            b = &b[off..];
            ctx.report.counts.read += 1;
            let (Some(src), Some(dst)) = (rec.src, rec.dst) else {
                ctx.reject(
                    unit,
                    format!("template {}", key.id).as_bytes(),
                    "flow record without source/destination address",
                );
                continue;
            };
            let to_abs = |up: u64| -> i64 {
                if let Some(init) = rec.sysinit_ms {
                    (init as i64).saturating_add(up as i64).saturating_mul(1000)
                } else if let Some(now_up) = clock.uptime_ms {
                    clock.export_us - (now_up.wrapping_sub(up as u32) as i64) * 1000
                } else if let Some(init) = domain_init {
                    (init as i64).saturating_add(up as i64).saturating_mul(1000)
                } else {
                    clock.export_us
                }
            };
            let start = rec
                .start_us
                .or(rec.first_up_ms.map(to_abs))
                .unwrap_or(clock.export_us);
            let end = rec.end_us.or(rec.last_up_ms.map(to_abs)).unwrap_or(start);
            ctx.emit(FlowRecord {
                ts_us: start,
                duration_us: end.saturating_sub(start).max(0),
                src,
                src_port: rec.sport,
                dst,
                dst_port: rec.dport,
                proto: rec.proto,
                bytes_out: rec.bytes,
                bytes_in: rec.rbytes,
                pkts_out: rec.pkts,
                pkts_in: rec.rpkts,
                state: flags_state(rec.proto, rec.flags),
            });
        }
    }
}

/// The last systemInitTimeMilliseconds (IANA IE 160) in an options data set, if any.
fn options_sysinit(t: &Template, mut b: &[u8]) -> Option<u64> {
    let mut found = None;
    // Walks one record; returns its length (None when cut short).
    let mut record = |b: &[u8]| -> Option<usize> {
        let mut off = 0usize;
        for f in &t.fields {
            let mut len = f.len as usize;
            if f.len == 0xffff {
                let &l0 = b.get(off)?;
                off += 1;
                len = l0 as usize;
                if l0 == 255 {
                    len = be16(b, off)? as usize;
                    off += 2;
                }
            }
            let v = b.get(off..off + len)?;
            off += len;
            if f.id == 160 && f.pen == 0 {
                if let Some(ms) = be_uint(v).filter(|&ms| ms > 0) {
                    found = Some(ms);
                }
            }
        }
        Some(off)
    };
    while b.len() >= t.min_len {
        match record(b) {
            Some(off) if off > 0 => b = &b[off..],
            _ => break,
        }
    }
    found
}

fn apply_field(r: &mut Rec, f: &Field, v: &[u8]) {
    if f.pen == 29305 {
        // IPFIX reverse information elements (RFC 5103).
        match f.id {
            1 | 85 => r.rbytes = be_uint(v).unwrap_or(0),
            2 | 86 => r.rpkts = be_uint(v).unwrap_or(0),
            _ => {}
        }
        return;
    }
    if f.pen != 0 {
        return;
    }
    let n = || be_uint(v);
    match f.id {
        1 => r.bytes = n().unwrap_or(0),
        85 if r.bytes == 0 => r.bytes = n().unwrap_or(0),
        2 => r.pkts = n().unwrap_or(0),
        86 if r.pkts == 0 => r.pkts = n().unwrap_or(0),
        4 => r.proto = n().unwrap_or(0) as u8,
        6 => r.flags = n().unwrap_or(0) as u8,
        7 => r.sport = n().unwrap_or(0) as u16,
        11 => r.dport = n().unwrap_or(0) as u16,
        8 | 12 => {
            if let Ok(a) = <[u8; 4]>::try_from(v) {
                let ip = IpAddr::V4(Ipv4Addr::from(a));
                if f.id == 8 {
                    r.src = Some(ip)
                } else {
                    r.dst = Some(ip)
                }
            }
        }
        27 | 28 => {
            if let Ok(a) = <[u8; 16]>::try_from(v) {
                let ip = IpAddr::V6(Ipv6Addr::from(a));
                if f.id == 27 {
                    r.src = Some(ip)
                } else {
                    r.dst = Some(ip)
                }
            }
        }
        22 => r.first_up_ms = n(),
        21 => r.last_up_ms = n(),
        150 => r.start_us = n().map(|s| (s as i64).saturating_mul(1_000_000)),
        151 => r.end_us = n().map(|s| (s as i64).saturating_mul(1_000_000)),
        152 => r.start_us = n().map(|s| (s as i64).saturating_mul(1000)),
        153 => r.end_us = n().map(|s| (s as i64).saturating_mul(1000)),
        154 | 156 => r.start_us = n().map(ntp_us),
        155 | 157 => r.end_us = n().map(ntp_us),
        160 => r.sysinit_ms = n(),
        _ => {}
    }
}

/// Decodes a single export datagram with a fresh decoder (templates known only from the same
/// datagram; data sets that need others are reported). Convenient for fuzzing.
pub fn read_netflow_datagram(
    datagram: &[u8],
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut dec = NetflowDecoder::new();
    dec.decode_ctx(&mut ctx, datagram, None, 1, opts.max_pending_sets);
    dec.finish_ctx(&mut ctx);
    ctx.finish(Format::NetflowPcap)
}

/// Reads a pcap/pcapng of NetFlow/IPFIX export traffic: every UDP payload is decoded as an
/// export datagram, templates scoped by the exporter's address and port. Diagnostics use the
/// packet number as the line. Frames that are not UDP are counted as skipped.
pub fn read_netflow_pcap(
    input: impl Read + Send,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    let mut ctx = Ctx::new(file, opts, sink);
    let mut dec = NetflowDecoder::new();
    let max_pending = opts.max_pending_sets;
    for_each_frame(
        input,
        &mut ctx,
        |ctx, n, _ts, lt, frame| match decode_packet(lt, frame) {
            Some(p) if p.proto == 17 => {
                let exporter = SocketAddr::new(p.src, p.sport);
                dec.decode_ctx(ctx, p.udp_payload, Some(exporter), n, max_pending);
            }
            _ => ctx.report.skipped += 1,
        },
    );
    dec.finish_ctx(&mut ctx);
    ctx.finish(Format::NetflowPcap)
}

/// When a [`UdpCollector`] stops by itself.
#[derive(Debug, Clone)]
pub struct CollectLimits {
    /// Stop after this many datagrams.
    pub max_datagrams: Option<u64>,
    /// Stop when no datagram arrived for this long.
    pub idle_timeout: Option<Duration>,
    /// Stop after this long in total.
    pub max_duration: Option<Duration>,
    /// Stop soon (within the 200 ms receive timeout) after this flag is set, e.g. by a
    /// Ctrl-C handler, so that held data sets are still reported and the records analysed.
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for CollectLimits {
    /// No datagram limit, stop after 30 s without a datagram, no total limit.
    fn default() -> Self {
        CollectLimits {
            max_datagrams: None,
            idle_timeout: Some(Duration::from_secs(30)),
            max_duration: None,
            stop: None,
        }
    }
}

/// A live NetFlow/IPFIX collector: a bound UDP socket feeding a [`NetflowDecoder`].
#[derive(Debug)]
pub struct UdpCollector {
    socket: UdpSocket,
    decoder: NetflowDecoder,
    label: String,
    datagrams: u64,
}

impl UdpCollector {
    /// Binds the UDP socket (e.g. `127.0.0.1:2055`, or port 0 for an ephemeral port).
    pub fn bind(addr: impl ToSocketAddrs + std::fmt::Debug) -> Result<Self, FlowError> {
        let shown = format!("{addr:?}").trim_matches('"').to_string();
        let socket = UdpSocket::bind(&addr).map_err(|e| FlowError::Bind {
            addr: shown.clone(),
            source: e,
        })?;
        let label = socket
            .local_addr()
            .map(|a| format!("udp://{a}"))
            .unwrap_or_else(|_| format!("udp://{shown}"));
        Ok(UdpCollector {
            socket,
            decoder: NetflowDecoder::new(),
            label,
            datagrams: 0,
        })
    }

    /// The address the socket is bound to (to learn an ephemeral port).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Receives and decodes datagrams until a limit of `limits` is reached. Diagnostics name
    /// the collector (`udp://ADDR`) as the file and the datagram number as the line. Data
    /// sets still waiting for templates at the end are reported.
    pub fn run(
        &mut self,
        limits: &CollectLimits,
        opts: &ReadOptions,
        sink: &mut dyn FnMut(FlowRecord),
    ) -> ReadReport {
        let label = self.label.clone();
        let mut ctx = Ctx::new(&label, opts, sink);
        let started = Instant::now();
        let mut last = Instant::now();
        let mut buf = vec![0u8; 65_536];
        loop {
            if limits.max_datagrams.is_some_and(|m| self.datagrams >= m)
                || limits
                    .stop
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::Relaxed))
            {
                break;
            }
            let now = Instant::now();
            let mut wait = Duration::from_millis(200);
            if let Some(d) = limits.max_duration {
                let left = d.saturating_sub(now - started);
                if left.is_zero() {
                    break;
                }
                wait = wait.min(left);
            }
            if let Some(i) = limits.idle_timeout {
                let left = i.saturating_sub(now - last);
                if left.is_zero() {
                    break;
                }
                wait = wait.min(left);
            }
            let _ = self
                .socket
                .set_read_timeout(Some(wait.max(Duration::from_millis(1))));
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    last = Instant::now();
                    self.datagrams += 1;
                    self.decoder.decode_ctx(
                        &mut ctx,
                        &buf[..n],
                        Some(from),
                        self.datagrams,
                        opts.max_pending_sets,
                    );
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    ctx.diag(
                        self.datagrams,
                        b"",
                        format!("receive error, collector stops: {e}"),
                    );
                    break;
                }
            }
        }
        self.decoder.finish_ctx(&mut ctx);
        ctx.finish(Format::NetflowPcap)
    }
}

/// Binds `addr` and collects NetFlow/IPFIX datagrams until a limit of `limits` is reached
/// (see [`UdpCollector`] to learn an ephemeral port before running).
pub fn collect_udp(
    addr: impl ToSocketAddrs + std::fmt::Debug,
    limits: &CollectLimits,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> Result<ReadReport, FlowError> {
    Ok(UdpCollector::bind(addr)?.run(limits, opts, sink))
}
