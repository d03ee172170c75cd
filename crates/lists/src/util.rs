//! Small helpers shared by the readers: decoding, dates, countries, kinds, ids.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use unmask_model::{Diagnostic, EntityKind};

/// Decodes one field; invalid UTF-8 is replaced (U+FFFD) and reported, so a stray byte costs a
/// diagnostic, not the row.
pub(crate) fn decode<'a>(
    bytes: &'a [u8],
    file: &str,
    line: u64,
    diags: &mut Vec<Diagnostic>,
) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let lossy = String::from_utf8_lossy(bytes);
            diags.push(Diagnostic::new(
                file,
                line,
                lossy.as_ref(),
                "invalid UTF-8, decoded with replacement characters",
            ));
            lossy
        }
    }
}

/// OFAC writes `-0- ` for an empty field.
pub(crate) fn ofac_null(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty() && t != "-0-").then_some(t)
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(bytes: &[u8], pos: usize) -> u64 {
    let end = pos.min(bytes.len());
    1 + memchr_count(b'\n', &bytes[..end]) as u64
}

fn memchr_count(needle: u8, hay: &[u8]) -> usize {
    hay.iter().filter(|&&b| b == needle).count()
}

/// Line numbers counted forward from the last one asked for, so a reader stays linear.
#[derive(Debug, Default)]
pub(crate) struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    /// The 1-based line of the byte at `pos`.
    pub(crate) fn at(&mut self, bytes: &[u8], pos: usize) -> u64 {
        let pos = pos.min(bytes.len());
        if pos < self.pos {
            return line_of(bytes, pos);
        }
        self.line += memchr_count(b'\n', &bytes[self.pos..pos]) as u64;
        self.pos = pos;
        self.line + 1
    }

    /// The line a CSV record starts on. The csv crate reports a record's start before the
    /// previous record's line terminator, so the terminator is skipped first.
    pub(crate) fn record(&mut self, bytes: &[u8], pos: u64) -> u64 {
        let mut p = pos as usize;
        while p < bytes.len() && (bytes[p] == b'\r' || bytes[p] == b'\n') {
            p += 1;
        }
        self.at(bytes, p)
    }
}

/// A source-scoped id part from a name: the name key with dashes.
pub(crate) fn slug(s: &str) -> String {
    unmask_text::name_key(s).replace(' ', "-")
}

fn month(s: &str) -> Option<u32> {
    let m = s.get(..3)?.to_ascii_lowercase();
    let i = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|x| *x == m)?;
    Some(i as u32 + 1)
}

/// "03 Jun 2021" → "2021-06-03".
pub(crate) fn date_dmy(s: &str) -> Option<String> {
    let mut it = s.split_whitespace();
    let d: u32 = it.next()?.parse().ok()?;
    let m = month(it.next()?)?;
    let y: u32 = it.next()?.trim_end_matches('.').parse().ok()?;
    valid(y, m, d)
}

/// "March 12, 2021" → "2021-03-12" (reads the first date in the text).
pub(crate) fn date_month_words(s: &str) -> Option<String> {
    let mut it = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty());
    let m = month(it.next()?)?;
    let d: u32 = it.next()?.parse().ok()?;
    let y: String = it
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    valid(y.parse().ok()?, m, d)
}

/// "06/19/2003" → "2003-06-19".
pub(crate) fn date_us(s: &str) -> Option<String> {
    let mut it = s.trim().split('/');
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    let y: u32 = it.next()?.parse().ok()?;
    valid(y, m, d)
}

fn valid(y: u32, m: u32, d: u32) -> Option<String> {
    ((1000..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Words that mark a business rather than a body such as a militia or ministry.
const LEGAL_WORDS: &[&str] = &[
    "ltd",
    "limited",
    "llc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "sa",
    "s a",
    "ag",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "oao",
    "zao",
    "ooo",
    "llp",
    "plc",
    "srl",
    "bv",
    "nv",
    "spa",
    "bhd",
    "fze",
    "fzco",
    "fzc",
    "pte",
    "pvt",
    "sarl",
    "kg",
    "ab",
    "as",
    "oy",
    "bank",
    "holding",
    "holdings",
    "trading",
    "enterprise",
    "enterprises",
    "group",
    "industries",
    "industry",
    "shipping",
    "airlines",
    "technology",
    "technologies",
    "cia",
    "ltda",
    "de cv",
];

/// Company when the name carries a legal-form or business word, else organization.
pub(crate) fn org_kind(name: &str) -> EntityKind {
    let key = unmask_text::name_key(name);
    let words: Vec<&str> = key.split(' ').collect();
    let hit = LEGAL_WORDS.iter().any(|w| match w.split_once(' ') {
        Some((a, b)) => words.windows(2).any(|p| p[0] == a && p[1] == b),
        None => words.contains(w),
    });
    if hit {
        EntityKind::Company
    } else {
        EntityKind::Organization
    }
}

/// Country names (lower case) and the spellings the lists use, to ISO 3166 alpha-2.
const COUNTRIES: &[(&str, &str)] = &[
    ("afghanistan", "AF"),
    ("aland islands", "AX"),
    ("albania", "AL"),
    ("algeria", "DZ"),
    ("american samoa", "AS"),
    ("andorra", "AD"),
    ("angola", "AO"),
    ("anguilla", "AI"),
    ("antarctica", "AQ"),
    ("antigua and barbuda", "AG"),
    ("argentina", "AR"),
    ("armenia", "AM"),
    ("aruba", "AW"),
    ("australia", "AU"),
    ("austria", "AT"),
    ("azerbaijan", "AZ"),
    ("bahamas", "BS"),
    ("bahamas, the", "BS"),
    ("the bahamas", "BS"),
    ("bahrain", "BH"),
    ("bangladesh", "BD"),
    ("barbados", "BB"),
    ("belarus", "BY"),
    ("belgium", "BE"),
    ("belize", "BZ"),
    ("benin", "BJ"),
    ("bermuda", "BM"),
    ("bhutan", "BT"),
    ("bolivia", "BO"),
    ("bolivia (plurinational state of)", "BO"),
    ("bosnia and herzegovina", "BA"),
    ("botswana", "BW"),
    ("brazil", "BR"),
    ("british virgin islands", "VG"),
    ("virgin islands, british", "VG"),
    ("brunei", "BN"),
    ("brunei darussalam", "BN"),
    ("bulgaria", "BG"),
    ("burkina faso", "BF"),
    ("burma", "MM"),
    ("myanmar", "MM"),
    ("burundi", "BI"),
    ("cabo verde", "CV"),
    ("cape verde", "CV"),
    ("cambodia", "KH"),
    ("cameroon", "CM"),
    ("canada", "CA"),
    ("cayman islands", "KY"),
    ("central african republic", "CF"),
    ("chad", "TD"),
    ("chile", "CL"),
    ("china", "CN"),
    ("people's republic of china", "CN"),
    ("china, hong kong special administrative region", "HK"),
    ("hong kong", "HK"),
    ("macau", "MO"),
    ("macao", "MO"),
    ("colombia", "CO"),
    ("comoros", "KM"),
    ("congo", "CG"),
    ("congo, republic of the", "CG"),
    ("republic of the congo", "CG"),
    ("congo, democratic republic of the", "CD"),
    ("democratic republic of the congo", "CD"),
    ("cook islands", "CK"),
    ("costa rica", "CR"),
    ("cote d ivoire", "CI"),
    ("cote d'ivoire", "CI"),
    ("côte d'ivoire", "CI"),
    ("croatia", "HR"),
    ("cuba", "CU"),
    ("curacao", "CW"),
    ("cyprus", "CY"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("denmark", "DK"),
    ("djibouti", "DJ"),
    ("dominica", "DM"),
    ("dominican republic", "DO"),
    ("ecuador", "EC"),
    ("egypt", "EG"),
    ("el salvador", "SV"),
    ("equatorial guinea", "GQ"),
    ("eritrea", "ER"),
    ("estonia", "EE"),
    ("eswatini", "SZ"),
    ("swaziland", "SZ"),
    ("ethiopia", "ET"),
    ("fiji", "FJ"),
    ("finland", "FI"),
    ("france", "FR"),
    ("gabon", "GA"),
    ("gambia", "GM"),
    ("the gambia", "GM"),
    ("gambia, the", "GM"),
    ("georgia", "GE"),
    ("germany", "DE"),
    ("ghana", "GH"),
    ("gibraltar", "GI"),
    ("greece", "GR"),
    ("greenland", "GL"),
    ("grenada", "GD"),
    ("guatemala", "GT"),
    ("guernsey", "GG"),
    ("guinea", "GN"),
    ("guinea-bissau", "GW"),
    ("guyana", "GY"),
    ("haiti", "HT"),
    ("honduras", "HN"),
    ("hungary", "HU"),
    ("iceland", "IS"),
    ("india", "IN"),
    ("indonesia", "ID"),
    ("iran", "IR"),
    ("iran (islamic republic of)", "IR"),
    ("islamic republic of iran", "IR"),
    ("iraq", "IQ"),
    ("ireland", "IE"),
    ("isle of man", "IM"),
    ("man, isle of", "IM"),
    ("israel", "IL"),
    ("italy", "IT"),
    ("jamaica", "JM"),
    ("japan", "JP"),
    ("jersey", "JE"),
    ("jordan", "JO"),
    ("kazakhstan", "KZ"),
    ("kenya", "KE"),
    ("kiribati", "KI"),
    ("korea, north", "KP"),
    ("north korea", "KP"),
    ("democratic people's republic of korea", "KP"),
    ("korea, democratic people's republic of", "KP"),
    ("korea, south", "KR"),
    ("south korea", "KR"),
    ("republic of korea", "KR"),
    ("korea, republic of", "KR"),
    ("kosovo", "XK"),
    ("kuwait", "KW"),
    ("kyrgyzstan", "KG"),
    ("laos", "LA"),
    ("lao people's democratic republic", "LA"),
    ("latvia", "LV"),
    ("lebanon", "LB"),
    ("lesotho", "LS"),
    ("liberia", "LR"),
    ("libya", "LY"),
    ("liechtenstein", "LI"),
    ("lithuania", "LT"),
    ("luxembourg", "LU"),
    ("madagascar", "MG"),
    ("malawi", "MW"),
    ("malaysia", "MY"),
    ("maldives", "MV"),
    ("mali", "ML"),
    ("malta", "MT"),
    ("marshall islands", "MH"),
    ("mauritania", "MR"),
    ("mauritius", "MU"),
    ("mexico", "MX"),
    ("micronesia", "FM"),
    ("moldova", "MD"),
    ("republic of moldova", "MD"),
    ("monaco", "MC"),
    ("mongolia", "MN"),
    ("montenegro", "ME"),
    ("morocco", "MA"),
    ("mozambique", "MZ"),
    ("namibia", "NA"),
    ("nauru", "NR"),
    ("nepal", "NP"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("netherlands antilles", "AN"),
    ("new zealand", "NZ"),
    ("nicaragua", "NI"),
    ("niger", "NE"),
    ("nigeria", "NG"),
    ("north macedonia", "MK"),
    ("macedonia", "MK"),
    ("norway", "NO"),
    ("oman", "OM"),
    ("pakistan", "PK"),
    ("palau", "PW"),
    ("palestinian", "PS"),
    ("palestine", "PS"),
    ("state of palestine", "PS"),
    ("west bank", "PS"),
    ("panama", "PA"),
    ("papua new guinea", "PG"),
    ("paraguay", "PY"),
    ("peru", "PE"),
    ("philippines", "PH"),
    ("poland", "PL"),
    ("portugal", "PT"),
    ("puerto rico", "PR"),
    ("qatar", "QA"),
    ("romania", "RO"),
    ("russia", "RU"),
    ("russian federation", "RU"),
    ("rwanda", "RW"),
    ("saint kitts and nevis", "KN"),
    ("saint lucia", "LC"),
    ("saint vincent and the grenadines", "VC"),
    ("samoa", "WS"),
    ("san marino", "SM"),
    ("sao tome and principe", "ST"),
    ("saudi arabia", "SA"),
    ("senegal", "SN"),
    ("serbia", "RS"),
    ("seychelles", "SC"),
    ("sierra leone", "SL"),
    ("singapore", "SG"),
    ("slovakia", "SK"),
    ("slovenia", "SI"),
    ("solomon islands", "SB"),
    ("somalia", "SO"),
    ("south africa", "ZA"),
    ("south sudan", "SS"),
    ("spain", "ES"),
    ("sri lanka", "LK"),
    ("sudan", "SD"),
    ("suriname", "SR"),
    ("sweden", "SE"),
    ("switzerland", "CH"),
    ("syria", "SY"),
    ("syrian arab republic", "SY"),
    ("taiwan", "TW"),
    ("tajikistan", "TJ"),
    ("tanzania", "TZ"),
    ("united republic of tanzania", "TZ"),
    ("thailand", "TH"),
    ("timor-leste", "TL"),
    ("togo", "TG"),
    ("tonga", "TO"),
    ("trinidad and tobago", "TT"),
    ("tunisia", "TN"),
    ("turkey", "TR"),
    ("türkiye", "TR"),
    ("turkiye", "TR"),
    ("turkmenistan", "TM"),
    ("tuvalu", "TV"),
    ("uganda", "UG"),
    ("ukraine", "UA"),
    ("united arab emirates", "AE"),
    ("united kingdom", "GB"),
    ("united kingdom of great britain and northern ireland", "GB"),
    ("great britain", "GB"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("uruguay", "UY"),
    ("uzbekistan", "UZ"),
    ("vanuatu", "VU"),
    ("venezuela", "VE"),
    ("venezuela (bolivarian republic of)", "VE"),
    ("viet nam", "VN"),
    ("vietnam", "VN"),
    ("yemen", "YE"),
    ("zambia", "ZM"),
    ("zimbabwe", "ZW"),
];

fn table() -> &'static (HashMap<&'static str, &'static str>, Vec<&'static str>) {
    static T: OnceLock<(HashMap<&'static str, &'static str>, Vec<&'static str>)> = OnceLock::new();
    T.get_or_init(|| {
        let map: HashMap<_, _> = COUNTRIES.iter().copied().collect();
        let mut codes: Vec<&str> = COUNTRIES.iter().map(|(_, c)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        (map, codes)
    })
}

/// ISO 3166 alpha-2 for a country name or code the lists use, if known.
pub fn country_code(s: &str) -> Option<&'static str> {
    let t = s.trim().trim_end_matches('.');
    let (map, codes) = table();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        let up = t.to_ascii_uppercase();
        return codes.iter().copied().find(|c| *c == up);
    }
    map.get(t.to_lowercase().as_str()).copied()
}

/// The ISO code where known, else the value as given (trimmed).
pub(crate) fn norm_country(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t == "-0-" || t.eq_ignore_ascii_case("undetermined") {
        return None;
    }
    Some(country_code(t).map_or_else(|| t.to_string(), str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates_and_countries() {
        assert_eq!(date_dmy("03 Jun 2021").as_deref(), Some("2021-06-03"));
        assert_eq!(
            date_month_words("December 22, 2025Updated:January 7, 2026").as_deref(),
            Some("2025-12-22")
        );
        assert_eq!(date_us("06/19/2003").as_deref(), Some("2003-06-19"));
        assert_eq!(country_code("Korea, North"), Some("KP"));
        assert_eq!(country_code("cn"), Some("CN"));
        assert_eq!(
            norm_country("Region: Gaza").as_deref(),
            Some("Region: Gaza")
        );
        assert_eq!(org_kind("ZTE Corporation"), EntityKind::Company);
        assert_eq!(
            org_kind("Allied Democratic Forces"),
            EntityKind::Organization
        );
    }
}
