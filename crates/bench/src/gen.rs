//! Corpus generators: perturbed list names and random company names for screening, assets drawn
//! from the IEEE registry for attribution, and a synthetic conn.log replayed from real logs.

use crate::rng::Rng;
use crate::BenchError;
use std::io::Write;
use std::path::Path;
use unmask_estate::{Asset, Mac, OuiRegistry};

/// A list name with one typo-like change (a dropped or swapped letter, upper case, a legal form).
pub fn perturb(name: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    match rng.below(5) {
        0 if chars.len() > 3 => {
            let i = rng.below(chars.len());
            chars.remove(i);
        }
        1 if chars.len() > 3 => {
            let i = rng.below(chars.len() - 1);
            chars.swap(i, i + 1);
        }
        2 => return name.to_uppercase(),
        3 => return format!("{name} Ltd."),
        _ => {}
    }
    chars.into_iter().collect()
}

/// An ordinary company name that should match nothing ("Summit Optics 417 GmbH").
pub fn random_company(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "North", "Blue", "Silver", "Atlas", "Delta", "Pioneer", "Summit", "Harbor", "Green",
        "Prime", "Alpine", "Coastal", "United", "Golden", "Eastern", "Apex", "Vertex", "Orion",
        "Falcon",
    ];
    const B: &[&str] = &[
        "Logistics",
        "Foods",
        "Textiles",
        "Analytics",
        "Mining",
        "Pharma",
        "Robotics",
        "Trading",
        "Energy",
        "Motors",
        "Software",
        "Security",
        "Optics",
        "Marine",
        "Steel",
        "Media",
    ];
    const C: &[&str] = &[
        "Ltd.",
        "GmbH",
        "Inc.",
        "S.A.",
        "LLC",
        "Co., Ltd.",
        "B.V.",
        "plc",
        "",
    ];
    let mut s = format!("{} {}", A[rng.below(A.len())], B[rng.below(B.len())]);
    if rng.below(3) == 0 {
        s.push_str(&format!(" {}", rng.below(1000)));
    }
    let c = C[rng.below(C.len())];
    if !c.is_empty() {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// `n` assets from the IEEE registry: MACs inside real assignments (10% randomized),
/// manufacturers drawn from registrant names and curated brands (`manufacturers` distinct),
/// models from a fixed pool.
pub fn assets(n: usize, manufacturers: usize) -> Vec<Asset> {
    let reg = OuiRegistry::bundled();
    let asg = reg.assignments();
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut makers: Vec<String> = [
        "EZVIZ",
        "Hikvision",
        "Dahua",
        "Axis",
        "Bosch",
        "Cisco",
        "Hytera",
        "Motorola Solutions",
        "Smiths Detection",
        "Rapiscan",
        "STVS",
        "同方威视",
        "Huawei",
        "Aruba",
        "Apple",
        "Samsung",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    while makers.len() < manufacturers.max(1) {
        makers.push(asg[rng.below(asg.len())].organization.clone());
    }
    let models = [
        "DS-2CD2143G2-IS",
        "IPC-HDW2431T",
        "P3245-V",
        "C9300-48P",
        "PD785G",
        "S5731-S24T4X",
        "FLEXIDOME IP 5000",
        "iPhone 14",
        "Galaxy S23",
        "ZXR10 5950",
        "",
        "AP-515",
    ];
    (0..n)
        .map(|i| {
            let a = &asg[rng.below(asg.len())];
            let mac = if rng.below(10) == 0 {
                let mut m = rng.next_u64().to_be_bytes();
                m[2] = (m[2] | 0x02) & 0xfe;
                Mac([m[2], m[3], m[4], m[5], m[6], m[7]])
            } else {
                let bits = a.registry.bits();
                let prefix = u64::from_str_radix(&a.prefix, 16).unwrap_or(0);
                let low = rng.next_u64() & ((1u64 << (48 - bits)) - 1);
                let v = (prefix << (48 - bits)) | low;
                let b = v.to_be_bytes();
                Mac([b[2], b[3], b[4], b[5], b[6], b[7]])
            };
            let model = models[rng.below(models.len())];
            Asset {
                file: "generated".into(),
                line: i as u64 + 2,
                mac: Some(mac),
                manufacturer: Some(makers[rng.below(makers.len())].clone()),
                model: (!model.is_empty()).then(|| model.to_string()),
                ..Asset::default()
            }
        })
        .collect()
}

/// Writes a synthetic conn.log of `records` records by replaying the records of `replay` (a
/// file or folder of real logs) with shifted addresses and times, or the generator's built-in
/// mix without one. Returns a line saying what was replayed.
pub fn conn_log(out: &Path, records: u64, replay: Option<&Path>) -> Result<String, BenchError> {
    let mut source = Vec::new();
    let said = match replay {
        Some(dir) => {
            let rep =
                unmask_flows::read_path(dir, &unmask_flows::ReadOptions::default(), &mut |r| {
                    source.push(r)
                })?;
            format!(
                "replaying {} records of {} ({})",
                source.len(),
                dir.display(),
                rep.counts
            )
        }
        None => "replaying the generator's built-in record mix".to_string(),
    };
    let f = std::fs::File::create(out).map_err(|e| BenchError::io(out, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    unmask_flows::synth_conn_log_from(&source, &mut w, records, 42)
        .map_err(|e| BenchError::io(out, e))?;
    w.flush().map_err(|e| BenchError::io(out, e))?;
    Ok(said)
}
