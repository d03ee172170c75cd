//! Who owns a destination: AS organizations (and intel family names) screened against the
//! restricted entities, each distinct name once per run.

use crate::finding::OwnerMatch;
use std::collections::HashMap;
use unmask_screen::{Query, Screener};

/// Least score for a match of an organization's core name (see [`OwnerScreen::resolve_org`]).
pub const CORE_NAME_MIN_SCORE: f64 = 0.95;

/// Screens names once each; answers only with *exposed* matches (listed, or with a path to a
/// listed entity).
#[derive(Debug)]
pub struct OwnerScreen<'s> {
    screener: Option<&'s Screener>,
    cache: HashMap<String, Option<OwnerMatch>>,
}

impl<'s> OwnerScreen<'s> {
    /// Screens with `screener`; with `None` nothing resolves (screening turned off).
    pub fn new(screener: Option<&'s Screener>) -> Self {
        OwnerScreen {
            screener,
            cache: HashMap::new(),
        }
    }

    /// Distinct names screened so far.
    pub fn screened(&self) -> usize {
        self.cache.len()
    }

    /// An AS organization resolved to a restricted entity, cached per organization: the full
    /// name at `min_score`, else its core name ([`org_variants`]: AS handles, place names in
    /// brackets, legal forms and infrastructure words removed, so "Huawei Cloud Service data
    /// center" is screened as "Huawei") at the stricter [`CORE_NAME_MIN_SCORE`].
    pub fn resolve_org(&mut self, org: &str, min_score: f64) -> Option<OwnerMatch> {
        self.screener?;
        if let Some(r) = self.cache.get(org) {
            return r.clone();
        }
        let mut r = self.screen_once(org, min_score);
        if r.is_none() {
            for v in org_variants(org) {
                if let Some(mut hit) = self.screen_once(&v, min_score.max(CORE_NAME_MIN_SCORE)) {
                    hit.screened_as = Some(v);
                    r = Some(hit);
                    break;
                }
            }
        }
        self.cache.insert(org.to_string(), r.clone());
        r
    }

    /// A name (an intel family) resolved as it is, cached.
    pub fn resolve(&mut self, name: &str, min_score: f64) -> Option<OwnerMatch> {
        self.screener?;
        if let Some(r) = self.cache.get(name) {
            return r.clone();
        }
        let r = self.screen_once(name, min_score);
        self.cache.insert(name.to_string(), r.clone());
        r
    }

    /// The best exposed match of `name`.
    fn screen_once(&self, name: &str, min_score: f64) -> Option<OwnerMatch> {
        let screener = self.screener?;
        let graph = screener.graph();
        let mut q = Query::new(name);
        q.threshold = min_score;
        screener
            .screen(&q)
            .into_iter()
            .find(|m| m.is_exposed(graph))
            .map(|m| OwnerMatch {
                matched: m.report(graph),
                screened_as: None,
            })
    }
}

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
///
/// ```
/// use unmask_analysis::org_variants;
/// assert_eq!(org_variants("Huawei Cloud Service data center"), vec!["Huawei"]);
/// assert_eq!(org_variants("HIPL-AS-AP - HUAWEI INTERNATIONAL PTE. LTD."), vec!["HIPL-AS-AP - HUAWEI", "HUAWEI"]);
/// ```
pub fn org_variants(org: &str) -> Vec<String> {
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
