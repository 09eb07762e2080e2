//! `strata verify`: rehash everything; a non-zero exit when anything is wrong.

use std::time::Instant;

use anyhow::bail;
use strata_catalog::Scope;
use strata_ingest::{VerifyTarget, verify};

use super::progress::{bytes_bar, summary};
use crate::Config;
use crate::cli::VerifyArgs;
use crate::startup::{open_catalog, open_store};

pub async fn run(config: &Config, args: VerifyArgs) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let store = open_store(config).await?;
    let bar = bytes_bar(args.quiet);
    let started = Instant::now();
    let target = VerifyTarget {
        project: args.project,
        identifier: args.id,
    };
    let report = verify(&catalog, store.as_ref(), &Scope::system(), &target, &bar).await?;
    bar.finish_and_clear();
    for problem in &report.problems {
        println!("{problem}");
    }
    eprintln!(
        "{} dataset(s), {}",
        report.datasets,
        summary(report.objects, report.bytes, started)
    );
    if !report.problems.is_empty() {
        bail!("{} problem(s) found", report.problems.len());
    }
    Ok(())
}
