//! "Controlled hosts by controller country", as a CERT reports it.

use crate::finding::{Finding, FindingKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// A host is controlled when it beacons to, or talks to a threat-intel address at, a
/// controller; one row per controller country (`??` when the country is unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryRow {
    pub country: String,
    pub controllers: usize,
    pub controlled_hosts: usize,
}

/// The table over `findings`, most controlled hosts first.
pub fn controlled_by_country(findings: &[Finding]) -> Vec<CountryRow> {
    let mut by: BTreeMap<String, (BTreeSet<IpAddr>, BTreeSet<IpAddr>)> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Beacon | FindingKind::ThreatIntel))
    {
        let Some(controller) = f.dst.addr() else {
            continue;
        };
        let country = f
            .evidence
            .dst_info()
            .and_then(|i| i.dst_country.clone())
            .unwrap_or_else(|| "??".to_string());
        let e = by.entry(country).or_default();
        e.0.insert(controller);
        e.1.insert(f.src);
    }
    let mut rows: Vec<CountryRow> = by
        .into_iter()
        .map(|(country, (c, h))| CountryRow {
            country,
            controllers: c.len(),
            controlled_hosts: h.len(),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.controlled_hosts
            .cmp(&a.controlled_hosts)
            .then(a.country.cmp(&b.country))
    });
    rows
}
