//! `unmask flows PATH...`: beacons, long connections, bulk uploads, threat-intel hits and
//! restricted-owner infrastructure in flow logs; `unmask bench flows`.
//!
//! Records stream from the readers of `unmask-flows` into a [`Pipeline`]: internal→external
//! pairs feed the per-pair state of `unmask-detect`, every destination is enriched from the
//! bundled IP database of `unmask-enrich`, and each distinct AS organization (and intel family)
//! is screened once against the restricted entities.

use anyhow::Context;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;
use unmask_detect::{Analysis, DetectConfig, Observation, PairAggregator, PairSummary};
use unmask_enrich::{IpDb, Networks, Safelist, Scope, Trails};
use unmask_flows::{ConnState, FlowRecord};
use unmask_model::{Diagnostic, Graph, RowCounts};

/// Find beacons, bulk uploads and restricted-owner infrastructure in flow logs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Flow files or directories of rotated logs (Zeek TSV/JSON, Suricata EVE, nfdump CSV,
    /// NetFlow/IPFIX or packet captures; gzip is read transparently).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// How records are analysed and reported, for `unmask flows` and `unmask collect` alike.
#[derive(Debug, clap::Args)]
pub struct AnalysisArgs {
    /// Also write every normalized record as Parquet files into DIR (signed Int64 counts, UTC
    /// microsecond timestamps, IPs as strings; see `unmask-parquet`).
    #[arg(long, value_name = "DIR")]
    pub parquet_out: Option<PathBuf>,
    /// Device inventory (CSV/JSON) or nmap XML (repeatable): ties each source address to its
    /// asset and the asset's restricted vendor.
    #[arg(long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,
    /// Maltrail-format trail file(s): IPs, IP:port, domains, URLs.
    #[arg(long, value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Safelist file(s): CIDRs, domains, `port N`, `SRC -> DST` pairs (NTP, CDN noise).
    #[arg(long, value_name = "FILE")]
    pub safelist: Vec<PathBuf>,
    /// Internal networks (repeatable); default RFC 1918 and RFC 4193.
    #[arg(long = "internal", value_name = "CIDR")]
    pub internal: Vec<String>,
    /// One finding per line as JSON (summary tables go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Least beacon score reported.
    #[arg(long, default_value_t = 0.8, value_name = "SCORE")]
    pub min_beacon: f64,
    /// A connection at least this long (seconds) is a long connection.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub long_connection: i64,
    /// Bytes out of one pair in one hour that make a bulk upload.
    #[arg(long, default_value_t = 100_000_000, value_name = "BYTES")]
    pub bulk_bytes: u64,
    /// Bytes out of one host (all destinations) in one hour that make a bulk upload.
    #[arg(long, default_value_t = 500_000_000, value_name = "BYTES")]
    pub bulk_host_bytes: u64,
    /// Least screening score for an AS organization to count as restricted-owner infrastructure.
    #[arg(long, default_value_t = DEFAULT_MIN_OWNER_SCORE, value_name = "SCORE")]
    pub min_owner_score: f64,
    /// Do not screen AS organizations against the restricted entities.
    #[arg(long)]
    pub no_screen: bool,
    /// Findings shown in the human report.
    #[arg(long, default_value_t = 40)]
    pub top: usize,
}

/// Read and analyse a large conn.log: records/s, peak memory, and `wc -l` time.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// An existing conn.log to measure; without it one is generated.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Records to generate.
    #[arg(long, default_value_t = 10_000_000)]
    pub records: u64,
    /// Where to write the generated file (default: the system temp directory).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Keep the generated file.
    #[arg(long)]
    pub keep: bool,
    /// Networks treated as internal besides RFC 1918/4193 (repeatable). The shared logs' server
    /// 64.225.56.201 keeps its /16 when replayed, so `--also-internal 64.225.0.0/16` makes its
    /// outbound traffic count as internal→external.
    #[arg(long, value_name = "CIDR")]
    pub also_internal: Vec<String>,
    /// Flow logs to replay when generating (default: `$UNMASK_SHARED_DATA/net/zeek` when set).
    #[arg(long, value_name = "PATH")]
    pub replay: Option<PathBuf>,
}

// ------------------------------------------------------------------------------------------
// Findings

/// One finding: the JSON contract of PRODUCT.md (`kind`, `src`, `dst`, `score`, evidence).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub src: String,
    pub dst: String,
    pub score: f64,
    #[serde(flatten)]
    pub evidence: Map<String, Value>,
}

/// Least screening score of an AS organization's full name (AS names are noisy: "YANDEX LLC"
/// scores 0.85 against "OOO PS YANDEX.MONEY").
pub const DEFAULT_MIN_OWNER_SCORE: f64 = 0.9;

/// Rank of kinds at equal score: intel and restricted owners first.
fn kind_rank(kind: &str) -> u8 {
    match kind {
        "threat_intel" => 0,
        "restricted_infrastructure" => 1,
        "beacon" => 2,
        "bulk_upload" => 3,
        _ => 4,
    }
}

/// A restricted entity a name resolved to.
#[derive(Debug, Clone)]
struct Resolved {
    score: f64,
    json: Value,
}

/// Screens names once each.
struct OrgScreen<'g> {
    screener: Option<unmask_screen::Screener<'g>>,
    cache: HashMap<String, Option<Resolved>>,
}

impl<'g> OrgScreen<'g> {
    fn new(graph: Option<&'g Graph>) -> Self {
        OrgScreen {
            screener: graph.map(unmask_screen::Screener::new),
            cache: HashMap::new(),
        }
    }

    /// An AS organization resolved to a restricted entity, cached per organization: the
    /// full name at `min_score`, else its core name (AS handles, place names in brackets, legal
    /// forms and infrastructure words such as "Cloud Service data center" removed, so
    /// "Huawei Cloud Service data center" is screened as "Huawei") at the stricter
    /// [`CORE_NAME_MIN_SCORE`].
    fn resolve_org(&mut self, org: &str, min_score: f64) -> Option<Resolved> {
        self.screener.as_ref()?;
        if let Some(r) = self.cache.get(org) {
            return r.clone();
        }
        let mut r = self.screen_once(org, min_score);
        if r.is_none() {
            for v in org_variants(org) {
                if let Some(mut hit) = self.screen_once(&v, min_score.max(CORE_NAME_MIN_SCORE)) {
                    hit.json["screened_as"] = json!(v);
                    r = Some(hit);
                    break;
                }
            }
        }
        self.cache.insert(org.to_string(), r.clone());
        r
    }

    /// A name (an intel family) resolved as it is, cached.
    fn resolve(&mut self, name: &str, min_score: f64) -> Option<Resolved> {
        self.screener.as_ref()?;
        if let Some(r) = self.cache.get(name) {
            return r.clone();
        }
        let r = self.screen_once(name, min_score);
        self.cache.insert(name.to_string(), r.clone());
        r
    }

    /// The best *exposed* match of `name` (listed itself, or with a path to a listed entity).
    fn screen_once(&self, name: &str, min_score: f64) -> Option<Resolved> {
        let screener = self.screener.as_ref()?;
        let graph = screener.graph();
        let mut q = unmask_screen::Query::new(name);
        q.threshold = min_score;
        screener
            .screen(&q)
            .into_iter()
            .find(|m| graph.entity(m.entity).is_listed() || !m.paths.is_empty())
            .map(|m| {
                let e = graph.entity(m.entity);
                let lists = |ix: u32| -> Vec<Value> {
                    graph
                        .entity(ix)
                        .memberships
                        .iter()
                        .map(|ms| json!({"list": ms.list, "since": ms.since, "source": ms.source}))
                        .collect()
                };
                let path: Vec<Value> = m
                    .paths
                    .first()
                    .map(|p| {
                        p.hops
                            .iter()
                            .map(|h| {
                                let to = graph.entity(h.to);
                                json!({
                                    "relation": graph.edge(h.edge).kind.as_str(),
                                    "entity_id": to.id,
                                    "name": to.primary_name(),
                                    "lists": lists(h.to),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Resolved {
                    score: m.score,
                    json: json!({
                        "entity_id": e.id,
                        "name": e.primary_name(),
                        "matched_name": m.matched_name,
                        "match_score": m.score,
                        "lists": lists(m.entity),
                        "path": path,
                    }),
                }
            })
    }
}

/// Least score for a match of an organization's core name (see [`OrgScreen::resolve_org`]).
const CORE_NAME_MIN_SCORE: f64 = 0.95;

/// Words that describe infrastructure or a legal form rather than the owner, dropped from the
/// end of an AS organization name.
const INFRA_WORDS: &[&str] = &[
    "as",
    "asn",
    "num",
    "number",
    "for",
    "global",
    "network",
    "networks",
    "net",
    "internet",
    "cloud",
    "computing",
    "service",
    "services",
    "data",
    "datacenter",
    "datacentre",
    "center",
    "centre",
    "hosting",
    "backbone",
    "isp",
    "idc",
    "cdn",
    "technologies",
    "technology",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "inc",
    "corp",
    "corporation",
    "pte",
    "gmbh",
    "sa",
    "bv",
    "b.v",
    "plc",
    "international",
];

/// Core-name variants of an AS organization, most specific first.
fn org_variants(org: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut bases = vec![org.to_string()];
    // "HIPL-AS-AP - HUAWEI INTERNATIONAL PTE. LTD.": the part after the AS handle.
    if let Some((_, rest)) = org.split_once(" - ") {
        bases.push(rest.to_string());
    }
    for base in bases {
        // Drop bracketed parts ("(Beijing)") and punctuation.
        let mut clean = String::new();
        let mut depth = 0usize;
        for c in base.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                _ if depth > 0 => {}
                ',' | '.' | '"' => clean.push(' '),
                _ => clean.push(c),
            }
        }
        let mut words: Vec<&str> = clean.split_whitespace().collect();
        while words.len() > 1
            && INFRA_WORDS.contains(&words[words.len() - 1].to_ascii_lowercase().as_str())
        {
            words.pop();
        }
        let v = words.join(" ");
        if v.chars().filter(|c| c.is_alphanumeric()).count() >= 3
            && !v.eq_ignore_ascii_case(org)
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The pipeline

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

#[derive(Debug, Clone)]
struct IntelHit {
    trail: u32,
    count: u64,
    first_us: i64,
    last_us: i64,
    port: u16,
    /// The indicator contacted us (it was the originator).
    inbound: bool,
}

/// Streaming analysis of flow records (no I/O).
pub struct Pipeline {
    nets: Networks,
    trails: Trails,
    safelist: Safelist,
    agg: PairAggregator<IpAddr, IpAddr>,
    intel: HashMap<(IpAddr, IpAddr), IntelHit>,
    pub tally: Tally,
    min_beacon: f64,
    /// Least screening score for restricted-owner infrastructure.
    pub min_owner_score: f64,
    /// Analyse every pair whatever its direction (benchmarks: the detectors' worst case).
    pub every_pair: bool,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("tally", &self.tally)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    pub fn new(
        nets: Networks,
        trails: Trails,
        safelist: Safelist,
        cfg: DetectConfig,
        min_beacon: f64,
    ) -> Self {
        Pipeline {
            nets,
            trails,
            safelist,
            agg: PairAggregator::new(cfg),
            intel: HashMap::new(),
            tally: Tally::default(),
            min_beacon,
            min_owner_score: DEFAULT_MIN_OWNER_SCORE,
            every_pair: false,
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
        let (src, dst) = (self.nets.scope(r.src), self.nets.scope(r.dst));
        if (src != Scope::Internal || dst != Scope::External) && !self.every_pair {
            self.tally.other_direction += 1;
            // Inbound contact from a known-bad address is still worth reporting.
            if src == Scope::External && dst == Scope::Internal && !self.trails.is_empty() {
                self.intel_check(r.src, r.dst, r.src_port, r, true);
            }
            return;
        }
        if !self.safelist.is_empty() && self.safelist.allows(r.src, r.dst, r.dst_port) {
            self.tally.safelisted += 1;
            return;
        }
        self.tally.outbound += 1;
        if !self.trails.is_empty() {
            self.intel_check(r.dst, r.src, r.dst_port, r, false);
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
        self.agg.observe(r.src, r.dst, &o);
    }

    fn intel_check(
        &mut self,
        far: IpAddr,
        near: IpAddr,
        far_port: u16,
        r: &FlowRecord,
        inbound: bool,
    ) {
        if let Some(ix) = self.trails.find_ip(far, far_port) {
            let ix = ix as u32;
            let h = self.intel.entry((near, far)).or_insert(IntelHit {
                trail: ix,
                count: 0,
                first_us: r.ts_us,
                last_us: r.ts_us,
                port: far_port,
                inbound,
            });
            h.count += 1;
            h.first_us = h.first_us.min(r.ts_us);
            h.last_us = h.last_us.max(r.ts_us);
        }
    }

    /// Live pairs.
    pub fn pairs(&self) -> usize {
        self.agg.pairs()
    }

    /// Scores everything and returns the findings, ranked.
    pub fn finish(self, db: Option<&IpDb>, graph: Option<&Graph>) -> Report {
        let Pipeline {
            trails,
            agg,
            intel,
            tally,
            min_beacon,
            min_owner_score,
            ..
        } = self;
        let mut screen = OrgScreen::new(graph);
        let mut findings = Vec::new();
        let enrich = |ip: IpAddr, m: &mut Map<String, Value>| {
            if let Some(db) = db {
                let i = db.lookup(ip);
                m.insert("dst_country".into(), json!(i.country));
                m.insert("dst_asn".into(), json!(i.asn.map(|a| a.asn)));
                m.insert("dst_org".into(), json!(i.asn.map(|a| a.org)));
            }
        };
        let pair_evidence = |p: &PairSummary, m: &mut Map<String, Value>| {
            m.insert("connections".into(), json!(p.connections));
            m.insert("failed".into(), json!(p.failed));
            m.insert("bytes_out".into(), json!(p.bytes_out));
            m.insert("bytes_in".into(), json!(p.bytes_in));
            m.insert("dst_ports".into(), json!(p.dst_ports));
            m.insert("first_seen".into(), json!(iso_time(p.first_ts_us)));
            m.insert("last_seen".into(), json!(iso_time(p.last_ts_us)));
        };
        let mut restricted_dsts: HashMap<IpAddr, Option<(Resolved, u32, String)>> = HashMap::new();
        let analysis: Analysis<IpAddr, IpAddr> = agg.finish_with(|src, dst, p| {
            let (src, dst, p) = (&src, &dst, &p);
            let beacon = p.beacon.as_ref().filter(|b| b.score.score >= min_beacon);
            // Restricted-owner infrastructure: the far end's AS organization, screened once.
            let hit = restricted_dsts.entry(*dst).or_insert_with(|| {
                let a = db?.asn(*dst)?;
                let r = screen.resolve_org(a.org, min_owner_score)?;
                Some((r, a.asn, a.org.to_string()))
            });
            if beacon.is_none()
                && p.long_connection.is_none()
                && p.bulk_upload.is_none()
                && hit.is_none()
            {
                return;
            }
            let mut base = Map::new();
            enrich(*dst, &mut base);
            pair_evidence(p, &mut base);
            if let Some(b) = beacon {
                let mut m = base.clone();
                m.insert("basis".into(), json!(b.basis));
                let s = &b.score;
                m.insert(
                    "beacon".into(),
                    json!({
                        "gap_score": s.gap_score, "size_score": s.size_score,
                        "histogram_score": s.histogram_score, "duration_score": s.duration_score,
                        "median_gap_s": s.median_gap_s, "gap_mad_s": s.gap_mad_s, "gap_skew": s.gap_skew,
                        "median_size": s.median_size, "size_mad": s.size_mad, "size_skew": s.size_skew,
                        "timestamps": s.timestamps, "histogram": s.histogram, "capped": p.capped,
                    }),
                );
                findings.push(finding("beacon", *src, *dst, s.score, m));
            }
            if let Some(l) = &p.long_connection {
                let mut m = base.clone();
                m.insert("max_duration_s".into(), json!(l.max_duration_s));
                m.insert("total_duration_s".into(), json!(l.total_duration_s));
                m.insert("longest_start".into(), json!(iso_time(l.longest_ts_us)));
                findings.push(finding("long_connection", *src, *dst, l.score, m));
            }
            if let Some(u) = &p.bulk_upload {
                let mut m = base.clone();
                m.insert(
                    "window_start".into(),
                    json!(iso_time(u.window.start_s * 1_000_000)),
                );
                m.insert("window_s".into(), json!(u.window_s));
                m.insert("window_bytes_out".into(), json!(u.window.bytes_out));
                m.insert("window_bytes_in".into(), json!(u.window.bytes_in));
                m.insert("windows_over".into(), json!(u.windows_over));
                findings.push(finding("bulk_upload", *src, *dst, u.score, m));
            }
            if let Some((r, asn, org)) = hit {
                let mut m = base.clone();
                m.insert("asn".into(), json!(asn));
                m.insert("org".into(), json!(org));
                m.insert("restricted_entity".into(), r.json.clone());
                findings.push(finding("restricted_infrastructure", *src, *dst, r.score, m));
            }
        });
        for h in &analysis.host_bulk {
            let mut m = Map::new();
            m.insert("scope".into(), json!("host, all destinations"));
            m.insert(
                "window_start".into(),
                json!(iso_time(h.window.start_s * 1_000_000)),
            );
            m.insert("window_s".into(), json!(h.window_s));
            m.insert("window_bytes_out".into(), json!(h.window.bytes_out));
            m.insert("window_bytes_in".into(), json!(h.window.bytes_in));
            findings.push(Finding {
                kind: "bulk_upload",
                src: h.src.to_string(),
                dst: "*".into(),
                score: h.score,
                evidence: m,
            });
        }
        for ((near, far), h) in &intel {
            let t = &trails.entries()[h.trail as usize];
            let mut m = Map::new();
            enrich(*far, &mut m);
            m.insert("indicator".into(), json!(t.indicator));
            m.insert(
                "trail_kind".into(),
                json!(format!("{:?}", t.kind).to_lowercase()),
            );
            m.insert("family".into(), json!(t.family));
            m.insert("aliases".into(), json!(t.aliases));
            m.insert("reference".into(), json!(t.reference));
            m.insert("trail_file".into(), json!(t.file));
            m.insert("trail_line".into(), json!(t.line));
            m.insert("port".into(), json!(h.port));
            m.insert(
                "direction".into(),
                json!(if h.inbound { "inbound" } else { "outbound" }),
            );
            m.insert("connections".into(), json!(h.count));
            m.insert("first_seen".into(), json!(iso_time(h.first_us)));
            m.insert("last_seen".into(), json!(iso_time(h.last_us)));
            if let Some(r) = screen.resolve(&t.family, min_owner_score) {
                m.insert("restricted_entity".into(), r.json);
            }
            let score = if t.kind == unmask_enrich::TrailKind::IpPort {
                1.0
            } else {
                0.9
            };
            findings.push(finding("threat_intel", *near, *far, score, m));
        }
        findings.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(kind_rank(a.kind).cmp(&kind_rank(b.kind)))
                .then_with(|| a.src.cmp(&b.src))
                .then_with(|| a.dst.cmp(&b.dst))
        });
        let countries = controlled_by_country(&findings);
        Report {
            findings,
            countries,
            tally,
            pairs: analysis.pair_count,
            orgs_screened: screen.cache.len(),
        }
    }
}

fn finding(
    kind: &'static str,
    src: IpAddr,
    dst: IpAddr,
    score: f64,
    evidence: Map<String, Value>,
) -> Finding {
    Finding {
        kind,
        src: src.to_string(),
        dst: dst.to_string(),
        score,
        evidence,
    }
}

/// "Controlled hosts by controller country": a host is controlled when it beacons to, or
/// talks to a threat-intel address at, a controller; grouped by the controller's country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryRow {
    pub country: String,
    pub controllers: usize,
    pub controlled_hosts: usize,
}

fn controlled_by_country(findings: &[Finding]) -> Vec<CountryRow> {
    let mut by: BTreeMap<String, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.kind == "beacon" || f.kind == "threat_intel")
    {
        let c = f
            .evidence
            .get("dst_country")
            .and_then(Value::as_str)
            .unwrap_or("??")
            .to_string();
        let e = by.entry(c).or_default();
        e.0.insert(&f.dst);
        e.1.insert(&f.src);
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

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub countries: Vec<CountryRow>,
    pub tally: Tally,
    pub pairs: usize,
    pub orgs_screened: usize,
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` from microseconds since the epoch (proleptic Gregorian, UTC).
fn iso_time(ts_us: i64) -> String {
    let secs = ts_us.div_euclid(1_000_000);
    let us = ts_us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

// ------------------------------------------------------------------------------------------
// Input

/// What reading the inputs gave.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    counts: RowCounts,
    /// Rows that are not flows (other EVE events, comments): neither used nor rejected.
    skipped: u64,
    diagnostics: Vec<Diagnostic>,
    diagnostics_dropped: u64,
    /// Where the rows came from, for the summary ("3 file(s)", "udp://127.0.0.1:2055").
    from: String,
}

impl ReadOutcome {
    /// The outcome of one live source, named `from`.
    pub fn from_report(rep: unmask_flows::ReadReport, from: String) -> Self {
        ReadOutcome {
            counts: rep.counts,
            skipped: rep.skipped,
            diagnostics: rep.diagnostics,
            diagnostics_dropped: rep.diagnostics_dropped,
            from,
        }
    }
}

/// Streams every record of `paths` into `sink` through the readers of `unmask-flows`.
/// With `parquet`, every record is also written there (its `source_file` is the PATH given).
fn read_all(
    paths: &[PathBuf],
    mut parquet: Option<&mut unmask_parquet::FlowParquetWriter>,
    sink: &mut dyn FnMut(&FlowRecord),
) -> anyhow::Result<ReadOutcome> {
    let opts = unmask_flows::ReadOptions::default();
    let mut out = ReadOutcome::default();
    let mut files = 0;
    for p in paths {
        if let Some(w) = parquet.as_deref_mut() {
            w.set_source_file(Some(&p.display().to_string()));
        }
        let mut each = tee_ref(parquet.as_deref_mut(), sink);
        let rep = unmask_flows::read_path_batches(p, &opts, &mut |b| b.iter().for_each(&mut each))
            .with_context(|| format!("reading {}", p.display()))?;
        out.counts.add(rep.counts);
        out.skipped += rep.skipped;
        files += rep.files.len();
        out.diagnostics_dropped += rep.diagnostics_dropped;
        for d in rep.diagnostics {
            if out.diagnostics.len() < opts.max_diagnostics {
                out.diagnostics.push(d);
            } else {
                out.diagnostics_dropped += 1;
            }
        }
    }
    out.from = format!("{files} file(s)");
    Ok(out)
}

/// A reader's sink that writes each record to `parquet` (if any) and hands it to `sink`.
pub fn tee<'a>(
    parquet: Option<&'a mut unmask_parquet::FlowParquetWriter>,
    sink: &'a mut dyn FnMut(&FlowRecord),
) -> impl FnMut(FlowRecord) + 'a {
    let mut each = tee_ref(parquet, sink);
    move |r| each(&r)
}

/// [`tee`] for records lent, as batches give them.
fn tee_ref<'a>(
    mut parquet: Option<&'a mut unmask_parquet::FlowParquetWriter>,
    sink: &'a mut dyn FnMut(&FlowRecord),
) -> impl FnMut(&FlowRecord) + 'a {
    move |r| {
        if let Some(w) = parquet.as_deref_mut() {
            w.push(r);
        }
        sink(r)
    }
}

fn read_text(p: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The restricted entities (the bundled lists) for screening AS organizations.
fn load_dataset() -> anyhow::Result<unmask_lists::Dataset> {
    crate::dataset::load(&[], None)
}

/// The estate: each inventoried address with its asset and the restricted vendors found on it.
#[derive(Debug, Default)]
struct Inventory {
    by_ip: HashMap<IpAddr, Value>,
    counts: RowCounts,
    diagnostics: Vec<Diagnostic>,
    assets: usize,
    exposed: usize,
}

/// Reads inventories (CSV/JSON) and nmap XML scans with `unmask-estate` and attributes each
/// asset against the graph (when screening is on).
fn load_inventory(paths: &[PathBuf], graph: Option<&Graph>) -> anyhow::Result<Inventory> {
    let mut inv = Inventory::default();
    let mut assets: Vec<unmask_estate::Asset> = Vec::new();
    let mut hosts: Vec<unmask_estate::Host> = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let label = p.display().to_string();
        let xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
        if xml {
            let o = unmask_estate::read_nmap(&bytes, &label);
            inv.counts.add(o.counts);
            inv.diagnostics.extend(o.diagnostics);
            hosts.extend(o.records);
        } else {
            let o = unmask_estate::read_inventory(&bytes, &label);
            inv.counts.add(o.counts);
            inv.diagnostics.extend(o.diagnostics);
            assets.extend(o.records);
        }
    }
    unmask_estate::merge_hosts(&mut assets, &hosts);
    let mut attributor = graph.map(unmask_estate::Attributor::new);
    for a in &assets {
        let Some(ip) =
            a.ip.as_deref()
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
        else {
            continue;
        };
        inv.assets += 1;
        let mut vendors: Vec<Value> = Vec::new();
        if let Some(at) = attributor.as_mut() {
            let found = at.attribute(a);
            if found.is_exposed() {
                inv.exposed += 1;
            }
            for e in found.exposures.iter().filter(|e| e.entity.is_listed()) {
                vendors.push(json!({
                    "entity_id": e.entity.entity_id,
                    "name": e.entity.name,
                    "lists": e.entity.lists.iter().map(|l| json!({"list": l.list, "since": l.since, "basis": l.basis, "entity": l.entity_name})).collect::<Vec<_>>(),
                    "path": e.entity.path.iter().map(|h| json!({"relation": h.relation, "entity_id": h.entity_id, "name": h.name})).collect::<Vec<_>>(),
                    "evidence": e.evidence.iter().map(|v| json!({"field": v.field, "value": v.value, "how": v.how, "at": v.at})).collect::<Vec<_>>(),
                }));
            }
        }
        inv.by_ip.entry(ip).or_insert_with(|| {
            json!({
                "label": a.label(),
                "asset_id": a.asset_id,
                "hostname": a.hostname,
                "manufacturer": a.manufacturer,
                "model": a.model,
                "location": a.location,
                "at": format!("{}:{}", a.file, a.line),
                "restricted_vendors": vendors,
            })
        });
    }
    Ok(inv)
}

/// Adds the source's asset to every finding whose source is inventoried.
fn tie_to_assets(findings: &mut [Finding], inv: &Inventory) {
    for f in findings {
        if let Some(a) = f
            .src
            .parse::<IpAddr>()
            .ok()
            .and_then(|ip| inv.by_ip.get(&ip))
        {
            f.evidence.insert("src_asset".into(), a.clone());
        }
    }
}

// ------------------------------------------------------------------------------------------
// The command

pub fn run(args: Args) -> anyhow::Result<u8> {
    analyse(&args.analysis, &mut |parquet, sink| {
        read_all(&args.paths, parquet, sink)
    })
}

/// Where records come from: called once with the Parquet writer (if any) and the pipeline's
/// sink; returns what reading gave.
pub type Source<'s> = dyn FnMut(
        Option<&mut unmask_parquet::FlowParquetWriter>,
        &mut dyn FnMut(&FlowRecord),
    ) -> anyhow::Result<ReadOutcome>
    + 's;

/// Runs the detectors over the records of `source` and prints the report.
pub fn analyse(args: &AnalysisArgs, source: &mut Source<'_>) -> anyhow::Result<u8> {
    let started = Instant::now();
    let nets = if args.internal.is_empty() {
        Networks::default()
    } else {
        Networks::from_cidrs(&args.internal)?
    };
    let mut side_diags: Vec<Diagnostic> = Vec::new();
    let mut trails = Trails::default();
    for p in &args.intel {
        let family = p
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| s.trim_start_matches("maltrail-").to_string())
            .unwrap_or_default();
        side_diags.extend(trails.add_text(&p.display().to_string(), &family, &read_text(p)?));
    }
    let mut safelist = Safelist::default();
    for p in &args.safelist {
        side_diags.extend(safelist.add_text(&p.display().to_string(), &read_text(p)?));
    }
    let cfg = DetectConfig {
        long_connection_s: args.long_connection,
        bulk_pair_bytes: args.bulk_bytes,
        bulk_host_bytes: args.bulk_host_bytes,
        ..DetectConfig::default()
    };
    let db = IpDb::bundled().context("loading the bundled IP database")?;
    let dataset = if args.no_screen {
        None
    } else {
        Some(load_dataset().context("loading the restricted-entity dataset")?)
    };
    let graph = dataset.as_ref().map(|d| &d.graph);
    let list_dates: Vec<String> = dataset
        .iter()
        .flat_map(|d| &d.sources)
        .map(|s| {
            format!(
                "{} {}",
                s.info.id,
                if s.info.date.is_empty() {
                    "(undated)"
                } else {
                    &s.info.date
                }
            )
        })
        .collect();

    let mut pipe = Pipeline::new(nets.clone(), trails, safelist, cfg, args.min_beacon);
    pipe.min_owner_score = args.min_owner_score;
    let mut parquet = match &args.parquet_out {
        Some(dir) => Some(unmask_parquet::FlowParquetWriter::create(
            dir,
            unmask_parquet::ParquetOptions {
                source_file_column: true,
                ..unmask_parquet::ParquetOptions::default()
            },
        )?),
        None => None,
    };
    let outcome = source(parquet.as_mut(), &mut |r| pipe.push(r))?;
    let parquet = parquet.map(|w| w.finish()).transpose()?;
    let mut report = pipe.finish(Some(db), graph);
    let inventory = if args.inventory.is_empty() {
        None
    } else {
        let inv = load_inventory(&args.inventory, graph)?;
        tie_to_assets(&mut report.findings, &inv);
        side_diags.extend(inv.diagnostics.iter().cloned());
        Some(inv)
    };
    let elapsed = started.elapsed();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        for f in &report.findings {
            serde_json::to_writer(&mut out, f)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        let err = std::io::stderr();
        let mut e = err.lock();
        summary(
            &mut e,
            &report,
            &outcome,
            &side_diags,
            db,
            &nets,
            &list_dates,
            inventory.as_ref(),
            elapsed,
        )?;
        if let Some(pq) = &parquet {
            writeln!(e, "{pq}")?;
        }
    } else {
        human_findings(&mut out, &report, args.top)?;
        summary(
            &mut out,
            &report,
            &outcome,
            &side_diags,
            db,
            &nets,
            &list_dates,
            inventory.as_ref(),
            elapsed,
        )?;
        if let Some(pq) = &parquet {
            writeln!(out, "{pq}")?;
        }
        out.flush()?;
    }
    Ok(0)
}

fn human_findings(out: &mut dyn Write, report: &Report, top: usize) -> std::io::Result<()> {
    let f = &report.findings;
    writeln!(
        out,
        "{} findings{}",
        f.len(),
        if f.len() > top {
            format!(" (top {top} shown; --json for all)")
        } else {
            String::new()
        }
    )?;
    if !f.is_empty() {
        writeln!(
            out,
            "{:>5}  {:<25}  {:<15}  {:<39}  {:<2}  {:<30}  evidence",
            "score", "kind", "src", "dst", "cc", "AS organization"
        )?;
    }
    for x in f.iter().take(top) {
        let ev = &x.evidence;
        let s = |k: &str| ev.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let detail = match x.kind {
            "beacon" => {
                let b = &ev["beacon"];
                format!(
                    "every {}s, {} timestamps, {} conns ({} failed){}",
                    b["median_gap_s"],
                    b["timestamps"],
                    ev["connections"],
                    ev["failed"],
                    if ev["basis"] == "failed_attempts" {
                        ", scored on failed attempts"
                    } else {
                        ""
                    }
                )
            }
            "long_connection" => format!(
                "longest {:.0}s, total {:.0}s",
                ev["max_duration_s"].as_f64().unwrap_or(0.0),
                ev["total_duration_s"].as_f64().unwrap_or(0.0)
            ),
            "bulk_upload" => format!(
                "{} B out / {} B in in {}s from {}",
                ev["window_bytes_out"],
                ev["window_bytes_in"],
                ev["window_s"],
                s("window_start")
            ),
            "threat_intel" => format!(
                "{} ({} line {}), {} conns",
                s("indicator"),
                s("family"),
                ev["trail_line"],
                ev["connections"]
            ),
            "restricted_infrastructure" => {
                let r = &ev["restricted_entity"];
                let lists: Vec<String> = r["lists"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l["list"].as_str().map(String::from))
                    .collect();
                let via: Vec<String> = r["path"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|h| {
                        format!(
                            "{} {}",
                            h["relation"].as_str().unwrap_or(""),
                            h["name"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                format!(
                    "AS{} → {} {}{}",
                    ev["asn"],
                    r["name"].as_str().unwrap_or(""),
                    if via.is_empty() {
                        String::new()
                    } else {
                        format!("via {} ", via.join(", "))
                    },
                    if lists.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", lists.join(", "))
                    }
                )
            }
            _ => String::new(),
        };
        let detail = match ev.get("src_asset") {
            Some(a) => {
                let vendor = a["restricted_vendors"]
                    .as_array()
                    .and_then(|v| v.first())
                    .and_then(|v| v["name"].as_str())
                    .map(|n| format!(", {n}"))
                    .unwrap_or_default();
                format!("[{}{vendor}] {detail}", a["label"].as_str().unwrap_or(""))
            }
            None => detail,
        };
        writeln!(
            out,
            "{:>5.3}  {:<25}  {:<15}  {:<39}  {:<2}  {:<30}  {}",
            x.score,
            x.kind,
            x.src,
            x.dst,
            s("dst_country"),
            unmask_model::shorten(&s("dst_org"), 30),
            detail
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn summary(
    out: &mut dyn Write,
    report: &Report,
    outcome: &ReadOutcome,
    side: &[Diagnostic],
    db: &IpDb,
    nets: &Networks,
    list_dates: &[String],
    inventory: Option<&Inventory>,
    elapsed: std::time::Duration,
) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Controlled hosts by controller country (beacons and threat-intel contacts):"
    )?;
    if report.countries.is_empty() {
        writeln!(out, "  (none)")?;
    } else {
        writeln!(
            out,
            "  {:<7}  {:>11}  {:>16}",
            "country", "controllers", "controlled hosts"
        )?;
        for r in &report.countries {
            writeln!(
                out,
                "  {:<7}  {:>11}  {:>16}",
                r.country, r.controllers, r.controlled_hosts
            )?;
        }
    }
    writeln!(out)?;
    let c = outcome.counts;
    writeln!(out, "Rows: {c} from {}; {} internal→external analysed, {} other directions, {} safelisted; {} pairs, {} AS organizations screened; {:.2}s",
        outcome.from, report.tally.outbound, report.tally.other_direction, report.tally.safelisted, report.pairs, report.orgs_screened, elapsed.as_secs_f64())?;
    if let Some((a, b)) = report.tally.span_us {
        writeln!(out, "Time span: {} .. {}", iso_time(a), iso_time(b))?;
    }
    if let Some(inv) = inventory {
        let tied = report
            .findings
            .iter()
            .filter(|f| f.evidence.contains_key("src_asset"))
            .count();
        writeln!(
            out,
            "Inventory: {} ({} assets with an address, {} with a restricted vendor); {tied} findings tied to an asset",
            inv.counts, inv.assets, inv.exposed
        )?;
    }
    let internal: Vec<String> = nets.internal().iter().map(|c| c.to_string()).collect();
    writeln!(out, "Internal networks: {}", internal.join(", "))?;
    let diags: Vec<&Diagnostic> = outcome.diagnostics.iter().chain(side).collect();
    if outcome.skipped > 0 {
        writeln!(out, "Skipped (not flows): {}", outcome.skipped)?;
    }
    if !diags.is_empty() {
        let dropped = outcome.diagnostics_dropped;
        writeln!(
            out,
            "Diagnostics ({}{}):",
            diags.len(),
            if dropped > 0 {
                format!(" shown of {}", diags.len() as u64 + dropped)
            } else {
                String::new()
            }
        )?;
        for d in diags.iter().take(10) {
            writeln!(out, "  {d}")?;
        }
        if diags.len() > 10 {
            writeln!(out, "  … {} more", diags.len() - 10)?;
        }
    }
    let i = db.info();
    writeln!(out, "IP data: {} ({}), {}", i.date, i.licence, i.source)?;
    writeln!(out, "  {}", i.attribution)?;
    if list_dates.is_empty() {
        writeln!(out, "Lists: not screened (--no-screen)")?;
    } else {
        writeln!(out, "Lists screened: {}", list_dates.join("; "))?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// The benchmark

/// Rounds of `wc -l` and of the read-only pass, alternating: on a machine whose speed
/// drifts (shared virtual cores), more rounds let both catch a fast phase.
const ROUNDS: usize = 5;

/// The best and the median of some timings.
fn best_median(runs: &mut [f64]) -> (f64, f64) {
    runs.sort_by(f64::total_cmp);
    (
        runs.first().copied().unwrap_or(0.0),
        runs.get(runs.len() / 2).copied().unwrap_or(0.0),
    )
}

pub fn bench(args: BenchArgs) -> anyhow::Result<u8> {
    // 1. The input: a given file, or a generated one.
    let (path, generated) = match &args.file {
        Some(f) => (f.clone(), false),
        None => {
            let out = args.out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("unmask-bench-conn-{}.log", args.records))
            });
            let t = Instant::now();
            generate(&out, args.records, args.replay.as_deref())?;
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!(
                "generated {} ({} records, {:.1} MB) in {:.1}s",
                out.display(),
                args.records,
                size as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            (out, true)
        }
    };
    let size = std::fs::metadata(&path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();

    // 2. `wc -l` on the same file (twice: the first run warms the page cache for everyone).
    let wc = |p: &Path| -> anyhow::Result<(f64, String)> {
        let t = Instant::now();
        let o = std::process::Command::new("wc")
            .arg("-l")
            .arg(p)
            .output()
            .context("running wc -l")?;
        Ok((
            t.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_string(),
        ))
    };
    // The first run warms the page cache for everyone.
    let (_, lines) = wc(&path)?;
    // 3. Read only (the readers' speed), then read + analyse (the command's speed). This VM's
    // speed drifts from minute to minute, so `wc -l` and the read alternate, five rounds,
    // and each is given by its best and median round.
    let opts = unmask_flows::ReadOptions::default();
    let (mut wc_runs, mut read_runs) = (Vec::new(), Vec::new());
    let mut n = 0u64;
    let mut rep = unmask_flows::ReadReport::default();
    for _ in 0..ROUNDS {
        wc_runs.push(wc(&path)?.0);
        let t = Instant::now();
        n = 0;
        rep = unmask_flows::read_path_batches(&path, &opts, &mut |b| n += b.len() as u64)?;
        read_runs.push(t.elapsed().as_secs_f64());
    }
    let (wc_s, wc_med) = best_median(&mut wc_runs);
    let (read_s, read_med) = best_median(&mut read_runs);
    let rss_after_read = crate::bench_cmd::peak_rss_kib();

    let t = Instant::now();
    let db = IpDb::bundled()?;
    let db_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut cidrs: Vec<String> = unmask_enrich::DEFAULT_INTERNAL
        .iter()
        .map(|s| s.to_string())
        .collect();
    cidrs.extend(args.also_internal.iter().cloned());
    let nets = Networks::from_cidrs(&cidrs)?;
    let mut pipe = Pipeline::new(
        nets,
        Trails::default(),
        Safelist::default(),
        DetectConfig::default(),
        0.8,
    );
    let rep2 = unmask_flows::read_path_batches(&path, &opts, &mut |b| {
        b.iter().for_each(|r| pipe.push(r))
    })?;
    let push_s = t.elapsed().as_secs_f64();
    let pairs = pipe.pairs();
    let tally = pipe.tally;
    let t = Instant::now();
    let report = pipe.finish(Some(db), None);
    let finish_s = t.elapsed().as_secs_f64();
    let full_s = push_s + finish_s;
    let rss = crate::bench_cmd::peak_rss_kib();

    // The detectors' worst case: every record is a pair to analyse.
    let t = Instant::now();
    let mut pipe = Pipeline::new(
        Networks::default(),
        Trails::default(),
        Safelist::default(),
        DetectConfig::default(),
        0.8,
    );
    pipe.every_pair = true;
    unmask_flows::read_path_batches(&path, &opts, &mut |b| b.iter().for_each(|r| pipe.push(r)))?;
    let all_pairs = pipe.pairs();
    let all_report = pipe.finish(Some(db), None);
    let all_s = t.elapsed().as_secs_f64();
    let rss_all = crate::bench_cmd::peak_rss_kib();

    // 4. Enrichment lookups.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let addrs: Vec<IpAddr> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            IpAddr::from(std::net::Ipv4Addr::from(x as u32))
        })
        .collect();
    let t = Instant::now();
    let mut hits = 0usize;
    for a in &addrs {
        let i = db.lookup(*a);
        hits += usize::from(i.asn.is_some()) + usize::from(i.country.is_some());
    }
    let lookup_s = t.elapsed().as_secs_f64();

    let recs = rep.counts.used as f64;
    println!(
        "file: {} ({:.1} MB, {} lines by wc -l)",
        path.display(),
        size as f64 / 1e6,
        lines
    );
    println!(
        "rows: {} (read only: {n} records delivered); analysed {} internal→external in {pairs} pairs, {} findings",
        rep.counts, tally.outbound, report.findings.len()
    );
    println!(
        "read only:        {:>7.2}s  {:>6.2} M records/s  {:>7.1} MB/s",
        read_s,
        recs / read_s / 1e6,
        size as f64 / read_s / 1e6
    );
    println!(
        "read + analyse:   {:>7.2}s  {:>6.2} M records/s  (scoring {:.2}s)",
        full_s,
        rep2.counts.used as f64 / full_s / 1e6,
        finish_s
    );
    println!(
        "every pair:       {:>7.2}s  {:>6.2} M records/s  (detectors on all {} records: {all_pairs} pairs, {} findings)",
        all_s,
        recs / all_s / 1e6,
        rep.counts.used,
        all_report.findings.len()
    );
    println!(
        "wc -l:            {:>7.2}s  {:>6.2} M lines/s    read only is {:.1}× wc -l, read + analyse {:.1}×",
        wc_s,
        lines.parse::<f64>().unwrap_or(0.0) / wc_s / 1e6,
        read_s / wc_s,
        full_s / wc_s
    );
    println!(
        "rounds:           {ROUNDS} of wc -l and read only, alternating: best above; medians {:.2}s and {:.2}s, read only {:.1}× wc -l",
        wc_med,
        read_med,
        read_med / wc_med
    );
    println!(
        "peak memory:      {} MiB after reading, {} MiB after analysing, {} MiB after every-pair",
        rss_after_read.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        rss.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        rss_all.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
    );
    println!(
        "IP database:      {:.1} MB bundled, decoded in {:.0} ms; {:.1} M lookups/s (country + AS, random IPv4; {hits} hits)",
        IpDb::bundled_size() as f64 / 1e6,
        db_s * 1e3,
        addrs.len() as f64 / lookup_s / 1e6
    );
    if generated && !args.keep {
        let _ = std::fs::remove_file(&path);
    }
    Ok(0)
}

/// Writes a synthetic conn.log of `records` records by replaying real logs with shifted
/// addresses and times (`unmask_flows::synth_conn_log_from`): the records of `replay`, by default
/// the shared Zeek logs when `$UNMASK_SHARED_DATA` points at them (`…/net/zeek`), else the
/// generator's built-in mix.
fn generate(out: &Path, records: u64, replay: Option<&Path>) -> anyhow::Result<()> {
    let default_dir = std::env::var_os("UNMASK_SHARED_DATA")
        .map(|d| PathBuf::from(d).join("net/zeek"))
        .filter(|d| d.exists());
    let dir = replay.map(Path::to_path_buf).or(default_dir);
    let mut source = Vec::new();
    if let Some(dir) = &dir {
        let rep = unmask_flows::read_path(dir, &unmask_flows::ReadOptions::default(), &mut |r| {
            source.push(r)
        })
        .with_context(|| format!("reading {}", dir.display()))?;
        println!(
            "replaying {} records of {} ({})",
            source.len(),
            dir.display(),
            rep.counts
        );
    } else {
        println!("replaying the generator's built-in record mix");
    }
    let f = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    unmask_flows::synth_conn_log_from(&source, &mut w, records, 42)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn rec(
        ts: f64,
        src: &str,
        sp: u16,
        dst: &str,
        dp: u16,
        out: u64,
        inn: u64,
        state: ConnState,
    ) -> FlowRecord {
        FlowRecord {
            ts_us: (ts * 1e6) as i64,
            duration_us: 30_000,
            src: src.parse().unwrap(),
            src_port: sp,
            dst: dst.parse().unwrap(),
            dst_port: dp,
            proto: 6,
            bytes_out: out,
            bytes_in: inn,
            pkts_out: 2,
            pkts_in: 2,
            state,
        }
    }

    /// Records shaped like the CTU-SME-11 Remcos conn.log: 192.168.1.107 → 66.63.168.35:5888,
    /// REJ three times per source port (Windows connect retries), a new port every ~2.1 s.
    fn remcos_like() -> Vec<FlowRecord> {
        let mut v = Vec::new();
        for i in 0..240u16 {
            let t0 = 1_677_024_003.714_845 + f64::from(i) * 2.1;
            for k in 0..3 {
                v.push(rec(
                    t0 + f64::from(k) * 0.54,
                    "192.168.1.107",
                    65164 + i,
                    "66.63.168.35",
                    5888,
                    0,
                    0,
                    ConnState::Failed,
                ));
            }
        }
        v.push(rec(
            1_677_024_005.317_605,
            "192.168.1.107",
            64746,
            "162.159.136.234",
            443,
            572,
            11677,
            ConnState::Partial,
        ));
        v.push(rec(
            1_677_024_010.0,
            "192.168.1.135",
            58211,
            "192.168.1.107",
            58211,
            100,
            0,
            ConnState::Failed,
        ));
        v
    }

    #[test]
    fn remcos_pair_is_beacon_and_intel_hit() {
        let mut trails = Trails::default();
        assert!(trails
            .add_text(
                "remcos.txt",
                "remcos",
                "# Reference: x\n66.63.168.35:5888\n"
            )
            .is_empty());
        let mut pipe = Pipeline::new(
            Networks::default(),
            trails,
            Safelist::default(),
            DetectConfig::default(),
            0.8,
        );
        for r in remcos_like() {
            pipe.push(&r);
        }
        assert_eq!(pipe.tally.outbound, 721);
        assert_eq!(pipe.tally.other_direction, 1);
        let db = IpDb::bundled().unwrap();
        let rep = pipe.finish(Some(db), None);
        let kinds: Vec<(&str, &str, f64)> = rep
            .findings
            .iter()
            .map(|f| (f.kind, f.dst.as_str(), f.score))
            .collect();
        assert_eq!(kinds[0], ("threat_intel", "66.63.168.35", 1.0), "{kinds:?}");
        let b = rep
            .findings
            .iter()
            .find(|f| f.kind == "beacon")
            .expect("beacon");
        assert!(b.score >= 0.95, "{b:?}");
        assert_eq!(b.evidence["basis"], "failed_attempts");
        assert_eq!(b.evidence["dst_country"], "US");
        assert_eq!(
            rep.countries,
            vec![CountryRow {
                country: "US".into(),
                controllers: 1,
                controlled_hosts: 1
            }]
        );
        let line = serde_json::to_string(b).unwrap();
        assert!(
            line.starts_with(
                r#"{"kind":"beacon","src":"192.168.1.107","dst":"66.63.168.35","score":"#
            ),
            "{line}"
        );
    }

    #[test]
    fn safelist_and_internal_networks() {
        let mut safe = Safelist::default();
        let _ = safe.add_text("s", "66.63.168.0/24\n");
        let mut pipe = Pipeline::new(
            Networks::default(),
            Trails::default(),
            safe,
            DetectConfig::default(),
            0.8,
        );
        for r in remcos_like() {
            pipe.push(&r);
        }
        assert_eq!(pipe.tally.safelisted, 720);
        let rep = pipe.finish(None, None);
        assert!(rep.findings.is_empty(), "{:?}", rep.findings);
        // With 192.168.1.0/24 not internal nothing is outbound.
        let nets = Networks::from_cidrs(&["10.0.0.0/8"]).unwrap();
        let mut pipe = Pipeline::new(
            nets,
            Trails::default(),
            Safelist::default(),
            DetectConfig::default(),
            0.8,
        );
        for r in remcos_like() {
            pipe.push(&r);
        }
        assert_eq!(pipe.tally.outbound, 0);
    }

    fn shared() -> PathBuf {
        unmask_testdata::shared_dir().to_path_buf()
    }

    /// Runs the pipeline (no screening) over one shared file.
    fn run_file(rel: &str, internal: &[&str], safelist: &str) -> Report {
        let path = unmask_testdata::existing(rel);
        let nets = if internal.is_empty() {
            Networks::default()
        } else {
            Networks::from_cidrs(internal).unwrap()
        };
        let mut safe = Safelist::default();
        assert!(safe.add_text("safelist", safelist).is_empty());
        let mut pipe = Pipeline::new(nets, Trails::default(), safe, DetectConfig::default(), 0.0);
        let rep = unmask_flows::read_path(
            &path,
            &unmask_flows::ReadOptions::default(),
            &mut |r: FlowRecord| pipe.push(&r),
        )
        .unwrap();
        assert!(rep.counts.used > 0);
        pipe.finish(Some(IpDb::bundled().unwrap()), None)
    }

    fn beacon_score_of(rep: &Report, src: &str, dst: &str) -> f64 {
        rep.findings
            .iter()
            .find(|f| f.kind == "beacon" && f.src == src && f.dst == dst)
            .map_or(0.0, |f| f.score)
    }

    #[test]
    fn shared_samples_through_the_readers() {
        // `unmask flows ../shared/data/net/zeek/ctu-sme-11-remcos/conn.log.labeled`
        {
            let rep = run_file("net/zeek/ctu-sme-11-remcos/conn.log.labeled", &[], "");
            let s = beacon_score_of(&rep, "192.168.1.107", "66.63.168.35");
            assert!(s >= 0.95, "remcos {s}");
        }
        // `unmask flows ../shared/data/net/pcap/slips-test-cc-capture-1.pcap --internal 147.32.80.0/24`
        {
            let rep = run_file(
                "net/pcap/slips-test-cc-capture-1.pcap",
                &["147.32.80.0/24"],
                "",
            );
            let s = beacon_score_of(&rep, "147.32.80.37", "141.193.213.21");
            assert!(s >= 0.95, "curl beacon {s}");
        }
        // The Mirai-style scan: no scanned destination is a beacon; its only periodic contacts
        // are four NTP servers, which the example safelist (`port 123`) removes.
        {
            let rep = run_file("net/pcap/slips-test7-malicious.pcap", &[], "");
            for f in rep
                .findings
                .iter()
                .filter(|f| f.kind == "beacon" && f.score >= 0.8)
            {
                assert_eq!(f.evidence["dst_ports"], json!([123]), "{f:?}");
            }
        }
        let safelist = include_str!("../../../data/net/safelist.example.txt");
        {
            let rep = run_file("net/pcap/slips-test7-malicious.pcap", &[], safelist);
            let beacons: Vec<&Finding> = rep
                .findings
                .iter()
                .filter(|f| f.kind == "beacon" && f.score >= 0.8)
                .collect();
            assert!(beacons.is_empty(), "{beacons:?}");
            assert!(rep.tally.safelisted > 0);
        }
    }

    #[test]
    fn findings_tie_to_inventoried_assets() {
        let dir = std::env::temp_dir().join(format!("unmask-flows-inv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inv_path = dir.join("inv.csv");
        std::fs::write(&inv_path, "Asset Tag,IP Address,Manufacturer,Model\nCAM-0107,192.168.1.107,Hikvision,DS-2CD2143G0-I\n").unwrap();
        let inv = load_inventory(&[inv_path], None).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(inv.assets, 1);
        let mut pipe = Pipeline::new(
            Networks::default(),
            Trails::default(),
            Safelist::default(),
            DetectConfig::default(),
            0.8,
        );
        for r in remcos_like() {
            pipe.push(&r);
        }
        let mut rep = pipe.finish(None, None);
        tie_to_assets(&mut rep.findings, &inv);
        let b = rep.findings.iter().find(|f| f.kind == "beacon").unwrap();
        assert_eq!(b.evidence["src_asset"]["label"], "CAM-0107");
        assert_eq!(b.evidence["src_asset"]["model"], "DS-2CD2143G0-I");
    }

    #[test]
    fn huawei_cloud_and_tencent_resolve_to_listed_entities() {
        let ds = load_dataset().unwrap();
        let mut pipe = Pipeline::new(
            Networks::default(),
            Trails::default(),
            Safelist::default(),
            DetectConfig::default(),
            0.8,
        );
        // 1.92.0.1: AS55990 "Huawei Cloud Service data center"; 1.12.0.1: AS45090 Tencent.
        pipe.push(&rec(
            1_700_000_000.0,
            "10.20.1.10",
            50000,
            "1.92.0.1",
            443,
            1000,
            2000,
            ConnState::Established,
        ));
        pipe.push(&rec(
            1_700_000_100.0,
            "10.20.1.11",
            50001,
            "1.12.0.1",
            443,
            1000,
            2000,
            ConnState::Established,
        ));
        let rep = pipe.finish(Some(IpDb::bundled().unwrap()), Some(&ds.graph));
        let hits: Vec<(&str, String, usize)> = rep
            .findings
            .iter()
            .filter(|f| f.kind == "restricted_infrastructure")
            .map(|f| {
                let e = &f.evidence["restricted_entity"];
                (
                    f.dst.as_str(),
                    e["name"].as_str().unwrap_or("").to_string(),
                    e["lists"].as_array().map_or(0, Vec::len)
                        + e["path"].as_array().map_or(0, Vec::len),
                )
            })
            .collect();
        assert!(
            hits.iter()
                .any(|(d, n, l)| *d == "1.92.0.1" && n.contains("Huawei") && *l > 0),
            "{hits:?}"
        );
        assert!(
            hits.iter()
                .any(|(d, n, l)| *d == "1.12.0.1" && n.contains("Tencent") && *l > 0),
            "{hits:?}"
        );
    }

    #[test]
    fn parquet_out_gets_every_record() {
        let path = shared().join("net/zeek/ctu-sme-11-remcos/conn.log.labeled");
        assert!(path.exists(), "{} not found", path.display());
        let dir = std::env::temp_dir().join(format!("unmask-flows-pq-{}", std::process::id()));
        let mut w = unmask_parquet::FlowParquetWriter::create(
            &dir,
            unmask_parquet::ParquetOptions::default(),
        )
        .unwrap();
        let mut n = 0u64;
        let out = read_all(&[path], Some(&mut w), &mut |_| n += 1).unwrap();
        let sum = w.finish().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((sum.rows, out.counts.used, n), (766, 766, 766));
    }

    #[test]
    fn org_core_names() {
        assert_eq!(
            org_variants("Huawei Cloud Service data center"),
            vec!["Huawei"]
        );
        assert_eq!(
            org_variants("Tencent AS num for global network"),
            vec!["Tencent"]
        );
        assert_eq!(
            org_variants("Tencent Cloud Computing (Beijing) Co."),
            vec!["Tencent"]
        );
        assert_eq!(
            org_variants("HIPL-AS-AP - HUAWEI INTERNATIONAL PTE. LTD."),
            vec!["HIPL-AS-AP - HUAWEI", "HUAWEI"]
        );
        assert_eq!(
            org_variants("Shenzhen Tencent Computer Systems Company Limited"),
            vec!["Shenzhen Tencent Computer Systems"]
        );
        assert!(org_variants("AS").is_empty());
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            iso_time(1_677_024_003_714_845),
            "2023-02-22T00:00:03.714845Z"
        );
        assert_eq!(iso_time(951_782_400_000_000), "2000-02-29T00:00:00.000000Z");
    }
}
