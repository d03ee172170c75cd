//! Building an [`IpDb`] from the upstream range CSVs (`start,end,asn,organisation` and
//! `start,end,country`, inclusive ranges, IP addresses as text). Used by the converter
//! (`examples/build_ipdb.rs`) and by the test that checks the bundle against its source.

use crate::ipdb::{DataInfo, IpDb, Table};
use crate::EnrichError;
use std::collections::HashMap;
use std::io::BufRead;
use std::net::IpAddr;

/// What one CSV gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuildCounts {
    pub rows: u64,
    pub used: u64,
    /// Rows inside (or overlapping) an earlier row: the later, more specific row wins there
    /// (upstream nests geofeed ranges inside registry ranges).
    pub overlapping: u64,
    /// Rows starting before the previous row's start (input not sorted): dropped.
    pub out_of_order: u64,
}

/// An address family's key: the next address, if any.
pub(crate) trait Key: Copy + Ord {
    fn succ(self) -> Option<Self>;
}

impl Key for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

impl Key for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

/// Turns inclusive ranges, sorted by start, into a breakpoint [`Table`]; a range starting inside
/// an earlier one overrides it for its own extent (later wins), and the earlier value resumes
/// after it.
#[derive(Debug, Default)]
pub(crate) struct Painter<K> {
    table: Table<K>,
    /// Open ranges (inclusive end, value), ends strictly decreasing towards the top.
    stack: Vec<(K, u32)>,
    last_start: Option<K>,
}

impl<K: Key> Painter<K> {
    fn emit(&mut self, at: K, val: u32) {
        let t = &mut self.table;
        if t.starts.last() == Some(&at) {
            t.vals.pop();
            t.starts.pop();
        }
        if t.vals.last() == Some(&val) || (t.vals.is_empty() && val == 0) {
            return;
        }
        t.starts.push(at);
        t.vals.push(val);
    }

    /// Closes open ranges that end before `before` (all of them when `None`).
    fn close(&mut self, before: Option<K>) {
        while let Some(&(end, _)) = self.stack.last() {
            if before.is_some_and(|b| end >= b) {
                break;
            }
            self.stack.pop();
            if let Some(next) = end.succ() {
                // Resume the enclosing range (or the gap) after this one, unless the next
                // enclosing range ends here too.
                let resume = self.stack.last().map_or(0, |&(_, v)| v);
                self.emit(next, resume);
            }
        }
    }

    /// Adds `start..=end` with value `val` (1-based). Returns (used, overlapped).
    fn add(&mut self, start: K, end: K, val: u32) -> (bool, bool) {
        if self.last_start.is_some_and(|l| start < l) {
            return (false, false);
        }
        self.last_start = Some(start);
        self.close(Some(start));
        let overlapped = !self.stack.is_empty();
        // Ranges ending within the new one are covered by it from `start` on.
        while self.stack.last().is_some_and(|&(e, _)| e <= end) {
            self.stack.pop();
        }
        self.emit(start, val);
        self.stack.push((end, val));
        (true, overlapped)
    }

    fn finish(mut self) -> Table<K> {
        self.close(None);
        self.table
    }
}

/// Accumulates range tables; call the `add_*` methods once per file, then [`Builder::finish`].
#[derive(Debug, Default)]
pub struct Builder {
    db: IpDb,
    asn4: Painter<u32>,
    asn6: Painter<u128>,
    cc4: Painter<u32>,
    cc6: Painter<u128>,
    org_ix: HashMap<(u32, String), u32>,
    cc_ix: HashMap<String, u32>,
}

impl Builder {
    pub fn new(info: DataInfo) -> Self {
        Builder {
            db: IpDb {
                info,
                ..IpDb::default()
            },
            ..Builder::default()
        }
    }

    /// Reads an `asn-ipv4.csv` / `asn-ipv6.csv` file (`file` names it in errors).
    pub fn add_asn_csv(&mut self, file: &str, r: impl BufRead) -> Result<BuildCounts, EnrichError> {
        self.add(file, r, |b, fields, line| {
            let [_, _, asn, org] = fields else {
                return Err(csv_err(
                    file,
                    line,
                    "expected 4 fields: start,end,asn,organisation",
                ));
            };
            let asn: u32 = asn
                .parse()
                .map_err(|_| csv_err(file, line, "AS number is not a number"))?;
            let key = (asn, org.to_string());
            let next = b.org_ix.len() as u32 + 1;
            let v = *b.org_ix.entry(key).or_insert_with(|| {
                b.db.orgs.push((asn, org.to_string()));
                next
            });
            Ok((v, true))
        })
    }

    /// Reads a `geo-whois-asn-country-ipv4.csv` / `-ipv6.csv` file.
    pub fn add_country_csv(
        &mut self,
        file: &str,
        r: impl BufRead,
    ) -> Result<BuildCounts, EnrichError> {
        self.add(file, r, |b, fields, line| {
            let [_, _, cc] = fields else {
                return Err(csv_err(file, line, "expected 3 fields: start,end,country"));
            };
            let next = b.cc_ix.len() as u32 + 1;
            let v = *b.cc_ix.entry(cc.to_string()).or_insert_with(|| {
                b.db.countries.push(cc.to_string());
                next
            });
            Ok((v, false))
        })
    }

    fn add(
        &mut self,
        file: &str,
        r: impl BufRead,
        mut value: impl FnMut(&mut Builder, &[String], u64) -> Result<(u32, bool), EnrichError>,
    ) -> Result<BuildCounts, EnrichError> {
        let mut counts = BuildCounts::default();
        for (i, line) in r.lines().enumerate() {
            let line_no = i as u64 + 1;
            let line = line.map_err(|e| csv_err(file, line_no, &format!("read error: {e}")))?;
            if line.is_empty() {
                continue;
            }
            counts.rows += 1;
            let fields = split_csv(&line);
            if fields.len() < 3 {
                return Err(csv_err(file, line_no, "too few fields"));
            }
            let start: IpAddr = fields[0]
                .parse()
                .map_err(|_| csv_err(file, line_no, "bad start address"))?;
            let end: IpAddr = fields[1]
                .parse()
                .map_err(|_| csv_err(file, line_no, "bad end address"))?;
            let (v, is_asn) = value(self, &fields, line_no)?;
            let (used, overlapped) = match (start, end) {
                (IpAddr::V4(s), IpAddr::V4(e)) => {
                    let (s, e) = (u32::from(s), u32::from(e));
                    if e < s {
                        return Err(csv_err(file, line_no, "range end before start"));
                    }
                    let t: &mut Painter<u32> = if is_asn {
                        &mut self.asn4
                    } else {
                        &mut self.cc4
                    };
                    t.add(s, e, v)
                }
                (IpAddr::V6(s), IpAddr::V6(e)) => {
                    let (s, e) = (u128::from(s), u128::from(e));
                    if e < s {
                        return Err(csv_err(file, line_no, "range end before start"));
                    }
                    let t: &mut Painter<u128> = if is_asn {
                        &mut self.asn6
                    } else {
                        &mut self.cc6
                    };
                    t.add(s, e, v)
                }
                _ => {
                    return Err(csv_err(
                        file,
                        line_no,
                        "start and end of different families",
                    ))
                }
            };
            if used {
                counts.used += 1;
                counts.overlapping += u64::from(overlapped);
            } else {
                counts.out_of_order += 1;
            }
        }
        Ok(counts)
    }

    pub fn finish(mut self) -> IpDb {
        self.db.asn4 = self.asn4.finish();
        self.db.asn6 = self.asn6.finish();
        self.db.cc4 = self.cc4.finish();
        self.db.cc6 = self.cc6.finish();
        self.db
    }
}

fn csv_err(file: &str, line: u64, reason: &str) -> EnrichError {
    EnrichError::Source {
        file: file.to_string(),
        line,
        reason: reason.to_string(),
    }
}

/// Splits one CSV line (RFC 4180 quoting: `"a, b"` and `""` inside quotes).
pub(crate) fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The upstream files, in the order they are read.
pub const SOURCE_FILES: [(&str, bool); 4] = [
    ("asn-ipv4.csv.gz", true),
    ("asn-ipv6.csv.gz", true),
    ("geo-whois-asn-country-ipv4.csv.gz", false),
    ("geo-whois-asn-country-ipv6.csv.gz", false),
];

/// What the bundled database says about itself.
pub fn bundled_info() -> DataInfo {
    DataInfo {
        date: "2026-06-17".into(),
        source: "npm @ip-location-db/asn 2.3.2026061719 and @ip-location-db/geo-whois-asn-country \
                 2.3.2026061719 (sapics/ip-location-db)"
            .into(),
        licence: "CC BY 4.0".into(),
        attribution: crate::ATTRIBUTION.into(),
    }
}

/// Builds the bundled database from a directory holding [`SOURCE_FILES`] (gzip CSVs).
pub fn from_dir(dir: &std::path::Path) -> Result<IpDb, EnrichError> {
    from_dir_with_counts(dir).map(|(db, _)| db)
}

/// Like [`from_dir`], with what each file gave.
pub fn from_dir_with_counts(
    dir: &std::path::Path,
) -> Result<(IpDb, Vec<(String, BuildCounts)>), EnrichError> {
    let mut counts = Vec::new();
    let mut b = Builder::new(bundled_info());
    for (name, is_asn) in SOURCE_FILES {
        let path = dir.join(name);
        let f = std::fs::File::open(&path).map_err(|e| EnrichError::Source {
            file: path.display().to_string(),
            line: 0,
            reason: e.to_string(),
        })?;
        let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        let file = path.display().to_string();
        let c = if is_asn {
            b.add_asn_csv(&file, r)?
        } else {
            b.add_country_csv(&file, r)?
        };
        counts.push((name.to_string(), c));
    }
    Ok((b.finish(), counts))
}
