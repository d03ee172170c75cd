//! The asset join: inventories and nmap scans read and attributed, indexed by address, so each
//! finding names the inventoried asset at its source and that asset's restricted vendors.

use crate::finding::Finding;
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use unmask_estate::{Asset, AssetKey, Attributor, ExposureReport, Host};
use unmask_model::{Diagnostic, RowCounts};

/// What a finding shows of the asset at its source address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetRef {
    pub asset_key: AssetKey,
    /// Asset id, hostname, IP or MAC, as the input gives them.
    pub label: String,
    pub asset_id: Option<String>,
    pub hostname: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub location: Option<String>,
    /// `file:line` of the inventory row.
    pub at: String,
    /// Exposures of the asset that reach a listed entity.
    pub restricted_vendors: Vec<ExposureReport>,
}

/// One inventory input: its label (the file name) and bytes. Text that starts with `<` is
/// read as nmap XML, anything else as a CSV or JSON inventory.
#[derive(Debug, Clone, Copy)]
pub struct InventoryInput<'a> {
    pub label: &'a str,
    pub bytes: &'a [u8],
}

/// The estate by address.
#[derive(Debug, Default)]
pub struct AssetIndex {
    by_ip: HashMap<IpAddr, Arc<AssetRef>>,
    /// Rows read, used and rejected over every input.
    pub counts: RowCounts,
    pub diagnostics: Vec<Diagnostic>,
    /// Assets with an address.
    pub assets: usize,
    /// Assets with an address and a restricted vendor.
    pub exposed: usize,
}

impl AssetIndex {
    /// Reads every input with `unmask-estate` (nmap hosts merged into inventory assets) and,
    /// with an attributor, attributes each asset that has an address. The first asset of an
    /// address wins.
    pub fn build(inputs: &[InventoryInput<'_>], attributor: Option<&Attributor>) -> Self {
        let mut index = AssetIndex::default();
        let mut assets: Vec<Asset> = Vec::new();
        let mut hosts: Vec<Host> = Vec::new();
        for input in inputs {
            let xml = input.bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
            if xml {
                let o = unmask_estate::read_nmap(input.bytes, input.label);
                index.counts.add(o.counts);
                index.diagnostics.extend(o.diagnostics);
                hosts.extend(o.records);
            } else {
                let o = unmask_estate::read_inventory(input.bytes, input.label);
                index.counts.add(o.counts);
                index.diagnostics.extend(o.diagnostics);
                assets.extend(o.records);
            }
        }
        unmask_estate::merge_hosts(&mut assets, &hosts);
        for a in &assets {
            let Some(ip) =
                a.ip.as_deref()
                    .and_then(|s| s.trim().parse::<IpAddr>().ok())
            else {
                continue;
            };
            index.assets += 1;
            let mut vendors = Vec::new();
            if let Some(at) = attributor {
                let found = at.attribute(a);
                if found.is_exposed() {
                    index.exposed += 1;
                }
                vendors.extend(
                    found
                        .exposures
                        .iter()
                        .filter(|e| e.entity.is_listed())
                        .map(ExposureReport::of),
                );
            }
            index.by_ip.entry(ip).or_insert_with(|| {
                Arc::new(AssetRef {
                    asset_key: a.key(),
                    label: a.label(),
                    asset_id: a.asset_id.clone(),
                    hostname: a.hostname.clone(),
                    manufacturer: a.manufacturer.clone(),
                    model: a.model.clone(),
                    location: a.location.clone(),
                    at: format!("{}:{}", a.file, a.line),
                    restricted_vendors: vendors,
                })
            });
        }
        index
    }

    /// The asset at `ip`, if inventoried.
    pub fn get(&self, ip: IpAddr) -> Option<&Arc<AssetRef>> {
        self.by_ip.get(&ip)
    }

    /// Sets `src_asset` on every finding whose source is inventoried; returns how many.
    pub fn tie(&self, findings: &mut [Finding]) -> usize {
        let mut tied = 0;
        for f in findings {
            if let Some(a) = self.by_ip.get(&f.src) {
                f.src_asset = Some(Arc::clone(a));
                tied += 1;
            }
        }
        tied
    }
}
