//! `strata download`: imagingDB's data_downloader, with every delivered byte checked.

use std::ops::Range;
use std::time::Instant;

use anyhow::{Context as _, bail};
use strata_catalog::Scope;
use strata_download::{ChannelRef, DownloadOptions, download};

use super::progress::{bytes_bar, summary};
use crate::Config;
use crate::cli::DownloadArgs;
use crate::startup::{open_catalog, open_store};

/// `START..END` (end exclusive) or a single index.
fn range(flag: &str, text: &str) -> anyhow::Result<Range<usize>> {
    let parse = |s: &str| {
        s.trim()
            .parse::<usize>()
            .with_context(|| format!("{flag} {text:?}: {s:?} is not an index"))
    };
    match text.split_once("..") {
        Some((a, b)) => Ok(parse(a)?..parse(b)?),
        None => {
            let i = parse(text)?;
            Ok(i..i + 1)
        }
    }
}

pub async fn run(config: &Config, args: DownloadArgs) -> anyhow::Result<()> {
    let mut options = DownloadOptions::default();
    if !args.channels.is_empty() {
        options.channels = Some(
            args.channels
                .iter()
                .map(|c| c.parse::<ChannelRef>())
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("--channel: {e}"))?,
        );
    }
    options.z = args.z.as_deref().map(|z| range("--z", z)).transpose()?;
    options.t = args.t.as_deref().map(|t| range("--t", t)).transpose()?;
    if !args.positions.is_empty() {
        options.positions = Some(args.positions.clone());
    }
    options.format = args
        .format
        .parse()
        .map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    options.metadata_only = args.metadata_only;
    options.verify = !args.no_verify;
    options.overwrite = args.overwrite;
    if !args.dest.is_dir() {
        bail!("--dest {} is not a directory", args.dest.display());
    }
    let catalog = open_catalog(config).await?;
    let store = open_store(config).await?;
    let bar = bytes_bar(args.quiet);
    let started = Instant::now();
    let report = download(
        &catalog,
        store.as_ref(),
        &Scope::system(),
        &args.id,
        &args.dest,
        &options,
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    eprintln!(
        "{} written to {} ({} frame(s)): {}",
        args.id,
        report.path.display(),
        report.frames,
        summary(report.objects, report.bytes, started)
    );
    Ok(())
}
