//! pcap/pcapng captures: frame iteration (pcap-parser), link layers, IP/transport decoding
//! (etherparse) and a flow assembler with idle and active timeouts.

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_parser::{create_reader, Block, PcapBlockOwned, PcapError};

use crate::{ConnState, Ctx, FlowRecord, Format, ReadOptions, ReadReport};

/// Timeouts and limits of the pcap → flow assembler. Defaults follow Zeek's
/// (`tcp_inactivity_timeout` 5 min, `udp_`/`icmp_inactivity_timeout` 1 min, no active timeout),
/// so flows compare with Zeek's conn.log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapFlowOptions {
    pub tcp_idle_us: i64,
    pub udp_idle_us: i64,
    pub icmp_idle_us: i64,
    /// Other IP protocols.
    pub other_idle_us: i64,
    /// Split flows lasting longer than this (NetFlow-style active timeout); `None` = never.
    pub active_timeout_us: Option<i64>,
    /// Most flows kept in memory at once; past it the least recently seen tenth is flushed.
    pub max_flows: usize,
}

impl Default for PcapFlowOptions {
    fn default() -> Self {
        PcapFlowOptions {
            tcp_idle_us: 300_000_000,
            udp_idle_us: 60_000_000,
            icmp_idle_us: 60_000_000,
            other_idle_us: 60_000_000,
            active_timeout_us: None,
            max_flows: 1_000_000,
        }
    }
}

/// A flow assembled from packets, with the Zeek `conn_state` it corresponds to.
#[derive(Debug, Clone, PartialEq)]
pub struct PcapFlow {
    pub record: FlowRecord,
    /// Zeek's conn_state for this flow (S0, REJ, SF, OTH, …), computed from the TCP flags seen.
    pub zeek_state: &'static str,
}

/// One decoded packet.
pub(crate) struct Packet<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    /// IP total length (header included), from the IP header.
    pub ip_len: u64,
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10).
    pub tcp_flags: u8,
    /// ICMP type/code, when ICMP.
    pub icmp: Option<(u8, u8)>,
    /// UDP payload (empty for other protocols).
    pub udp_payload: &'a [u8],
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// Strips the link layer and returns the IP packet, for the link types seen in practice:
/// Ethernet (with any number of 802.1Q/802.1ad tags and PPPoE sessions), raw IP, BSD
/// loopback, Linux cooked v1/v2.
fn ip_bytes(linktype: i32, d: &[u8]) -> Option<&[u8]> {
    match linktype {
        1 => {
            let mut et = be16(d, 12)?;
            let mut off = 14;
            while matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                et = be16(d, off + 2)?;
                off += 4;
            }
            match et {
                0x0800 | 0x86dd => d.get(off..),
                0x8864 => match be16(d, off + 6)? {
                    0x0021 | 0x0057 => d.get(off + 8..),
                    _ => None,
                },
                _ => None,
            }
        }
        12 | 14 | 101 | 228 | 229 => Some(d),
        0 | 108 => d.get(4..),
        113 => match be16(d, 14)? {
            0x0800 | 0x86dd => d.get(16..),
            _ => None,
        },
        276 => match be16(d, 0)? {
            0x0800 | 0x86dd => d.get(20..),
            _ => None,
        },
        _ => None,
    }
}

/// Decodes one frame into a [`Packet`]; `None` for non-IP frames or unusable headers.
pub(crate) fn decode_packet(linktype: i32, frame: &[u8]) -> Option<Packet<'_>> {
    let ip = ip_bytes(linktype, frame)?;
    let p = LaxSlicedPacket::from_ip(ip).ok()?;
    let (src, dst, ip_len, proto) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.total_len() as u64,
                v4.payload().ip_number.0,
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.payload_length() as u64 + 40,
                v6.payload().ip_number.0,
            )
        }
        _ => return None,
    };
    let mut pk = Packet {
        src,
        dst,
        proto,
        sport: 0,
        dport: 0,
        ip_len,
        tcp_flags: 0,
        icmp: None,
        udp_payload: &[],
    };
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            pk.sport = t.source_port();
            pk.dport = t.destination_port();
            pk.tcp_flags = (t.fin() as u8)
                | (t.syn() as u8) << 1
                | (t.rst() as u8) << 2
                | (t.psh() as u8) << 3
                | (t.ack() as u8) << 4;
        }
        Some(TransportSlice::Udp(u)) => {
            pk.sport = u.source_port();
            pk.dport = u.destination_port();
            pk.udp_payload = u.payload();
        }
        Some(TransportSlice::Icmpv4(i)) => pk.icmp = Some((i.type_u8(), i.code_u8())),
        Some(TransportSlice::Icmpv6(i)) => pk.icmp = Some((i.type_u8(), i.code_u8())),
        _ => {}
    }
    Some(pk)
}

struct Iface {
    linktype: i32,
    /// Timestamp units per second.
    resol: u64,
    offset_s: i64,
}

/// Calls `f(ctx, frame_number, ts_us, linktype, frame)` for every packet of a pcap or pcapng
/// stream. Damaged or cut-short captures end with a diagnostic.
pub(crate) fn for_each_frame<R: Read + Send>(
    input: R,
    ctx: &mut Ctx<'_>,
    mut f: impl FnMut(&mut Ctx<'_>, u64, i64, i32, &[u8]),
) {
    let mut reader = match create_reader(1 << 20, input) {
        Ok(r) => r,
        Err(e) => {
            ctx.diag(1, b"", format!("not a pcap or pcapng capture: {e:?}"));
            return;
        }
    };
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut legacy = Iface {
        linktype: 1,
        resol: 1_000_000,
        offset_s: 0,
    };
    let mut n: u64 = 0;
    let mut stalls = 0u32;
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                stalls = 0;
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy.linktype = h.network.0;
                        legacy.resol = if h.is_nanosecond_precision() {
                            1_000_000_000
                        } else {
                            1_000_000
                        };
                        legacy.offset_s = h.thiszone as i64;
                    }
                    PcapBlockOwned::Legacy(b) => {
                        n += 1;
                        let frac = b.ts_usec as i64 * 1_000_000 / legacy.resol as i64;
                        let ts = (b.ts_sec as i64 + legacy.offset_s) * 1_000_000 + frac;
                        f(ctx, n, ts, legacy.linktype, b.data);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => ifaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        ifaces.push(Iface {
                            linktype: idb.linktype.0,
                            resol: idb.ts_resolution().unwrap_or(0),
                            offset_s: idb.ts_offset(),
                        });
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        n += 1;
                        match ifaces.get(epb.if_id as usize) {
                            Some(iface) if iface.resol > 0 => {
                                let raw = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
                                let secs = (raw / iface.resol) as i64;
                                let frac = ((raw % iface.resol) as u128 * 1_000_000
                                    / iface.resol as u128)
                                    as i64;
                                let ts = secs
                                    .saturating_add(iface.offset_s)
                                    .saturating_mul(1_000_000)
                                    .saturating_add(frac);
                                let caplen = (epb.caplen as usize).min(epb.data.len());
                                f(ctx, n, ts, iface.linktype, &epb.data[..caplen]);
                            }
                            _ => ctx.diag(
                                n,
                                epb.if_id.to_string().as_bytes(),
                                "pcapng packet for an undeclared interface or bad time resolution",
                            ),
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        n += 1;
                        if let Some(iface) = ifaces.first() {
                            let len = (spb.origlen as usize).min(spb.data.len());
                            f(ctx, n, 0, iface.linktype, &spb.data[..len]);
                        }
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                stalls += 1;
                if stalls > 10_000 || reader.refill().is_err() {
                    ctx.diag(
                        n + 1,
                        b"",
                        "capture cut short or unreadable after this packet",
                    );
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) => {
                ctx.diag(n + 1, b"", "capture cut short: last packet incomplete");
                break;
            }
            Err(e) => {
                ctx.diag(n + 1, b"", format!("damaged capture, rest ignored: {e:?}"));
                break;
            }
        }
    }
}

/// True when the first packets of a capture look like NetFlow/IPFIX export datagrams.
pub(crate) fn looks_like_netflow_export(head: &[u8]) -> bool {
    let mut sink = |_r: FlowRecord| {};
    let opts = ReadOptions::default();
    let mut ctx = Ctx::new("", &opts, &mut sink);
    let (mut udp, mut nf, mut seen) = (0u32, 0u32, 0u32);
    for_each_frame(head, &mut ctx, |_, _, _, lt, frame| {
        seen += 1;
        if seen > 16 {
            return;
        }
        if let Some(p) = decode_packet(lt, frame) {
            if p.proto == 17 {
                udp += 1;
                if crate::netflow::plausible_export(p.udp_payload) {
                    nf += 1;
                }
            }
        }
    });
    nf > 0 && nf * 2 >= udp
}

// ---------------------------------------------------------------------------------------------
// Flow assembly.

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// What one side of a TCP connection was seen sending.
#[derive(Default, Clone, Copy)]
struct Side {
    syn: bool,
    synack: bool,
    fin: bool,
    rst: bool,
}

impl Side {
    fn see(&mut self, flags: u8) {
        if flags & SYN != 0 {
            if flags & ACK != 0 {
                self.synack = true;
            } else {
                self.syn = true;
            }
        }
        self.fin |= flags & FIN != 0;
        self.rst |= flags & RST != 0;
    }
}

type Key = (IpAddr, u16, IpAddr, u16, u8);

struct Flow {
    first_us: i64,
    last_us: i64,
    pkts: [u64; 2],
    bytes: [u64; 2],
    side: [Side; 2],
}

impl Flow {
    fn zeek_state(&self, proto: u8) -> &'static str {
        match proto {
            6 => {
                let (o, r) = (self.side[0], self.side[1]);
                if o.syn && !r.synack {
                    if r.rst {
                        "REJ"
                    } else if o.rst {
                        "RSTOS0"
                    } else if o.fin {
                        "SH"
                    } else if self.pkts[1] == 0 {
                        "S0"
                    } else {
                        "OTH"
                    }
                } else if !o.syn && r.synack {
                    if r.rst {
                        "RSTRH"
                    } else if r.fin {
                        "SHR"
                    } else {
                        "OTH"
                    }
                } else if o.syn && r.synack {
                    if o.rst {
                        "RSTO"
                    } else if r.rst {
                        "RSTR"
                    } else if o.fin && r.fin {
                        "SF"
                    } else if o.fin {
                        "S2"
                    } else if r.fin {
                        "S3"
                    } else {
                        "S1"
                    }
                } else {
                    "OTH"
                }
            }
            1 | 58 => "OTH",
            _ => {
                if self.pkts[1] > 0 {
                    "SF"
                } else {
                    "S0"
                }
            }
        }
    }

    fn closed(&self) -> bool {
        let (o, r) = (self.side[0], self.side[1]);
        o.rst || r.rst || (o.fin && r.fin)
    }
}

/// Zeek's pairing of ICMP message types (request ↔ reply); one-way types pair with the code.
fn icmp_counterpart(v6: bool, t: u8, code: u8) -> u8 {
    if v6 {
        match t {
            128 => 129,
            129 => 128,
            130 => 131,
            131 => 130,
            133 => 134,
            134 => 133,
            135 => 136,
            136 => 135,
            139 => 140,
            140 => 139,
            _ => code,
        }
    } else {
        match t {
            8 => 0,
            0 => 8,
            13 => 14,
            14 => 13,
            15 => 16,
            16 => 15,
            17 => 18,
            18 => 17,
            10 => 9,
            9 => 10,
            _ => code,
        }
    }
}

struct Assembler<'o> {
    opts: &'o PcapFlowOptions,
    table: HashMap<Key, Flow>,
    last_sweep_us: i64,
    warned_full: bool,
}

impl<'o> Assembler<'o> {
    fn idle(&self, proto: u8) -> i64 {
        match proto {
            6 => self.opts.tcp_idle_us,
            17 => self.opts.udp_idle_us,
            1 | 58 => self.opts.icmp_idle_us,
            _ => self.opts.other_idle_us,
        }
    }

    fn finish(key: &Key, f: &Flow) -> PcapFlow {
        PcapFlow {
            record: FlowRecord {
                ts_us: f.first_us,
                duration_us: f.last_us.saturating_sub(f.first_us),
                src: key.0,
                src_port: key.1,
                dst: key.2,
                dst_port: key.3,
                proto: key.4,
                bytes_out: f.bytes[0],
                bytes_in: f.bytes[1],
                pkts_out: f.pkts[0],
                pkts_in: f.pkts[1],
                state: ConnState::from_zeek(f.zeek_state(key.4).as_bytes()),
            },
            zeek_state: f.zeek_state(key.4),
        }
    }

    fn packet(
        &mut self,
        ctx: &mut Ctx<'_>,
        ts: i64,
        p: &Packet<'_>,
        out: &mut dyn FnMut(PcapFlow),
    ) {
        let (sport, dport) = match p.icmp {
            Some((t, c)) => (t as u16, icmp_counterpart(p.src.is_ipv6(), t, c) as u16),
            None => (p.sport, p.dport),
        };
        let fwd: Key = (p.src, sport, p.dst, dport, p.proto);
        let rev: Key = (p.dst, dport, p.src, sport, p.proto);
        let (key, dir) = if self.table.contains_key(&fwd) {
            (fwd, 0)
        } else if self.table.contains_key(&rev) {
            (rev, 1)
        } else if p.proto == 6 && p.tcp_flags & (SYN | ACK) == SYN | ACK {
            // First packet seen is a SYN-ACK: its receiver is the originator.
            (rev, 1)
        } else {
            (fwd, 0)
        };
        let idle = self.idle(p.proto);
        if let Some(f) = self.table.get(&key) {
            let expired = ts.saturating_sub(f.last_us) > idle
                || self
                    .opts
                    .active_timeout_us
                    .is_some_and(|a| ts.saturating_sub(f.first_us) > a)
                || (p.proto == 6
                    && f.closed()
                    && p.tcp_flags & (SYN | ACK) == SYN
                    && ts > f.last_us);
            if expired {
                let f = self.table.remove(&key).expect("present");
                out(Self::finish(&key, &f));
            }
        }
        if !self.table.contains_key(&key) && self.table.len() >= self.opts.max_flows {
            self.evict(ctx, out);
        }
        let f = self.table.entry(key).or_insert(Flow {
            first_us: ts,
            last_us: ts,
            pkts: [0; 2],
            bytes: [0; 2],
            side: [Side::default(); 2],
        });
        f.last_us = f.last_us.max(ts);
        f.pkts[dir] += 1;
        f.bytes[dir] += p.ip_len;
        if p.proto == 6 {
            f.side[dir].see(p.tcp_flags);
        }
        if ts.saturating_sub(self.last_sweep_us) > 10_000_000 {
            self.last_sweep_us = ts;
            self.sweep(ts, out);
        }
    }

    fn sweep(&mut self, now: i64, out: &mut dyn FnMut(PcapFlow)) {
        let opts = self.opts;
        let mut gone: Vec<(Key, Flow)> = Vec::new();
        self.table.retain(|k, f| {
            let idle = match k.4 {
                6 => opts.tcp_idle_us,
                17 => opts.udp_idle_us,
                1 | 58 => opts.icmp_idle_us,
                _ => opts.other_idle_us,
            };
            if now.saturating_sub(f.last_us) > idle {
                gone.push((
                    *k,
                    Flow {
                        first_us: f.first_us,
                        last_us: f.last_us,
                        pkts: f.pkts,
                        bytes: f.bytes,
                        side: f.side,
                    },
                ));
                false
            } else {
                true
            }
        });
        gone.sort_by_key(|(_, f)| f.first_us);
        for (k, f) in gone {
            out(Self::finish(&k, &f));
        }
    }

    fn evict(&mut self, ctx: &mut Ctx<'_>, out: &mut dyn FnMut(PcapFlow)) {
        if !self.warned_full {
            self.warned_full = true;
            ctx.diag(
                0,
                b"",
                format!(
                    "flow table full ({} flows): least recently seen flows flushed early",
                    self.opts.max_flows
                ),
            );
        }
        let mut lasts: Vec<i64> = self.table.values().map(|f| f.last_us).collect();
        let k = lasts.len() / 10;
        let (_, cut, _) = lasts.select_nth_unstable(k);
        let cut = *cut;
        let keys: Vec<Key> = self
            .table
            .iter()
            .filter(|(_, f)| f.last_us <= cut)
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if let Some(f) = self.table.remove(&k) {
                out(Self::finish(&k, &f));
            }
        }
    }

    fn drain(&mut self, out: &mut dyn FnMut(PcapFlow)) {
        let mut all: Vec<(Key, Flow)> = self.table.drain().collect();
        all.sort_by_key(|(k, f)| (f.first_us, *k));
        for (k, f) in all {
            out(Self::finish(&k, &f));
        }
    }
}

/// Turns a pcap or pcapng capture of traffic into flows, with their Zeek conn_state.
///
/// Flows are keyed by the 5-tuple, oriented by the first packet seen (a first SYN-ACK makes
/// its receiver the originator, as Zeek does); ICMP flows use Zeek's (type, counterpart type)
/// as ports so that requests and replies pair. Counts are IP bytes and packets per direction.
/// A flow ends when idle past its protocol's timeout, when older than the active timeout, or
/// (TCP) when a new SYN arrives after both FINs or a RST. Non-IP frames are counted as
/// skipped; IP fragments after the first are flows of their own (no reassembly). Flows are
/// emitted as they expire and the rest at the end of the capture, by start time.
pub fn read_pcap_flows_detailed(
    input: impl Read + Send,
    file: &str,
    opts: &ReadOptions,
    out: &mut dyn FnMut(PcapFlow),
) -> ReadReport {
    let mut count = 0u64;
    let mut sink = |_r: FlowRecord| {};
    let mut ctx = Ctx::new(file, opts, &mut sink);
    let mut asm = Assembler {
        opts: &opts.pcap,
        table: HashMap::new(),
        last_sweep_us: i64::MIN / 2,
        warned_full: false,
    };
    let mut emit = |f: PcapFlow| {
        count += 1;
        out(f);
    };
    for_each_frame(
        input,
        &mut ctx,
        |ctx, _n, ts, lt, frame| match decode_packet(lt, frame) {
            Some(p) => asm.packet(ctx, ts, &p, &mut emit),
            None => ctx.report.skipped += 1,
        },
    );
    asm.drain(&mut emit);
    ctx.report.counts.read = count;
    ctx.report.counts.used = count;
    ctx.finish(Format::Pcap)
}

/// [`read_pcap_flows_detailed`] giving plain [`FlowRecord`]s. `counts.read` and `counts.used`
/// are the number of flows; frames that are not IP are counted in `skipped`.
pub fn read_pcap_flows(
    input: impl Read + Send,
    file: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(FlowRecord),
) -> ReadReport {
    read_pcap_flows_detailed(input, file, opts, &mut |f| sink(f.record))
}
