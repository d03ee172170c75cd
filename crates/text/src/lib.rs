//! Name normalization for screening: scripts, case, legal forms, synonyms, transliteration,
//! tokens and phonetic keys. No I/O, no knowledge of lists or of the entity model.
//!
//! - [`fold`]: NFKC, case folding, transliteration to ASCII (Cyrillic BGN/PCGN, Chinese to pinyin
//!   syllables, everything else via `deunicode`), diacritics and punctuation removed.
//! - [`name_key`]: the exact-lookup key used to merge records (keeps legal forms).
//! - [`analyze`]: a name read into tagged [`Token`]s: legal forms recognized from the rigour
//!   org-type table and the GLEIF ELF list (Co., Ltd., 有限公司, ООО, GmbH, S.A., Sp. z o.o.),
//!   generic descriptors and synonym classes (rigour symbols plus our abbreviations: Tech,
//!   Intl, Comm, Grp, &), person titles, particles, initials, numbers, inverted person names.
//! - [`phonetic_key`], [`pinyin`], [`pinyin_joined`], [`transliterate_cyrillic`],
//!   [`person_name_order`], [`dominant_script`].
//!
//! The tables are embedded (see `data/README.md` for their origin and licences) and parsed on
//! first use, in a few milliseconds.
//!
//! ```
//! use unmask_text::*;
//! assert_eq!(name_key("Nuctech Co., Ltd."), name_key("NUCTECH CO LTD"));
//! assert_eq!(pinyin("同方威视"), "tong fang wei shi");
//! assert_eq!(pinyin_joined("同方威视"), "tongfangweishi");
//! let a = analyze("Hangzhou Hikvision Digital Technology Co., Ltd.", NameKind::Org);
//! assert_eq!(a.legal_forms[0].generic.as_deref(), Some("LLC"));
//! let tech = a.tokens.iter().find(|t| t.text == "technology").unwrap();
//! assert_eq!(tech.kind, TokenKind::Generic);
//! assert!(analyze("Technology Co., Ltd.", NameKind::Any).is_generic_only());
//! assert_eq!(person_name_order("GUZMAN LOERA, Joaquin").unwrap(), "Joaquin GUZMAN LOERA");
//! assert_eq!(phonetic_key("Scholz"), phonetic_key("Scholze"));
//! ```

mod analyze;
mod fold;
mod phonetic;
mod tables;

pub use analyze::{
    analyze, class_name, legal_form, Analysis, LegalForm, NameKind, Token, TokenKind,
};
pub use fold::{
    dominant_script, fold, is_han, person_name_order, pinyin, pinyin_joined,
    transliterate_cyrillic, CyrillicScheme, Script,
};
pub use phonetic::phonetic_key;
pub use tables::SymbolSection;

/// A comparison key for exact lookups and merges: NFKC, case-folded, transliterated to ASCII,
/// punctuation removed, white space collapsed. Legal forms are kept ("nuctech co ltd").
/// Stable: merges rely on it; matching uses [`fold`] and [`analyze`].
pub fn name_key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let ascii = if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        let nfkc: String = s.nfkc().collect();
        deunicode::deunicode(&nfkc).to_lowercase()
    };
    let mut out = String::with_capacity(ascii.len());
    for tok in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if tok.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out
}

/// Forces the embedded tables to be parsed now (otherwise on first use).
pub fn warm_up() {
    let _ = tables::tables();
}
