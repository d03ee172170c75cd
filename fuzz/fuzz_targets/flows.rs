//! Every flow reader on arbitrary bytes: the first byte picks the format (NetFlow datagrams too).
#![no_main]
use libfuzzer_sys::fuzz_target;
use unmask_flows::{read_format, read_netflow_datagram, Format, ReadOptions};

const FORMATS: [Format; 6] = [
    Format::ZeekTsv,
    Format::ZeekJson,
    Format::SuricataEve,
    Format::NfdumpCsv,
    Format::NetflowPcap,
    Format::Pcap,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let opts = ReadOptions::default();
    let mut n = 0u64;
    let mut sink = |_r| n += 1;
    if pick as usize % (FORMATS.len() + 1) == FORMATS.len() {
        read_netflow_datagram(rest, "fuzz", &opts, &mut sink);
    } else {
        read_format(FORMATS[pick as usize % (FORMATS.len() + 1)], rest, "fuzz", &opts, &mut sink);
    }
});
