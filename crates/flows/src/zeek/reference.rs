//! The reference parser of a Zeek TSV row: [`tsv_record`] over a [`Row`] found by its field
//! starts, for any layout and any value. It decides every row the fast path
//! ([`super::fast`]) hands on, and names the column and value of a rejected one; on the rows
//! the fast path takes, both give the same record. [`super::read_zeek_tsv_reference`] reads
//! a whole log with this parser alone (line by line, on one thread), which the tests and the
//! `zeek_differential` fuzz target compare with the fast reader.

use std::net::IpAddr;

use crate::text::{parse_ip_at, parse_secs_us_at, parse_u64, parse_u64_at, Starts, STARTS};
use crate::{ConnState, FlowRecord};

use super::header::{
    ABSENT, F_DUR, F_IPPROTO, F_OB, F_OH, F_OIB, F_OP, F_OPK, F_PROTO, F_RB, F_RH, F_RIB, F_RP,
    F_RPK, F_STATE, F_TS, NF,
};

pub(super) type FieldErr<'a> = (usize, &'a [u8], &'static str);

/// The column values of one row, found by where its fields start.
pub(super) struct Row<'a, 'c> {
    pub(super) buf: &'a [u8],
    /// Field starts in `buf`, one past the last field's end included (see [`Starts`]); the
    /// row has at least as many fields as `idx` names (shorter rows are rejected before).
    pub(super) starts: &'c Starts,
    pub(super) seplen: u32,
    pub(super) idx: &'c [usize; NF],
    pub(super) cols: &'c [u16; NF],
    pub(super) unset: &'c [u8],
    pub(super) empty: &'c [u8],
}

impl<'a> Row<'a, '_> {
    /// `(start, end)` in the buffer of field `k` when present, set and non-empty.
    #[inline(always)]
    fn span(&self, k: usize) -> Option<(usize, usize)> {
        let i = self.idx[k];
        if i == ABSENT {
            return None;
        }
        let s = self.starts[i & (2 * STARTS - 1)] as usize;
        let e = (self.starts[(i + 1) & (2 * STARTS - 1)] - self.seplen) as usize;
        let v = self.buf.get(s..e)?;
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
        self.span(k).map(|(s, e)| &self.buf[s..e])
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
        parse_secs_us_at(self.buf, s, e).ok_or((k, &self.buf[s..e], why))
    }

    #[inline(always)]
    fn port(&self, k: usize) -> Result<u16, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(0),
            Some((s, e)) => (if e - s <= 5 {
                parse_u64_at(self.buf, s, e).and_then(|v| u16::try_from(v).ok())
            } else {
                None
            })
            .ok_or((k, &self.buf[s..e], "not a port number (0..65535)")),
        }
    }

    #[inline(always)]
    fn count(&self, k: usize) -> Result<Option<u64>, FieldErr<'a>> {
        match self.span(k) {
            None => Ok(None),
            Some((s, e)) => {
                parse_u64_at(self.buf, s, e)
                    .map(Some)
                    .ok_or((k, &self.buf[s..e], "not a count"))
            }
        }
    }
}

#[inline(always)]
pub(super) fn tsv_record<'a>(row: &Row<'a, '_>) -> Result<FlowRecord, FieldErr<'a>> {
    let ts_us = row.secs(row.req(F_TS)?, F_TS, "not an epoch time")?;
    let (s, e) = row.req(F_OH)?;
    let src: IpAddr =
        parse_ip_at(row.buf, s, e).ok_or((F_OH, &row.buf[s..e], "not an IP address"))?;
    let (s, e) = row.req(F_RH)?;
    let dst: IpAddr =
        parse_ip_at(row.buf, s, e).ok_or((F_RH, &row.buf[s..e], "not an IP address"))?;
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

#[inline]
pub(super) fn proto_number(name: &[u8], v6: bool) -> Option<u8> {
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
