//! The unmask pipelines as a library, shared by the command line, the HTTP service and the
//! distributed engine. Only this crate knows the order of the flow pipeline:
//!
//! 1. [`Classifier::classify`]: a pure function of one record (internal → external, safelisted,
//!    inbound, other; the intel trail its far end matches);
//! 2. [`Pipeline::push`]: per-pair aggregation (`unmask-detect`'s mergeable pair state) and
//!    intel contacts; [`Pipeline::merge`] folds in the pipeline of another shard;
//! 3. [`Pipeline::finish`]: scores, enrichment from the IP database, owner screening of AS
//!    organizations ([`OwnerScreen`]), ranking, and the controlled-hosts-by-country table
//!    ([`controlled_by_country`]);
//! 4. [`AssetIndex`]: the asset join, which ties each finding to the inventoried asset at its
//!    source and that asset's restricted vendors.
//!
//! Results are typed until the boundary: a [`Finding`] has a [`FindingKind`], addresses and one
//! evidence struct per kind ([`Evidence`]); `serde` turns it into the JSON contract of
//! `unmask flows --json` in one place. [`FindingKey`] is the key a review store keeps.
//!
//! ```
//! use unmask_analysis::{AnalysisConfig, Classifier, FindingKind, Pipeline};
//! use unmask_flows::{ConnState, FlowRecord};
//! let mut pipe = Pipeline::new(Classifier::default(), AnalysisConfig::default());
//! for i in 0..100i64 {
//!     pipe.push(&FlowRecord {
//!         ts_us: (1_700_000_000 + i * 60) * 1_000_000, duration_us: 20_000,
//!         src: "10.0.0.5".parse().unwrap(), src_port: 40_000 + i as u16,
//!         dst: "203.0.113.9".parse().unwrap(), dst_port: 443, proto: 6,
//!         bytes_out: 300, bytes_in: 900, pkts_out: 3, pkts_in: 3, state: ConnState::Established,
//!     });
//! }
//! let report = pipe.finish(None, None);
//! assert_eq!(report.findings[0].kind, FindingKind::Beacon);
//! let line = serde_json::to_string(&report.findings[0]).unwrap();
//! assert!(line.starts_with(r#"{"kind":"beacon","src":"10.0.0.5","dst":"203.0.113.9","score":"#));
//! ```

mod assets;
mod classify;
mod config;
mod countries;
mod finding;
mod owner;
mod pipeline;

pub use assets::{AssetIndex, AssetRef, InventoryInput};
pub use classify::{Classifier, RecordClass};
pub use config::{AnalysisConfig, DEFAULT_MIN_BEACON, DEFAULT_MIN_OWNER_SCORE};
pub use countries::{controlled_by_country, CountryRow};
pub use finding::*;
pub use owner::{org_variants, OwnerScreen, CORE_NAME_MIN_SCORE};
pub use pipeline::{FlowReport, Pipeline, Tally};
pub use unmask_detect::{AnalysisWindow, MergeError};
