//! Robust statistics on small samples: quantiles, Bowley skewness, median absolute deviation.

/// The `q`-quantile (0 ≤ q ≤ 1) of sorted data, by linear interpolation between closest ranks
/// (Hyndman–Fan type 7). `None` for empty input.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Median of sorted data.
pub fn median(sorted: &[f64]) -> Option<f64> {
    quantile(sorted, 0.5)
}

/// Bowley (quartile) skewness `(Q1 + Q3 − 2·Q2) / (Q3 − Q1)` in [−1, 1].
///
/// Zero when the quartiles do not spread (`Q3 = Q1`), and zero when the median coincides with
/// `Q1` or `Q3`: then at least a quarter of the sample sits exactly on the median, which is what a
/// fixed-interval series looks like, and the formula's ±1 would call the most regular series the
/// most skewed.
pub fn bowley_skew(sorted: &[f64]) -> Option<f64> {
    let q1 = quantile(sorted, 0.25)?;
    let q2 = quantile(sorted, 0.5)?;
    let q3 = quantile(sorted, 0.75)?;
    if q3 - q1 <= f64::EPSILON || (q2 - q1).abs() <= f64::EPSILON || (q3 - q2).abs() <= f64::EPSILON
    {
        return Some(0.0);
    }
    Some(((q1 + q3 - 2.0 * q2) / (q3 - q1)).clamp(-1.0, 1.0))
}

/// Median absolute deviation from the median, of sorted data.
pub fn mad(sorted: &[f64]) -> Option<f64> {
    let m = median(sorted)?;
    let mut dev: Vec<f64> = sorted.iter().map(|x| (x - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    median(&dev)
}

/// Dispersion score in [0, 1]: `1 − MAD / median`, 1 for a constant sample (also all zeros).
pub fn mad_score(sorted: &[f64]) -> Option<f64> {
    let m = median(sorted)?;
    let d = mad(sorted)?;
    Some(if m <= 0.0 {
        if d <= 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        (1.0 - d / m).clamp(0.0, 1.0)
    })
}

/// Mean and population coefficient of variation of counts (`None` when the mean is zero).
pub fn coefficient_of_variation(counts: &[u64]) -> Option<f64> {
    if counts.is_empty() {
        return None;
    }
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<u64>() as f64 / n;
    if mean <= 0.0 {
        return None;
    }
    let var = counts
        .iter()
        .map(|&c| (c as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    Some(var.sqrt() / mean)
}
