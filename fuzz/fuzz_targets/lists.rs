//! Every list reader on arbitrary bytes: the first byte picks the format.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unmask_lists::{read_bytes, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let format = Format::ALL[pick as usize % Format::ALL.len()];
    let out = read_bytes(format, rest, "fuzz");
    assert!(out.counts.used <= out.counts.read);
});
