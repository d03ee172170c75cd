//! The fast path of a Zeek TSV row: [`fast_record`] reads the usual shapes of each column
//! without building errors and returns None for anything unusual, which the reference parser
//! ([`super::reference::tsv_record`]) then decides and names. Both give the same record.
//!
//! Where a row's columns lie comes from a [`FastCols`]: the field starts of a split row
//! ([`Row`]) or, for a layout with a [`Plan`], the separators popped from the block's masks
//! in column order ([`planned_record`], [`PoppedCols`]), which keeps only each column's end
//! and writes no field starts. A row the plan does not fit (too few or too many columns) is
//! left to the field-starts walk.
//!
//! The values are read a word or a vector at a time (the parsers are in [`crate::text`]):
//! epoch times as sixteen digits in one vector paired by multiply-adds, dotted quads sixteen
//! bytes at a time with each octet's word kept by its digit flags and weighed in the vector,
//! counts, ports and durations as words, and protocol and state names by a perfect-hash
//! table of their tags ([`short_tag`], [`lookup`]). Unset and empty markers are tried after
//! the number fails.

use crate::text::{
    digits8, parse_ip_at, parse_secs_us_at, parse_secs_us_cold, parse_u64_at, secs_fixed, word_at,
    Bits, STARTS, TOP_BYTES,
};
use crate::{ConnState, FlowRecord};

use super::header::{
    Layout, Plan, DEFAULT_FIELDS, F_DUR, F_IPPROTO, F_OB, F_OH, F_OIB, F_OP, F_OPK, F_PROTO, F_RB,
    F_RH, F_RIB, F_RP, F_RPK, F_STATE, F_TS, NAMES, NF,
};
use super::reference::{proto_number, Row};

impl<'a> FastCols<'a> for Row<'a, '_> {
    #[inline(always)]
    fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline(always)]
    fn markers(&self) -> (&[u8], &[u8]) {
        (self.unset, self.empty)
    }

    /// Absent columns point at the empty sentinel field.
    #[inline(always)]
    fn at(&self, k: usize) -> (usize, usize) {
        let i = self.cols[k] as usize;
        (
            self.starts[i & (2 * STARTS - 1)] as usize,
            self.starts[(i + 1) & (2 * STARTS - 1)] as usize - 1,
        )
    }
}

/// Where [`fast_record`] finds a row's columns: `(start, end)` in one buffer of each of the
/// [`NAMES`], an absent column as an empty field. The field starts of a split row and the
/// separators popped in column order both give them.
pub(super) trait FastCols<'a> {
    fn buf(&self) -> &'a [u8];
    /// The unset and the empty markers.
    fn markers(&self) -> (&[u8], &[u8]);
    fn at(&self, k: usize) -> (usize, usize);

    /// Whether `buf[s..e]` is absent, unset or empty.
    #[inline(always)]
    fn unset_at(&self, s: usize, e: usize) -> bool {
        let (unset, empty) = self.markers();
        match self.buf().get(s..e) {
            Some(v) => v.is_empty() || v == unset || v == empty,
            None => false,
        }
    }

    /// Column `k` when set and not empty.
    #[inline(always)]
    fn value(&self, k: usize) -> Option<&'a [u8]> {
        let (s, e) = self.at(k);
        if self.unset_at(s, e) {
            return None;
        }
        self.buf().get(s..e)
    }

    /// Column `k` as a count: Some(None) when absent, unset or empty; None when neither that
    /// nor digits (left to [`tsv_record`]).
    #[inline(always)]
    fn fast_count(&self, k: usize) -> Option<Option<u64>> {
        let (s, e) = self.at(k);
        match parse_u64_at(self.buf(), s, e) {
            Some(v) => Some(Some(v)),
            None if self.unset_at(s, e) => Some(None),
            None => None,
        }
    }

    /// `ip_proto` as [`FastCols::fast_count`] reads it.
    #[inline(always)]
    fn ip_proto(&self) -> Option<Option<u64>> {
        self.fast_count(F_IPPROTO)
    }

    /// Column `k` as a port, 0 when absent, unset or empty; at most five digits, as
    /// [`tsv_record`] reads them.
    #[inline(always)]
    fn fast_port(&self, k: usize) -> Option<u16> {
        let (s, e) = self.at(k);
        // One word of up to five digits; anything else unless unset is left to the general
        // path.
        if let Some((w, len)) = word_at(self.buf(), s, e, 5) {
            return u16::try_from(digits8(w, len)?).ok();
        }
        self.unset_at(s, e).then_some(0)
    }

    /// Column `k` as seconds (microseconds), 0 when absent, unset or empty.
    #[inline(always)]
    fn fast_secs(&self, k: usize) -> Option<i64> {
        let (s, e) = self.at(k);
        match secs_fixed(self.buf(), s, e) {
            Some(v) => Some(v),
            None if self.unset_at(s, e) => Some(0),
            None => parse_secs_us_cold(self.buf().get(s..e)?),
        }
    }
}

/// The columns of a row read in order by [`Plan`]: where each of the [`DEFAULT_FIELDS`]
/// ends (the separator after it), the first one's start, and `ip_proto`'s span. Only ends
/// are kept, a column starting one past the one before, so each popped separator costs one
/// store at most.
struct PoppedCols<'a, 'l> {
    buf: &'a [u8],
    lay: &'l Layout,
    first: usize,
    ends: [usize; DEFAULT_NF - 1],
    ipp: (usize, usize),
    /// The layout has `ip_proto`: without, reading the absent column is skipped.
    has_ipp: bool,
}

const DEFAULT_NF: usize = DEFAULT_FIELDS.len();

/// The column of [`DEFAULT_FIELDS`] holding each of the [`NAMES`] but `ip_proto`.
const DEFAULT_AT: [usize; NF] = {
    let mut at = [usize::MAX; NF];
    let mut k = 0;
    while k < NF {
        let mut j = 0;
        while j < DEFAULT_NF {
            if same(NAMES[k].as_bytes(), DEFAULT_FIELDS[j].as_bytes()) {
                at[k] = j;
            }
            j += 1;
        }
        k += 1;
    }
    at
};

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// Every name but `ip_proto` is a default column, and not the last (which may end the row).
const _: () = {
    let mut k = 0;
    while k < NF {
        assert!((k == F_IPPROTO) == (DEFAULT_AT[k] == usize::MAX));
        assert!(k == F_IPPROTO || DEFAULT_AT[k] < DEFAULT_NF - 1);
        k += 1;
    }
};

impl<'a> FastCols<'a> for PoppedCols<'a, '_> {
    #[inline(always)]
    fn buf(&self) -> &'a [u8] {
        self.buf
    }

    #[inline(always)]
    fn markers(&self) -> (&[u8], &[u8]) {
        (&self.lay.unset, &self.lay.empty)
    }

    #[inline(always)]
    fn ip_proto(&self) -> Option<Option<u64>> {
        if self.has_ipp {
            self.fast_count(F_IPPROTO)
        } else {
            Some(None)
        }
    }

    #[inline(always)]
    fn at(&self, k: usize) -> (usize, usize) {
        if k == F_IPPROTO {
            return self.ipp;
        }
        // `k` is a constant wherever this is inlined: the branches fold.
        match DEFAULT_AT[k] {
            0 => (self.first, self.ends[0]),
            c => (self.ends[c - 1].wrapping_add(1), self.ends[c]),
        }
    }
}

/// [`fast_record`] of the row `buf[start..end]` of a [`Plan`] layout, its separators popped
/// from `seps` in column order. None (the row has other columns or values, or fewer or more
/// separators) leaves it to the general path; `seps` is then past the row or inside it.
#[inline(always)]
pub(super) fn planned_record(
    seps: &mut Bits<'_>,
    buf: &[u8],
    start: usize,
    end: usize,
    lay: &Layout,
    plan: Plan,
) -> Option<FlowRecord> {
    let mut first = start;
    for _ in 0..plan.lead {
        first = seps.pop().wrapping_add(1);
    }
    // Written out, one pop per column: as a loop or an array `map` (the pop has a loop
    // inside) it was not unrolled, and cost 12% more instructions per row.
    macro_rules! pops {
        ($($col:literal)*) => { [$({ let _ = $col; seps.pop() }),*] };
    }
    let ends: [usize; DEFAULT_NF - 1] = pops!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
    // `tunnel_parents` and the extra columns; the last ends the row.
    let mut last = ends[DEFAULT_NF - 2];
    let mut ipp = (end, end);
    for j in 0..plan.extra {
        let s = last.wrapping_add(1);
        last = seps.pop();
        if j == 1 && plan.ipp {
            ipp = (s, last);
        }
    }
    if plan.extra == 1 && plan.ipp {
        ipp = (last.wrapping_add(1), end);
    }
    // Every separator in the row, and no more.
    if last >= end || seps.peek() < end {
        return None;
    }
    let cols = PoppedCols {
        buf,
        lay,
        first,
        ends,
        ipp,
        has_ipp: plan.ipp,
    };
    fast_record(&cols)
}

/// [`tsv_record`] for a row of the usual shapes (one-byte separator, numbers in digits,
/// columns set or marked unset), without building errors; None leaves the row to
/// [`tsv_record`], which decides and names what is wrong. Both give the same record.
#[inline(always)]
pub(super) fn fast_record<'a>(row: &impl FastCols<'a>) -> Option<FlowRecord> {
    let buf = row.buf();
    let (s, e) = row.at(F_TS);
    let ts_us = parse_secs_us_at(buf, s, e)?;
    let (s, e) = row.at(F_OH);
    let src = parse_ip_at(buf, s, e)?;
    let (s, e) = row.at(F_RH);
    let dst = parse_ip_at(buf, s, e)?;
    let src_port = row.fast_port(F_OP)?;
    let dst_port = row.fast_port(F_RP)?;
    let duration_us = row.fast_secs(F_DUR)?;
    let bytes_out = match row.fast_count(F_OIB)? {
        Some(b) => b,
        None => row.fast_count(F_OB)?.unwrap_or(0),
    };
    let bytes_in = match row.fast_count(F_RIB)? {
        Some(b) => b,
        None => row.fast_count(F_RB)?.unwrap_or(0),
    };
    let proto = match row.ip_proto()? {
        Some(p) if p <= 255 => p as u8,
        _ => {
            let (s, e) = row.at(F_PROTO);
            match short_tag(buf, s, e).and_then(|t| lookup(&PROTOS, PROTO_K, t)) {
                // icmp is ICMPv6 between IPv6 addresses.
                Some(p) => p + 57 * u8::from(p == 1 && src.is_ipv6()),
                None => match row.value(F_PROTO) {
                    Some(v) => proto_number(v, src.is_ipv6())?,
                    None => 0,
                },
            }
        }
    };
    let (s, e) = row.at(F_STATE);
    let state = match short_tag(buf, s, e).and_then(|t| lookup(&STATES, STATE_K, t)) {
        Some(st) => st,
        None => row
            .value(F_STATE)
            .map_or(ConnState::Unknown, ConnState::from_zeek),
    };
    Some(FlowRecord {
        ts_us,
        duration_us,
        src,
        src_port,
        dst,
        dst_port,
        proto,
        bytes_out,
        bytes_in,
        pkts_out: row.fast_count(F_OPK)?.unwrap_or(0),
        pkts_in: row.fast_count(F_RPK)?.unwrap_or(0),
        state,
    })
}

/// A word naming a string of 1–7 bytes: the bytes at its top end, the length in its low byte.
const fn tag(s: &[u8]) -> u64 {
    let mut w = s.len() as u64;
    let mut i = 0;
    while i < s.len() {
        w |= (s[i] as u64) << (8 * (8 - s.len() + i));
        i += 1;
    }
    w
}

/// [`tag`] of `buf[s..e]` with one load, when it is 1–7 bytes long.
#[inline(always)]
fn short_tag(buf: &[u8], s: usize, e: usize) -> Option<u64> {
    let (w, len) = word_at(buf, s, e, 7)?;
    Some(w & TOP_BYTES[len & 15] | len as u64)
}

// The protocol and state names the fast path knows, each in a slot of its own by a
// multiplicative hash of its tag: which one a row has varies from row to row, so a table
// load replaces branches that would often be mispredicted. Other names go by the slice
// matchers.

/// Hash multipliers, found by search, that put each name below in a slot of its own.
const PROTO_K: u64 = 0x1027_c4d1_c386_bbc5;
const STATE_K: u64 = 0x9b81_0e76_6ec9_d287;

const PROTOS: [(u64, u8); 4] = slots(&[(b"tcp", 6), (b"udp", 17), (b"icmp", 1)], PROTO_K);
const STATES: [(u64, ConnState); 16] = {
    use ConnState::{Established as E, Failed as F, Partial as P};
    slots(
        &[
            (b"SF", E),
            (b"S1", E),
            (b"S2", E),
            (b"S3", E),
            (b"RSTO", E),
            (b"RSTR", E),
            (b"S0", F),
            (b"REJ", F),
            (b"RSTOS0", F),
            (b"RSTRH", F),
            (b"SH", F),
            (b"SHR", F),
            (b"OTH", P),
        ],
        STATE_K,
    )
};

/// The slot of a tag in a table of `N` (a power of two) slots.
const fn slot<const N: usize>(t: u64, k: u64) -> usize {
    (t.wrapping_mul(k) >> (64 - N.trailing_zeros())) as usize
}

/// The table of `names` by [`slot`]; two in one slot fail the build. Empty slots hold
/// `u64::MAX`, which is no tag (a tag's low byte is its length, 0 to 7).
const fn slots<V: Copy, const N: usize>(names: &[(&[u8], V)], k: u64) -> [(u64, V); N] {
    let mut out = [(u64::MAX, names[0].1); N];
    let mut i = 0;
    while i < names.len() {
        let t = tag(names[i].0);
        let h = slot::<N>(t, k);
        assert!(
            out[h].0 == u64::MAX,
            "two names in one slot: search another multiplier"
        );
        out[h] = (t, names[i].1);
        i += 1;
    }
    out
}

/// The value of tag `t` in `table`.
#[inline(always)]
fn lookup<V: Copy, const N: usize>(table: &[(u64, V); N], k: u64, t: u64) -> Option<V> {
    let (have, v) = table[slot::<N>(t, k) % N];
    (have == t).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slot tables give what the slice matchers give, for their names and for others.
    #[test]
    fn name_tables_match_matchers() {
        let states = [
            "SF", "S0", "S1", "S2", "S3", "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR",
            "OTH",
        ];
        for n in states {
            let want = ConnState::from_zeek(n.as_bytes());
            assert_eq!(
                lookup(&STATES, STATE_K, tag(n.as_bytes())),
                Some(want),
                "{n}"
            );
        }
        for n in ["tcp", "udp", "icmp"] {
            let got = lookup(&PROTOS, PROTO_K, tag(n.as_bytes()));
            assert_eq!(got, proto_number(n.as_bytes(), false), "{n}");
        }
        for n in [
            "", "S", "SF ", "sf", "RSTOS0X", "TCP", "icmp6", "tcpx", "OTH2", "-", "ud",
        ] {
            let t = tag(n.as_bytes());
            assert_eq!(lookup(&STATES, STATE_K, t), None, "{n}");
            assert_eq!(lookup(&PROTOS, PROTO_K, t), None, "{n}");
        }
    }
}
