//! Typed findings: one struct of evidence per kind, serialized once into the JSON contract of
//! `unmask flows --json` (PRODUCT.md): `kind`, `src`, `dst`, `score`, then the evidence.

use crate::assets::AssetRef;
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use unmask_detect::BeaconBasis;
use unmask_model::time::UtcMicros;
use unmask_screen::MatchReport;

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ThreatIntel,
    RestrictedInfrastructure,
    Beacon,
    BulkUpload,
    LongConnection,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::ThreatIntel => "threat_intel",
            FindingKind::RestrictedInfrastructure => "restricted_infrastructure",
            FindingKind::Beacon => "beacon",
            FindingKind::BulkUpload => "bulk_upload",
            FindingKind::LongConnection => "long_connection",
        }
    }
    /// Rank at equal score: intel and restricted owners first.
    pub fn rank(self) -> u8 {
        match self {
            FindingKind::ThreatIntel => 0,
            FindingKind::RestrictedInfrastructure => 1,
            FindingKind::Beacon => 2,
            FindingKind::BulkUpload => 3,
            FindingKind::LongConnection => 4,
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The far end of a finding: one address, or every destination of the source (a host's bulk
/// upload across all of them), written `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Addr(IpAddr),
    AllDestinations,
}

impl Peer {
    pub fn addr(self) -> Option<IpAddr> {
        match self {
            Peer::Addr(a) => Some(a),
            Peer::AllDestinations => None,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Addr(a) => a.fmt(f),
            Peer::AllDestinations => f.write_str("*"),
        }
    }
}

impl Serialize for Peer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The stable key of a finding, which a review store keeps across runs: kind, source,
/// destination and, for a group of destinations judged together (a beacon rotating over
/// several addresses), the group's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    pub kind: FindingKind,
    pub src: IpAddr,
    pub dst: Peer,
    pub group: Option<String>,
}

/// `kind|src|dst[|group]`.
impl fmt::Display for FindingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}|{}", self.kind, self.src, self.dst)?;
        if let Some(g) = &self.group {
            write!(f, "|{g}")?;
        }
        Ok(())
    }
}

impl Serialize for FindingKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What the IP database says of the far end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DstInfo {
    pub dst_country: Option<String>,
    pub dst_asn: Option<u32>,
    pub dst_org: Option<String>,
}

/// What every pair finding shows of the pair's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairTraffic {
    /// Connections seen, failed ones included.
    pub connections: u64,
    pub failed: u64,
    pub bytes_out: u64,
    pub bytes_in: u64,
    /// Up to four destination ports.
    pub dst_ports: Vec<u16>,
    pub first_seen: UtcMicros,
    pub last_seen: UtcMicros,
}

/// The beacon statistics behind a beacon score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeaconStats {
    pub gap_score: f64,
    pub size_score: f64,
    pub histogram_score: f64,
    pub duration_score: f64,
    pub median_gap_s: f64,
    pub gap_mad_s: f64,
    pub gap_skew: f64,
    pub median_size: f64,
    pub size_mad: f64,
    pub size_skew: f64,
    /// Distinct timestamps scored.
    pub timestamps: usize,
    /// Connections per bin of the 24-bin histogram.
    pub histogram: Vec<u64>,
    /// More timestamps arrived than the pair keeps.
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeaconEvidence {
    #[serde(flatten)]
    pub dst_info: Option<DstInfo>,
    #[serde(flatten)]
    pub traffic: PairTraffic,
    /// Whether connections or (for a pair that only fails) its attempts were scored.
    pub basis: BeaconBasis,
    pub beacon: BeaconStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongConnectionEvidence {
    #[serde(flatten)]
    pub dst_info: Option<DstInfo>,
    #[serde(flatten)]
    pub traffic: PairTraffic,
    pub max_duration_s: f64,
    pub total_duration_s: f64,
    pub longest_start: UtcMicros,
}

/// The busiest window of a bulk upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadWindow {
    pub window_start: UtcMicros,
    pub window_s: i64,
    pub window_bytes_out: u64,
    pub window_bytes_in: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkUploadEvidence {
    #[serde(flatten)]
    pub dst_info: Option<DstInfo>,
    #[serde(flatten)]
    pub traffic: PairTraffic,
    #[serde(flatten)]
    pub window: UploadWindow,
    /// Windows over the threshold.
    pub windows_over: usize,
}

/// A host's upload over all its destinations in one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostUploadEvidence {
    /// Always "host, all destinations".
    pub scope: &'static str,
    #[serde(flatten)]
    pub window: UploadWindow,
}

/// The restricted entity an AS organization or intel family resolved to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerMatch {
    #[serde(flatten)]
    pub matched: MatchReport,
    /// The core of the organization's name that matched, when the full name did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screened_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestrictedInfrastructureEvidence {
    #[serde(flatten)]
    pub dst_info: Option<DstInfo>,
    #[serde(flatten)]
    pub traffic: PairTraffic,
    pub asn: u32,
    pub org: String,
    pub restricted_entity: OwnerMatch,
}

/// Which way a contact with a known-bad address went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// We called it.
    Outbound,
    /// It called us (it was the originator).
    Inbound,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreatIntelEvidence {
    #[serde(flatten)]
    pub dst_info: Option<DstInfo>,
    pub indicator: String,
    /// `ip`, `ipport`, `domain`, `url` or `path`.
    pub trail_kind: &'static str,
    pub family: String,
    pub aliases: Vec<String>,
    pub reference: Option<String>,
    pub trail_file: String,
    pub trail_line: u64,
    pub port: u16,
    pub direction: Direction,
    pub connections: u64,
    pub first_seen: UtcMicros,
    pub last_seen: UtcMicros,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted_entity: Option<OwnerMatch>,
}

/// The evidence of a finding, one variant per kind; serialized flat beside `kind`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    Beacon(BeaconEvidence),
    LongConnection(LongConnectionEvidence),
    BulkUpload(BulkUploadEvidence),
    HostUpload(HostUploadEvidence),
    RestrictedInfrastructure(RestrictedInfrastructureEvidence),
    ThreatIntel(ThreatIntelEvidence),
}

impl Evidence {
    pub fn kind(&self) -> FindingKind {
        match self {
            Evidence::Beacon(_) => FindingKind::Beacon,
            Evidence::LongConnection(_) => FindingKind::LongConnection,
            Evidence::BulkUpload(_) | Evidence::HostUpload(_) => FindingKind::BulkUpload,
            Evidence::RestrictedInfrastructure(_) => FindingKind::RestrictedInfrastructure,
            Evidence::ThreatIntel(_) => FindingKind::ThreatIntel,
        }
    }

    /// The IP database's view of the far end, when the finding has one.
    pub fn dst_info(&self) -> Option<&DstInfo> {
        match self {
            Evidence::Beacon(e) => e.dst_info.as_ref(),
            Evidence::LongConnection(e) => e.dst_info.as_ref(),
            Evidence::BulkUpload(e) => e.dst_info.as_ref(),
            Evidence::HostUpload(_) => None,
            Evidence::RestrictedInfrastructure(e) => e.dst_info.as_ref(),
            Evidence::ThreatIntel(e) => e.dst_info.as_ref(),
        }
    }
}

/// One finding: a line of `unmask flows --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub src: IpAddr,
    pub dst: Peer,
    pub score: f64,
    #[serde(flatten)]
    pub evidence: Evidence,
    /// The inventoried asset at the source address, with its restricted vendors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_asset: Option<Arc<AssetRef>>,
}

impl Finding {
    /// A finding of the kind its evidence says.
    pub fn new(src: IpAddr, dst: Peer, score: f64, evidence: Evidence) -> Finding {
        Finding {
            kind: evidence.kind(),
            src,
            dst,
            score,
            evidence,
            src_asset: None,
        }
    }

    pub fn key(&self) -> FindingKey {
        FindingKey {
            kind: self.kind,
            src: self.src,
            dst: self.dst,
            group: None,
        }
    }
}
