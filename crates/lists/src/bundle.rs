//! The default dataset embedded in the library: `data/lists/` (gzip files + MANIFEST.json).
//! It needs no network and no `../shared`.

use crate::{maybe_gunzip, read_bytes, read_ofac_named, Dataset, Format, LoadError, LoadedSource};
use serde::Deserialize;
use unmask_model::SourceInfo;

macro_rules! bundled_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/lists/", $path)))),*]
    };
}

/// Every embedded file by its path under `data/lists/`.
static FILES: &[(&str, &[u8])] = bundled_files!(
    "curated/restricted-vendors.jsonl.gz",
    "curated/apps.jsonl.gz",
    "us_ofac_sdn/sdn.csv.gz",
    "us_ofac_sdn/alt.csv.gz",
    "us_ofac_sdn/add.csv.gz",
    "us_ofac_sdn/sdn_comments.csv.gz",
    "us_ofac_cons/cons_prim.csv.gz",
    "us_ofac_cons/cons_alt.csv.gz",
    "us_ofac_cons/cons_add.csv.gz",
    "us_ofac_cons/cons_comments.csv.gz",
    "us_csl/csl_2023-11-30_partial.csv.gz",
    "us_bis_dpl/dpl_2023-11-30.txt.gz",
    "un_sc/un_consolidated_2026-02-27.xml.gz",
    "us_fcc_covered/fcc_covered_list_table.csv.gz",
);

static MANIFEST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/lists/MANIFEST.json"
));

/// `data/lists/MANIFEST.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub sources: Vec<ManifestSource>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestSource {
    pub id: String,
    pub title: String,
    pub date: String,
    pub origin: String,
    pub licence: String,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestFile {
    /// Path under `data/lists/`.
    pub path: String,
    /// Path of the original under `shared/data/`.
    pub original: String,
    /// A [`Format`] name.
    pub format: String,
    /// SHA-256 of the original (uncompressed) file.
    pub sha256: String,
}

/// The parsed manifest of the bundled data.
pub fn bundled_manifest() -> Result<Manifest, LoadError> {
    serde_json::from_str(MANIFEST).map_err(|e| LoadError::Manifest(e.to_string()))
}

/// The embedded bytes (decompressed) of one bundled file.
pub fn bundled_file(path: &str) -> Result<Vec<u8>, LoadError> {
    let (_, bytes) = FILES.iter().find(|(p, _)| *p == path).ok_or_else(|| {
        LoadError::Manifest(format!("{path}: listed in MANIFEST.json but not embedded"))
    })?;
    maybe_gunzip(bytes.to_vec(), path)
}

/// Reads every bundled source (not yet merged).
pub fn bundled_sources() -> Result<Vec<LoadedSource>, LoadError> {
    let manifest = bundled_manifest()?;
    let mut out = Vec::new();
    for s in manifest.sources {
        let info = SourceInfo {
            id: s.id.clone(),
            title: s.title.clone(),
            date: s.date.clone(),
            origin: s.origin.clone(),
            licence: s.licence.clone(),
        };
        let mut files: Vec<(String, Vec<u8>, Format)> = Vec::new();
        for f in &s.files {
            let fmt = Format::parse(&f.format).ok_or_else(|| {
                LoadError::Manifest(format!("{}: unknown format {:?}", f.path, f.format))
            })?;
            // Diagnostics name the file as shipped, lines counted in the decompressed text.
            let label = format!("bundled:{}", f.path.strip_suffix(".gz").unwrap_or(&f.path));
            files.push((label, bundled_file(&f.path)?, fmt));
        }
        let format = files.first().map_or(Format::CuratedVendors, |f| f.2);
        let labels: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        let output = if matches!(format, Format::OfacSdn | Format::OfacCons) {
            let named: Vec<(String, Vec<u8>)> = files.into_iter().map(|(p, b, _)| (p, b)).collect();
            read_ofac_named(format, &named)?
        } else {
            let mut o = crate::ReadOutput::default();
            for (p, b, fmt) in &files {
                o.extend(read_bytes(*fmt, b, p));
            }
            o
        };
        out.push(LoadedSource {
            info,
            format,
            files: labels,
            output,
        });
    }
    Ok(out)
}

/// The bundled default dataset, merged. Were the embedded manifest broken (the crate's tests
/// rule it out), the dataset would be empty with the reason in [`Dataset::errors`].
pub fn bundled() -> Dataset {
    match bundled_sources() {
        Ok(sources) => Dataset::build(sources),
        Err(e) => Dataset {
            graph: Default::default(),
            sources: Vec::new(),
            errors: vec![e],
        },
    }
}
