//! Name normalization and the pair scorer on arbitrary text: the first byte picks the kind
//! of name, a NUL splits the two names of a pair.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unmask_text::NameKind;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let kind = [NameKind::Org, NameKind::Person, NameKind::Any][pick as usize % 3];
    let text = String::from_utf8_lossy(rest);
    let _ = unmask_text::name_key(&text);
    let (a, b) = text.split_once('\0').unwrap_or((&text, ""));
    let x = unmask_text::analyze(a, kind);
    let _ = x.acronyms();
    let s = unmask_screen::score_names(a, b, kind);
    assert!((0.0..=1.0).contains(&s.score), "{s:?}");
});
