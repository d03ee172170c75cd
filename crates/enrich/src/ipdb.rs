//! The IP range database: IP → country and IP → autonomous system number and organization.
//!
//! In memory each table is a sorted vector of range starts and a parallel vector of values
//! (0 = no data, k = entry k-1 of the organization or country table); a lookup is one binary
//! search. On disk (the bundle) the same tables are written as LEB128 varints (starts
//! delta-encoded) and the whole is gzip-compressed.

use crate::net::canonical;
use crate::EnrichError;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::OnceLock;

const MAGIC: &[u8; 8] = b"UNMASKIP";
const VERSION: u8 = 1;

/// The bundled database, built by `cargo run -p unmask-enrich --example build_ipdb`.
static BUNDLE: &[u8] = include_bytes!("../../../data/net/ipdb.bin.gz");

/// Where the data came from: shown in every report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataInfo {
    /// Date of the data (ISO 8601).
    pub date: String,
    /// The upstream packages and versions.
    pub source: String,
    /// Licence name.
    pub licence: String,
    /// The attribution the licence requires.
    pub attribution: String,
}

/// An autonomous system and the organization that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsInfo<'a> {
    pub asn: u32,
    pub org: &'a str,
}

/// Everything known about one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpInfo<'a> {
    /// ISO 3166 alpha-2 country of the range (registration/geofeed, not the device).
    pub country: Option<&'a str>,
    pub asn: Option<AsInfo<'a>>,
}

/// A sorted range table: `starts[i]..starts[i+1]` has value `vals[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Table<K> {
    pub(crate) starts: Vec<K>,
    pub(crate) vals: Vec<u32>,
}

impl<K: Copy + Ord> Table<K> {
    #[inline]
    fn get(&self, k: K) -> u32 {
        let i = self.starts.partition_point(|&s| s <= k);
        if i == 0 {
            0
        } else {
            self.vals[i - 1]
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }
}

/// IP → country and IP → AS number and organization.
///
/// ```
/// use unmask_enrich::IpDb;
/// let db = IpDb::bundled().unwrap();
/// let info = db.lookup("66.63.168.35".parse().unwrap());
/// assert_eq!(info.country, Some("US"));
/// assert!(info.asn.is_some());
/// assert_eq!(db.info().licence, "CC BY 4.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpDb {
    pub(crate) info: DataInfo,
    /// (asn, organization)
    pub(crate) orgs: Vec<(u32, String)>,
    pub(crate) countries: Vec<String>,
    pub(crate) asn4: Table<u32>,
    pub(crate) asn6: Table<u128>,
    pub(crate) cc4: Table<u32>,
    pub(crate) cc6: Table<u128>,
}

/// Sizes of the tables, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbStats {
    pub organizations: usize,
    pub countries: usize,
    pub asn_ranges_v4: usize,
    pub asn_ranges_v6: usize,
    pub country_ranges_v4: usize,
    pub country_ranges_v6: usize,
}

impl IpDb {
    /// The database bundled into the binary (decoded once, on first use).
    pub fn bundled() -> Result<&'static IpDb, EnrichError> {
        static DB: OnceLock<Result<IpDb, EnrichError>> = OnceLock::new();
        DB.get_or_init(|| IpDb::from_gz(BUNDLE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The compressed size of the bundled database in bytes.
    pub fn bundled_size() -> usize {
        BUNDLE.len()
    }

    pub fn info(&self) -> &DataInfo {
        &self.info
    }

    pub fn stats(&self) -> DbStats {
        DbStats {
            organizations: self.orgs.len(),
            countries: self.countries.len(),
            asn_ranges_v4: self.asn4.len(),
            asn_ranges_v6: self.asn6.len(),
            country_ranges_v4: self.cc4.len(),
            country_ranges_v6: self.cc6.len(),
        }
    }

    /// The country of the range holding `ip`.
    pub fn country(&self, ip: IpAddr) -> Option<&str> {
        let v = match canonical(ip) {
            IpAddr::V4(a) => self.cc4.get(u32::from(a)),
            IpAddr::V6(a) => self.cc6.get(u128::from(a)),
        };
        (v != 0).then(|| self.countries[v as usize - 1].as_str())
    }

    /// The autonomous system announcing `ip`, with its organization.
    pub fn asn(&self, ip: IpAddr) -> Option<AsInfo<'_>> {
        let v = match canonical(ip) {
            IpAddr::V4(a) => self.asn4.get(u32::from(a)),
            IpAddr::V6(a) => self.asn6.get(u128::from(a)),
        };
        (v != 0).then(|| {
            let (asn, org) = &self.orgs[v as usize - 1];
            AsInfo { asn: *asn, org }
        })
    }

    pub fn lookup(&self, ip: IpAddr) -> IpInfo<'_> {
        IpInfo {
            country: self.country(ip),
            asn: self.asn(ip),
        }
    }

    /// Serializes to the uncompressed bundle layout.
    pub fn to_raw(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 << 20);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        for s in [
            &self.info.date,
            &self.info.source,
            &self.info.licence,
            &self.info.attribution,
        ] {
            put_str(&mut out, s);
        }
        put_var(&mut out, self.orgs.len() as u128);
        for (asn, org) in &self.orgs {
            put_var(&mut out, u128::from(*asn));
            put_str(&mut out, org);
        }
        put_var(&mut out, self.countries.len() as u128);
        for c in &self.countries {
            put_str(&mut out, c);
        }
        put_table(&mut out, &self.asn4.starts, &self.asn4.vals, |k| {
            u128::from(k)
        });
        put_table(&mut out, &self.asn6.starts, &self.asn6.vals, |k| k);
        put_table(&mut out, &self.cc4.starts, &self.cc4.vals, |k| {
            u128::from(k)
        });
        put_table(&mut out, &self.cc6.starts, &self.cc6.vals, |k| k);
        out
    }

    /// The gzip-compressed bundle (deterministic for a given input).
    pub fn to_gz(&self) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&self.to_raw()).expect("writing to memory");
        enc.finish().expect("writing to memory")
    }

    /// Reads a gzip-compressed bundle.
    pub fn from_gz(bytes: &[u8]) -> Result<IpDb, EnrichError> {
        let mut raw = Vec::with_capacity(bytes.len() * 3);
        GzDecoder::new(bytes)
            .read_to_end(&mut raw)
            .map_err(|e| EnrichError::BadBundle(format!("gzip: {e}")))?;
        IpDb::from_raw(&raw)
    }

    /// Reads the uncompressed bundle layout.
    pub fn from_raw(raw: &[u8]) -> Result<IpDb, EnrichError> {
        let mut r = Reader { buf: raw, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(EnrichError::BadBundle(
                "not an unmask IP database (bad magic)".into(),
            ));
        }
        let v = r.take(1)?[0];
        if v != VERSION {
            return Err(EnrichError::BadBundle(format!("unsupported version {v}")));
        }
        let info = DataInfo {
            date: r.string()?,
            source: r.string()?,
            licence: r.string()?,
            attribution: r.string()?,
        };
        let n = r.len()?;
        let mut orgs = Vec::with_capacity(n);
        for _ in 0..n {
            let asn = u32::try_from(r.var()?)
                .map_err(|_| EnrichError::BadBundle("ASN above u32".into()))?;
            orgs.push((asn, r.string()?));
        }
        let n = r.len()?;
        let mut countries = Vec::with_capacity(n);
        for _ in 0..n {
            countries.push(r.string()?);
        }
        let asn4 = r.table(|v| u32::try_from(v).ok(), orgs.len())?;
        let asn6 = r.table(Some, orgs.len())?;
        let cc4 = r.table(|v| u32::try_from(v).ok(), countries.len())?;
        let cc6 = r.table(Some, countries.len())?;
        if r.pos != raw.len() {
            return Err(EnrichError::BadBundle("trailing bytes".into()));
        }
        Ok(IpDb {
            info,
            orgs,
            countries,
            asn4,
            asn6,
            cc4,
            cc6,
        })
    }
}

fn put_var(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_var(out, s.len() as u128);
    out.extend_from_slice(s.as_bytes());
}

fn put_table<K: Copy>(out: &mut Vec<u8>, starts: &[K], vals: &[u32], wide: impl Fn(K) -> u128) {
    put_var(out, starts.len() as u128);
    let mut prev = 0u128;
    for &s in starts {
        let s = wide(s);
        put_var(out, s - prev);
        prev = s;
    }
    for &v in vals {
        put_var(out, u128::from(v));
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EnrichError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| EnrichError::BadBundle("truncated".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn var(&mut self) -> Result<u128, EnrichError> {
        let mut v = 0u128;
        for shift in (0..128).step_by(7) {
            let b = self.take(1)?[0];
            v |= u128::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(EnrichError::BadBundle("varint too long".into()))
    }
    fn len(&mut self) -> Result<usize, EnrichError> {
        let v = self.var()?;
        usize::try_from(v)
            .ok()
            .filter(|&n| n <= self.buf.len())
            .ok_or_else(|| EnrichError::BadBundle(format!("count {v} larger than the bundle")))
    }
    fn string(&mut self) -> Result<String, EnrichError> {
        let n = self.len()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| EnrichError::BadBundle("string is not UTF-8".into()))
    }
    fn table<K: Copy + Ord>(
        &mut self,
        narrow: impl Fn(u128) -> Option<K>,
        nvals: usize,
    ) -> Result<Table<K>, EnrichError> {
        let n = self.len()?;
        let mut starts = Vec::with_capacity(n);
        let mut acc = 0u128;
        for i in 0..n {
            let d = self.var()?;
            if i > 0 && d == 0 {
                return Err(EnrichError::BadBundle("range starts not increasing".into()));
            }
            acc = acc
                .checked_add(d)
                .ok_or_else(|| EnrichError::BadBundle("range start overflows".into()))?;
            starts.push(
                narrow(acc)
                    .ok_or_else(|| EnrichError::BadBundle("range start out of family".into()))?,
            );
        }
        let mut vals = Vec::with_capacity(n);
        for _ in 0..n {
            let v = self.var()?;
            if v > nvals as u128 {
                return Err(EnrichError::BadBundle(format!(
                    "value {v} outside its table"
                )));
            }
            vals.push(v as u32);
        }
        Ok(Table { starts, vals })
    }
}
