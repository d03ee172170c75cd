//! Normalization checks, data-driven through one helper.

use proptest::prelude::*;
use unmask_text::*;

/// `what` selects the function under test; `expect` is its output rendered as text.
fn check(what: &str, input: &str, expect: &str) {
    let got = match what {
        "fold" => fold(input),
        "key" => name_key(input),
        "pinyin" => pinyin(input),
        "joined" => pinyin_joined(input),
        "bgn" => transliterate_cyrillic(input, CyrillicScheme::Bgn),
        "iso" => transliterate_cyrillic(input, CyrillicScheme::Iso),
        "german" => transliterate_cyrillic(input, CyrillicScheme::German),
        "order" => person_name_order(input).unwrap_or_default(),
        "phonetic" => phonetic_key(input),
        "core" => analyze(input, NameKind::Any)
            .core()
            .map(|t| t.text.clone())
            .collect::<Vec<_>>()
            .join("|"),
        "kinds" => analyze(input, NameKind::Any)
            .tokens
            .iter()
            .map(|t| format!("{}:{}", t.text, t.kind.as_str()))
            .collect::<Vec<_>>()
            .join(" "),
        "person" => analyze(input, NameKind::Person)
            .tokens
            .iter()
            .map(|t| format!("{}:{}", t.text, t.kind.as_str()))
            .collect::<Vec<_>>()
            .join(" "),
        "legal" => analyze(input, NameKind::Org)
            .legal_forms
            .iter()
            .map(|l| format!("{}={}", l.text, l.generic.as_deref().unwrap_or(&l.compare)))
            .collect::<Vec<_>>()
            .join(" "),
        "generic" => analyze(input, NameKind::Any).is_generic_only().to_string(),
        "acronyms" => analyze(input, NameKind::Org).acronyms().join(" "),
        "script" => format!("{:?}", dominant_script(input)),
        other => panic!("unknown check {other}"),
    };
    assert_eq!(got, expect, "{what}({input:?})");
}

#[test]
fn normalization_cases() {
    for (what, input, expect) in [
        ("fold", "Nuctech Co., Ltd.", "nuctech co ltd"),
        ("fold", "ＨＵＡＷＥＩ", "huawei"),
        ("fold", "François Hollande", "francois hollande"),
        ("fold", "Straße", "strasse"),
        ("fold", "AT&T", "at and t"),
        ("fold", "Standard & Poor’s", "standard and poors"),
        ("fold", "Сергей Лавров", "sergey lavrov"),
        ("fold", "同方威视", "tong fang wei shi"),
        ("fold", "  \u{0}\t ", ""),
        (
            "key",
            "Huawei Investment & Holding Co., Ltd.",
            "huawei investment holding co ltd",
        ),
        ("pinyin", "同方威视", "tong fang wei shi"),
        ("pinyin", "同方威視", "tong fang wei shi"),
        ("pinyin", "华为 Huawei", "hua wei Huawei"),
        ("joined", "同方威视", "tongfangweishi"),
        ("bgn", "Ходорковский", "Khodorkovskiy"),
        ("iso", "Ходорковский", "Hodorkovskij"),
        ("german", "Щукин", "Schtschukin"),
        ("bgn", "Юлия", "Yuliya"),
        ("order", "GUZMAN LOERA, Joaquin", "Joaquin GUZMAN LOERA"),
        ("order", "Nuctech Co., Ltd., Beijing", ""),
        ("phonetic", "Scholz", "SLS"),
        ("phonetic", "Mohammed", "MT"),
        ("phonetic", "Muhammad", "MT"),
        ("phonetic", "Khodorkovsky", "KTRKFSK"),
        ("phonetic", "Chodorkowski", "KTRKFSK"),
        (
            "core",
            "Nuctech Warsaw Company Limited Sp. z o.o.",
            "nuctech|warsaw",
        ),
        (
            "core",
            "同方威视技术股份有限公司",
            "tong|fang|wei|shi|ji shu",
        ),
        ("core", "ООО Газпром", "gazprom"),
        ("core", "The Hikvision GmbH", "hikvision"),
        ("core", "Brigade Forty-Four", "brigade|44"),
        ("core", "KKR Asian Fund III L.P.", "kkr|asian|fund|3"),
        ("core", "Ig0r Sech1n 2004-AR16", "igor|sechin|2004|ar16"),
        (
            "kinds",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "hangzhou:word hikvision:word digital:generic technology:generic co ltd:legal_form",
        ),
        (
            "kinds",
            "Secure Tech Value Solutions",
            "secure:word tech:generic value:word solutions:generic",
        ),
        (
            "kinds",
            "Intl Comm Grp",
            "intl:generic comm:generic grp:generic",
        ),
        (
            "person",
            "Dr. Ayman al-Zawahiri Jr",
            "dr:title ayman:word al:particle zawahiri:word jr:title",
        ),
        ("person", "J. R. Smith", "j:initial r:initial smith:word"),
        ("legal", "Huawei Technologies Co., Ltd.", "co ltd=LLC"),
        ("legal", "华为技术有限公司", "you xian gong si=LLC"),
        (
            "legal",
            "同方威视技术股份有限公司",
            "gu fen you xian gong si=JSC",
        ),
        ("legal", "ООО Ромашка", "ooo=LLC"),
        ("legal", "Siemens AG", "ag=JSC"),
        ("legal", "Banco Santander, S.A.", "s a=JSC"),
        ("legal", "Deutsche Bank AG", "ag=JSC"),
        ("legal", "Hytera Mobilfunk GmbH", "gmbh=LLC"),
        ("generic", "Corporation", "true"),
        ("generic", "Technology Co., Ltd.", "true"),
        ("generic", "科技有限公司", "true"),
        ("generic", "International Group Holdings Limited", "true"),
        ("generic", "Nuctech", "false"),
        ("acronyms", "Secure Technology Value Solutions", "stvs"),
        ("acronyms", "China National Nuclear Corporation", "cnn cnnc"),
        ("script", "同方威视", "Han"),
        ("script", "ООО Газпром", "Cyrillic"),
        ("script", "Nuctech", "Latin"),
    ] {
        check(what, input, expect);
    }
}

#[test]
fn synonyms_and_nicknames_share_classes() {
    let a = analyze("Bob Tech Intl", NameKind::Any);
    let b = analyze("Robert Technology International", NameKind::Any);
    for (x, y) in a.tokens.iter().zip(&b.tokens) {
        assert!(x.same_word(y), "{} ~ {}", x.text, y.text);
    }
    let c = analyze("Comm Grp", NameKind::Org);
    let d = analyze("Communications Group", NameKind::Org);
    assert!(c.tokens[0].same_word(&d.tokens[0]) && c.tokens[1].same_word(&d.tokens[1]));
    assert!(!class_name(a.tokens[1].classes[0]).is_empty());
}

#[test]
fn tables_load_and_answer() {
    // (Their load time is part of `unmask bench load`, not a timed test.)
    warm_up();
    assert!(legal_form("Sp. z o.o.").is_some());
    assert!(legal_form("Nuctech").is_none());
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,64}") {
        let f = fold(&s);
        prop_assert!(f.is_ascii());
        let _ = name_key(&s);
        let _ = pinyin(&s);
        let _ = pinyin_joined(&s);
        let _ = person_name_order(&s);
        for k in [NameKind::Org, NameKind::Person, NameKind::Any] {
            let a = analyze(&s, k);
            let _ = a.acronyms();
            let _ = a.compact();
        }
        for w in f.split(' ') {
            let _ = phonetic_key(w);
        }
    }

    #[test]
    fn fold_is_idempotent(s in "[a-zA-Z0-9 ,.&'-]{0,40}") {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f);
    }
}
