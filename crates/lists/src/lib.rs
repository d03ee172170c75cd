//! Readers for every restricted-list format unmask knows, with diagnostics, and the bundled
//! dataset.
//!
//! Principal types:
//! - [`ReadOutput`]: what every reader returns: the [`Entity`] records it could read, a
//!   [`Diagnostic`] (file, line, value, reason) for each row it could not read cleanly, and the
//!   [`RowCounts`] (read / used / rejected). Readers take `&[u8]`, never stop at the first bad
//!   row and never panic, whatever the bytes.
//! - [`Format`]: the known formats, detected from a file's name and first bytes
//!   ([`detect_format`]) or named by the user.
//! - [`Dataset`]: the merged [`Graph`] plus one [`SourceReport`] per source (its [`SourceInfo`]
//!   with date and licence, counts, diagnostics). [`bundled`] loads the public-domain lists and
//!   the curated relations layer embedded in this crate; [`load_paths`] loads user files.
//!
//! Merging ([`Dataset::build`]) goes through [`Graph::build`] keyed by
//! [`unmask_text::name_key`], curated records first so their ids name merged entities: records
//! of different sources become one entity on a shared strong identifier (ISIN, USCC
//! registration, LEI…) or an equal name key plus country, and the reason is kept. Before that,
//! records with the same id are folded (the curated apps appear in both curated files), and an
//! alias of one entry that is the primary name of another entry of the same source becomes a
//! weak alias, so entries a list keeps apart stay apart.
//!
//! The readers: [`read_ofac`] (classic SDN / consolidated CSV sets), [`read_csl`] (trade.gov
//! Consolidated Screening List), [`read_un`] (UN Security Council XML), [`read_dpl`] (BIS Denied
//! Persons List), [`read_fcc`] (FCC Covered List table), [`read_ftm`] (OpenSanctions
//! FollowTheMoney JSON lines), [`read_curated_vendors`] and [`read_curated_apps`].
//!
//! ```
//! use unmask_lists::{read_csl, Dataset, Format};
//! let csv = "_id,source,entity_number,type,programs,name,alt_names\n\
//!            1,Entity List (EL) - Bureau of Industry and Security,,,,Nuctech Company Limited,Nuctech\n\
//!            _id,source,entity_number,type,programs,name,alt_names\n";
//! let out = read_csl(csv.as_bytes(), "csl.csv");
//! assert_eq!(out.entities.len(), 1);
//! assert_eq!(out.entities[0].memberships[0].list, "BIS_ENTITY_LIST");
//! // The repeated header is rejected with a diagnostic, not a crash.
//! assert_eq!(out.counts.rejected, 1);
//! assert_eq!(out.diagnostics[0].reason, "repeated header");
//!
//! let ds = Dataset::build(vec![Dataset::source("us_csl", Format::Csl, "csl.csv", out)]);
//! let nuctech = ds.graph.find_by_key(&unmask_text::name_key("NUCTECH"))[0];
//! assert_eq!(ds.graph.entity(nuctech).primary_name(), "Nuctech Company Limited");
//! ```

use ahash::AHashMap;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use unmask_model::*;

mod bundle;
mod csl;
mod curated;
mod dpl;
mod fcc;
mod ftm;
mod ofac;
mod un;
mod util;

pub use bundle::{
    bundled, bundled_file, bundled_manifest, bundled_sources, Manifest, ManifestFile,
    ManifestSource,
};
pub use csl::{csl_list_code, read_csl};
pub use curated::{curated_id, read_curated_apps, read_curated_vendors};
pub use dpl::read_dpl;
pub use fcc::{fcc_entities, read_fcc};
pub use ftm::read_ftm;
pub use ofac::{read_ofac, read_ofac_sdn, OfacFile, OfacList, OfacSet};
pub use un::read_un;
pub use util::country_code;

/// What a reader returns.
#[derive(Debug, Clone, Default)]
pub struct ReadOutput {
    pub entities: Vec<Entity>,
    pub diagnostics: Vec<Diagnostic>,
    pub counts: RowCounts,
}

impl ReadOutput {
    /// Records a rejected row.
    pub(crate) fn reject(
        &mut self,
        file: &str,
        line: u64,
        value: impl AsRef<str>,
        reason: impl Into<String>,
    ) {
        self.counts.rejected += 1;
        self.diag(file, line, value, reason);
    }
    /// Records a problem with a row that was still (partly) used.
    pub(crate) fn diag(
        &mut self,
        file: &str,
        line: u64,
        value: impl AsRef<str>,
        reason: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::new(file, line, value, reason));
    }
    /// Appends another output (several files of one source).
    pub fn extend(&mut self, other: ReadOutput) {
        self.entities.extend(other.entities);
        self.diagnostics.extend(other.diagnostics);
        self.counts.add(other.counts);
    }
}

/// The list formats unmask reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// OFAC SDN classic CSV set (`sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`).
    OfacSdn,
    /// OFAC consolidated non-SDN CSV set (`cons_prim.csv`, `cons_alt.csv`, …).
    OfacCons,
    /// trade.gov Consolidated Screening List CSV.
    Csl,
    /// UN Security Council consolidated XML.
    Un,
    /// BIS Denied Persons List, tab-separated.
    Dpl,
    /// FCC Covered List table CSV.
    Fcc,
    /// OpenSanctions FollowTheMoney JSON lines.
    Ftm,
    /// Curated `restricted-vendors.jsonl`.
    CuratedVendors,
    /// Curated `apps.jsonl`.
    CuratedApps,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::OfacSdn,
        Format::OfacCons,
        Format::Csl,
        Format::Un,
        Format::Dpl,
        Format::Fcc,
        Format::Ftm,
        Format::CuratedVendors,
        Format::CuratedApps,
    ];
    /// The name used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::OfacSdn => "ofac-sdn",
            Format::OfacCons => "ofac-cons",
            Format::Csl => "csl",
            Format::Un => "un",
            Format::Dpl => "dpl",
            Format::Fcc => "fcc",
            Format::Ftm => "ftm",
            Format::CuratedVendors => "curated-vendors",
            Format::CuratedApps => "curated-apps",
        }
    }
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }
    /// The source id readers put on records of this format.
    pub fn source_id(self) -> &'static str {
        match self {
            Format::OfacSdn => "us_ofac_sdn",
            Format::OfacCons => "us_ofac_cons",
            Format::Csl => "us_csl",
            Format::Un => "un_sc",
            Format::Dpl => "us_bis_dpl",
            Format::Fcc => "us_fcc_covered",
            Format::Ftm => "opensanctions_ftm",
            Format::CuratedVendors | Format::CuratedApps => "curated",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Format::OfacSdn => "OFAC Specially Designated Nationals (classic CSV)",
            Format::OfacCons => "OFAC Consolidated non-SDN list (classic CSV)",
            Format::Csl => "trade.gov Consolidated Screening List",
            Format::Un => "UN Security Council Consolidated List",
            Format::Dpl => "BIS Denied Persons List",
            Format::Fcc => "FCC Covered List",
            Format::Ftm => "OpenSanctions FollowTheMoney entities",
            Format::CuratedVendors => "curated restricted-vendor graph",
            Format::CuratedApps => "curated restricted apps",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = LoadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::parse(s).ok_or_else(|| LoadError::BadFormatName(s.to_string()))
    }
}

/// Why a file could not be loaded at all (row-level problems are diagnostics instead).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: not a list format unmask knows (use --format one of: {})",
        format_names()
    )]
    UnknownFormat { path: String },
    #[error("{path}: OFAC file set without its main file ({main})")]
    MissingMain { path: String, main: &'static str },
    #[error("unknown format name {0:?} (one of: {names})", names = format_names())]
    BadFormatName(String),
    #[error("bundled manifest: {0}")]
    Manifest(String),
}

fn format_names() -> String {
    Format::ALL.map(Format::name).join(", ")
}

/// OFAC part file names: (format, role, name).
const OFAC_PARTS: &[(Format, &str, &str)] = &[
    (Format::OfacSdn, "main", "sdn.csv"),
    (Format::OfacSdn, "alt", "alt.csv"),
    (Format::OfacSdn, "add", "add.csv"),
    (Format::OfacSdn, "comments", "sdn_comments.csv"),
    (Format::OfacCons, "main", "cons_prim.csv"),
    (Format::OfacCons, "alt", "cons_alt.csv"),
    (Format::OfacCons, "add", "cons_add.csv"),
    (Format::OfacCons, "comments", "cons_comments.csv"),
];

fn base_name(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.strip_suffix(".gz")
        .unwrap_or(file)
        .to_ascii_lowercase()
}

fn ofac_part(name: &str) -> Option<(Format, &'static str)> {
    let b = base_name(name);
    OFAC_PARTS
        .iter()
        .find(|(_, _, n)| *n == b)
        .map(|(f, r, _)| (*f, *r))
}

/// Detects a file's format from its name and its first bytes (already decompressed).
pub fn detect_format(name: &str, head: &[u8]) -> Option<Format> {
    if let Some((f, _)) = ofac_part(name) {
        return Some(f);
    }
    let base = base_name(name);
    if base == "restricted-vendors.jsonl" {
        return Some(Format::CuratedVendors);
    }
    if base == "apps.jsonl" {
        return Some(Format::CuratedApps);
    }
    let head = &head[..head.len().min(8192)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let first_line = t.lines().next().unwrap_or("");
    if first_line.starts_with("_id,source,") {
        return Some(Format::Csl);
    }
    if first_line.starts_with("covered_equipment_or_services") {
        return Some(Format::Fcc);
    }
    if first_line.contains('\t')
        && first_line.contains("Name")
        && first_line.contains("FR_Citation")
    {
        return Some(Format::Dpl);
    }
    if t.starts_with('<') && t.contains("<CONSOLIDATED_LIST") {
        return Some(Format::Un);
    }
    if first_line.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(first_line) {
            if v.get("schema").is_some() && v.get("properties").is_some() {
                return Some(Format::Ftm);
            }
            if v.get("publisher_id").is_some() {
                return Some(Format::CuratedApps);
            }
            if v.get("id").is_some() && (v.get("relations").is_some() || v.get("kind").is_some()) {
                return Some(Format::CuratedVendors);
            }
        }
        return None;
    }
    // A headerless OFAC main file: `123,"NAME",…` with 12 fields.
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(first_line.as_bytes());
    if let Some(Ok(r)) = rdr.records().next() {
        if r.len() == 12 && r[0].trim().parse::<u64>().is_ok() {
            return Some(Format::OfacSdn);
        }
    }
    None
}

/// Reads one file of a format. An OFAC file is read as a main file without its siblings; use
/// [`read_ofac`] to read a whole set.
pub fn read_bytes(format: Format, bytes: &[u8], label: &str) -> ReadOutput {
    match format {
        Format::OfacSdn | Format::OfacCons => {
            let list = if format == Format::OfacSdn {
                OfacList::Sdn
            } else {
                OfacList::Consolidated
            };
            let set = OfacSet {
                main: OfacFile { bytes, label },
                alt: None,
                add: None,
                comments: None,
            };
            read_ofac(&set, list, format.source_id())
        }
        Format::Csl => read_csl(bytes, label),
        Format::Un => read_un(bytes, label),
        Format::Dpl => read_dpl(bytes, label),
        Format::Fcc => read_fcc(bytes, label),
        Format::Ftm => read_ftm(bytes, label),
        Format::CuratedVendors => read_curated_vendors(bytes, label),
        Format::CuratedApps => read_curated_apps(bytes, label),
    }
}

/// Reads an OFAC set given as (file name or path, bytes) pairs; parts are told apart by name.
pub fn read_ofac_named(
    format: Format,
    files: &[(String, Vec<u8>)],
) -> Result<ReadOutput, LoadError> {
    let list = if format == Format::OfacCons {
        OfacList::Consolidated
    } else {
        OfacList::Sdn
    };
    let find = |role: &str| {
        files
            .iter()
            .find(|(n, _)| ofac_part(n).is_some_and(|(f, r)| f == format && r == role))
            .map(|(n, b)| OfacFile { bytes: b, label: n })
    };
    let main_name = if format == Format::OfacCons {
        "cons_prim.csv"
    } else {
        "sdn.csv"
    };
    let main = match find("main") {
        Some(m) => m,
        // A single file the user named with --format: read it as the main file.
        None if files.len() == 1 => OfacFile {
            bytes: &files[0].1,
            label: &files[0].0,
        },
        None => {
            return Err(LoadError::MissingMain {
                path: files.first().map(|f| f.0.clone()).unwrap_or_default(),
                main: main_name,
            })
        }
    };
    let set = OfacSet {
        main,
        alt: find("alt"),
        add: find("add"),
        comments: find("comments"),
    };
    Ok(read_ofac(&set, list, format.source_id()))
}

/// Gunzips when the bytes are gzip; invalid gzip is an error naming the file.
pub(crate) fn maybe_gunzip(bytes: Vec<u8>, path: &str) -> Result<Vec<u8>, LoadError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|source| LoadError::Io {
                path: path.to_string(),
                source,
            })?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// One source's figures, for `unmask lists`.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub info: SourceInfo,
    pub format: Format,
    pub files: Vec<String>,
    pub counts: RowCounts,
    /// Records read from this source (distinct ids, before merging across sources).
    pub entities: usize,
    pub names: usize,
    pub relations: usize,
    pub memberships: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// A source read and ready to be merged: see [`Dataset::build`].
#[derive(Debug, Clone)]
pub struct LoadedSource {
    pub info: SourceInfo,
    pub format: Format,
    pub files: Vec<String>,
    pub output: ReadOutput,
}

/// The merged entity graph and where it came from.
#[derive(Debug)]
pub struct Dataset {
    /// The merged graph, shared with the engines built over it (screener, attributor).
    pub graph: std::sync::Arc<Graph>,
    pub sources: Vec<SourceReport>,
    /// Files that could not be read at all (unknown format, I/O errors).
    pub errors: Vec<LoadError>,
}

impl Dataset {
    /// A [`LoadedSource`] with a minimal [`SourceInfo`] (title from the format, no date).
    pub fn source(id: &str, format: Format, file: &str, output: ReadOutput) -> LoadedSource {
        LoadedSource {
            info: SourceInfo {
                id: id.to_string(),
                title: format.title().to_string(),
                ..SourceInfo::default()
            },
            format,
            files: vec![file.to_string()],
            output,
        }
    }

    /// Merges the sources into one graph with [`Graph::build`], keyed by
    /// [`unmask_text::name_key`]. Curated sources go first so their ids name merged entities.
    /// Records with the same id (the curated apps appear in both curated files) are folded
    /// into one before the merge.
    pub fn build(mut sources: Vec<LoadedSource>) -> Dataset {
        sources.sort_by_key(|s| s.info.id != "curated");
        let mut reports = Vec::with_capacity(sources.len());
        let mut records = Vec::new();
        for s in sources {
            reports.push(SourceReport {
                entities: 0,
                names: 0,
                relations: 0,
                memberships: 0,
                info: s.info,
                format: s.format,
                files: s.files,
                counts: s.output.counts,
                diagnostics: s.output.diagnostics,
            });
            records.extend(s.output.entities);
        }
        let mut records = fold_same_ids(records);
        let mut reports = merge_reports(reports);
        // Figures per source after folding, so a record in two files of a source counts once.
        for e in &records {
            let src = e.sources.first().map_or("", String::as_str);
            if let Some(r) = reports.iter_mut().find(|r| r.info.id == src) {
                r.entities += 1;
                r.names += e.names.len();
                r.relations += e.relations.len();
                r.memberships += e.memberships.len();
            }
        }
        let keys = name_keys(&records);
        demote_shared_aliases(&mut records, &keys);
        let key = |s: &str| {
            keys.get(s)
                .cloned()
                .unwrap_or_else(|| unmask_text::name_key(s))
        };
        // Legal-form-free key for records that give no country (the FCC table).
        let loose = |s: &str| {
            let a = unmask_text::analyze(s, unmask_text::NameKind::Org);
            let core: Vec<&str> = a.core().map(|t| t.text.as_str()).collect();
            core.join(" ")
        };
        Dataset {
            graph: std::sync::Arc::new(Graph::build_loose(records, key, loose)),
            sources: reports,
            errors: Vec::new(),
        }
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.sources.iter().flat_map(|s| s.diagnostics.iter())
    }

    /// Row counts over all sources.
    pub fn counts(&self) -> RowCounts {
        let mut c = RowCounts::default();
        for s in &self.sources {
            c.add(s.counts);
        }
        c
    }

    /// The report of one source id.
    pub fn report(&self, id: &str) -> Option<&SourceReport> {
        self.sources.iter().find(|s| s.info.id == id)
    }

    /// The [`SourceInfo`] of a source id, to cite a membership or relation.
    pub fn source_info(&self, id: &str) -> Option<&SourceInfo> {
        self.report(id).map(|r| &r.info)
    }
}

/// Two curated files are one source: one report row.
fn merge_reports(reports: Vec<SourceReport>) -> Vec<SourceReport> {
    let mut out: Vec<SourceReport> = Vec::new();
    for r in reports {
        match out.iter_mut().find(|o| o.info.id == r.info.id) {
            Some(o) => {
                o.files.extend(r.files);
                o.counts.add(r.counts);
                o.diagnostics.extend(r.diagnostics);
            }
            None => out.push(r),
        }
    }
    out
}

/// An alias of one entry that is the primary name of another entry of the same source is
/// ambiguous (OFAC lists "HUAWEI INVESTMENT & HOLDING CO LTD" as an a.k.a. of Huawei
/// Technologies and as an entry of its own). Such an alias becomes a weak alias, which
/// [`Graph::build`] does not merge on, so two entries the source keeps apart stay apart.
fn demote_shared_aliases(records: &mut [Entity], keys: &AHashMap<String, String>) {
    let key = |s: &str| keys.get(s).map_or("", String::as_str);
    let mut primary: AHashMap<(&str, &str), Vec<usize>> = AHashMap::new();
    for (i, e) in records.iter().enumerate() {
        let src = e.sources.first().map_or("", String::as_str);
        primary
            .entry((src, key(e.primary_name())))
            .or_default()
            .push(i);
    }
    let mut demote: Vec<(usize, usize, String)> = Vec::new();
    for (i, e) in records.iter().enumerate() {
        let src = e.sources.first().map_or("", String::as_str);
        for (j, n) in e.names.iter().enumerate() {
            if !matches!(n.role, NameRole::Alias | NameRole::Former) {
                continue;
            }
            if let Some(other) = primary
                .get(&(src, key(&n.value)))
                .and_then(|v| v.iter().find(|&&o| o != i))
            {
                demote.push((i, j, records[*other].id.clone()));
            }
        }
    }
    for (i, j, other) in demote {
        let e = &mut records[i];
        e.names[j].role = NameRole::WeakAlias;
        let note = format!(
            "alias {:?} is also the name of {other}: kept as weak alias",
            e.names[j].value
        );
        e.notes.push(note);
    }
}

/// Every name's key, computed once: the merge asks for most of them twice or more.
fn name_keys(records: &[Entity]) -> AHashMap<String, String> {
    let mut keys: AHashMap<String, String> = AHashMap::with_capacity(records.len() * 3);
    for n in records.iter().flat_map(|e| e.names.iter()) {
        if !keys.contains_key(&n.value) {
            keys.insert(n.value.clone(), unmask_text::name_key(&n.value));
        }
    }
    keys
}

fn fold_same_ids(records: Vec<Entity>) -> Vec<Entity> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(records.len());
    let mut out: Vec<Entity> = Vec::with_capacity(records.len());
    for e in records {
        match index.get(&e.id) {
            Some(&i) => {
                let d = &mut out[i];
                for n in e.names {
                    d.add_name(n.value, n.role);
                }
                for c in e.countries {
                    d.add_country(c);
                }
                for a in e.addresses {
                    if !d.addresses.contains(&a) {
                        d.addresses.push(a);
                    }
                }
                for id in e.identifiers {
                    d.add_identifier(id);
                }
                for m in e.memberships {
                    if !d
                        .memberships
                        .iter()
                        .any(|x| x.list == m.list && x.program == m.program)
                    {
                        d.memberships.push(m);
                    }
                }
                for r in e.relations {
                    if !d
                        .relations
                        .iter()
                        .any(|x| x.kind == r.kind && x.target == r.target)
                    {
                        d.relations.push(r);
                    }
                }
                for n in e.notes {
                    if !d.notes.contains(&n) {
                        d.notes.push(n);
                    }
                }
                if d.kind == EntityKind::Company && e.kind == EntityKind::App {
                    d.kind = EntityKind::App;
                }
            }
            None => {
                index.insert(e.id.clone(), out.len());
                out.push(e);
            }
        }
    }
    out
}

/// Gives a second source of the same format its own id (`us_csl@2`), so its records keep
/// distinct ids and may merge with the first.
fn retag(src: &mut LoadedSource, new_id: &str) {
    let old = src.info.id.clone();
    src.info.id = new_id.to_string();
    let n = new_id.rsplit('@').next().unwrap_or("2");
    let ids: std::collections::HashSet<String> =
        src.output.entities.iter().map(|e| e.id.clone()).collect();
    let rename = |id: &str| match id.split_once(':') {
        Some((p, rest)) => format!("{p}@{n}:{rest}"),
        None => format!("{id}@{n}"),
    };
    for e in &mut src.output.entities {
        e.id = rename(&e.id);
        for s in &mut e.sources {
            if *s == old {
                *s = new_id.to_string();
            }
        }
        for m in &mut e.memberships {
            if m.source == old {
                m.source = new_id.to_string();
            }
        }
        for r in &mut e.relations {
            if r.source == old {
                r.source = new_id.to_string();
            }
            if let Target::Id(t) = &mut r.target {
                if ids.contains(t.as_str()) {
                    *t = rename(t);
                }
            }
        }
    }
}

/// The UN file says when it was generated: `dateGenerated="2026-02-27T…"`.
fn un_date(fmt: Format, bytes: &[u8]) -> Option<String> {
    if fmt != Format::Un {
        return None;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    let at = head.find("dateGenerated=\"")? + "dateGenerated=\"".len();
    let d: String = head[at..].chars().take(10).collect();
    (d.len() == 10 && d.as_bytes()[4] == b'-').then_some(d)
}

fn file_date(path: &Path) -> String {
    let Ok(Ok(d)) = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| t.duration_since(std::time::UNIX_EPOCH))
    else {
        return String::new();
    };
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    format!("{} (file date)", unmask_model::time::iso_date(secs))
}

fn expand(paths: &[PathBuf], errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(d) = stack.pop() {
                let rd = match std::fs::read_dir(&d) {
                    Ok(rd) => rd,
                    Err(source) => {
                        errors.push(LoadError::Io {
                            path: d.display().to_string(),
                            source,
                        });
                        continue;
                    }
                };
                let mut entries: Vec<PathBuf> =
                    rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for e in entries {
                    let hidden = e
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'));
                    if hidden {
                        continue;
                    }
                    if e.is_dir() {
                        stack.push(e);
                    } else {
                        files.push(e);
                    }
                }
            }
        } else {
            // A lone OFAC file brings its siblings: the set is one list.
            if let Some((fmt, _)) = p.to_str().and_then(ofac_part) {
                let dir = p.parent().unwrap_or(Path::new("."));
                for (f, _, name) in OFAC_PARTS.iter().filter(|(f, _, _)| *f == fmt) {
                    let _ = f;
                    for cand in [dir.join(name), dir.join(format!("{name}.gz"))] {
                        if cand.is_file() {
                            files.push(cand);
                        }
                    }
                }
            }
            files.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    files
}

/// Loads user files and directories: formats detected (or forced with `format`), OFAC sets
/// grouped by directory, then merged. Files that cannot be read are listed in
/// [`Dataset::errors`]; the others are still read.
pub fn load_paths(paths: &[PathBuf], format: Option<Format>) -> Dataset {
    let mut errors = Vec::new();
    let files = expand(paths, &mut errors);
    let mut sources: Vec<LoadedSource> = Vec::new();
    // OFAC parts grouped by directory and set: (label, bytes, path).
    type Parts = Vec<(String, Vec<u8>, PathBuf)>;
    let mut ofac: BTreeMap<(PathBuf, Format), Parts> = BTreeMap::new();
    for path in files {
        let label = path.display().to_string();
        let bytes = match std::fs::read(&path)
            .map_err(|source| LoadError::Io {
                path: label.clone(),
                source,
            })
            .and_then(|b| maybe_gunzip(b, &label))
        {
            Ok(b) => b,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some(fmt) = format.or_else(|| detect_format(&label, &bytes)) else {
            errors.push(LoadError::UnknownFormat { path: label });
            continue;
        };
        if matches!(fmt, Format::OfacSdn | Format::OfacCons) {
            // The parts of one OFAC set (sdn.csv, add.csv, alt.csv, sdn_comments.csv) share a
            // folder; a file not named as a part (a dated snapshot, `sdn_2024-05-03_….csv.gz`)
            // is a main file of its own.
            let set = if ofac_part(&label).is_some() {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                path.clone()
            };
            ofac.entry((set, fmt))
                .or_default()
                .push((label, bytes, path));
            continue;
        }
        let output = read_bytes(fmt, &bytes, &label);
        let mut s = Dataset::source(fmt.source_id(), fmt, &label, output);
        s.info.date = un_date(fmt, &bytes).unwrap_or_else(|| file_date(&path));
        s.info.origin = label;
        sources.push(s);
    }
    for ((dir, fmt), group) in ofac {
        let named: Vec<(String, Vec<u8>)> = group
            .iter()
            .map(|(l, b, _)| (l.clone(), b.clone()))
            .collect();
        match read_ofac_named(fmt, &named) {
            Ok(output) => {
                let mut s = Dataset::source(fmt.source_id(), fmt, "", output);
                s.files = named.into_iter().map(|(l, _)| l).collect();
                s.info.date = group.first().map(|g| file_date(&g.2)).unwrap_or_default();
                s.info.origin = dir.display().to_string();
                sources.push(s);
            }
            Err(e) => errors.push(e),
        }
    }
    // Same-format sources get distinct ids, so each keeps its own records.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in &mut sources {
        if s.info.id == "curated" {
            continue;
        }
        let n = seen.entry(s.info.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let new_id = format!("{}@{}", s.info.id, n);
            retag(s, &new_id);
        }
    }
    let mut ds = Dataset::build(sources);
    ds.errors = errors;
    ds
}
