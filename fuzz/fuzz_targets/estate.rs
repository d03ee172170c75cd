//! Inventory, app-list and nmap XML readers and the MAC parser on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    match pick % 4 {
        0 => drop(unmask_estate::read_inventory(rest, "fuzz")),
        1 => drop(unmask_estate::read_apps(rest, "fuzz")),
        2 => drop(unmask_estate::read_nmap(rest, "fuzz")),
        _ => drop(String::from_utf8_lossy(rest).parse::<unmask_estate::Mac>()),
    }
});
