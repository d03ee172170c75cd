//! Per-record classification: a pure function of one record and the run's networks, safelist
//! and intel trails. The single-machine pipeline and a distributed engine call the same one.

use std::net::IpAddr;
use unmask_enrich::{Networks, Safelist, Scope, Trails};
use unmask_flows::FlowRecord;

/// What one record is to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordClass {
    /// Internal → external and not safelisted: analysed. `intel` is the trail the far end
    /// (destination address and port) matches, if any.
    Outbound { intel: Option<u32> },
    /// Internal → external but safelisted: counted, not analysed.
    Safelisted,
    /// External → internal: not analysed for beacons, but a contact *from* a known-bad address
    /// (its trail in `intel`) is still reported.
    Inbound { intel: Option<u32> },
    /// Internal ↔ internal, external ↔ external, or a special address.
    Other,
}

/// The run's view of addresses: which networks are internal, what is safelisted, which
/// indicators are known bad.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    pub networks: Networks,
    pub safelist: Safelist,
    pub trails: Trails,
    /// Classify every record as outbound whatever its direction (benchmarks).
    pub every_pair: bool,
}

impl Classifier {
    pub fn new(networks: Networks, safelist: Safelist, trails: Trails) -> Self {
        Classifier {
            networks,
            safelist,
            trails,
            every_pair: false,
        }
    }

    /// The class of one record.
    #[inline]
    pub fn classify(&self, r: &FlowRecord) -> RecordClass {
        let (src, dst) = (self.networks.scope(r.src), self.networks.scope(r.dst));
        if (src != Scope::Internal || dst != Scope::External) && !self.every_pair {
            if src == Scope::External && dst == Scope::Internal {
                return RecordClass::Inbound {
                    intel: self.intel(r.src, r.src_port),
                };
            }
            return RecordClass::Other;
        }
        if !self.safelist.is_empty() && self.safelist.allows(r.src, r.dst, r.dst_port) {
            return RecordClass::Safelisted;
        }
        RecordClass::Outbound {
            intel: self.intel(r.dst, r.dst_port),
        }
    }

    #[inline]
    fn intel(&self, far: IpAddr, port: u16) -> Option<u32> {
        if self.trails.is_empty() {
            return None;
        }
        self.trails.find_ip(far, port).map(|i| i as u32)
    }
}
