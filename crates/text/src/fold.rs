//! Script handling: NFKC, case folding, transliteration to ASCII, punctuation.

use unicode_normalization::UnicodeNormalization;

/// Cyrillic romanization schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CyrillicScheme {
    /// BGN/PCGN-like, the usual English press spelling: х kh, ж zh, ц ts, щ shch, й y, ю yu.
    Bgn,
    /// ISO 9 / scientific spelling reduced to ASCII: х h, ж z, ц c, щ s, й j, ю ju.
    Iso,
    /// German (Duden) spelling: х ch, ж sh, ц z, ч tsch, ш sch, щ schtsch, в w, й j.
    German,
}

/// The writing system that dominates a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    Cyrillic,
    Han,
    Arabic,
    Other,
    /// No letters at all.
    None,
}

/// The script of most letters in `s`.
pub fn dominant_script(s: &str) -> Script {
    let (mut lat, mut cyr, mut han, mut ara, mut oth) = (0usize, 0usize, 0usize, 0usize, 0usize);
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        match c as u32 {
            0x41..=0x24F | 0x1E00..=0x1EFF => lat += 1,
            0x400..=0x52F => cyr += 1,
            0x600..=0x6FF | 0x750..=0x77F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => ara += 1,
            _ if is_han(c) => han += 1,
            _ => oth += 1,
        }
    }
    let best = [lat, cyr, han, ara, oth].into_iter().max().unwrap_or(0);
    if best == 0 {
        Script::None
    } else if best == lat {
        Script::Latin
    } else if best == cyr {
        Script::Cyrillic
    } else if best == han {
        Script::Han
    } else if best == ara {
        Script::Arabic
    } else {
        Script::Other
    }
}

/// CJK unified ideographs (the blocks that carry Chinese names).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF)
}

fn cyrillic(c: char, scheme: CyrillicScheme) -> Option<&'static str> {
    use CyrillicScheme::*;
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match (lower, scheme) {
        ('а', _) => "a",
        ('б', _) => "b",
        ('в', German) => "w",
        ('в', _) => "v",
        ('г', _) => "g",
        ('ґ', _) => "g",
        ('д', _) => "d",
        ('е', _) | ('ё', _) | ('э', _) => "e",
        ('є', Iso) => "je",
        ('є', _) => "ye",
        ('ж', Bgn) => "zh",
        ('ж', Iso) => "z",
        ('ж', German) => "sh",
        ('з', _) => "z",
        ('и', _) | ('і', _) => "i",
        ('ї', Iso) => "ji",
        ('ї', _) => "yi",
        ('й', Bgn) => "y",
        ('й', _) => "j",
        ('к', _) => "k",
        ('л', _) => "l",
        ('м', _) => "m",
        ('н', _) => "n",
        ('о', _) => "o",
        ('п', _) => "p",
        ('р', _) => "r",
        ('с', _) => "s",
        ('т', _) => "t",
        ('у', _) | ('ў', _) | ('ү', _) | ('ұ', _) => "u",
        ('ф', _) => "f",
        ('х', Bgn) => "kh",
        ('х', Iso) => "h",
        ('х', German) => "ch",
        ('ц', Bgn) => "ts",
        ('ц', Iso) => "c",
        ('ц', German) => "z",
        ('ч', German) => "tsch",
        ('ч', Iso) => "c",
        ('ч', Bgn) => "ch",
        ('ш', German) => "sch",
        ('ш', Iso) => "s",
        ('ш', Bgn) => "sh",
        ('щ', German) => "schtsch",
        ('щ', Iso) => "s",
        ('щ', Bgn) => "shch",
        ('ъ', _) | ('ь', _) => "",
        ('ы', _) => "y",
        ('ю', Bgn) => "yu",
        ('ю', _) => "ju",
        ('я', Bgn) => "ya",
        ('я', _) => "ja",
        ('ђ', _) => "dj",
        ('ј', _) => "j",
        ('љ', _) => "lj",
        ('њ', _) => "nj",
        ('ћ', _) => "c",
        ('џ', _) => "dz",
        ('ѓ', _) => "gj",
        ('ќ', _) => "kj",
        ('ѕ', _) => "dz",
        ('ө', _) => "o",
        ('қ', _) => "k",
        ('ғ', _) => "gh",
        ('ң', _) => "ng",
        ('һ', _) => "h",
        ('ә', _) => "a",
        _ => return None,
    })
}

/// Romanizes the Cyrillic letters of `s` under `scheme`, keeping initial capitals; other
/// characters are kept.
pub fn transliterate_cyrillic(s: &str, scheme: CyrillicScheme) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match cyrillic(c, scheme) {
            Some(r) if c.is_uppercase() => {
                let mut cs = r.chars();
                if let Some(f) = cs.next() {
                    out.push(f.to_ascii_uppercase());
                    out.push_str(cs.as_str());
                }
            }
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

/// Chinese characters to toneless pinyin, one syllable per word ("同方威视" → "tong fang wei shi"),
/// Simplified and Traditional alike. Non-Han characters are kept.
pub fn pinyin(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if is_han(c) {
            if let Some(p) = deunicode::deunicode_char(c) {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(&p.trim().to_ascii_lowercase());
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    let t = out.split_whitespace().collect::<Vec<_>>().join(" ");
    t
}

/// Pinyin with the syllables of each run of Chinese characters joined ("tongfangweishi").
pub fn pinyin_joined(s: &str) -> String {
    let mut out = String::new();
    let mut in_han = false;
    for c in s.chars() {
        if is_han(c) {
            if let Some(p) = deunicode::deunicode_char(c) {
                if !in_han && !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(&p.trim().to_ascii_lowercase());
                in_han = true;
            }
        } else {
            if in_han && !c.is_whitespace() {
                out.push(' ');
            }
            in_han = false;
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NFKC, case folding, transliteration to ASCII (Cyrillic under BGN/PCGN, Chinese to pinyin
/// syllables, other scripts through `deunicode`), diacritics dropped, apostrophes removed,
/// `&` spelt "and", other punctuation made a space, white space collapsed. Output is ASCII
/// lower case and digits separated by single spaces.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        // ASCII is its own NFKC form: only case, `&`, apostrophes and punctuation to handle.
        return squeeze(s.bytes().map(|b| b.to_ascii_lowercase() as char));
    }
    let mut raw = String::with_capacity(s.len() + 8);
    let mut buf = [0u8; 4];
    for c in s.nfkc() {
        if c.is_ascii() {
            raw.push(c.to_ascii_lowercase());
            continue;
        }
        if is_apostrophe(c) {
            raw.push('\'');
            continue;
        }
        if let Some(r) = cyrillic(c, CyrillicScheme::Bgn) {
            raw.push_str(r);
            continue;
        }
        if is_han(c) {
            if let Some(p) = deunicode::deunicode_char(c) {
                raw.push(' ');
                raw.push_str(p.trim());
                raw.push(' ');
            }
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            raw.push(' ');
            continue;
        }
        match deunicode::deunicode_char(c) {
            Some(p) => raw.push_str(p),
            None => raw.push_str(c.encode_utf8(&mut buf)),
        }
    }
    squeeze(raw.chars())
}

/// Lower-cases ASCII, spells `&` "and", drops apostrophes, turns other punctuation into single
/// spaces and trims.
fn squeeze(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut space = true;
    for c in chars {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
            space = false;
        } else if c == '\'' || c == '`' {
            // "Poor's" → "poors", "Cho Hyo'k" → "cho hyok"
        } else if c == '&' {
            if !space {
                out.push(' ');
            }
            out.push_str("and ");
            space = true;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '\u{02B9}' | '\u{00B4}'
    )
}

/// "GUZMAN LOERA, Joaquin" → "Joaquin GUZMAN LOERA": a single comma between a family-name part
/// and a given-name part (each one to four words, no digits) is read as an inverted person name.
pub fn person_name_order(s: &str) -> Option<String> {
    let mut parts = s.split(',');
    let (family, given) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (family, given) = (family.trim(), given.trim());
    let ok = |p: &str| {
        let n = p.split_whitespace().count();
        (1..=4).contains(&n) && !p.chars().any(|c| c.is_ascii_digit())
    };
    (ok(family) && ok(given)).then(|| format!("{given} {family}"))
}
