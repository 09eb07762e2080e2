//! `strata ingest`: imagingDB's data_uploader. Every row is ingested whole or
//! not at all; a failed row is reported and the others go on; the exit code
//! says whether every row made it.

use std::time::Instant;

use anyhow::{Context as _, bail};
use strata_catalog::Scope;
use strata_ingest::{Ingestor, SourceRoots, UploadConfig, read_manifest};

use super::progress::{bytes_bar, summary};
use crate::Config;
use crate::cli::IngestArgs;
use crate::startup::{open_catalog, open_store};

fn upload_config(args: &IngestArgs) -> anyhow::Result<UploadConfig> {
    let mut config = match &args.upload_config {
        Some(path) => UploadConfig::read(path)?,
        None => UploadConfig::default(),
    };
    if let Some(t) = &args.upload_type {
        config.upload_type = serde_json::from_value(serde_json::json!(t))
            .with_context(|| format!("--upload-type {t:?} is not one of: file, frames, link"))?;
    }
    if let Some(f) = &args.frames_format {
        config.frames_format = Some(f.clone());
    }
    if let Some(m) = &args.microscope {
        config.microscope = Some(m.clone());
    }
    if let Some(t) = &args.technique {
        config.technique = t.parse().context("--technique")?;
    }
    if let Some(k) = &args.kind {
        config.kind = k.parse().context("--kind")?;
    }
    for setting in &args.parameters {
        strata_ingest::settings::parse_setting(setting)
            .map_err(anyhow::Error::msg)
            .context("--parameter")?;
        let (name, value) = setting.split_once('=').expect("checked above");
        config
            .parameters
            .insert(name.trim().to_owned(), serde_json::json!(value.trim()));
    }
    config
        .check()
        .map_err(anyhow::Error::msg)
        .context("upload configuration")?;
    Ok(config)
}

pub async fn run(config: &Config, args: IngestArgs) -> anyhow::Result<()> {
    let upload = upload_config(&args)?;
    let rows = read_manifest(&args.manifest)?;
    let roots = if args.allow_roots.is_empty() {
        vec![
            args.manifest
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."))
                .to_owned(),
        ]
    } else {
        args.allow_roots.clone()
    };
    let roots = SourceRoots::new(roots)?;
    let catalog = open_catalog(config).await?;
    let store = open_store(config).await?;
    let ingestor = Ingestor::new(catalog, store, config.staging_dir());
    // The operator at the machine ingests as the facility.
    let scope = Scope::system();
    let started = Instant::now();
    let (mut objects, mut bytes, mut failed) = (0, 0, Vec::new());
    for row in &rows {
        let bar = bytes_bar(args.quiet);
        bar.set_message(row.dataset_id.to_string());
        match ingestor
            .ingest_row(&scope, row, &upload, &roots, &bar)
            .await
        {
            Ok(report) => {
                bar.finish_and_clear();
                objects += report.objects;
                bytes += report.bytes;
                eprintln!(
                    "ingested {} ({} object(s), {} frame(s))",
                    report.identifier, report.objects, report.frames
                );
            }
            Err(err) => {
                bar.abandon();
                eprintln!("FAILED line {}: {err}", row.line);
                failed.push(row.line);
            }
        }
    }
    eprintln!(
        "{} of {} dataset(s): {}",
        rows.len() - failed.len(),
        rows.len(),
        summary(objects, bytes, started)
    );
    if !failed.is_empty() {
        bail!(
            "{} row(s) not ingested (lines {:?}); nothing of them was kept, fix and rerun",
            failed.len(),
            failed
        );
    }
    Ok(())
}
