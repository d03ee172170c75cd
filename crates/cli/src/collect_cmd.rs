//! `unmask collect --listen ADDR`: a live NetFlow v5/v9/IPFIX collector. Export datagrams are
//! decoded as they arrive (data sets wait for their template) and the records go through the
//! same detectors and report as `unmask flows`; the collector stops on Ctrl-C or at a limit.

use crate::flow_analysis::{analyse, tee, AnalysisArgs, Inputs};
use anyhow::Context;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use unmask_flows::{CollectLimits, ReadOptions, UdpCollector};

/// Collect NetFlow/IPFIX export datagrams on a UDP port and analyse them like `unmask flows`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and UDP port to listen on (port 0 picks a free port, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:2055", value_name = "ADDR")]
    pub listen: String,
    /// Stop after this many datagrams.
    #[arg(long, value_name = "N")]
    pub datagrams: Option<u64>,
    /// Stop when no datagram arrived for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub idle: Option<f64>,
    /// Stop after this many seconds in all.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

fn seconds(flag: &str, v: Option<f64>) -> anyhow::Result<Option<Duration>> {
    v.map(|s| {
        Duration::try_from_secs_f64(s)
            .map_err(|_| anyhow::anyhow!("--{flag} {s}: not a number of seconds (0 or more)"))
    })
    .transpose()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C ends collection, not the process: the records so far are still analysed.
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    let limits = CollectLimits {
        max_datagrams: args.datagrams,
        idle_timeout: seconds("idle", args.idle)?,
        max_duration: seconds("duration", args.duration)?,
        stop: Some(stop),
    };
    let mut collector = UdpCollector::bind(args.listen.as_str())?;
    let addr = collector
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| args.listen.clone());
    eprintln!("unmask: collecting NetFlow/IPFIX on udp://{addr} (Ctrl-C to stop and report)");
    analyse(&args.analysis, &mut |mut parquet, sink| {
        if let Some(w) = parquet.as_deref_mut() {
            w.set_source_file(Some(&format!("udp://{addr}")));
        }
        let opts = ReadOptions::default();
        let rep = collector.run(&limits, &opts, &mut tee(parquet, sink));
        Ok(Inputs {
            outcome: rep,
            from: format!("udp://{addr}"),
        })
    })
}
