//! Byte-level helpers shared by the text readers: a zero-copy line splitter over any `Read`,
//! separator masks 64 bytes at a time, allocation-free number, address and time parsing.

use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr};

use wide::{i16x8, i32x4, u32x4, u8x16};

/// Splits a byte stream into lines without copying them (except when a line straddles the
/// internal buffer's end). Lines longer than `MAX_LINE` are cut into pieces.
pub(crate) struct Lines<R> {
    r: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    line_no: u64,
}

const INITIAL_BUF: usize = 256 * 1024;
const MAX_LINE: usize = 4 * 1024 * 1024;

impl<R: Read> Lines<R> {
    pub fn new(r: R) -> Self {
        Self::after(r, 0)
    }

    /// A splitter whose first line is numbered `line_no + 1`.
    pub fn after(r: R, line_no: u64) -> Self {
        Lines {
            r,
            buf: vec![0; INITIAL_BUF],
            start: 0,
            end: 0,
            eof: false,
            line_no,
        }
    }

    /// The next line (without `\n` or a trailing `\r`), its 1-based number, and whether it
    /// lacked its newline (the input ended mid-line: a file cut short).
    pub fn next_line(&mut self) -> io::Result<Option<(u64, &[u8], bool)>> {
        let mut searched = 0usize;
        loop {
            let from = self.start + searched;
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                let s = self.start;
                let e = from + i;
                self.start = e + 1;
                self.line_no += 1;
                return Ok(Some((self.line_no, trim_cr(&self.buf[s..e]), false)));
            }
            searched = self.end - self.start;
            if self.eof {
                if self.start < self.end {
                    let s = self.start;
                    self.start = self.end;
                    self.line_no += 1;
                    return Ok(Some((self.line_no, &self.buf[s..self.end], true)));
                }
                return Ok(None);
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                if self.buf.len() >= MAX_LINE {
                    // Give the over-long piece back as a line of its own.
                    let e = self.end;
                    self.start = e;
                    self.line_no += 1;
                    return Ok(Some((self.line_no, &self.buf[..e], false)));
                }
                let n = self.buf.len() * 2;
                self.buf.resize(n, 0);
            }
            match self.r.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    return Err(e);
                }
            }
        }
    }
}

/// `line` without a trailing `\r`.
#[inline(always)]
pub(crate) fn trim_cr(line: &[u8]) -> &[u8] {
    match line {
        [rest @ .., b'\r'] => rest,
        _ => line,
    }
}

/// Most columns a row may have.
pub(crate) const MAX_FIELDS: usize = 256;
/// Field starts a row writes: a power of two above [`MAX_FIELDS`] plus one window's worth of
/// separators. Writes are masked with `STARTS - 1`, so they need no bounds check and a longer
/// row (rejected) only wraps around, within the first half of a [`Starts`].
pub(crate) const STARTS: usize = 512;
const _: () = assert!(STARTS.is_power_of_two() && STARTS > MAX_FIELDS + 64);

/// Where each field of a row starts: `pos[i]` is the start of field `i` and, for the row's
/// `n` fields, `pos[n]` is one separator past its end, so field `i` is
/// `pos[i]..pos[i + 1] - seplen` of the buffer the row lies in. Rows write the first
/// [`STARTS`] entries only; the second half is for fixed fields no row can overwrite.
pub(crate) type Starts = [u32; 2 * STARTS];

/// Bit masks of the bytes equal to `a` and to `b` in 64 bytes (bit `i` for byte `i`),
/// sixteen bytes per compare (SSE2 on x86-64, NEON on aarch64, by `wide`; scalar elsewhere).
/// The block reader finds separators and newlines this way in one pass: a fraction of an
/// instruction per byte, where the word-at-a-time scan it replaced took about 23
/// instructions per separator.
#[inline(always)]
fn masks64(w: &[u8; 64], a: u8, b: u8) -> (u64, u64) {
    let (va, vb) = (u8x16::splat(a), u8x16::splat(b));
    let (mut ma, mut mb) = (0u64, 0u64);
    for k in 0..4 {
        // A load straight from the input: a zeroed copy first went through the stack.
        let lane: [u8; 16] = w[k * 16..k * 16 + 16].try_into().unwrap_or([0; 16]);
        let v = u8x16::from(lane);
        ma |= (v.simd_eq(va).to_bitmask() as u64) << (k * 16);
        mb |= (v.simd_eq(vb).to_bitmask() as u64) << (k * 16);
    }
    (ma, mb)
}

/// The [`masks64`] of each 64-byte window of a buffer, with the window's offset; the last,
/// shorter window is read padded and its masks have no bits past the end.
pub(crate) struct Windows<'a> {
    chunks: std::slice::ChunksExact<'a, u8>,
    base: usize,
    a: u8,
    b: u8,
}

impl<'a> Windows<'a> {
    pub(crate) fn new(buf: &'a [u8], a: u8, b: u8) -> Self {
        Windows {
            chunks: buf.chunks_exact(64),
            base: 0,
            a,
            b,
        }
    }
}

impl Iterator for Windows<'_> {
    type Item = (usize, u64, u64);

    #[inline(always)]
    fn next(&mut self) -> Option<(usize, u64, u64)> {
        let base = self.base;
        self.base += 64;
        if let Some(c) = self.chunks.next() {
            let (ma, mb) = masks64(c.try_into().unwrap_or(&[0; 64]), self.a, self.b);
            return Some((base, ma, mb));
        }
        let rest = self.chunks.remainder();
        if rest.is_empty() {
            return None;
        }
        let (ma, mb) = tail_masks(rest, self.a, self.b);
        self.chunks = [].chunks_exact(64);
        Some((base, ma, mb))
    }
}

/// The [`masks64`] of a last window shorter than 64 bytes, read padded, with no bits past
/// its end.
fn tail_masks(rest: &[u8], a: u8, b: u8) -> (u64, u64) {
    let mut tail = [0u8; 64];
    tail[..rest.len()].copy_from_slice(rest);
    let (ma, mb) = masks64(&tail, a, b);
    let keep = (1u64 << rest.len()) - 1;
    (ma & keep, mb & keep)
}

/// The [`masks64`] of every window of `buf`, into `a` and `b` (one word per 64 bytes).
pub(crate) fn fill_masks(buf: &[u8], a: u8, b: u8, ma: &mut Vec<u64>, mb: &mut Vec<u64>) {
    let n = buf.len().div_ceil(64);
    ma.resize(n, 0);
    mb.resize(n, 0);
    let chunks = buf.chunks_exact(64);
    let rest = chunks.remainder();
    for ((c, x), y) in chunks.zip(ma.iter_mut()).zip(mb.iter_mut()) {
        (*x, *y) = masks64(c.try_into().unwrap_or(&[0; 64]), a, b);
    }
    // The chunks themselves, not [`Windows`]: its per-window offset and tail check cost
    // about 1% more instructions per row.
    if !rest.is_empty() {
        (ma[n - 1], mb[n - 1]) = tail_masks(rest, a, b);
    }
}

/// The positions of the set bits of a run of window masks (bit `i` of word `w` is byte
/// `64 * w + i`), in order; [`Bits::NONE`] once they run out.
pub(crate) struct Bits<'m> {
    masks: &'m [u64],
    win: usize,
    m: u64,
}

impl<'m> Bits<'m> {
    pub(crate) const NONE: usize = usize::MAX;

    pub(crate) fn new(masks: &'m [u64]) -> Self {
        Bits {
            masks,
            win: 0,
            m: masks.first().copied().unwrap_or(0),
        }
    }

    /// The next set bit's position.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> usize {
        while self.m == 0 {
            self.win += 1;
            match self.masks.get(self.win) {
                Some(&m) => self.m = m,
                None => {
                    self.win = self.masks.len();
                    return Self::NONE;
                }
            }
        }
        let p = self.win * 64 + self.m.trailing_zeros() as usize;
        self.m &= self.m - 1;
        p
    }

    /// The next set bit's position, left to be popped.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> usize {
        let (win, m) = (self.win, self.m);
        let p = self.pop();
        (self.win, self.m) = (win, m);
        p
    }

    /// Skips to the bits at `pos` and after.
    #[inline(always)]
    pub(crate) fn seek(&mut self, pos: usize) {
        self.win = pos / 64;
        self.m = self
            .masks
            .get(self.win)
            .map_or(0, |&m| m & (!0u64 << (pos % 64)));
    }
}

/// Records a field start one past each set bit of `m` (separators of the window at `base`).
/// Returns the number of fields then.
#[inline(always)]
pub(crate) fn push_starts(starts: &mut Starts, mut n: usize, mut m: u64, base: usize) -> usize {
    let base = base as u32 + 1;
    while m != 0 {
        starts[n & (STARTS - 1)] = base + m.trailing_zeros();
        n += 1;
        m &= m - 1;
    }
    n
}

/// Fills `starts` for one line split on `sep` and returns its number of fields (which may
/// exceed [`MAX_FIELDS`]; the starts then wrap and are not to be used).
pub(crate) fn split_line(line: &[u8], sep: &[u8], starts: &mut Starts) -> usize {
    starts[0] = 0;
    let mut n = 1;
    if let [one] = sep {
        for (base, m, _) in Windows::new(line, *one, *one) {
            n = push_starts(starts, n, m, base);
        }
    } else {
        for p in memchr::memmem::find_iter(line, sep) {
            starts[n & (STARTS - 1)] = (p + sep.len()) as u32;
            n += 1;
        }
    }
    starts[n & (STARTS - 1)] = (line.len() + sep.len()) as u32;
    n
}

/// Parses an unsigned decimal integer (digits only).
#[inline(always)]
pub(crate) fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b.len() <= 19 {
        // Cannot overflow: accumulate and check all digits at once.
        let mut v: u64 = 0;
        let mut bad = 0u8;
        for &c in b {
            let d = c.wrapping_sub(b'0');
            bad |= (d > 9) as u8;
            v = v.wrapping_mul(10).wrapping_add(d as u64);
        }
        return if bad == 0 { Some(v) } else { None };
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(v)
}

#[inline]
pub(crate) fn parse_u16(b: &[u8]) -> Option<u16> {
    if b.len() > 5 {
        return None;
    }
    parse_u64(b).and_then(|v| u16::try_from(v).ok())
}

/// Parses a decimal number of seconds (`1713484795.943239`, `-1.5`, `3`) into microseconds,
/// exactly, without going through floating point; digits past the sixth decimal are cut.
/// Falls back to a float parse for exponent forms.
#[inline(always)]
pub(crate) fn parse_secs_us(b: &[u8]) -> Option<i64> {
    // Fast path: Zeek's own `digits.dddddd`.
    if b.len() >= 8 && b.len() <= 24 && b[b.len() - 7] == b'.' {
        let (int, frac) = (&b[..b.len() - 7], &b[b.len() - 6..]);
        if let (Some(i), Some(f)) = (parse_u64(int), parse_u64(frac)) {
            if i < 9_000_000_000_000 {
                return Some(i as i64 * 1_000_000 + f as i64);
            }
        }
    }
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match memchr::memchr(b'.', digits) {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits, &b""[..]),
    };
    let fast = (|| {
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let whole = if int.is_empty() { 0 } else { parse_u64(int)? };
        if whole > (i64::MAX as u64) / 1_000_000 - 1 {
            return None;
        }
        let mut f: i64 = 0;
        for i in 0..6 {
            let d = match frac.get(i) {
                Some(&c) => {
                    let d = c.wrapping_sub(b'0');
                    if d > 9 {
                        return None;
                    }
                    d as i64
                }
                None => 0,
            };
            f = f * 10 + d;
        }
        if frac.len() > 6 && !frac[6..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = whole as i64 * 1_000_000 + f;
        Some(if neg { -v } else { v })
    })();
    fast.or_else(|| {
        let s = std::str::from_utf8(b).ok()?;
        let f: f64 = s.parse().ok()?;
        if !f.is_finite() || f.abs() > 9.0e12 {
            return None;
        }
        Some((f * 1e6).round() as i64)
    })
}

/// Parses a dotted IPv4 address without allocation, or any IPv6/IPv4 text via std.
#[inline(always)]
pub(crate) fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(b) {
        return Some(IpAddr::V4(v4));
    }
    if b.len() > 64 {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[inline(always)]
fn parse_ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, o) in octets.iter_mut().enumerate() {
        let start = i;
        let mut v: u32 = 0;
        while i < b.len() && i - start < 3 {
            let d = b[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v * 10 + d as u32;
            i += 1;
        }
        if i == start || v > 255 {
            return None;
        }
        *o = v as u8;
        if k < 3 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

// Field parsers by position in the buffer: counts of up to eight digits and Zeek's time shapes
// are read eight bytes at a time, dotted quads sixteen; other shapes go by the byte loops.

/// [`parse_u64`] of `buf[s..e]`.
#[inline(always)]
pub(crate) fn parse_u64_at(buf: &[u8], s: usize, e: usize) -> Option<u64> {
    if let Some((w, len)) = word_at(buf, s, e, 8) {
        return digits8(w, len);
    }
    parse_u64(buf.get(s..e)?)
}

/// The eight bytes ending at `e` and the length of `buf[s..e]`, when that is 1 to `max`
/// (≤ 8) bytes at least eight bytes into `buf`: a field read as one word, its bytes at the
/// word's top.
#[inline(always)]
pub(crate) fn word_at(buf: &[u8], s: usize, e: usize, max: usize) -> Option<(u64, usize)> {
    let len = e.wrapping_sub(s);
    (len.wrapping_sub(1) < max && e >= 8 && e <= buf.len()).then(|| (load8_end(buf, e), len))
}

/// The eight bytes of `buf` ending at `e` as a little-endian word (zeros for bytes before
/// the buffer's start).
#[inline(always)]
pub(crate) fn load8_end(buf: &[u8], e: usize) -> u64 {
    if let Some(w) = e.checked_sub(8).and_then(|s| buf.get(s..e)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        return u64::from_le_bytes(a);
    }
    let have = &buf[..e.min(buf.len())];
    let k = have.len().min(8);
    let mut a = [0u8; 8];
    a[8 - k..].copy_from_slice(&have[have.len() - k..]);
    u64::from_le_bytes(a)
}

/// `TOP_BYTES[l]` keeps the top `l` (0..=8) bytes of a word: one `and` with a table entry
/// where the two shifts it replaced took five instructions.
pub(crate) const TOP_BYTES: [u64; 16] = {
    let mut t = [0u64; 16];
    let mut l = 1;
    while l <= 8 {
        t[l] = !0u64 << (8 * (8 - l));
        l += 1;
    }
    t
};

/// The number the last `l` (1..=8) bytes of `w` write in decimal, or None if one is not a
/// digit: three multiply-add steps pair the digits, then the pairs, then the quads.
#[inline(always)]
pub(crate) fn digits8(w: u64, l: usize) -> Option<u64> {
    let x = (w ^ 0x3030_3030_3030_3030) & TOP_BYTES[l & 15];
    // A byte's high bit ends up set in `x` or in `x + 0x76…` exactly when it is above 9.
    // A carry out of a byte comes only from a byte of 0x8a or more, itself caught by `x`,
    // and only adds to the bytes above it.
    if (x.wrapping_add(0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00ff_00ff_00ff_00ff;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_ffff_0000_ffff;
    Some((x.wrapping_mul(10_000) + (x >> 32)) & 0xffff_ffff)
}

/// [`parse_secs_us`] of `buf[s..e]`, Zeek's usual shapes by [`secs_fixed`].
#[inline(always)]
pub(crate) fn parse_secs_us_at(buf: &[u8], s: usize, e: usize) -> Option<i64> {
    // A match, not `or_else`: that compiled to a call on every row.
    match secs_fixed(buf, s, e) {
        Some(v) => Some(v),
        None => parse_secs_us_cold(buf.get(s..e)?),
    }
}

/// [`parse_secs_us`] kept out of line, for the shapes the fast readers leave to it.
#[cold]
#[inline(never)]
pub(crate) fn parse_secs_us_cold(b: &[u8]) -> Option<i64> {
    parse_secs_us(b)
}

/// Zeek's `digits.dddddd` at `buf[s..e]` as microseconds when it has 10 whole digits (epoch
/// times from 2001 to 2286), one (most durations) or two to eight (longer durations), with
/// the digit counts known to the compiler; None for any other shape or length.
#[inline(always)]
pub(crate) fn secs_fixed(buf: &[u8], s: usize, e: usize) -> Option<i64> {
    let len = e.wrapping_sub(s);
    if e < 15 || e > buf.len() {
        return None;
    }
    match len {
        17 => epoch_us(buf, s),
        8 => {
            // `d.dddddd` in one word: the dot read as a zero digit gives d·10⁷ + the
            // fraction.
            let w = load8_end(buf, e);
            if (w >> 8) as u8 != b'.' {
                return None;
            }
            let v = digits8(w & !0xff00 | 0x3000, 8)?;
            Some((v - 9_000_000 * (w as u8 - b'0') as u64) as i64)
        }
        9..=15 => {
            // 2–8 whole digits (longer durations): two words, the fraction and the dot
            // from the last, the whole part ending before the dot.
            let w = load8_end(buf, e);
            if (w >> 8) as u8 != b'.' {
                return None;
            }
            let frac = digits8(w, 6)?;
            let whole = digits8(load8_end(buf, e - 7), len - 7)?;
            Some((whole * 1_000_000 + frac) as i64)
        }
        _ => None,
    }
}

/// Zeek's epoch time `dddddddddd.dddddd` at `buf[s..s + 17]` as microseconds: the sixteen
/// digits in one vector (the whole part from one load, the fraction from a load one byte
/// on, past the dot), then paired three times by multiply-adds into two eight-digit halves.
#[inline(always)]
fn epoch_us(buf: &[u8], s: usize) -> Option<i64> {
    let a: [u8; 16] = buf.get(s..s + 16)?.try_into().ok()?;
    let b: [u8; 16] = buf.get(s + 1..s + 17)?.try_into().ok()?;
    let (va, vb) = (u8x16::from(a), u8x16::from(b));
    const WHOLE: [u8; 16] = [
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0,
    ];
    const FRAC: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255];
    let v = (va & u8x16::from(WHOLE)) | (vb & u8x16::from(FRAC));
    let d = v - u8x16::splat(b'0');
    let nine = u8x16::splat(9);
    let dot = va.simd_eq(u8x16::splat(b'.')).to_bitmask() >> 10 & 1;
    if d.max(nine).simd_eq(nine).to_bitmask() != 0xffff || dot == 0 {
        return None;
    }
    // Digits at even bytes are the tens of the pair they start.
    let x: i16x8 = wide::bytemuck::cast(d);
    let pairs: i16x8 = (x & i16x8::splat(0xff)) * i16x8::splat(10) + (x >> 8i32);
    let quads = pairs.dot(i16x8::from([100, 1, 100, 1, 100, 1, 100, 1]));
    let quads = i16x8::from_i32x8_saturate(wide::bytemuck::cast([quads, i32x4::splat(0)]));
    let halves = quads
        .dot(i16x8::from([10_000, 1, 10_000, 1, 0, 0, 0, 0]))
        .to_array();
    Some(halves[0] as i64 * 100_000_000 + halves[1] as i64)
}

/// [`parse_ip`] of `buf[s..e]`, a dotted quad sixteen bytes at a time: two vector compares
/// find the digits and the dots, the dots' positions delimit the octets.
#[inline(always)]
pub(crate) fn parse_ip_at(buf: &[u8], s: usize, e: usize) -> Option<IpAddr> {
    let len = e.wrapping_sub(s);
    if len.wrapping_sub(7) <= 15 - 7 {
        // The window holds the field (`e < s + 16`): no check of `s..e` of its own.
        let v4 = match buf.get(s.wrapping_sub(4)..s.wrapping_add(16)) {
            Some(w) => dotted_quad(w, len),
            None => dotted_quad(&padded(buf.get(s..e)?), len),
        };
        if let Some(v4) = v4 {
            return Some(IpAddr::V4(v4));
        }
    }
    parse_ip(buf.get(s..e)?)
}

/// `b` (at most 16 bytes) after four zero bytes and padded with zeros, as
/// [`dotted_quad`] reads it: for fields at a buffer's start or end.
#[cold]
fn padded(b: &[u8]) -> [u8; 20] {
    let mut w = [0u8; 20];
    let n = b.len().min(16);
    w[4..4 + n].copy_from_slice(&b[..n]);
    w
}

/// The `len` (7..=15) bytes after the first four of `w` (20 bytes) as a dotted quad of 1–3
/// digit octets ≤ 255.
#[inline(always)]
fn dotted_quad(w: &[u8], len: usize) -> Option<Ipv4Addr> {
    let lane: [u8; 16] = w.get(4..20)?.try_into().ok()?;
    let v = u8x16::from(lane);
    let d = v - u8x16::splat(b'0');
    let nine = u8x16::splat(9);
    let keep = (1u32 << len) - 1;
    let digits = d.max(nine).simd_eq(nine).to_bitmask() & keep;
    let dots = v.simd_eq(u8x16::splat(b'.')).to_bitmask() & keep;
    let d1 = dots & dots.wrapping_sub(1);
    let d2 = d1 & d1.wrapping_sub(1);
    if digits | dots != keep || d2 == 0 || d2 & d2.wrapping_sub(1) != 0 {
        return None;
    }
    // Octets of 1–3 digits: no four digits in a row, no dot first, last or beside another.
    if digits & digits >> 1 & digits >> 2 & digits >> 3 != 0
        || dots & (dots >> 1 | 1 | 1 << (len - 1)) != 0
    {
        return None;
    }
    // The four bytes before each octet's end, read as one word from the input (the bytes
    // before the field are in `w` too), one octet to each 32-bit lane. Reading the input,
    // not a copy of the vector, keeps the loads clear of a store in flight.
    let word = |end: usize| {
        let at = end & 15;
        u32::from_le_bytes([w[at], w[at + 1], w[at + 2], w[at + 3]])
    };
    let x: u8x16 = wide::bytemuck::cast(u32x4::from([
        word(dots.trailing_zeros() as usize),
        word(d1.trailing_zeros() as usize),
        word(d2.trailing_zeros() as usize),
        word(len),
    ]));
    let x = x ^ u8x16::splat(b'0');
    // A lane's octet is its digits after the last non-digit: byte 0 never (a digit there
    // would make four, refused above), byte 1 when bytes 1–3 are digits, byte 2 when 2–3
    // are. Byte 3, the octet's last, is a digit by the checks above. (The bytes before an
    // octet are its dot, but for the first.)
    let nine = u8x16::splat(9);
    let g: u32x4 = wide::bytemuck::cast(x.min(nine).simd_eq(x));
    let keep =
        g & (g >> 8u32 | u32x4::splat(0xff00_0000)) & (g >> 16u32 | u32x4::splat(0xffff_0000));
    // The first octet's lane may reach back before the field, whatever lies there: it keeps
    // its own length's bytes.
    const FIRST: [[u32; 4]; 4] = {
        let mut t = [[0xffff_ff00; 4]; 4];
        t[0][0] = 0;
        t[1][0] = 0xff00_0000;
        t[2][0] = 0xffff_0000;
        t[3][0] = 0xffff_ff00;
        t
    };
    let x: u32x4 = wide::bytemuck::cast(x);
    let x = x & keep & u32x4::from(FIRST[dots.trailing_zeros() as usize & 3]);
    // Hundreds in the low half of each lane and tens in the high, weighted by one
    // multiply-add (`pmaddwd`), then the ones.
    let ht: i16x8 =
        wide::bytemuck::cast((x >> 8u32) & u32x4::splat(0xff) | x & u32x4::splat(0xff_0000));
    let ht: u32x4 = wide::bytemuck::cast(ht.dot(i16x8::from([100, 10, 100, 10, 100, 10, 100, 10])));
    let o: i32x4 = wide::bytemuck::cast(ht + (x >> 24u32));
    if o.simd_gt(i32x4::splat(255)).to_bitmask() != 0 {
        return None;
    }
    // The four octets narrowed to the first four bytes, in order.
    let zero = i32x4::splat(0);
    let o = i16x8::from_i32x8_saturate(wide::bytemuck::cast([o, zero]));
    let o: u32x4 = wide::bytemuck::cast(u8x16::narrow_i16x8(o, wide::bytemuck::cast(zero)));
    Some(Ipv4Addr::from(o.to_array()[0].to_le_bytes()))
}

pub(crate) use unmask_model::time::days_from_civil;

/// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` into microseconds since the epoch
/// (UTC; a time without zone is taken as UTC).
pub(crate) fn parse_iso_us(s: &[u8]) -> Option<i64> {
    fn num(b: &[u8]) -> Option<u32> {
        parse_u64(b).map(|v| v as u32)
    }
    let s = s.trim_ascii();
    if s.len() < 19 {
        return None;
    }
    if s[4] != b'-' || s[7] != b'-' || !(s[10] == b'T' || s[10] == b' ') {
        return None;
    }
    if s[13] != b':' || s[16] != b':' {
        return None;
    }
    let y = num(&s[0..4])? as i64;
    let mo = num(&s[5..7])?;
    let d = num(&s[8..10])?;
    let h = num(&s[11..13])?;
    let mi = num(&s[14..16])?;
    let se = num(&s[17..19])?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac_us: i64 = 0;
    if let Some(b'.') = rest.first() {
        rest = &rest[1..];
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for i in 0..6 {
            frac_us = frac_us * 10
                + rest
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| (c - b'0') as i64);
        }
        rest = &rest[n..];
    }
    let offset_s: i64 = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), tz @ ..] => {
            let (hh, mm) = match tz.len() {
                5 if tz[2] == b':' => (num(&tz[0..2])?, num(&tz[3..5])?),
                4 => (num(&tz[0..2])?, num(&tz[2..4])?),
                2 => (num(tz)?, 0),
                _ => return None,
            };
            let o = (hh * 3600 + mm * 60) as i64;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + (h * 3600 + mi * 60 + se) as i64 - offset_s;
    Some(secs * 1_000_000 + frac_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times() {
        assert_eq!(
            parse_secs_us(b"1713484795.943239"),
            Some(1_713_484_795_943_239)
        );
        assert_eq!(parse_secs_us(b"0.5"), Some(500_000));
        assert_eq!(parse_secs_us(b"3"), Some(3_000_000));
        assert_eq!(parse_secs_us(b"1.2345678"), Some(1_234_567));
        assert_eq!(parse_secs_us(b"-"), None);
        assert_eq!(parse_secs_us(b"1e3"), Some(1_000_000_000));
        assert_eq!(parse_u16(b"93145"), None);
        assert_eq!(parse_ip(b"10.0.0.1"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip(b"256.0.0.1"), None);
        assert_eq!(parse_ip(b"fe80::1"), Some("fe80::1".parse().unwrap()));
        assert_eq!(parse_iso_us(b"1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            parse_iso_us(b"2021-06-06T16:38:55.855844+0200"),
            Some(1_622_990_335_855_844)
        );
        assert_eq!(
            parse_iso_us(b"2024-02-08 15:16:38"),
            Some(1_707_405_398_000_000)
        );
    }

    fn fields_of<'a>(line: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
        let mut starts = [0; 2 * STARTS];
        let n = split_line(line, sep, &mut starts);
        (0..n)
            .map(|i| &line[starts[i] as usize..starts[i + 1] as usize - sep.len()])
            .collect()
    }

    #[test]
    fn split_lines() {
        for line in [
            &b"a\tbb\t\tccc\tdddddddddddd\te\t"[..],
            b"",
            b"\t",
            &[b'\t'; 200],
            &[b'x'; 64],
            &[b'x'; 65],
        ] {
            let want: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
            assert_eq!(fields_of(line, b"\t"), want);
        }
        for sep in [0u8, 0x80, 0xff, b',', b'\t'] {
            let data: Vec<u8> = (0..=255u8).chain(0..=255).chain([9; 20]).collect();
            let want: Vec<&[u8]> = data.split(|&b| b == sep).collect();
            assert_eq!(fields_of(&data, &[sep]), want);
        }
        assert_eq!(fields_of(b"a::b::::c", b"::"), [&b"a"[..], b"b", b"", b"c"]);
        // Too many columns: counted, not stored past the array.
        let many = vec![b'\t'; 600];
        let mut starts = [0; 2 * STARTS];
        assert_eq!(split_line(&many, b"\t", &mut starts), 601);
    }

    proptest::proptest! {
        /// The wide parsers give what the byte-loop parsers give, wherever the field lies in
        /// its buffer (at the start, mid-buffer, at the end).
        #[test]
        fn wide_parsers_match_byte_loops(
            pre in proptest::collection::vec(proptest::sample::select(&b"0123456789.\t-"[..]), 0..20),
            field in proptest::collection::vec(proptest::sample::select(&b"0123456789...:-+eaf"[..]), 0..26),
            post in proptest::collection::vec(proptest::sample::select(&b"0123456789.\t"[..]), 0..20),
        ) {
            let buf: Vec<u8> = pre.iter().chain(&field).chain(&post).copied().collect();
            let (s, e) = (pre.len(), pre.len() + field.len());
            proptest::prop_assert_eq!(parse_ip_at(&buf, s, e), parse_ip(&field));
            proptest::prop_assert_eq!(parse_secs_us_at(&buf, s, e), parse_secs_us(&field));
            proptest::prop_assert_eq!(parse_u64_at(&buf, s, e), parse_u64(&field));
            if let Some(v) = secs_fixed(&buf, s, e) {
                proptest::prop_assert_eq!(Some(v), parse_secs_us(&field));
            }
        }

        /// Dotted quads of every octet shape (one to four digits, leading zeros, values past
        /// 255, a stray byte), wherever they lie in the buffer.
        #[test]
        fn dotted_quads_match_byte_loops(
            pre in proptest::collection::vec(proptest::sample::select(&b"0123456789.\t"[..]), 0..20),
            octets in proptest::collection::vec((
                proptest::prop_oneof![8 => 0u32..256, 1 => 0u32..1100],
                proptest::prop_oneof![8 => proptest::strategy::Just(0usize), 1 => 1usize..3],
                proptest::option::weighted(0.03, proptest::sample::select(&b"x:.-9"[..])),
            ), 3..=5),
            post in proptest::collection::vec(proptest::sample::select(&b"0123456789.\t"[..]), 0..20),
        ) {
            let mut field = Vec::new();
            for (i, (v, zeros, stray)) in octets.iter().enumerate() {
                if i > 0 {
                    field.push(b'.');
                }
                field.extend(std::iter::repeat_n(b'0', *zeros));
                field.extend(v.to_string().bytes());
                field.extend(stray);
            }
            let buf: Vec<u8> = pre.iter().chain(&field).chain(&post).copied().collect();
            let (s, e) = (pre.len(), pre.len() + field.len());
            proptest::prop_assert_eq!(parse_ip_at(&buf, s, e), parse_ip(&field));
        }

        /// Zeek's own time shapes, digit counts around the fixed ones.
        #[test]
        fn fixed_times_match_byte_loops(
            pre in proptest::collection::vec(proptest::sample::select(&b"0123456789.\t"[..]), 0..20),
            whole in proptest::collection::vec(proptest::sample::select(&b"0123456789x"[..]), 0..18),
            frac in proptest::collection::vec(proptest::sample::select(&b"0123456789x"[..]), 5..8),
        ) {
            let field: Vec<u8> = whole.iter().chain(b".").chain(&frac).copied().collect();
            let buf: Vec<u8> = pre.iter().chain(&field).chain(b"\t").copied().collect();
            let (s, e) = (pre.len(), pre.len() + field.len());
            if let Some(v) = secs_fixed(&buf, s, e) {
                proptest::prop_assert_eq!(Some(v), parse_secs_us(&field));
            }
            proptest::prop_assert_eq!(parse_secs_us_at(&buf, s, e), parse_secs_us(&field));
        }
    }

    #[test]
    fn wide_parsers_on_shapes() {
        for (f, ip) in [
            (&b"10.55.36.249"[..], Some("10.55.36.249")),
            (b"192.168.198.151", Some("192.168.198.151")),
            (b"0.0.0.0", Some("0.0.0.0")),
            (b"255.255.255.255", Some("255.255.255.255")),
            (b"256.1.1.1", None),
            (b"1.2.3", None),
            (b"1.2.3.4.", None),
            (b".1.2.3.4", None),
            (b"1..2.3", None),
            (b"1234.1.1.1", None),
            (b"::ffff:1.2.3.4", Some("::ffff:1.2.3.4")),
        ] {
            let want = ip.map(|s| s.parse::<IpAddr>().unwrap());
            assert_eq!(
                parse_ip_at(f, 0, f.len()),
                want,
                "{}",
                String::from_utf8_lossy(f)
            );
        }
        for (f, us) in [
            (&b"1517336042.090842"[..], Some(1_517_336_042_090_842)),
            (b"3.000158", Some(3_000_158)),
            (b"1234567890123.000001", Some(1_234_567_890_123_000_001)),
            (b"1234567890123456.000001", None),
            (b"9999999999999.000000", None),
            (b"15173a6042.090842", None),
            (b"1517336042.09084x", None),
        ] {
            assert_eq!(
                parse_secs_us_at(f, 0, f.len()),
                us,
                "{}",
                String::from_utf8_lossy(f)
            );
        }
    }

    /// Every byte value at every place of counts of each width, and of `d.dddddd` and epoch
    /// times: the word-at-a-time digit checks reject exactly what the byte loops reject
    /// (bytes of 0x80 and up carry out of their lane in the check).
    #[test]
    fn every_byte_in_every_digit_place() {
        let pre = b"9876543210987654321";
        for shape in [
            &b"12345678"[..],
            b"1234567",
            b"1",
            b"45",
            b"3.000158",
            b"12.345678",
            b"12345678.000001",
            b"1517336042.090842",
        ] {
            for at in 0..shape.len() {
                for b in 0..=255u8 {
                    let mut field = shape.to_vec();
                    field[at] = b;
                    let buf: Vec<u8> = pre.iter().chain(&field).chain(b"\t").copied().collect();
                    let (s, e) = (pre.len(), pre.len() + field.len());
                    assert_eq!(parse_u64_at(&buf, s, e), parse_u64(&field), "{field:?}");
                    assert_eq!(
                        parse_secs_us_at(&buf, s, e),
                        parse_secs_us(&field),
                        "{field:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn lines_cut_short() {
        let mut l = Lines::new(&b"a\r\nbb\nccc"[..]);
        assert_eq!(l.next_line().unwrap(), Some((1, &b"a"[..], false)));
        assert_eq!(l.next_line().unwrap(), Some((2, &b"bb"[..], false)));
        assert_eq!(l.next_line().unwrap(), Some((3, &b"ccc"[..], true)));
        assert_eq!(l.next_line().unwrap(), None);
    }
}
