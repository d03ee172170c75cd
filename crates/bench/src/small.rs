//! The dataset, screening and attribution benchmarks.

use crate::gen::{assets, perturb, random_company};
use crate::{best_median, check, mib, peak_rss_kib, BenchError, Rng};
use std::fmt;
use std::time::{Duration, Instant};
use unmask_estate::Attributor;
use unmask_screen::{Query, Screener};

/// Loading the bundled dataset.
#[derive(Debug, Clone)]
pub struct LoadFigures {
    pub entities: usize,
    pub runs: usize,
    pub best_ms: f64,
    pub median_ms: f64,
    pub peak_rss_kib: Option<u64>,
}

/// Loads the whole bundled dataset (decompress, read, merge) `runs` times; checks that it holds
/// what `unmask entity Nuctech` shows.
pub fn load(runs: usize) -> Result<LoadFigures, BenchError> {
    let runs = runs.max(1);
    let mut times = Vec::with_capacity(runs);
    let mut entities = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let ds = unmask_lists::bundled();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        check(ds.errors.is_empty(), || {
            format!("bundled dataset: {:?}", ds.errors)
        })?;
        check(ds.graph.lookup("curated:nuctech").is_some(), || {
            "bundled dataset lacks curated:nuctech".into()
        })?;
        entities = ds.graph.len();
    }
    let (best_ms, median_ms) = best_median(&mut times);
    Ok(LoadFigures {
        entities,
        runs,
        best_ms,
        median_ms,
        peak_rss_kib: peak_rss_kib(),
    })
}

impl fmt::Display for LoadFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "load bundled dataset: {} entities; best {:.1} ms, median {:.1} ms over {} runs",
            self.entities, self.best_ms, self.median_ms, self.runs
        )?;
        write!(f, "peak RSS: {}", mib(self.peak_rss_kib))
    }
}

/// Screening many names on one thread.
#[derive(Debug, Clone)]
pub struct ScreenFigures {
    pub entities: usize,
    pub indexed_names: usize,
    pub load_ms: f64,
    pub index_ms: f64,
    pub names: usize,
    pub total_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub with_a_match: usize,
    pub peak_rss_kib: Option<u64>,
}

/// Screens `names` queries (half list names with perturbations, half random company names) on
/// one thread.
pub fn screen(names: usize) -> Result<ScreenFigures, BenchError> {
    let t0 = Instant::now();
    let ds = unmask_lists::bundled();
    let load = t0.elapsed();
    let g = &ds.graph;
    let t1 = Instant::now();
    let screener = Screener::new(ds.graph.clone());
    let build = t1.elapsed();
    let all_names: Vec<&str> = g
        .entities()
        .iter()
        .flat_map(|e| e.names.iter().map(|n| n.value.as_str()))
        .collect();
    check(!all_names.is_empty(), || {
        "the bundled dataset has no names".into()
    })?;
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    let queries: Vec<String> = (0..names.max(1))
        .map(|i| {
            if i % 2 == 0 {
                perturb(all_names[rng.below(all_names.len())], &mut rng)
            } else {
                random_company(&mut rng)
            }
        })
        .collect();
    let mut lat: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    let t = Instant::now();
    for q in &queries {
        let s = Instant::now();
        let ms = screener.screen(&Query::new(q));
        lat.push(s.elapsed());
        hits += usize::from(!ms.is_empty());
    }
    let total = t.elapsed();
    check(hits > 0, || "no screened name matched".into())?;
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
    Ok(ScreenFigures {
        entities: g.len(),
        indexed_names: screener.name_count(),
        load_ms: load.as_secs_f64() * 1e3,
        index_ms: build.as_secs_f64() * 1e3,
        names: queries.len(),
        total_s: total.as_secs_f64(),
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        with_a_match: hits,
        peak_rss_kib: peak_rss_kib(),
    })
}

impl fmt::Display for ScreenFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "screen bench: {} entities, {} indexed names; load {:.0} ms, index {:.0} ms",
            self.entities, self.indexed_names, self.load_ms, self.index_ms
        )?;
        writeln!(
            f,
            "{} names in {:.2} s on one thread: {:.0} names/s; latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {} with a match",
            self.names,
            self.total_s,
            self.names as f64 / self.total_s,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.with_a_match
        )?;
        write!(f, "peak memory {}", mib(self.peak_rss_kib))
    }
}

/// One attribution pass over the generated assets.
#[derive(Debug, Clone, Copy)]
pub struct ScanPass {
    pub seconds: f64,
    pub exposed: usize,
    pub exposures: usize,
}

/// Attributing many assets on one thread, cold (caches empty) and warm.
#[derive(Debug, Clone)]
pub struct ScanFigures {
    pub assets: usize,
    pub manufacturers: usize,
    pub entities: usize,
    pub load_ms: f64,
    pub generate_ms: f64,
    pub attributor_ms: f64,
    /// Distinct strings screened with the fuzzy matcher and scanned for brand names.
    pub screened: usize,
    pub scanned: usize,
    pub cold: ScanPass,
    pub warm: ScanPass,
    pub peak_rss_kib: Option<u64>,
}

/// Attributes `n` generated assets twice; checks that both passes find the same and that
/// something is exposed.
pub fn scan(n: usize, manufacturers: usize) -> Result<ScanFigures, BenchError> {
    let n = n.max(1);
    let t = Instant::now();
    let ds = unmask_lists::bundled();
    check(ds.errors.is_empty(), || {
        format!("bundled dataset: {:?}", ds.errors)
    })?;
    let load = t.elapsed();
    let t = Instant::now();
    let generated = assets(n, manufacturers);
    let generate = t.elapsed();
    let t = Instant::now();
    let attr = Attributor::new(std::sync::Arc::new(Screener::new(ds.graph.clone())));
    let build = t.elapsed();
    let mut passes = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        let (mut exposed, mut exposures) = (0usize, 0usize);
        for a in &generated {
            let f = attr.attribute(a);
            exposed += usize::from(f.is_exposed());
            exposures += f.exposures.len();
        }
        passes.push(ScanPass {
            seconds: t.elapsed().as_secs_f64(),
            exposed,
            exposures,
        });
    }
    let (cold, warm) = (passes[0], passes[1]);
    check(
        (cold.exposed, cold.exposures) == (warm.exposed, warm.exposures),
        || format!("cold and warm passes disagree: {cold:?} vs {warm:?}"),
    )?;
    check(cold.exposed > 0, || "no generated asset was exposed".into())?;
    let (screened, scanned) = attr.cache_sizes();
    Ok(ScanFigures {
        assets: n,
        manufacturers,
        entities: ds.graph.len(),
        load_ms: load.as_secs_f64() * 1e3,
        generate_ms: generate.as_secs_f64() * 1e3,
        attributor_ms: build.as_secs_f64() * 1e3,
        screened,
        scanned,
        cold,
        warm,
        peak_rss_kib: peak_rss_kib(),
    })
}

impl fmt::Display for ScanFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scan bench: {} generated assets ({} distinct manufacturers), dataset {} entities (load {:.0} ms), generate {:.0} ms, attributor {:.0} ms",
            self.assets, self.manufacturers, self.entities, self.load_ms, self.generate_ms, self.attributor_ms
        )?;
        writeln!(
            f,
            "  distinct strings: {} screened with the fuzzy matcher, {} scanned for brand names (cost of the cold pass)",
            self.screened, self.scanned
        )?;
        for (name, p) in [("cold", &self.cold), ("warm", &self.warm)] {
            writeln!(
                f,
                "  {name} pass: {:.0} ms, {:.0} assets/s on one core; {} exposed assets, {} exposures",
                p.seconds * 1e3,
                self.assets as f64 / p.seconds,
                p.exposed,
                p.exposures
            )?;
        }
        write!(f, "  peak RSS: {}", mib(self.peak_rss_kib))
    }
}
