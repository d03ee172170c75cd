//! A small consonant-skeleton phonetic key tuned for romanized names.
//!
//! Spelling variants that come from different romanization schemes or from hearing a name
//! (Scholz/Scholze/Schulze, Mohammed/Muhammad, Khodorkovsky/Chodorkowski, Ivanov/Iwanow)
//! share a key. Vowels are dropped except a leading one (written `A`), `h` after a letter is
//! silent, look-alike consonant groups share a code, and repeats collapse.

/// The phonetic key of one word (ASCII letters; anything else is ignored). Empty for a word
/// without letters.
pub fn phonetic_key(word: &str) -> String {
    let b: Vec<u8> = word
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut i = 0;
    while i < b.len() {
        let r = &b[i..];
        let at = |p: &[u8]| r.starts_with(p);
        let (code, adv): (u8, usize) = if at(b"shch") || at(b"tsch") {
            (b'S', 4)
        } else if at(b"sch") || at(b"dzh") {
            (if r[0] == b'd' { b'J' } else { b'S' }, 3)
        } else if at(b"sh") || at(b"sz") || at(b"ts") || at(b"tz") {
            (b'S', 2)
        } else if at(b"zh") || at(b"dj") || at(b"dz") {
            (b'J', 2)
        } else if at(b"kh") || at(b"ch") || at(b"ck") || (at(b"gh") && i > 0) {
            (if r[0] == b'g' { b'G' } else { b'K' }, 2)
        } else if at(b"ph") {
            (b'F', 2)
        } else if at(b"th") {
            (b'T', 2)
        } else {
            let c = r[0];
            let code = match c {
                _ if vowel(c) => {
                    if i == 0 {
                        b'A'
                    } else {
                        0
                    }
                }
                b'h' => {
                    if i == 0 {
                        b'H'
                    } else {
                        0
                    }
                }
                b'c' => {
                    if r.get(1).is_some_and(|&n| matches!(n, b'e' | b'i' | b'y')) {
                        b'S'
                    } else {
                        b'K'
                    }
                }
                b'q' | b'k' => b'K',
                b'x' => {
                    push(&mut out, b'K');
                    b'S'
                }
                b'z' | b's' => b'S',
                b'j' => b'J',
                b'v' | b'w' | b'f' => b'F',
                b'p' | b'b' => b'P',
                b'd' | b't' => b'T',
                b'g' => b'G',
                _ => c.to_ascii_uppercase(),
            };
            (code, 1)
        };
        if code != 0 {
            push(&mut out, code);
        }
        i += adv;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn push(out: &mut Vec<u8>, c: u8) {
    if out.last() != Some(&c) {
        out.push(c);
    }
}
