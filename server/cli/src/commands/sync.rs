//! `strata sync`: the S3 mirror of the local store, kept in step and checked.

use std::time::Instant;

use anyhow::{Context as _, bail};
use strata_catalog::Scope;
use strata_ingest::{VerifyTarget, sync};

use super::progress::{bytes_bar, summary};
use crate::Config;
use crate::cli::VerifyArgs;
use crate::config::StorageKind;
use crate::startup::{open_catalog, open_store};

pub async fn run(config: &Config, args: VerifyArgs) -> anyhow::Result<()> {
    if config.storage != StorageKind::Local {
        bail!(
            "sync mirrors the local store to S3; with storage = \"s3\" there is nothing to mirror"
        );
    }
    config
        .s3
        .as_ref()
        .context("sync needs an [s3] section naming the mirror bucket")?;
    let catalog = open_catalog(config).await?;
    let local = open_store(config).await?;
    let mirror = open_store(&Config {
        storage: StorageKind::S3,
        ..config.clone()
    })
    .await?;
    let bar = bytes_bar(args.quiet);
    let started = Instant::now();
    let target = VerifyTarget {
        project: args.project,
        identifier: args.id,
    };
    let report = sync(
        &catalog,
        local.as_ref(),
        mirror.as_ref(),
        &Scope::system(),
        &target,
        &config.staging_dir(),
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    for problem in &report.problems {
        println!("{problem}");
    }
    eprintln!(
        "{} object(s) in step, {} copied ({} damaged copies replaced): {}",
        report.objects,
        report.copied,
        report.repaired,
        summary(report.copied, report.bytes_copied, started)
    );
    if !report.problems.is_empty() {
        bail!("{} object(s) could not be mirrored", report.problems.len());
    }
    Ok(())
}
