//! The pairwise name scorer: token alignment with fuzzy residuals, rarity weights, legal forms,
//! acronyms, joined/split words and phonetic agreement. Pure functions, no index, no graph.

use crate::Feature;
use smallvec::SmallVec;
use unmask_text::{analyze, Analysis, NameKind, Script, Token, TokenKind};

/// Result of comparing two names.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// In [0, 1].
    pub score: f64,
    /// Every feature that went into the score, with its value and a readable detail.
    pub features: Vec<Feature>,
}

/// Compares two names as given, with `kind` telling how to read them (no corpus rarity).
///
/// ```
/// use unmask_screen::score_names;
/// use unmask_text::NameKind;
/// assert!(score_names("Olaf Scholze", "Olaf Scholz", NameKind::Person).score > 0.85);
/// assert!(score_names("Volkswagen AG", "Siemens AG", NameKind::Org).score < 0.5);
/// ```
pub fn score_names(a: &str, b: &str, kind: NameKind) -> Score {
    let qa = analyze(a, kind);
    let cb = analyze(b, kind);
    score_analyses(&qa, &cb, &|t: &Token| t.kind.base_weight())
}

/// Raw score at which pairs of the labelled bench are best told apart; it maps to
/// [`crate::DEFAULT_THRESHOLD`].
const RAW_CUT: f64 = 0.75;

/// Piecewise-linear calibration that puts [`RAW_CUT`] on the documented default threshold and
/// keeps 0 and 1 in place.
fn calibrate(raw: f64) -> f64 {
    let t = crate::DEFAULT_THRESHOLD;
    if raw <= RAW_CUT {
        raw * t / RAW_CUT
    } else {
        t + (raw - RAW_CUT) * (1.0 - t) / (1.0 - RAW_CUT)
    }
}

/// Distinctive words a query adds to an organisation name it contains may weigh at most this
/// fraction of the name's weight before the query is taken to name another party.
const EXTRA_RATIO: f64 = 0.5;

/// Particles that join a given name to a patronym ("X bin Y": X, child of Y).
const PATRONYMIC: [&str; 6] = ["bin", "ibn", "bint", "binti", "ben", "bte"];

/// What swapping the given name and the patronym costs: enough to fall under the threshold
/// when every word agrees otherwise.
const PATRONYM_PEN: f64 = 0.3;

/// Similarity given to two words that differ in spelling but share a phonetic key.
const PHONETIC_SIM: f64 = 0.55;

/// Similarity of two tokens and how it was found.
fn token_sim(a: &Token, b: &Token, exact_only: bool) -> (f64, Via) {
    if a.same_word(b) {
        return (1.0, Via::Exact);
    }
    use TokenKind::*;
    match (a.kind, b.kind) {
        (Number, _) | (_, Number) => (0.0, Via::None),
        (Initial, Initial) => (0.0, Via::None),
        (Initial, _) | (_, Initial) => {
            let (i, w) = if a.kind == Initial { (a, b) } else { (b, a) };
            if w.kind != LegalForm && w.text.as_bytes().first() == i.text.as_bytes().first() {
                (0.8, Via::Initial)
            } else {
                (0.0, Via::None)
            }
        }
        _ if exact_only => (0.0, Via::None),
        _ => {
            let (x, y) = (a.text.as_bytes(), b.text.as_bytes());
            let (lx, ly) = (x.len(), y.len());
            let short = lx.min(ly);
            let maxd = match short {
                0..=3 => 0,
                4..=5 => 1,
                6..=9 => 2,
                _ => 3,
            };
            let phon = a.phonetic.len() >= 2 && a.phonetic == b.phonetic && short >= 4;
            if lx.abs_diff(ly) > maxd.max(2) && !phon {
                return (0.0, Via::None);
            }
            if !phon && letter_gap(x, y) > maxd {
                return (0.0, Via::None);
            }
            let d = strsim::osa_distance(&a.text, &b.text);
            let fuzzy = 1.0 - 1.5 * d as f64 / lx.max(ly) as f64;
            if d <= maxd && short >= 4 {
                (fuzzy.max(0.0), Via::Fuzzy)
            } else if phon {
                (fuzzy.max(PHONETIC_SIM), Via::Phonetic)
            } else {
                (0.0, Via::None)
            }
        }
    }
}

/// A lower bound of the edit distance from letter counts: each edit changes them by at most 2.
fn letter_gap(x: &[u8], y: &[u8]) -> usize {
    let mut h = [0i16; 64];
    for &b in x {
        h[(b & 63) as usize] += 1;
    }
    for &b in y {
        h[(b & 63) as usize] -= 1;
    }
    let l1: i32 = h.iter().map(|&v| i32::from(v).abs()).sum();
    (l1 as usize).div_ceil(2)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Exact,
    Fuzzy,
    Phonetic,
    Initial,
    None,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Exact => "=",
            Via::Fuzzy => "~",
            Via::Phonetic => "≈",
            Via::Initial => "…",
            Via::None => "",
        }
    }
}

/// Matches each unmatched `a` token against a run of 2–4 consecutive unmatched `b` tokens
/// written together; returns the matched weight.
#[allow(clippy::too_many_arguments)]
fn join_pass(
    at: &[&Token],
    bt: &[&Token],
    aw: &[f64],
    bw: &[f64],
    aused: &mut [bool],
    bused: &mut [bool],
    joins: &mut Vec<String>,
    flipped: bool,
) -> f64 {
    if bused.iter().filter(|&&u| !u).count() < 2 {
        return 0.0;
    }
    let mut gained = 0.0;
    let mut cat = String::new();
    for i in 0..at.len() {
        let target = at[i].text.as_bytes();
        if aused[i] || at[i].kind == TokenKind::Number || target.contains(&b' ') {
            continue;
        }
        // Short targets only join initials ("abc" = "a b c").
        let short = target.len() < 4;
        if target.len() < 2 {
            continue;
        }
        'start: for j in 0..bt.len() {
            cat.clear();
            for k in j..bt.len().min(j + 4) {
                if bused[k] || (short && bt[k].kind != TokenKind::Initial) {
                    continue 'start;
                }
                cat.extend(bt[k].text.chars().filter(|&c| c != ' '));
                let c = cat.as_bytes();
                if c.len() > target.len() + 1 {
                    continue 'start;
                }
                if k == j {
                    continue;
                }
                let d = if c == target {
                    0
                } else if target.len() >= 8 && c.len() + 1 >= target.len() && c[0] == target[0] {
                    strsim::osa_distance(&cat, &at[i].text)
                } else {
                    continue;
                };
                if d > 1 {
                    continue;
                }
                aused[i] = true;
                let mut w = aw[i];
                for u in j..=k {
                    bused[u] = true;
                    w += bw[u];
                }
                gained += w * (1.0 - 1.5 * d as f64 / target.len() as f64);
                let parts: Vec<&str> = bt[j..=k].iter().map(|t| t.text.as_str()).collect();
                joins.push(if flipped {
                    format!("{} = {}", parts.join(" "), at[i].text)
                } else {
                    format!("{} = {}", at[i].text, parts.join(" "))
                });
                break 'start;
            }
        }
    }
    gained
}

fn fmt2(x: f64) -> String {
    format!("{x:.2}")
}

/// Compares two analysed names. `weight` gives each token's weight (kind and corpus rarity).
pub fn score_analyses(q: &Analysis, c: &Analysis, weight: &dyn Fn(&Token) -> f64) -> Score {
    let qw: Vec<f64> = q.core().map(weight).collect();
    let cw: Vec<f64> = c.core().map(weight).collect();
    score_weighted(q, &qw, c, &cw, true)
}

/// [`score_analyses`] with the core tokens' weights given; features are only written out when
/// `explain` is set (the score is the same).
pub(crate) fn score_weighted(
    q: &Analysis,
    qw: &[f64],
    c: &Analysis,
    cw: &[f64],
    explain: bool,
) -> Score {
    let qt: SmallVec<[&Token; 12]> = q.core().collect();
    let ct: SmallVec<[&Token; 12]> = c.core().collect();
    debug_assert_eq!((qt.len(), ct.len()), (qw.len(), cw.len()));

    // Syllables romanized from Chinese, Korean or Japanese differ by one letter and mean
    // another name (习近朋 ≠ 习近平): no fuzzy matching there.
    let syllabic = [q.script, c.script]
        .iter()
        .any(|s| matches!(s, Script::Han | Script::Other));
    // Greedy one-to-one alignment on similarity.
    let mut pairs: SmallVec<[(f64, usize, usize, Via); 24]> = SmallVec::new();
    for (i, a) in qt.iter().enumerate() {
        for (j, b) in ct.iter().enumerate() {
            let (s, via) = token_sim(a, b, syllabic);
            if s > 0.0 {
                pairs.push((s, i, j, via));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut qused: SmallVec<[bool; 12]> = smallvec::smallvec![false; qt.len()];
    let mut cused: SmallVec<[bool; 12]> = smallvec::smallvec![false; ct.len()];
    let mut aligned: SmallVec<[(f64, usize, usize, Via); 12]> = SmallVec::new();
    // Near-exact pairs first, then joined or split words (one token equal to a run of the
    // other side's unmatched tokens: "tongfang" ~ "tong fang", "ABC" ~ "A.B.C."), then the
    // weaker pairs (fuzzy, phonetic, initials).
    let (strong_pairs, weak_pairs): (SmallVec<[_; 24]>, SmallVec<[_; 24]>) =
        pairs.into_iter().partition(|p| p.0 >= 0.9);
    for p in strong_pairs {
        if !qused[p.1] && !cused[p.2] {
            qused[p.1] = true;
            cused[p.2] = true;
            aligned.push(p);
        }
    }
    let mut joins: Vec<String> = Vec::new();
    let mut matched = join_pass(&qt, &ct, qw, cw, &mut qused, &mut cused, &mut joins, false);
    matched += join_pass(&ct, &qt, cw, qw, &mut cused, &mut qused, &mut joins, true);
    for p in weak_pairs {
        if !qused[p.1] && !cused[p.2] {
            qused[p.1] = true;
            cused[p.2] = true;
            aligned.push(p);
        }
    }
    matched += aligned
        .iter()
        .map(|&(s, i, j, _)| s * (qw[i] + cw[j]))
        .sum::<f64>();

    let total: f64 = qw.iter().sum::<f64>() + cw.iter().sum::<f64>();
    let dice = if total > 0.0 { matched / total } else { 0.0 };
    let q_total: f64 = qw.iter().sum();
    let c_total: f64 = cw.iter().sum();
    let q_left: f64 = (0..qt.len()).filter(|&i| !qused[i]).map(|i| qw[i]).sum();
    let c_left: f64 = (0..ct.len()).filter(|&j| !cused[j]).map(|j| cw[j]).sum();

    let person = q.kind == NameKind::Person || c.kind == NameKind::Person;
    let mut align = dice;
    let mut shape = String::from("all tokens aligned");
    // One name contained in the other: a short form of the longer name.
    #[allow(clippy::type_complexity)]
    let (short_left, short_total, short_toks, short_used): (f64, f64, &[&Token], &[bool]) =
        if q_total <= c_total {
            (q_left, q_total, &qt, &qused)
        } else {
            (c_left, c_total, &ct, &cused)
        };
    // Strongly matched distinctive words of the short side (not initials, not by sound only).
    let short_is_q = q_total <= c_total;
    let strong: SmallVec<[&Token; 12]> = aligned
        .iter()
        .filter(|p| {
            p.0 >= if person { 0.7 } else { 0.85 } && matches!(p.3, Via::Exact | Via::Fuzzy)
        })
        .map(|p| if short_is_q { qt[p.1] } else { ct[p.2] })
        .filter(|t| t.kind == TokenKind::Word && t.text.len() >= 3)
        .collect();
    let weak_short = short_toks
        .iter()
        .zip(short_used)
        .filter(|(t, &u)| u && t.kind == TokenKind::Word)
        .count()
        > strong.len() + joins.len();
    if q_left > 1e-9 || c_left > 1e-9 {
        shape = "partial".to_string();
    }
    if (q_left > 1e-9) != (c_left > 1e-9) && short_left < 1e-9 && short_total > 0.0 && !weak_short {
        let eligible = if person {
            strong.len() >= 2
        } else {
            // A place alone ("Beijing University") is not what a longer name is known by.
            strong.iter().any(|t| t.text.len() >= 5 && !t.place) && short_total >= 0.5
        };
        if eligible {
            let boosted = if person {
                0.7 + 0.3 * dice
            } else {
                0.6 + 0.3 * dice
            };
            if boosted > align {
                align = boosted;
                shape = "one name contains the other".to_string();
            }
        }
    }
    // Distinctive words of the query that an organisation name contained in it lacks ("Dahua
    // Hotel" against the alias "Dahua", "Honor Bank" against "Honor"): the query names another
    // party, unless those words weigh little against the name (rarity: a one-word name cannot
    // absorb another word). They then count on both sides of the overlap, as a substituted
    // word would, and the name gets no credit for being contained. Descriptors, legal forms,
    // numbers, initials and places ("Hikvision USA Inc", "Dahua Technology") do not count.
    let mut extra_pen = 0.0;
    let mut extra_detail = String::from("none");
    if !person && c_left < 1e-9 && q_left > 1e-9 && c_total > 0.0 {
        let extra: SmallVec<[usize; 4]> = (0..qt.len())
            .filter(|&i| !qused[i] && qt[i].kind == TokenKind::Word && !qt[i].place)
            .collect();
        let extra_w: f64 = extra.iter().map(|&i| qw[i]).sum();
        if extra_w > EXTRA_RATIO * c_total {
            let strict = matched / (total + extra_w);
            if strict < align {
                extra_pen = align - strict;
                align = strict;
                shape = "the query adds distinctive words to the name".to_string();
            }
            if explain {
                let words: Vec<String> = extra
                    .iter()
                    .map(|&i| format!("{} (w {})", qt[i].text, fmt2(qw[i])))
                    .collect();
                extra_detail = format!(
                    "query words the name lacks: [{}], weight {} > {} x name weight {}",
                    words.join(", "),
                    fmt2(extra_w),
                    EXTRA_RATIO,
                    fmt2(c_total)
                );
            }
        } else if extra_w > 0.0 && explain {
            extra_detail = format!(
                "extra query weight {} within {} x name weight {}",
                fmt2(extra_w),
                EXTRA_RATIO,
                fmt2(c_total)
            );
        }
    }
    // Substitution: both names keep words of their own (numbers and particles aside: the
    // bench counts fund numbers as the same party, and al/el vary freely).
    let left = |toks: &[&Token], used: &[bool], w: &[f64], particles: bool| -> f64 {
        (0..toks.len())
            .filter(|&i| {
                !used[i]
                    && toks[i].kind != TokenKind::Number
                    && (particles || toks[i].kind != TokenKind::Particle)
            })
            .map(|i| w[i])
            .sum::<f64>()
    };
    let only_particles = left(&qt, &qused, qw, false) < 1e-9 && left(&ct, &cused, cw, false) < 1e-9;
    if left(&qt, &qused, qw, true) >= 0.25 && left(&ct, &cused, cw, true) >= 0.25 && !only_particles
    {
        align -= 0.08;
        shape = "both names have unmatched tokens (-0.08)".to_string();
    }
    // Person names in another order ("Hans Friedrich" is not "Friedrich Hans").
    let mut order_pen = 0.0;
    if person && aligned.len() >= 2 && !q.reordered && !c.reordered {
        let mut byq: Vec<(usize, usize)> = aligned.iter().map(|p| (p.1, p.2)).collect();
        byq.sort_unstable();
        let n = byq.len();
        let mut inv = 0usize;
        for x in 0..n {
            for y in x + 1..n {
                if byq[x].1 > byq[y].1 {
                    inv += 1;
                }
            }
        }
        if inv > 0 {
            order_pen = 0.08 + 0.12 * inv as f64 / (n * (n - 1) / 2) as f64;
        }
        align -= order_pen;
    }
    // "X bin Y" names X, child of Y: a name that appears before the patronymic particle on one
    // side and after it on the other names another person ("Salman bin Muhammad" is not
    // "Muhammad bin Salman"), however the other words agree.
    let mut patronym_pen = 0.0;
    let mut patronym_detail = String::from("none");
    if person {
        let pivot = |toks: &[&Token]| {
            // Only between two names: a leading or trailing "bin" is a garbled order.
            toks.iter()
                .position(|t| PATRONYMIC.contains(&t.text.as_str()))
                .filter(|&k| k > 0 && k + 1 < toks.len())
        };
        // Chains ("X ben Y ben Z") must have as many links on both sides to be compared.
        let links = |toks: &[&Token]| {
            toks.iter()
                .filter(|t| PATRONYMIC.contains(&t.text.as_str()))
                .count()
        };
        if let (Some(pq), Some(pc), true) = (pivot(&qt), pivot(&ct), links(&qt) == links(&ct)) {
            let crossed = || {
                aligned.iter().filter(|&&(sim, i, j, _)| {
                    sim >= 0.7 && qt[i].kind == TokenKind::Word && ((i < pq) != (j < pc))
                })
            };
            if crossed().next().is_some() {
                patronym_pen = PATRONYM_PEN;
                align -= patronym_pen;
                if explain {
                    let pairs: Vec<String> = crossed()
                        .map(|&(_, i, j, _)| format!("{} ~ {}", qt[i].text, ct[j].text))
                        .collect();
                    patronym_detail = format!(
                        "given name and patronym swapped across {}/{}: {}",
                        qt[pq].text,
                        ct[pc].text,
                        pairs.join(", ")
                    );
                }
            }
        }
    }
    // A name must agree on something distinctive, not only on descriptors and particles.
    let q_distinct = qt.iter().any(|t| t.kind.is_distinctive());
    let distinct_hit = aligned.iter().any(|&(s, i, j, via)| {
        s >= 0.7
            && via != Via::Initial
            && (qt[i].kind.is_distinctive() || ct[j].kind.is_distinctive())
    }) || !joins.is_empty();
    if q_distinct && !distinct_hit {
        align = align.min(0.5);
    }
    let align = align.max(0.0);
    let fuzzy: Vec<&(f64, usize, usize, Via)> =
        aligned.iter().filter(|p| p.3 != Via::Exact).collect();
    let phonetic_n = aligned.iter().filter(|p| p.3 == Via::Phonetic).count();

    // Acronym of one side equal to the other side's single word.
    let acronym = acronym_match(&qt, c).or_else(|| acronym_match(&ct, q));
    let acronym_score = match acronym.as_ref().map(String::len) {
        Some(n) if n >= 4 => 0.88,
        Some(3) => 0.78,
        _ => 0.0,
    };

    // Legal forms: a conflict of generic tags (LLC vs JSC) weighs a little.
    let (lf_adj, lf_detail) = legal_form_feature(q, c);

    let base = align.max(acronym_score);
    let raw = (base + lf_adj).clamp(0.0, 1.0);
    let score = calibrate(raw);

    if !explain {
        return Score {
            score,
            features: Vec::new(),
        };
    }
    let mut detail = Vec::new();
    for &(s, i, j, via) in &aligned {
        detail.push(format!(
            "{}{}{} {} (w {}/{})",
            qt[i].text,
            via.as_str(),
            ct[j].text,
            fmt2(s),
            fmt2(qw[i]),
            fmt2(cw[j])
        ));
    }
    detail.extend(joins.iter().map(|j| format!("{j} (joined)")));
    let unq: Vec<String> = (0..qt.len())
        .filter(|&i| !qused[i])
        .map(|i| format!("{} (w {})", qt[i].text, fmt2(qw[i])))
        .collect();
    let unc: Vec<String> = (0..ct.len())
        .filter(|&j| !cused[j])
        .map(|j| format!("{} (w {})", ct[j].text, fmt2(cw[j])))
        .collect();
    let features =
        vec![
        Feature::new(
            "token_alignment",
            align,
            format!(
                "{}; unmatched query: [{}]; unmatched name: [{}]",
                detail.join(", "),
                unq.join(", "),
                unc.join(", ")
            ),
        ),
        Feature::new(
            "fuzzy_residual",
            if fuzzy.is_empty() {
                0.0
            } else {
                fuzzy.iter().map(|p| p.0).sum::<f64>() / fuzzy.len() as f64
            },
            format!("{} of {} aligned tokens matched fuzzily", fuzzy.len(), aligned.len()),
        ),
        Feature::new(
            "phonetic",
            if aligned.is_empty() {
                0.0
            } else {
                phonetic_n as f64 / aligned.len() as f64
            },
            format!("{phonetic_n} token pairs agree only by sound"),
        ),
        Feature::new(
            "rarity",
            if qw.is_empty() {
                0.0
            } else {
                qw.iter().sum::<f64>() / qw.len() as f64
            },
            "mean weight of the query's tokens (generic words and frequent tokens weigh little)"
                .to_string(),
        ),
        Feature::new(
            "joined_words",
            joins.len() as f64,
            if joins.is_empty() {
                "none".to_string()
            } else {
                joins.join(", ")
            },
        ),
        Feature::new("shape", dice, format!("weighted overlap {}; {shape}", fmt2(dice))),
        Feature::new("extra_words", -extra_pen, extra_detail),
        Feature::new("patronym", -patronym_pen, patronym_detail),
        Feature::new(
            "word_order",
            -order_pen,
            if order_pen > 0.0 {
                "aligned person-name parts appear in another order"
            } else {
                "same order or not a person"
            },
        ),
        Feature::new(
            "acronym",
            acronym_score,
            match &acronym {
                Some(a) => format!("{a:?} is an acronym of the other name"),
                None => "no acronym".to_string(),
            },
        ),
        Feature::new("legal_form", lf_adj, lf_detail),
        Feature::new(
            "calibration",
            score - raw,
            format!("raw {} mapped to {}", fmt2(raw), fmt2(score)),
        ),
    ];
    Score { score, features }
}

fn acronym_match(single: &[&Token], other: &Analysis) -> Option<String> {
    if single.len() != 1 {
        return None;
    }
    let t = single[0];
    if !(2..=8).contains(&t.text.len()) || !t.text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if other.core().count() < 2 {
        return None;
    }
    other.acronyms().into_iter().find(|a| *a == t.text)
}

fn legal_form_feature(q: &Analysis, c: &Analysis) -> (f64, String) {
    let (Some(a), Some(b)) = (q.legal_forms.last(), c.legal_forms.last()) else {
        return (0.0, "not both names carry a legal form".to_string());
    };
    if a.compare == b.compare || (a.generic.is_some() && a.generic == b.generic) {
        return (0.0, format!("{} ~ {}: agree", a.text, b.text));
    }
    match (&a.generic, &b.generic) {
        (Some(x), Some(y)) if x != y => (
            -0.12,
            format!("{} ({x}) vs {} ({y}): conflict", a.text, b.text),
        ),
        _ => (0.0, format!("{} vs {}: not comparable", a.text, b.text)),
    }
}
