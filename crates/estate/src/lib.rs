//! Estate attribution: find restricted-vendor devices and apps in an inventory, an nmap scan
//! or a mobile-device app export.
//!
//! * Readers take bytes and a file label and never stop at the first bad row:
//!   [`read_inventory`] (CSV/JSON, columns found by header synonyms), [`read_nmap`] (nmap
//!   `-oX`, streamed), [`read_apps`] (CSV/JSON app lists). Each returns a [`ReadOutcome`]: the
//!   records, [`Diagnostic`](unmask_model::Diagnostic)s with file and line, and row counts.
//! * [`OuiRegistry`] is the IEEE MAC registry (MA-L, MA-M, MA-S, IAB of
//!   [`IEEE_DATA_DATE`]) bundled in the binary; the longest assignment wins, and
//!   locally administered (randomized) and multicast addresses are recognized.
//! * [`Attributor`] links an [`Asset`] to entities of the graph: MAC prefix → registrant →
//!   curated restricted-OUI table or screened registrant name; manufacturer, nmap vendor, model
//!   and banner strings screened and scanned for curated brand names (native names included);
//!   curated [`families`] of model numbers; apps by package/bundle id, publisher and name. Each
//!   [`Exposure`] carries its [`Evidence`], the relation path and the lists with their legal
//!   basis; disagreeing evidence is reported in [`AssetFindings::conflicts`].
//! * [`AssetReport`] is what an output shows of one asset: its stable [`AssetKey`] (asset
//!   id, hostname, MAC or IP from the input), its fields, and each exposure in the entity shape
//!   of `unmask-model` ([`unmask_model::ExposedEntity`]) that screening and flows use too.
//!
//! ```
//! use unmask_model::*;
//! use unmask_estate::{read_inventory, Attributor};
//!
//! let mut hik = Entity::new("curated:hikvision", EntityKind::Company, "curated");
//! hik.add_name("Hangzhou Hikvision Digital Technology Co., Ltd.", NameRole::Primary);
//! hik.add_name("Hikvision", NameRole::Alias);
//! hik.memberships.push(Membership::new("FCC_COVERED_LIST", "curated").since("2021-03-12"));
//! let mut ezviz = Entity::new("curated:ezviz", EntityKind::Brand, "curated");
//! ezviz.add_name("EZVIZ", NameRole::Primary);
//! ezviz.relations.push(Relation::new(RelationKind::BrandOf, Target::Id("curated:hikvision".into()), "curated"));
//! let graph = std::sync::Arc::new(Graph::build(vec![hik, ezviz], unmask_text::name_key));
//!
//! let inv = read_inventory(b"asset,make,model,mac\nCAM-7,EZVIZ,CS-C6N,00:40:8C:12:34:56\n", "inv.csv");
//! // One attributor (and its screener) serves many threads: `attribute` takes `&self`.
//! let attr = Attributor::new(std::sync::Arc::new(unmask_screen::Screener::new(graph)));
//! let found = attr.attribute(&inv.records[0]);
//! assert!(found.is_exposed());
//! assert_eq!(found.exposures[0].entity.view.entity_id, "curated:ezviz");
//! assert_eq!(found.exposures[0].entity.view.path[0].entity_id, "curated:hikvision");
//! // The MAC belongs to Axis: both facts are reported.
//! assert!(found.conflicts[0].to_lowercase().contains("axis"));
//! ```

mod attribute;
pub mod families;
mod inventory;
mod mac;
mod nmap;
mod oui;
mod report;
mod table;

pub use attribute::{
    legal_basis, AssetFindings, Attributor, EntityExposure, Evidence, Exposure, MacFinding,
};
pub use inventory::{
    attach_apps, read_apps, read_inventory, AppRecord, Asset, AssetKey, Observed, Platform,
    ReadOutcome,
};
pub use mac::{Mac, MacError};
pub use nmap::{merge_hosts, read_nmap, Host, Port};
pub use oui::{Assignment, MacClass, OuiRegistry, RegistryKind, IEEE_DATA_DATE, IEEE_DATA_SOURCE};
pub use report::{AssetReport, EchoedAsset, ExposureReport};

/// Errors of the estate crate's fallible helpers.
#[derive(Debug, thiserror::Error)]
pub enum EstateError {
    #[error("bad MAC: {0}")]
    Mac(#[from] MacError),
}
