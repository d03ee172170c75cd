//! Curated model-number families: a model string that starts with a family's pattern points to
//! its maker. Each family names the page it was read from.

/// A model-number family of a restricted maker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFamily {
    /// Pattern matched at the start of the normalized model (upper case, no white space):
    /// literal characters, `#` for one digit.
    pub pattern: &'static str,
    /// Curated entity id of the maker (`curated:<id>`).
    pub entity_id: &'static str,
    /// What products the family covers.
    pub products: &'static str,
    /// Where the family was read.
    pub source: &'static str,
    /// The pattern is short or shared with other makers' numbering: it counts only when the
    /// manufacturer field is empty or names the same maker.
    pub ambiguous: bool,
    /// False when no citable source was found for the family (said so in the evidence).
    pub verified: bool,
}

const HIK_SRC: &str = "page: 51sen.com/se/93863.html 'Decoding Hikvision's Alphanumeric Model Designations' (DS-2CD cameras, DS-2DE domes, DS-7600 NVRs, DS-7200 DVRs); 51sen.com/se/122139.html (DS-2CD, DS-2DE, DS-2DF series)";
const DAHUA_SRC: &str = "page: ek.ua/en/post/4042 'Marking of Dahua surveillance cameras' (DH/DHI brand prefix, HAC HD-CVI cameras, IPC network cameras; HDW/HFW housing codes)";
const DAHUA_IPC_SRC: &str = "pages: notice-facile.com manuals of Dahua Technology IPC-HDBW5442R-ASE and IPC-HDBW3841E-AS (model names of Dahua network cameras)";
const HYTERA_SRC: &str = "page: easymanua.ls/hytera/pd78xg 'Hytera DMR System Planner' (PD78xG portable DMR radios; Hytera Communications Co., Ltd.)";
const HUAWEI_SRC: &str = "pages: dokumen.tips 'CloudEngine S5731-S Series Switches' datasheet (Huawei VRP); vdocuments.us 'Huawei CloudEngine 6860 Switch Datasheet'";
const ZTE_SRC: &str = "pages: vdocuments.us 'ZXR10 M6000-S Carrier-Class Router Product Description' (ZTE Corporation); scribd 'ZXR10 5950 GE Intelligent Switch Product Description'";
const NUCTECH_SRC: &str = "unverified: Nuctech X-ray product designations as commonly seen in tenders (CX… baggage, MT… multi-energy, MB… body/vehicle); no citable source was found when this table was written";

/// The curated families.
pub static MODEL_FAMILIES: &[ModelFamily] = &[
    fam(
        "DS-2CD",
        "curated:hikvision",
        "Hikvision IP cameras",
        HIK_SRC,
        false,
    ),
    fam(
        "DS-2DE",
        "curated:hikvision",
        "Hikvision PTZ/dome cameras",
        HIK_SRC,
        false,
    ),
    fam(
        "DS-2DF",
        "curated:hikvision",
        "Hikvision PTZ cameras",
        HIK_SRC,
        false,
    ),
    fam(
        "DS-7",
        "curated:hikvision",
        "Hikvision NVRs and DVRs (DS-76xx, DS-77xx, DS-72xx)",
        HIK_SRC,
        false,
    ),
    fam(
        "IDS-",
        "curated:hikvision",
        "Hikvision DeepinView/DeepinMind products",
        HIK_SRC,
        false,
    ),
    fam(
        "IPC-HDW",
        "curated:dahua",
        "Dahua eyeball network cameras",
        DAHUA_SRC,
        false,
    ),
    fam(
        "IPC-HFW",
        "curated:dahua",
        "Dahua bullet network cameras",
        DAHUA_SRC,
        false,
    ),
    fam(
        "IPC-HDBW",
        "curated:dahua",
        "Dahua vandal-proof dome network cameras",
        DAHUA_IPC_SRC,
        false,
    ),
    fam(
        "DH-",
        "curated:dahua",
        "Dahua-branded products",
        DAHUA_SRC,
        false,
    ),
    fam(
        "DHI-",
        "curated:dahua",
        "Dahua-branded products",
        DAHUA_SRC,
        false,
    ),
    fam(
        "HAC-HDW",
        "curated:dahua",
        "Dahua HD-CVI cameras",
        DAHUA_SRC,
        false,
    ),
    fam(
        "HAC-HFW",
        "curated:dahua",
        "Dahua HD-CVI cameras",
        DAHUA_SRC,
        false,
    ),
    fam(
        "PD###",
        "curated:hytera",
        "Hytera portable DMR radios (PD7xx, PD9xx)",
        HYTERA_SRC,
        true,
    ),
    fam(
        "HP###",
        "curated:hytera",
        "Hytera portable DMR radios (HP7xx)",
        HYTERA_SRC,
        true,
    ),
    fam(
        "S57##",
        "curated:huawei",
        "Huawei S5700-family campus switches",
        HUAWEI_SRC,
        true,
    ),
    fam(
        "S67##",
        "curated:huawei",
        "Huawei S6700-family switches",
        HUAWEI_SRC,
        true,
    ),
    fam(
        "CLOUDENGINE",
        "curated:huawei",
        "Huawei CloudEngine switches",
        HUAWEI_SRC,
        false,
    ),
    fam(
        "CE68##",
        "curated:huawei",
        "Huawei CloudEngine 68xx switches",
        HUAWEI_SRC,
        true,
    ),
    fam(
        "ZXR10",
        "curated:zte",
        "ZTE ZXR10 routers and switches",
        ZTE_SRC,
        false,
    ),
    fam(
        "CX####",
        "curated:nuctech",
        "Nuctech X-ray baggage/parcel scanners",
        NUCTECH_SRC,
        true,
    ),
    fam(
        "MT####",
        "curated:nuctech",
        "Nuctech multi-energy X-ray scanners",
        NUCTECH_SRC,
        true,
    ),
];

const fn fam(
    pattern: &'static str,
    entity_id: &'static str,
    products: &'static str,
    source: &'static str,
    ambiguous: bool,
) -> ModelFamily {
    let verified = !matches!(source.as_bytes().first(), Some(b'u'));
    ModelFamily {
        pattern,
        entity_id,
        products,
        source,
        ambiguous,
        verified,
    }
}

/// Upper case, white space removed; a leading maker word ("Hikvision DS-2CD…") is kept, so
/// families are also tried on every word start.
fn matches_at(model: &[u8], pattern: &[u8]) -> bool {
    if model.len() < pattern.len() {
        return false;
    }
    pattern.iter().zip(model).all(|(&p, &m)| match p {
        b'#' => m.is_ascii_digit(),
        _ => p == m.to_ascii_uppercase(),
    })
}

/// The families a model string belongs to (tried at the start of each word).
///
/// ```
/// let f = unmask_estate::families::match_model("DS-2CD2143G2-IS");
/// assert_eq!(f[0].entity_id, "curated:hikvision");
/// assert!(unmask_estate::families::match_model("AXIS P3245-V").is_empty());
/// ```
pub fn match_model(model: &str) -> Vec<&'static ModelFamily> {
    let mut out: Vec<&'static ModelFamily> = Vec::new();
    let b = model.trim().as_bytes();
    let mut start = 0usize;
    while start < b.len() {
        let word = &b[start..];
        for f in MODEL_FAMILIES {
            if matches_at(word, f.pattern.as_bytes()) && !out.iter().any(|g| std::ptr::eq(*g, f)) {
                // A family must end at a word boundary or continue with a model character.
                out.push(f);
            }
        }
        // Next word.
        match b[start..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b',')
        {
            Some(p) => start += p + 1,
            None => break,
        }
        while start < b.len() && b[start].is_ascii_whitespace() {
            start += 1;
        }
    }
    out
}
