//! Name normalization: scripts, case, legal forms, synonyms, transliteration, tokens and
//! phonetic keys; no I/O.
//!
//! ```
//! assert_eq!(unmask_text::name_key("Nuctech Co., Ltd."), unmask_text::name_key("NUCTECH CO LTD"));
//! ```

use unicode_normalization::UnicodeNormalization;

/// A comparison key for exact lookups and merges: NFKC, case-folded, transliterated to ASCII,
/// punctuation removed, white space collapsed.
pub fn name_key(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let ascii = deunicode::deunicode(&nfkc).to_lowercase();
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
