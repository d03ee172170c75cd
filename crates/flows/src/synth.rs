//! Synthetic Zeek conn.log for benchmarks: replays flow records with shifted times and
//! addresses.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{ConnState, FlowRecord};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Shifts the low 16 bits of an address (keeps its /16, so private stays private).
fn shift(ip: IpAddr, by: u16) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let v = u32::from(a);
            IpAddr::V4(Ipv4Addr::from(
                (v & 0xffff_0000) | ((v as u16).wrapping_add(by)) as u32,
            ))
        }
        IpAddr::V6(a) => {
            let v = u128::from(a);
            IpAddr::V6(Ipv6Addr::from(
                (v & !0xffff) | ((v as u16).wrapping_add(by)) as u128,
            ))
        }
    }
}

/// A small built-in mix of record shapes (DNS, HTTPS, NTP, a scan, a rejected beacon), used
/// when no source records are given.
fn builtin() -> Vec<FlowRecord> {
    let r = |ts: i64, s: [u8; 4], sp, d: [u8; 4], dp, proto, out, inn, po, pi, st| FlowRecord {
        ts_us: 1_700_000_000_000_000 + ts,
        duration_us: if st == ConnState::Established {
            84_321
        } else {
            0
        },
        src: IpAddr::from(s),
        src_port: sp,
        dst: IpAddr::from(d),
        dst_port: dp,
        proto,
        bytes_out: out,
        bytes_in: inn,
        pkts_out: po,
        pkts_in: pi,
        state: st,
    };
    use ConnState::*;
    vec![
        r(
            0,
            [10, 0, 0, 5],
            53211,
            [10, 0, 0, 2],
            53,
            17,
            89,
            140,
            1,
            1,
            Established,
        ),
        r(
            120_000,
            [10, 0, 0, 5],
            49822,
            [93, 184, 216, 34],
            443,
            6,
            1420,
            6210,
            12,
            10,
            Established,
        ),
        r(
            370_000,
            [198, 51, 100, 7],
            40112,
            [10, 0, 0, 9],
            22,
            6,
            60,
            40,
            1,
            1,
            Failed,
        ),
        r(
            512_000,
            [10, 0, 0, 7],
            123,
            [192, 0, 2, 123],
            123,
            17,
            76,
            76,
            1,
            1,
            Established,
        ),
        r(
            900_000,
            [10, 0, 0, 8],
            50001,
            [203, 0, 113, 35],
            5888,
            6,
            104,
            80,
            2,
            2,
            Failed,
        ),
        r(
            1_300_000,
            [203, 0, 113, 77],
            31337,
            [10, 0, 0, 9],
            23,
            6,
            40,
            0,
            1,
            0,
            Failed,
        ),
        r(
            1_700_000,
            [10, 0, 0, 5],
            0,
            [10, 0, 0, 1],
            0,
            1,
            84,
            84,
            1,
            1,
            Partial,
        ),
        r(
            2_000_000,
            [10, 0, 0, 6],
            51544,
            [151, 101, 1, 69],
            443,
            6,
            2_950,
            48_211,
            30,
            41,
            Established,
        ),
    ]
}

/// Writes a Zeek conn.log (standard header and 21 columns) of `n` records made by replaying
/// a built-in mix of record shapes with shifted times and addresses. Deterministic for a
/// given `seed`. See [`synth_conn_log_from`] to replay real logs.
pub fn synth_conn_log(out: &mut impl Write, n: u64, seed: u64) -> io::Result<()> {
    synth_conn_log_from(&builtin(), out, n, seed)
}

/// Writes a Zeek conn.log of `n` records replaying `source` in time order, in cycles. Times
/// are put on a compressed timeline (gaps between consecutive records capped at 60 s); cycle
/// `k` shifts every time by `k` × (that timeline's span + 1 s) and the low 16 bits of every
/// address by a per-cycle offset, so pairs stay consistent within a cycle and private addresses stay
/// private. `orig_bytes`/`resp_bytes` are derived from the IP byte counts (40 bytes of headers
/// per packet). An empty `source` falls back to the built-in mix.
pub fn synth_conn_log_from(
    source: &[FlowRecord],
    out: &mut impl Write,
    n: u64,
    seed: u64,
) -> io::Result<()> {
    let fallback;
    let source = if source.is_empty() {
        fallback = builtin();
        &fallback[..]
    } else {
        source
    };
    // Replay in time order on a compressed timeline: gaps between consecutive source records
    // are capped at 60 s, so logs from different years replay as one continuous capture.
    let mut order: Vec<usize> = (0..source.len()).collect();
    order.sort_by_key(|&i| source[i].ts_us);
    let mut times = Vec::with_capacity(order.len());
    let base = source[order[0]].ts_us;
    let mut t = base;
    let mut prev = base;
    for &i in &order {
        t = t.saturating_add(source[i].ts_us.saturating_sub(prev).clamp(0, 60_000_000));
        prev = source[i].ts_us;
        times.push(t);
    }
    let span = t.saturating_sub(base).saturating_add(1_000_000);
    let mut rng = Rng(seed);
    writeln!(out, "#separator \\x09")?;
    writeln!(out, "#set_separator\t,")?;
    writeln!(out, "#empty_field\t(empty)")?;
    writeln!(out, "#unset_field\t-")?;
    writeln!(out, "#path\tconn")?;
    writeln!(out, "#open\t2026-01-01-00-00-00")?;
    writeln!(out, "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents")?;
    writeln!(out, "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]")?;
    const UID: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut line = String::with_capacity(256);
    let mut uid = [b'C'; 18];
    let mut cycle_shift = 0u16;
    for i in 0..n {
        let k = i / source.len() as u64;
        let j = (i % source.len() as u64) as usize;
        let r = &source[order[j]];
        if j == 0 {
            cycle_shift = (rng.next() & 0xffff) as u16;
        }
        let ts = times[j].saturating_add((k as i64).saturating_mul(span));
        let mut x = rng.next();
        for c in uid.iter_mut().skip(1) {
            *c = UID[(x % 62) as usize];
            x /= 62;
            if x == 0 {
                x = rng.next();
            }
        }
        let (state, hist) = match r.state {
            ConnState::Established if r.proto != 6 => ("SF", "Dd"),
            ConnState::Established => ("SF", "ShADadFf"),
            ConnState::Failed if r.pkts_in > 0 => ("REJ", "Sr"),
            ConnState::Failed => ("S0", "S"),
            ConnState::Partial | ConnState::Unknown => ("OTH", "-"),
        };
        let proto = match r.proto {
            6 => "tcp",
            17 => "udp",
            1 | 58 => "icmp",
            _ => "unknown_transport",
        };
        let dur = if r.duration_us > 0 {
            format!(
                "{}.{:06}",
                r.duration_us / 1_000_000,
                r.duration_us % 1_000_000
            )
        } else {
            "-".to_string()
        };
        line.clear();
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "{}.{:06}\t{}\t{}\t{}\t{}\t{}\t{}\t-\t{}\t{}\t{}\t{}\tF\tF\t0\t{}\t{}\t{}\t{}\t{}\t-",
            ts.div_euclid(1_000_000),
            ts.rem_euclid(1_000_000),
            std::str::from_utf8(&uid).unwrap_or("C"),
            shift(r.src, cycle_shift),
            r.src_port,
            shift(r.dst, cycle_shift.rotate_left(7)),
            r.dst_port,
            proto,
            dur,
            r.bytes_out.saturating_sub(r.pkts_out.saturating_mul(40)),
            r.bytes_in.saturating_sub(r.pkts_in.saturating_mul(40)),
            state,
            hist,
            r.pkts_out,
            r.bytes_out,
            r.pkts_in,
            r.bytes_in,
        );
        out.write_all(line.as_bytes())?;
    }
    writeln!(out, "#close\t2026-01-01-00-00-00")?;
    Ok(())
}
