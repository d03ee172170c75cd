//! Names split into tagged tokens: legal forms, generic descriptors, particles, initials,
//! numbers and ordinary words, with synonym classes and phonetic keys.

use crate::fold::{dominant_script, fold, person_name_order, Script};
use crate::phonetic::phonetic_key;
use crate::tables::{number_word, roman, tables, SymbolSection, Tables};

/// How to read a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A company or organization: legal forms and descriptors are recognized.
    Org,
    /// A person: titles, initials, nicknames; no legal forms.
    Person,
    /// Unknown: organization rules, plus person titles and inverted names.
    Any,
}

/// The role of a token in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An ordinary, potentially distinctive word.
    Word,
    /// Contains digits ("2004", "1st" is kept as "1").
    Number,
    /// A single letter.
    Initial,
    /// A name particle shared by many unrelated names (al, bin, de, van).
    Particle,
    /// A generic organisation descriptor (Technology, Group, International, Holding).
    Generic,
    /// Part of a legal form (Co., Ltd., 有限公司, ООО, GmbH, S.A.).
    LegalForm,
    /// A person title or suffix (Mr, Dr, Jr) or a leading article (The).
    Title,
}

impl TokenKind {
    /// Tokens that take part in name alignment (legal forms and titles are compared apart).
    pub fn is_core(self) -> bool {
        !matches!(self, TokenKind::LegalForm | TokenKind::Title)
    }
    /// Tokens that can by themselves identify a party.
    pub fn is_distinctive(self) -> bool {
        matches!(self, TokenKind::Word | TokenKind::Number)
    }
    /// Weight of the token in alignment before corpus rarity is applied.
    pub fn base_weight(self) -> f64 {
        match self {
            TokenKind::Word => 1.0,
            TokenKind::Number => 0.4,
            TokenKind::Initial => 0.45,
            TokenKind::Particle => 0.3,
            TokenKind::Generic => 0.3,
            TokenKind::LegalForm | TokenKind::Title => 0.0,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Word => "word",
            TokenKind::Number => "number",
            TokenKind::Initial => "initial",
            TokenKind::Particle => "particle",
            TokenKind::Generic => "generic",
            TokenKind::LegalForm => "legal_form",
            TokenKind::Title => "title",
        }
    }
}

/// One token of a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Folded ASCII text (several words for a multi-word symbol such as "joint stock").
    pub text: String,
    pub kind: TokenKind,
    /// Synonym classes (see [`class_name`]); two tokens sharing a class are the same word.
    pub classes: Vec<u32>,
    /// [`phonetic_key`] of the text (empty for numbers and one-letter tokens).
    pub phonetic: String,
    /// A word naming a country, region or large city ("usa", "europe", "shanghai"). It is an
    /// ordinary word in every respect but one: a query that adds it to a name it contains is not
    /// taken to name another party for it ("Hikvision USA" vs "Hikvision").
    pub place: bool,
}

impl Token {
    /// True when both tokens are the same word or synonyms.
    pub fn same_word(&self, other: &Token) -> bool {
        self.text == other.text || self.classes.iter().any(|c| other.classes.contains(c))
    }
}

/// A legal form found in a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalForm {
    /// As written, folded ("co ltd", "you xian gong si", "ooo").
    pub text: String,
    /// Comparison form: equal for spellings of one legal form ("ltd", "ooo", "gmbh").
    pub compare: String,
    /// Global tag from rigour (LLC, JSC, LP, …) when known.
    pub generic: Option<String>,
    /// Which table recognized it: "rigour" or "gleif".
    pub table: &'static str,
}

/// A name read into tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// [`fold`]ed text of the (possibly reordered) name.
    pub folded: String,
    pub tokens: Vec<Token>,
    pub legal_forms: Vec<LegalForm>,
    /// True when "FAMILY, Given" was read as "Given FAMILY".
    pub reordered: bool,
    /// The dominant script of the name as written.
    pub script: Script,
    /// How the name was read.
    pub kind: NameKind,
}

/// Person-symbol classes that are titles or suffixes rather than name parts.
const TITLE_CLASSES: &[&str] = &[
    "jr", "sr", "esq", "dr", "prof", "md", "dds", "dvm", "phd", "cpa", "cfa", "cma", "csa",
];

const ACRONYM_SKIP: &[&str] = &[
    "of", "for", "the", "and", "in", "de", "du", "des", "la", "le",
];

impl Analysis {
    /// Tokens that take part in alignment.
    pub fn core(&self) -> impl Iterator<Item = &Token> + '_ {
        self.tokens.iter().filter(|t| t.kind.is_core())
    }
    /// True when nothing in the name can identify a party: only legal forms, generic
    /// descriptors, particles, titles or initials ("Technology Co., Ltd.", "Corporation").
    pub fn is_generic_only(&self) -> bool {
        !self.tokens.iter().any(|t| t.kind.is_distinctive())
    }
    /// The core tokens written together, without spaces ("tongfangweishi").
    pub fn compact(&self) -> String {
        self.core().map(|t| t.text.replace(' ', "")).collect()
    }
    /// Acronyms of the name: initials of the core words (skipping "of", "and", …), and the same
    /// with the legal form's initials ("China National Nuclear Corporation" → "cnn", "cnnc").
    pub fn acronyms(&self) -> Vec<String> {
        let mut core = String::new();
        let mut full = String::new();
        for t in &self.tokens {
            if t.kind == TokenKind::Title || ACRONYM_SKIP.contains(&t.text.as_str()) {
                continue;
            }
            for w in t.text.split(' ') {
                let Some(c) = w.chars().next() else { continue };
                if t.kind != TokenKind::LegalForm {
                    core.push(c);
                }
                full.push(c);
            }
        }
        let mut v = Vec::new();
        if core.len() >= 2 {
            v.push(core);
        }
        if full.len() >= 2 && !v.contains(&full) {
            v.push(full);
        }
        v
    }
}

/// The name of a synonym class ("tech", "own:grp", "bob").
pub fn class_name(id: u32) -> &'static str {
    tables()
        .class_names
        .get(id as usize)
        .map(String::as_str)
        .unwrap_or("")
}

/// Looks up a legal form by its folded text ("co ltd" → Ltd).
pub fn legal_form(text: &str) -> Option<LegalForm> {
    let key = fold(text);
    tables().legal.get(&key).map(|l| LegalForm {
        text: key.clone(),
        compare: l.compare.clone(),
        generic: l.generic.clone(),
        table: if l.gleif { "gleif" } else { "rigour" },
    })
}

fn longest_at_end(
    toks: &[&str],
    start: usize,
    end: usize,
    first: &ahash::AHashMap<String, u8>,
    buf: &mut String,
    found: impl Fn(&str) -> bool,
) -> usize {
    for k in (1..=(end - start).min(8)).rev() {
        let s = end - k;
        if first.get(toks[s]).is_none_or(|&m| (m as usize) < k) {
            continue;
        }
        buf.clear();
        for (j, t) in toks[s..end].iter().enumerate() {
            if j > 0 {
                buf.push(' ');
            }
            buf.push_str(t);
        }
        if found(buf) {
            return k;
        }
    }
    0
}

fn longest_at_start(
    toks: &[&str],
    start: usize,
    end: usize,
    first: &ahash::AHashMap<String, u8>,
    buf: &mut String,
    found: impl Fn(&str) -> bool,
) -> usize {
    let Some(&m) = first.get(toks[start]) else {
        return 0;
    };
    for k in (1..=(end - start).min(m as usize)).rev() {
        buf.clear();
        for (j, t) in toks[start..start + k].iter().enumerate() {
            if j > 0 {
                buf.push(' ');
            }
            buf.push_str(t);
        }
        if found(buf) {
            return k;
        }
    }
    0
}

/// Reads a name into tagged tokens.
///
/// ```
/// use unmask_text::{analyze, NameKind, TokenKind};
/// let a = analyze("Nuctech Warsaw Company Limited Sp. z o.o.", NameKind::Org);
/// let core: Vec<_> = a.core().map(|t| t.text.as_str()).collect();
/// assert_eq!(core, ["nuctech", "warsaw"]);
/// assert_eq!(a.legal_forms.len(), 3); // Company, Limited, Sp. z o.o.
/// ```
pub fn analyze(name: &str, kind: NameKind) -> Analysis {
    let t = tables();
    let mut reordered = false;
    let mut folded = fold(name);
    if kind != NameKind::Org {
        if let Some(r) = person_name_order(name) {
            let given = fold(r.split(' ').next().unwrap_or(""));
            if kind == NameKind::Person || !t.legal.contains_key(&given) {
                folded = fold(&r);
                reordered = true;
            }
        }
    }
    let toks: Vec<&str> = folded.split(' ').filter(|s| !s.is_empty()).collect();
    let n = toks.len();
    let mut kinds: Vec<Option<TokenKind>> = vec![None; n];
    let mut spans: Vec<(usize, usize)> = Vec::new(); // multi-token spans (start, len)
    let mut legal_forms = Vec::new();
    let mut buf = String::new();
    let (mut start, mut end) = (0usize, n);

    // Titles and leading articles.
    if kind != NameKind::Org {
        while start < end {
            let k = longest_at_start(&toks, start, end, &t.prefix_first, &mut buf, |s| {
                t.person_prefixes.contains(s)
            });
            if k == 0 || k == end - start {
                break;
            }
            for kd in &mut kinds[start..start + k] {
                *kd = Some(TokenKind::Title);
            }
            spans.push((start, k));
            start += k;
        }
    }
    if start < end && end - start > 1 && t.org_prefixes.contains(toks[start]) {
        kinds[start] = Some(TokenKind::Title);
        spans.push((start, 1));
        start += 1;
    }

    // Legal forms at the end (repeatedly), then at the start.
    if kind != NameKind::Person {
        let mut push_lf = |s: usize, k: usize, buf: &str, kinds: &mut Vec<Option<TokenKind>>| {
            let l = &t.legal[buf];
            legal_forms.push(LegalForm {
                text: buf.to_string(),
                compare: l.compare.clone(),
                generic: l.generic.clone(),
                table: if l.gleif { "gleif" } else { "rigour" },
            });
            for kd in &mut kinds[s..s + k] {
                *kd = Some(TokenKind::LegalForm);
            }
            spans.push((s, k));
        };
        while end > start {
            let k = longest_at_end(&toks, start, end, &t.legal_first, &mut buf, |s| {
                t.legal.contains_key(s)
            });
            if k == 0 {
                break;
            }
            push_lf(end - k, k, &buf, &mut kinds);
            end -= k;
        }
        while start < end {
            let k = longest_at_start(&toks, start, end, &t.legal_first, &mut buf, |s| {
                t.legal.contains_key(s)
            });
            if k == 0 {
                break;
            }
            push_lf(start, k, &buf, &mut kinds);
            start += k;
        }
        legal_forms.reverse();
    }

    // Symbols (longest first) and token kinds in the middle.
    let mut tokens: Vec<Token> = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if let Some(kd) = kinds[i] {
            let len = spans
                .iter()
                .find(|&&(s, _)| s == i)
                .map(|&(_, l)| l)
                .unwrap_or(1);
            let text = toks[i..i + len].join(" ");
            tokens.push(Token {
                text,
                kind: kd,
                classes: Vec::new(),
                phonetic: String::new(),
                place: false,
            });
            i += len;
            continue;
        }
        let mut stop = i;
        while stop < n && kinds[stop].is_none() {
            stop += 1;
        }
        let k = longest_at_start(&toks, i, stop, &t.sym_first, &mut buf, |s| {
            t.symbols.contains_key(s)
        });
        if k > 0 {
            let classes = t.symbols[buf.as_str()].clone();
            let kd = symbol_kind(t, &classes, kind, &buf);
            tokens.push(Token {
                place: kd == TokenKind::Word && t.places.contains(buf.as_str()),
                phonetic: if k == 1 {
                    phonetic_key(&buf)
                } else {
                    String::new()
                },
                text: buf.clone(),
                kind: kd,
                classes,
            });
            i += k;
            continue;
        }
        tokens.push(plain_token(t, toks[i]));
        i += 1;
    }
    numbers(&mut tokens, kind);
    Analysis {
        folded,
        tokens,
        legal_forms,
        reordered,
        script: dominant_script(name),
        kind,
    }
}

fn symbol_kind(t: &Tables, classes: &[u32], kind: NameKind, text: &str) -> TokenKind {
    let mut out = TokenKind::Word;
    for &c in classes {
        match t.class_section[c as usize] {
            SymbolSection::OrgDescriptor if kind != NameKind::Person => out = TokenKind::Generic,
            SymbolSection::PersonTitle if kind == NameKind::Person => {
                let name = t.class_names[c as usize].as_str();
                if TITLE_CLASSES.contains(&name) {
                    return TokenKind::Title;
                }
                return TokenKind::Particle;
            }
            _ => {}
        }
    }
    if out == TokenKind::Word && t.particles.contains(text) {
        return TokenKind::Particle;
    }
    out
}

/// "ig0r" → "igor", "sech1n" → "sechin": digits standing for letters inside a word (a letter on
/// both ends); identifiers such as "ar16" or "2004" are left alone.
fn unleet(w: &str) -> Option<String> {
    let b = w.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_alphabetic() || !b[b.len() - 1].is_ascii_alphabetic() {
        return None;
    }
    let mut out = String::with_capacity(b.len());
    for &c in b {
        out.push(match c {
            b'0' => 'o',
            b'1' => 'i',
            b'3' => 'e',
            b'4' => 'a',
            b'5' => 's',
            b'7' => 't',
            b'9' => 'g',
            c if c.is_ascii_alphabetic() => c as char,
            _ => return None,
        });
    }
    Some(out)
}

fn plain_token(t: &Tables, w: &str) -> Token {
    if w.bytes().any(|b| b.is_ascii_digit()) {
        if let Some(u) = unleet(w) {
            return plain_token(t, &u);
        }
    }
    let kind = if w.bytes().any(|b| b.is_ascii_digit()) {
        TokenKind::Number
    } else if w.len() == 1 {
        TokenKind::Initial
    } else if t.particles.contains(w) {
        TokenKind::Particle
    } else {
        TokenKind::Word
    };
    let text = if kind == TokenKind::Number {
        let d = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if d.bytes().all(|b| b.is_ascii_digit()) && !d.is_empty() {
            let z = d.trim_start_matches('0');
            if z.is_empty() {
                "0".to_string()
            } else {
                z.to_string()
            }
        } else {
            w.to_string()
        }
    } else {
        w.to_string()
    };
    Token {
        phonetic: if kind == TokenKind::Word {
            phonetic_key(w)
        } else {
            String::new()
        },
        place: kind == TokenKind::Word && t.places.contains(text.as_str()),
        text,
        kind,
        classes: Vec::new(),
    }
}

/// Roman numerals (in organisation names) and English number words become numbers; a tens
/// number followed by a unit joins it ("forty four", "forty 4" → 44).
fn numbers(tokens: &mut Vec<Token>, kind: NameKind) {
    for t in tokens.iter_mut() {
        if !matches!(t.kind, TokenKind::Word | TokenKind::Generic) {
            continue;
        }
        let v = number_word(&t.text).or_else(|| {
            if kind == NameKind::Person {
                None
            } else {
                roman(&t.text)
            }
        });
        if let Some(v) = v {
            t.text = v.to_string();
            t.kind = TokenKind::Number;
            t.classes.clear();
            t.phonetic.clear();
            t.place = false;
        }
    }
    let mut i = 0;
    while i + 1 < tokens.len() {
        let (a, b) = (&tokens[i], &tokens[i + 1]);
        if a.kind == TokenKind::Number && b.kind == TokenKind::Number {
            if let (Ok(x), Ok(y)) = (a.text.parse::<u32>(), b.text.parse::<u32>()) {
                if (20..100).contains(&x) && x % 10 == 0 && (1..10).contains(&y) {
                    tokens[i].text = (x + y).to_string();
                    tokens.remove(i + 1);
                }
            }
        }
        i += 1;
    }
}
