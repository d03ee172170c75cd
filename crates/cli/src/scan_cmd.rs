//! Placeholder until the owning crate lands; replaced by the real command.

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("this command is not built yet")
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {}

pub fn bench(_args: BenchArgs) -> anyhow::Result<u8> {
    anyhow::bail!("this benchmark is not built yet")
}
