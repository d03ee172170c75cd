//! The flow pipeline: records are classified one by one, internal→external pairs aggregated,
//! and at the end scored, enriched, screened for restricted owners and ranked into typed
//! [`Finding`]s. Only this module knows the order of those steps.

use crate::classify::{Classifier, RecordClass};
use crate::config::AnalysisConfig;
use crate::countries::{controlled_by_country, CountryRow};
use crate::finding::*;
use crate::owner::OwnerScreen;
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;
use unmask_detect::{Analysis, MergeError, Observation, PairAggregator, PairSummary, WindowBytes};
use unmask_enrich::{IpDb, TrailKind};
use unmask_flows::{ConnState, FlowRecord};
use unmask_model::time::UtcMicros;
use unmask_screen::Screener;

/// Record counts beyond the readers' read/used/rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Records handed to the pipeline.
    pub records: u64,
    /// Internal → external: analysed.
    pub outbound: u64,
    /// External → internal, internal ↔ internal, or special addresses: not analysed for beacons.
    pub other_direction: u64,
    /// Outbound but safelisted.
    pub safelisted: u64,
    /// Earliest and latest record start (µs), over every record.
    pub span_us: Option<(i64, i64)>,
}

/// Contacts of one (near, far) pair with a known-bad address.
#[derive(Debug, Clone, Copy)]
struct IntelHit {
    trail: u32,
    count: u64,
    first_us: i64,
    last_us: i64,
    port: u16,
    direction: Direction,
}

/// Streaming analysis of flow records (no I/O): [`Pipeline::push`] each record, then
/// [`Pipeline::finish`].
pub struct Pipeline {
    classifier: Classifier,
    config: AnalysisConfig,
    pairs: PairAggregator<IpAddr, IpAddr>,
    intel: HashMap<(IpAddr, IpAddr), IntelHit>,
    tally: Tally,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("tally", &self.tally)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    pub fn new(mut classifier: Classifier, config: AnalysisConfig) -> Self {
        classifier.every_pair |= config.every_pair;
        Pipeline {
            classifier,
            config,
            pairs: PairAggregator::new(config.detect),
            intel: HashMap::new(),
            tally: Tally::default(),
        }
    }

    /// Feeds one record.
    #[inline]
    pub fn push(&mut self, r: &FlowRecord) {
        self.tally.records += 1;
        self.tally.span_us = Some(match self.tally.span_us {
            None => (r.ts_us, r.ts_us),
            Some((a, b)) => (a.min(r.ts_us), b.max(r.ts_us)),
        });
        match self.classifier.classify(r) {
            RecordClass::Other => self.tally.other_direction += 1,
            RecordClass::Inbound { intel } => {
                self.tally.other_direction += 1;
                if let Some(trail) = intel {
                    self.intel_hit(r.dst, r.src, r.src_port, r.ts_us, trail, Direction::Inbound);
                }
            }
            RecordClass::Safelisted => self.tally.safelisted += 1,
            RecordClass::Outbound { intel } => {
                self.tally.outbound += 1;
                if let Some(trail) = intel {
                    self.intel_hit(
                        r.src,
                        r.dst,
                        r.dst_port,
                        r.ts_us,
                        trail,
                        Direction::Outbound,
                    );
                }
                let o = Observation {
                    ts_us: r.ts_us,
                    duration_us: r.duration_us,
                    src_port: r.src_port,
                    dst_port: r.dst_port,
                    bytes_out: r.bytes_out,
                    bytes_in: r.bytes_in,
                    failed: r.state == ConnState::Failed,
                };
                self.pairs.observe(r.src, r.dst, &o);
            }
        }
    }

    fn intel_hit(
        &mut self,
        near: IpAddr,
        far: IpAddr,
        far_port: u16,
        ts_us: i64,
        trail: u32,
        direction: Direction,
    ) {
        let hit = IntelHit {
            trail,
            count: 1,
            first_us: ts_us,
            last_us: ts_us,
            port: far_port,
            direction,
        };
        merge_hit(&mut self.intel, (near, far), hit);
    }

    /// Folds in a pipeline fed other records of the same run (another shard, built with the
    /// same classifier and configuration): counts added, spans joined, pairs merged by
    /// `unmask-detect`'s mergeable state, intel contacts merged. Shards may come in any order;
    /// the result equals one pipeline fed every record.
    pub fn merge(&mut self, other: Pipeline) -> Result<(), MergeError> {
        self.pairs.merge(other.pairs)?;
        let (a, b) = (&mut self.tally, other.tally);
        a.records += b.records;
        a.outbound += b.outbound;
        a.other_direction += b.other_direction;
        a.safelisted += b.safelisted;
        a.span_us = match (a.span_us, b.span_us) {
            (Some((x0, x1)), Some((y0, y1))) => Some((x0.min(y0), x1.max(y1))),
            (x, y) => x.or(y),
        };
        for (key, hit) in other.intel {
            merge_hit(&mut self.intel, key, hit);
        }
        Ok(())
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// Live pairs.
    pub fn pairs(&self) -> usize {
        self.pairs.pairs()
    }

    /// Scores every pair, enriches the far ends from `db`, screens their AS organizations (and
    /// intel families) with `screener`, and returns the findings ranked.
    pub fn finish(self, db: Option<&IpDb>, screener: Option<&Screener>) -> FlowReport {
        let Pipeline {
            classifier,
            config,
            pairs,
            intel,
            tally,
        } = self;
        let mut owners = OwnerScreen::new(screener);
        let mut findings = Vec::new();
        let dst_info = |ip: IpAddr| {
            db.map(|db| {
                let i = db.lookup(ip);
                DstInfo {
                    dst_country: i.country.map(str::to_string),
                    dst_asn: i.asn.map(|a| a.asn),
                    dst_org: i.asn.map(|a| a.org.to_string()),
                }
            })
        };
        let mut restricted_dsts: HashMap<IpAddr, Option<(OwnerMatch, u32, String)>> =
            HashMap::new();
        let analysis: Analysis<IpAddr, IpAddr> =
            pairs.finish_in_with(config.window, |src, dst, p| {
                let beacon = p
                    .beacon
                    .as_ref()
                    .filter(|b| b.score.score >= config.min_beacon);
                // Restricted-owner infrastructure: the far end's AS organization, screened once.
                let owner = restricted_dsts.entry(dst).or_insert_with(|| {
                    let a = db?.asn(dst)?;
                    let r = owners.resolve_org(a.org, config.min_owner_score)?;
                    Some((r, a.asn, a.org.to_string()))
                });
                if beacon.is_none()
                    && p.long_connection.is_none()
                    && p.bulk_upload.is_none()
                    && owner.is_none()
                {
                    return;
                }
                let info = dst_info(dst);
                let traffic = pair_traffic(&p);
                let peer = Peer::Addr(dst);
                if let Some(b) = beacon {
                    let s = &b.score;
                    let evidence = BeaconEvidence {
                        dst_info: info.clone(),
                        traffic: traffic.clone(),
                        basis: b.basis,
                        beacon: BeaconStats {
                            gap_score: s.gap_score,
                            size_score: s.size_score,
                            histogram_score: s.histogram_score,
                            duration_score: s.duration_score,
                            median_gap_s: s.median_gap_s,
                            gap_mad_s: s.gap_mad_s,
                            gap_skew: s.gap_skew,
                            median_size: s.median_size,
                            size_mad: s.size_mad,
                            size_skew: s.size_skew,
                            timestamps: s.timestamps,
                            histogram: s.histogram.clone(),
                            capped: p.capped,
                        },
                    };
                    findings.push(Finding::new(src, peer, s.score, Evidence::Beacon(evidence)));
                }
                if let Some(l) = &p.long_connection {
                    let evidence = LongConnectionEvidence {
                        dst_info: info.clone(),
                        traffic: traffic.clone(),
                        max_duration_s: l.max_duration_s,
                        total_duration_s: l.total_duration_s,
                        longest_start: UtcMicros(l.longest_ts_us),
                    };
                    let e = Evidence::LongConnection(evidence);
                    findings.push(Finding::new(src, peer, l.score, e));
                }
                if let Some(u) = &p.bulk_upload {
                    let evidence = BulkUploadEvidence {
                        dst_info: info.clone(),
                        traffic: traffic.clone(),
                        window: upload_window(&u.window, u.window_s),
                        windows_over: u.windows_over,
                    };
                    let e = Evidence::BulkUpload(evidence);
                    findings.push(Finding::new(src, peer, u.score, e));
                }
                if let Some((r, asn, org)) = owner {
                    let score = r.matched.score;
                    let evidence = RestrictedInfrastructureEvidence {
                        dst_info: info,
                        traffic,
                        asn: *asn,
                        org: org.clone(),
                        restricted_entity: r.clone(),
                    };
                    let e = Evidence::RestrictedInfrastructure(evidence);
                    findings.push(Finding::new(src, peer, score, e));
                }
            });
        for h in &analysis.host_bulk {
            let evidence = HostUploadEvidence {
                scope: "host, all destinations",
                window: upload_window(&h.window, h.window_s),
            };
            let e = Evidence::HostUpload(evidence);
            findings.push(Finding::new(h.src, Peer::AllDestinations, h.score, e));
        }
        for (&(near, far), h) in &intel {
            let t = &classifier.trails.entries()[h.trail as usize];
            let evidence = ThreatIntelEvidence {
                dst_info: dst_info(far),
                indicator: t.indicator.clone(),
                trail_kind: trail_kind_name(t.kind),
                family: t.family.clone(),
                aliases: t.aliases.clone(),
                reference: t.reference.clone(),
                trail_file: t.file.clone(),
                trail_line: t.line,
                port: h.port,
                direction: h.direction,
                connections: h.count,
                first_seen: UtcMicros(h.first_us),
                last_seen: UtcMicros(h.last_us),
                restricted_entity: owners.resolve(&t.family, config.min_owner_score),
            };
            let score = if t.kind == TrailKind::IpPort {
                1.0
            } else {
                0.9
            };
            let e = Evidence::ThreatIntel(evidence);
            findings.push(Finding::new(near, Peer::Addr(far), score, e));
        }
        rank(&mut findings);
        let countries = controlled_by_country(&findings);
        FlowReport {
            findings,
            countries,
            tally,
            pairs: analysis.pair_count,
            orgs_screened: owners.screened(),
        }
    }
}

/// Adds `hit` to the pair's contacts. The indicator, port and direction shown are those of the
/// earliest contact (the smaller port at equal times), so the order records arrive in, or the
/// shards they arrive in, does not change them.
fn merge_hit(
    intel: &mut HashMap<(IpAddr, IpAddr), IntelHit>,
    key: (IpAddr, IpAddr),
    hit: IntelHit,
) {
    match intel.entry(key) {
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(hit);
        }
        std::collections::hash_map::Entry::Occupied(mut o) => {
            let h = o.get_mut();
            if (hit.first_us, hit.port) < (h.first_us, h.port) {
                (h.trail, h.port, h.direction) = (hit.trail, hit.port, hit.direction);
            }
            h.count += hit.count;
            h.first_us = h.first_us.min(hit.first_us);
            h.last_us = h.last_us.max(hit.last_us);
        }
    }
}

fn pair_traffic(p: &PairSummary) -> PairTraffic {
    PairTraffic {
        connections: p.connections,
        failed: p.failed,
        bytes_out: p.bytes_out,
        bytes_in: p.bytes_in,
        dst_ports: p.dst_ports.clone(),
        first_seen: UtcMicros(p.first_ts_us),
        last_seen: UtcMicros(p.last_ts_us),
    }
}

fn upload_window(w: &WindowBytes, window_s: i64) -> UploadWindow {
    UploadWindow {
        window_start: UtcMicros(w.start_s * 1_000_000),
        window_s,
        window_bytes_out: w.bytes_out,
        window_bytes_in: w.bytes_in,
    }
}

fn trail_kind_name(k: TrailKind) -> &'static str {
    match k {
        TrailKind::Ip => "ip",
        TrailKind::IpPort => "ipport",
        TrailKind::Domain => "domain",
        TrailKind::Url => "url",
        TrailKind::Path => "path",
    }
}

/// Best first; at equal score intel and restricted owners first, then by source and
/// destination as text (so the order does not depend on the hash maps').
fn rank(findings: &mut [Finding]) {
    findings.sort_by_cached_key(|f| {
        (
            std::cmp::Reverse(OrdF64(f.score)),
            f.kind.rank(),
            f.src.to_string(),
            f.dst.to_string(),
        )
    });
}

/// `f64` ordered by `total_cmp`.
struct OrdF64(f64);
impl PartialEq for OrdF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowReport {
    /// Ranked, best first.
    pub findings: Vec<Finding>,
    /// Controlled hosts by controller country.
    pub countries: Vec<CountryRow>,
    pub tally: Tally,
    /// Pairs scored.
    pub pairs: usize,
    /// Distinct AS organizations and intel families screened.
    pub orgs_screened: usize,
}
