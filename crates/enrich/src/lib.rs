//! IP to country and to autonomous system and organization, from bundled range tables; the
//! internal networks of the estate; threat-intel trails and safelists.
//!
//! - [`IpDb`]: the bundled database (`data/net/ipdb.bin.gz`, embedded in the binary), built by
//!   `examples/build_ipdb.rs` from the `@ip-location-db` range CSVs (data of 2026-06-17,
//!   CC BY 4.0: see [`ATTRIBUTION`]). Lookups are binary searches over sorted range starts.
//! - [`Networks`]: which addresses are internal (default RFC 1918 and RFC 4193) and which are
//!   not Internet hosts at all ([`Scope::Special`]: loopback, link-local, multicast…).
//! - [`Trails`]: Maltrail-format indicator files (IP, IP:port, domain, URL); [`Safelist`]:
//!   CIDRs, domains, ports and src→dst pairs whose traffic is expected (NTP, CDNs).
//!
//! Parsers never stop at a bad line: they return [`unmask_model::Diagnostic`]s with file, line
//! and value.
//!
//! ```
//! use unmask_enrich::{IpDb, Networks, Trails};
//! let db = IpDb::bundled().unwrap();
//! let ip = "66.63.168.35".parse().unwrap();
//! assert!(Networks::default().is_external(ip));
//! println!("{:?} {:?}", db.country(ip), db.asn(ip));
//!
//! let mut trails = Trails::default();
//! let diags = trails.add_text("remcos.txt", "remcos", "# Reference: x\n66.63.168.35:5888\nbad line!\n");
//! assert_eq!(diags.len(), 1);
//! assert!(trails.match_ip(ip, 5888).is_some());
//! ```

pub mod build;
mod intel;
mod ipdb;
mod net;

pub use intel::{Safelist, Trail, TrailKind, Trails};
pub use ipdb::{AsInfo, DataInfo, DbStats, IpDb, IpInfo};
pub use net::{canonical, is_special, Cidr, Networks, Scope, DEFAULT_INTERNAL};

/// The attribution CC BY 4.0 requires for the bundled IP data; print it with every report.
pub const ATTRIBUTION: &str = "IP to ASN and country data: RouteViews (https://www.routeviews.org), \
DB-IP IP to ASN Lite (IP Geolocation by DB-IP, https://db-ip.com) and NRO (https://www.nro.net) \
statistics, merged by sapics/ip-location-db; licensed CC BY 4.0 \
(https://creativecommons.org/licenses/by/4.0/); modified: converted to unmask's compact range tables.";

/// Errors of this crate; each names the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrichError {
    #[error("bad CIDR {value:?}: {reason}")]
    BadCidr { value: String, reason: String },
    #[error("bad IP database bundle: {0}")]
    BadBundle(String),
    #[error("{file}:{line}: {reason}")]
    Source {
        file: String,
        line: u64,
        reason: String,
    },
}
