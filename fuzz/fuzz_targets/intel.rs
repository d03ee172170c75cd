//! Maltrail trail and safelist parsers on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut trails = unmask_enrich::Trails::default();
    trails.add_text("fuzz", "fuzz", &text);
    let mut safe = unmask_enrich::Safelist::default();
    safe.add_text("fuzz", &text);
});
