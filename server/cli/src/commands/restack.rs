//! `strata restack`: a selection of a dataset's frames (particles) written as
//! a new processed dataset with its job, so that the extraction that made the
//! source can be cleared (seed 001, "Restack particles"). All or nothing.

use std::time::Instant;

use anyhow::Context as _;
use strata_catalog::Scope;
use strata_ingest::{Ingestor, RestackRequest, parse_frame_list};

use super::progress::{bytes_bar, summary};
use crate::Config;
use crate::cli::RestackArgs;
use crate::startup::{open_catalog, open_store};

pub async fn run(config: &Config, args: RestackArgs) -> anyhow::Result<()> {
    let request = RestackRequest {
        source: args.source.parse().context("SOURCE")?,
        frames: parse_frame_list(&args.frames)
            .map_err(anyhow::Error::msg)
            .context("--frames")?,
        identifier: args.to.parse().context("--to")?,
        description: args.description.unwrap_or_default(),
        job: args.job,
    };
    let catalog = open_catalog(config).await?;
    let store = open_store(config).await?;
    let ingestor = Ingestor::new(catalog, store, config.staging_dir());
    let started = Instant::now();
    let bar = bytes_bar(args.quiet);
    // The operator at the machine restacks as the facility, like an ingest.
    match ingestor.restack(&Scope::system(), request, &bar).await {
        Ok(report) => {
            bar.finish_and_clear();
            eprintln!(
                "restacked {} frame(s) of {} into {} (job {}): {}",
                report.frames,
                args.source,
                report.identifier,
                report.job,
                summary(report.objects, report.bytes, started)
            );
            Ok(())
        }
        Err(err) => {
            bar.abandon();
            anyhow::bail!("{err}; nothing was restacked")
        }
    }
}
