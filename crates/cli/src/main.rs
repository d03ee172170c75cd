//! The `unmask` command line: a thin layer over the library crates. Only this crate prints.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench_cmd;
mod collect_cmd;
mod dataset;
mod entity_cmd;
mod eval_cmd;
mod flow_analysis;
mod flows_cmd;
mod lists_cmd;
mod scan_cmd;
mod screen_cmd;

/// Find technology from restricted foreign vendors inside an organization, and where it sends data.
#[derive(Debug, Parser)]
#[command(name = "unmask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Show the loaded list sources: entities, names, relations, rejected rows, date.
    Lists(lists_cmd::Args),
    /// Show one entity (by id or exact name) with names, memberships and relations.
    Entity(entity_cmd::Args),
    /// Screen names against the restricted entities and their relations.
    Screen(screen_cmd::Args),
    /// Measure matching quality on the labelled evaluation sets.
    Eval(eval_cmd::Args),
    /// Find restricted-vendor devices and apps in an inventory, nmap scan or app export.
    Scan(scan_cmd::Args),
    /// Find beacons, bulk uploads and restricted-owner infrastructure in flow logs.
    Flows(flows_cmd::Args),
    /// Collect NetFlow/IPFIX export datagrams on a UDP port and analyse them like `flows`.
    Collect(collect_cmd::Args),
    /// Benchmarks that print their figures.
    Bench(bench_cmd::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Lists(a) => lists_cmd::run(a),
        Cmd::Entity(a) => entity_cmd::run(a),
        Cmd::Screen(a) => screen_cmd::run(a),
        Cmd::Eval(a) => eval_cmd::run(a),
        Cmd::Scan(a) => scan_cmd::run(a),
        Cmd::Flows(a) => flows_cmd::run(a),
        Cmd::Collect(a) => collect_cmd::run(a),
        Cmd::Bench(a) => bench_cmd::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader of our output went away (`| head`): not an error of ours.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("unmask: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
