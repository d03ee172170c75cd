//! The serializable results of attribution: one [`AssetReport`] per asset (a line of
//! `unmask scan --json`), each exposure as an [`ExposureReport`] in the one entity shape
//! ([`ExposedEntity`]) that screening and flow findings use too.

use crate::attribute::{AssetFindings, Evidence, Exposure};
use crate::inventory::{Asset, AssetKey};
use serde::Serialize;
use std::collections::BTreeMap;
use unmask_model::ExposedEntity;

/// One exposure of an asset: the entity reached and the evidence that led to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureReport {
    #[serde(flatten)]
    pub entity: ExposedEntity,
    pub evidence: Vec<Evidence>,
}

impl ExposureReport {
    pub fn of(e: &Exposure) -> ExposureReport {
        ExposureReport {
            entity: e.entity.view.clone(),
            evidence: e.evidence.clone(),
        }
    }
}

/// The asset's input fields as they were read, with where it was read and its apps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EchoedAsset {
    /// Every input column by header (a column named `source` or `apps` yields to the fields
    /// below).
    #[serde(flatten)]
    pub fields: BTreeMap<String, String>,
    /// `file:line` of the row.
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<BTreeMap<String, String>>,
}

/// One asset and what attribution found: a line of `unmask scan --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetReport {
    pub asset_key: AssetKey,
    pub asset: EchoedAsset,
    /// What the MAC address says (registrant, randomized, multicast, unregistered), if any.
    pub mac: Option<String>,
    pub exposures: Vec<ExposureReport>,
    pub conflicts: Vec<String>,
}

impl AssetReport {
    pub fn new(asset: &Asset, found: &AssetFindings) -> AssetReport {
        let mut fields: BTreeMap<String, String> = asset.fields.iter().cloned().collect();
        fields.remove("source");
        fields.remove("apps");
        AssetReport {
            asset_key: asset.key(),
            asset: EchoedAsset {
                fields,
                source: format!("{}:{}", asset.file, asset.line),
                apps: asset
                    .apps
                    .iter()
                    .map(|app| app.fields.iter().cloned().collect())
                    .collect(),
            },
            mac: found.mac.describe(),
            exposures: found.exposures.iter().map(ExposureReport::of).collect(),
            conflicts: found.conflicts.clone(),
        }
    }
}
