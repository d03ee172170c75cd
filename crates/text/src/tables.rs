//! The embedded normalization tables: legal forms (rigour org types, GLEIF ELF), symbol classes
//! (rigour symbols plus our own abbreviations), name prefixes. Parsed once, on first use.

use crate::fold::fold;
use ahash::{AHashMap, AHashSet};
use std::sync::OnceLock;

const ORG_TYPES: &str = include_str!("../data/rigour_org_types.yml");
const SYMBOLS: &str = include_str!("../data/rigour_symbols.yml");
const STOPWORDS: &str = include_str!("../data/rigour_stopwords.yml");
const GLEIF: &str = include_str!("../data/gleif_elf_forms.tsv");

/// Our own abbreviation classes, on top of rigour's: `class: alias alias …`.
const OWN_SYMBOLS: &str = "\
tech: tech, techn, technology, technologies, technological, technologie, technik, ji shu, ke ji
intl: intl, int'l, internat, international, internationale, guo ji
comm: comm, comms, communication, communications, tong xun, tong xin
telecom: telecom, telecoms, telecommunication, telecommunications, telco, dian xin
grp: grp, group, groupe, gruppe, grupo, gruppo, ji tuan
and: and, und, et
svcs: svc, svcs, srvc, srvcs, srvces, servs, service, services, fu wu
mfg: mfg, mfr, manufacturing, manufacturer, manufacturers, zhi zao
sys: sys, syst, system, systems, xi tong
digital: digital, shu zi, shu ma
network: network, networks, wang luo
info: info, information, xin xi
software: software, ruan jian
eng: eng, engg, engineering, gong cheng
hldg: hldg, hldgs, holding, holdings, kong gu
mgmt: mgmt, mgt, management
dev: dev, devel, development, fa zhan
ind: ind, inds, industry, industries, industrial, shi ye, gong ye
natl: natl, national
assoc: assoc, assn, association, associates
bros: bros, brothers
inv: inv, invest, investment, investments, tou zi
fin: fin, financial, finance
sol: sol, soln, solns, solution, solutions
prod: prod, prods, product, products
dist: dist, distr, distribution, distributors, distributor
equip: equip, equipment, she bei
sci: sci, science, sciences, scientific
res: res, research
ctr: ctr, cntr, center, centre, zhong xin
univ: univ, university
dept: dept, department
";

/// Our own classes of line-of-business words, as rigour's org domains: ordinary words (a query
/// that adds "Electronics" to a name names another party) with synonyms.
const OWN_DOMAINS: &str = "\
elec: elec, electronic, electronics, elektronik, dian zi
";

/// Older romanizations of Chinese names (postal and Wade-Giles) beside their pinyin, so that
/// 清华 (pinyin "qing hua") meets "Tsinghua" and "Chung Hsing" meets Zhongxing (ZTE). Only
/// whole words that firms and places still carry; syllables alone are too ambiguous
/// (Wade-Giles "tung" is dong or tong).
const OWN_ROMANIZATIONS: &str = "\
qinghua: tsinghua, tsing hua, qinghua, qing hua
zhongxing: chunghsing, chung hsing, zhongxing, zhong xing
zhonghua: chunghwa, chung hwa, chunghua, chung hua, zhonghua, zhong hua
xinhua: hsinhua, hsin hua, xinhua, xin hua
beijing: peking, peiping, beijing, bei jing
nanjing: nanking, nanjing, nan jing
chongqing: chungking, chongqing, chong qing
tianjin: tientsin, tianjin, tian jin
qingdao: tsingtao, qingdao, qing dao
xiamen: amoy, xiamen, xia men
sichuan: szechuan, szechwan, sichuan, si chuan
xinjiang: sinkiang, xinjiang, xin jiang
guangdong: kwangtung, guangdong, guang dong
zhejiang: chekiang, zhejiang, zhe jiang
jiangsu: kiangsu, jiangsu, jiang su
fujian: fukien, fujian, fu jian
shandong: shantung, shandong, shan dong
";

/// Countries (English and a few local names), regions and large Chinese cities and provinces,
/// folded. They stay ordinary words; only a query that adds one to a name it contains is not
/// taken to name another party for it ("Hikvision USA", "Shanghai Dahua").
const PLACES: &str = "\
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan
bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana
brazil brunei bulgaria burundi cambodia cameroon canada chile china colombia comoros congo
croatia cuba cyprus czech czechia denmark djibouti ecuador egypt eritrea estonia eswatini
ethiopia fiji finland france gabon gambia germany ghana greece guatemala guinea guyana haiti
honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan
kazakhstan kenya korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya
liechtenstein lithuania luxembourg madagascar malawi malaysia maldives malta mauritania
mauritius mexico moldova monaco mongolia montenegro morocco mozambique myanmar burma namibia
nepal netherlands holland nicaragua nigeria norway oman pakistan palestine panama paraguay peru
philippines poland portugal qatar romania russia rwanda senegal serbia seychelles singapore
slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan tajikistan
tanzania thailand tunisia turkey turkiye turkmenistan uganda ukraine uruguay uzbekistan
venezuela vietnam yemen zambia zimbabwe
usa us uk uae prc hk britain england scotland wales emirates america americas
deutschland schweiz suisse espana italia nederland polska rossiya zhongguo
europe asia africa eurasia oceania latam emea apac mena nordic nordics scandinavia caribbean
benelux
beijing shanghai tianjin chongqing guangdong guangzhou shenzhen zhejiang hangzhou jiangsu
nanjing suzhou wuxi ningbo xiamen fujian fuzhou shandong qingdao jinan hubei wuhan hunan
changsha sichuan chengdu shaanxi xian henan zhengzhou hebei anhui hefei jiangxi liaoning dalian
shenyang jilin heilongjiang harbin yunnan kunming guangxi guizhou hainan xinjiang shanxi taiyuan
gansu ningxia qinghai hong kong hongkong macau macao taipei dongguan foshan zhuhai
london paris berlin moscow tokyo seoul dubai tehran delhi mumbai istanbul warsaw amsterdam
zurich geneva frankfurt munich vienna milan madrid brussels
peking peiping nanking chungking tientsin tsingtao amoy szechuan szechwan sinkiang kwangtung
chekiang kiangsu fukien shantung
";

/// Name particles that weigh little (they are shared by many unrelated names).
const PARTICLES: &[&str] = &[
    "al", "el", "ad", "as", "ash", "an", "bin", "ibn", "bint", "ben", "abu", "abd", "abdul", "de",
    "del", "della", "di", "da", "dos", "das", "do", "du", "van", "von", "der", "den", "la", "le",
    "y", "e", "ul", "ud", "ur", "bn", "ould", "mac", "st",
];

/// What a symbol class is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolSection {
    /// Organisation descriptors (company, technology, group): generic words.
    OrgDescriptor,
    /// Organisation domains (bank, oil, house): ordinary words with synonyms.
    OrgDomain,
    /// Person titles and suffixes (Jr, Dr).
    PersonTitle,
    /// Nicknames (Bob ~ Robert).
    PersonNick,
    /// Cross-script spellings of one name part (Putin ~ Путин).
    PersonNamePart,
}

#[derive(Debug, Clone)]
pub(crate) struct LegalInfo {
    pub compare: String,
    pub generic: Option<String>,
    /// From GLEIF only: matched only at the end or start of a name, never alone in the middle.
    pub gleif: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub legal: AHashMap<String, LegalInfo>,
    pub legal_first: AHashMap<String, u8>,
    pub symbols: AHashMap<String, Vec<u32>>,
    pub sym_first: AHashMap<String, u8>,
    pub class_names: Vec<String>,
    pub class_section: Vec<SymbolSection>,
    pub person_prefixes: AHashSet<String>,
    pub prefix_first: AHashMap<String, u8>,
    pub org_prefixes: AHashSet<String>,
    pub particles: AHashSet<&'static str>,
    pub places: AHashSet<&'static str>,
}

pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(build)
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    let s = match s.find(" #") {
        Some(i) if !s.starts_with('"') && !s.starts_with('\'') => s[..i].trim(),
        _ => s,
    };
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

fn first_token(k: &str) -> (&str, u8) {
    let n = k.split(' ').count().min(255) as u8;
    (k.split(' ').next().unwrap_or(""), n)
}

fn note_first(m: &mut AHashMap<String, u8>, key: &str) {
    let (f, n) = first_token(key);
    let e = m.entry(f.to_string()).or_insert(0);
    *e = (*e).max(n);
}

impl Tables {
    fn add_legal(&mut self, alias: &str, compare: &str, generic: Option<&str>, gleif: bool) {
        let key = fold(alias);
        if key.is_empty() || key.len() < 2 || key.bytes().all(|b| b.is_ascii_digit() || b == b' ') {
            return;
        }
        if gleif && self.legal.contains_key(&key) {
            return;
        }
        let compare = {
            let c = fold(compare).replace(' ', "");
            if c.is_empty() {
                key.replace(' ', "")
            } else {
                c
            }
        };
        note_first(&mut self.legal_first, &key);
        self.legal.insert(
            key,
            LegalInfo {
                compare,
                generic: generic.map(str::to_string),
                gleif,
            },
        );
    }

    fn add_symbol(&mut self, alias: &str, class: u32) {
        let key = fold(alias);
        if key.is_empty() {
            return;
        }
        note_first(&mut self.sym_first, &key);
        let v = self.symbols.entry(key).or_default();
        if !v.contains(&class) {
            v.push(class);
        }
    }

    fn new_class(&mut self, name: String, section: SymbolSection) -> u32 {
        self.class_names.push(name);
        self.class_section.push(section);
        (self.class_names.len() - 1) as u32
    }
}

fn build() -> Tables {
    let mut t = Tables {
        particles: PARTICLES.iter().copied().collect(),
        places: PLACES.split_whitespace().collect(),
        ..Tables::default()
    };
    // rigour org types: a list of {display, compare, generic, aliases: [...]}.
    let mut cur: (Option<String>, Option<String>, Option<String>, Vec<String>) =
        (None, None, None, Vec::new());
    let flush =
        |t: &mut Tables,
         cur: &mut (Option<String>, Option<String>, Option<String>, Vec<String>)| {
            let (display, compare, generic, aliases) = std::mem::take(cur);
            let mut aliases = aliases;
            aliases.extend(display.iter().cloned());
            aliases.extend(compare.iter().cloned());
            let cmp = compare.or(display).unwrap_or_default();
            for a in &aliases {
                let c = if cmp.is_empty() {
                    a.as_str()
                } else {
                    cmp.as_str()
                };
                t.add_legal(a, c, generic.as_deref(), false);
            }
        };
    for line in ORG_TYPES.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l == "types:" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 2 && l.starts_with("- ") {
            flush(&mut t, &mut cur);
        }
        let body = l.strip_prefix("- ").unwrap_or(l);
        if indent >= 6 && l.starts_with("- ") {
            cur.3.push(unquote(body).to_string());
        } else if let Some(v) = body.strip_prefix("display:") {
            cur.0 = Some(unquote(v).to_string());
        } else if let Some(v) = body.strip_prefix("compare:") {
            cur.1 = Some(unquote(v).to_string());
        } else if let Some(v) = body.strip_prefix("generic:") {
            let v = unquote(v);
            cur.2 = (!v.is_empty()).then(|| v.to_string());
        }
    }
    flush(&mut t, &mut cur);

    // GLEIF ELF forms: country \t name|abbr \t compare \t form. A one-word full name
    // ("Bank", "Stiftung") is too often an ordinary word of a name to be taken as a legal form.
    for line in GLEIF.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split('\t');
        let (_cc, what) = (f.next(), f.next().unwrap_or(""));
        let (cmp, form) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
        let one_word = !form
            .trim()
            .contains(|c: char| c.is_whitespace() || c == '.');
        if form.chars().count() > 1 && !(what == "name" && one_word) && roman(form).is_none() {
            t.add_legal(form, cmp, None, true);
        }
    }

    // rigour symbols: section: / class: / - alias
    let mut section = SymbolSection::OrgDescriptor;
    let mut class: Option<u32> = None;
    for line in SYMBOLS.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            section = match l.trim_end_matches(':') {
                "org_symbols" => SymbolSection::OrgDescriptor,
                "org_domains" => SymbolSection::OrgDomain,
                "person_symbols" => SymbolSection::PersonTitle,
                "person_nick" => SymbolSection::PersonNick,
                _ => SymbolSection::PersonNamePart,
            };
            class = None;
        } else if !l.starts_with("- ") {
            let name = unquote(l.split(':').next().unwrap_or(l)).to_string();
            let id = t.new_class(name.clone(), section);
            if matches!(
                section,
                SymbolSection::OrgDescriptor | SymbolSection::OrgDomain
            ) {
                t.add_symbol(&name, id);
            }
            class = Some(id);
        } else if let Some(c) = class {
            t.add_symbol(unquote(&l[2..]), c);
        }
    }
    for (own, section) in [
        (OWN_SYMBOLS, SymbolSection::OrgDescriptor),
        (OWN_DOMAINS, SymbolSection::OrgDomain),
        (OWN_ROMANIZATIONS, SymbolSection::OrgDomain),
    ] {
        for line in own.lines() {
            let Some((name, aliases)) = line.split_once(':') else {
                continue;
            };
            let id = t.new_class(format!("own:{name}"), section);
            for a in aliases.split(',') {
                t.add_symbol(a.trim(), id);
            }
        }
    }

    // stopwords: SECTION: / - value
    let mut sec = "";
    for line in STOPWORDS.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') && l.ends_with(':') {
            sec = if l.starts_with("PERSON_NAME_PREFIXES") {
                "person"
            } else if l.starts_with("ORG_NAME_PREFIXES") {
                "org"
            } else {
                ""
            };
            continue;
        }
        if let Some(v) = l.strip_prefix("- ") {
            let k = fold(unquote(v));
            if k.is_empty() {
                continue;
            }
            match sec {
                "person" => {
                    note_first(&mut t.prefix_first, &k);
                    t.person_prefixes.insert(k);
                }
                "org" => {
                    t.org_prefixes.insert(k);
                }
                _ => {}
            }
        }
    }
    t
}

/// The value of a Roman numeral from 2 to 39 ("ii", "XIV"); `None` for anything else.
pub(crate) fn roman(s: &str) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    if s.len() < 2 || !s.bytes().all(|b| matches!(b, b'i' | b'v' | b'x')) {
        return None;
    }
    let val = |b: u8| match b {
        b'i' => 1,
        b'v' => 5,
        _ => 10,
    };
    let b = s.as_bytes();
    let mut total = 0i32;
    for i in 0..b.len() {
        let v = val(b[i]);
        if b.get(i + 1).is_some_and(|&n| val(n) > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    (2..40).contains(&total).then_some(total as u32)
}

/// Number words in English ("forty" → 40, "first" → 1).
pub(crate) fn number_word(s: &str) -> Option<u32> {
    const UNITS: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ORD: &[&str] = &[
        "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    const TENS: &[&str] = &[
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(i) = UNITS.iter().position(|&u| u == s) {
        return Some(i as u32);
    }
    if let Some(i) = ORD.iter().position(|&u| u == s).filter(|&i| i > 0) {
        return Some(i as u32);
    }
    if s == "fourty" {
        return Some(40);
    }
    TENS.iter()
        .position(|&u| u == s)
        .map(|i| 20 + 10 * i as u32)
}
