//! What an analysis run is told: plain values, no command-line parsing.

use unmask_detect::{AnalysisWindow, DetectConfig};

/// Least screening score of an AS organization's full name (AS names are noisy: "YANDEX LLC"
/// scores 0.85 against "OOO PS YANDEX.MONEY").
pub const DEFAULT_MIN_OWNER_SCORE: f64 = 0.9;

/// Least beacon score reported by default.
pub const DEFAULT_MIN_BEACON: f64 = 0.8;

/// The tunables of one flow analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisConfig {
    /// The detectors' thresholds (long connections, bulk uploads, beacon statistics).
    pub detect: DetectConfig,
    /// Least beacon score reported.
    pub min_beacon: f64,
    /// Least screening score for an AS organization (or intel family) to count as a
    /// restricted owner.
    pub min_owner_score: f64,
    /// Analyse every pair whatever its direction (benchmarks: the detectors' worst case).
    pub every_pair: bool,
    /// What beacon histograms and coverage are measured against: the span of the outbound
    /// records seen (merged shards included), or a fixed time range given by the caller.
    pub window: AnalysisWindow,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            detect: DetectConfig::default(),
            min_beacon: DEFAULT_MIN_BEACON,
            min_owner_score: DEFAULT_MIN_OWNER_SCORE,
            every_pair: false,
            window: AnalysisWindow::Observed,
        }
    }
}
