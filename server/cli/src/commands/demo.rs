//! `strata demo`: one command on a fresh machine. It makes a data directory
//! with its configuration, an admin token, four instruments and three
//! projects; generates realistic sample data (seeded, so every demo is the
//! same): a cryo-ET tilt series with its SerialEM record and two processed
//! products, a 5D confocal OME-TIFF, a SAXS curve and an MX sweep; ingests
//! them through the ingest path `strata ingest` uses; publishes two DOIs
//! through the publication lifecycle; builds the portal; and serves it all.
//!
//! It writes only into a new or empty directory, or one an earlier demo made
//! (its marker file says so): a finished demo is served again as it is, with
//! a new admin token; an interrupted one is started over.

mod catalog;
mod cryoet;
mod imaging;
mod mrc;
mod rng;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Parser as _;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use strata_catalog::Scope;
use strata_domain::{DatasetKind, Technique};
use strata_ingest::{Ingestor, SourceRoots, UploadType};

use super::progress::bytes_bar;
use crate::Config;
use crate::cli::DemoArgs;
use crate::config::{DoiConfig, StorageKind};
use crate::startup::{open_catalog, open_store};
use catalog::{BIO_MX, BIO_SAXS, CET_ALIGNED, CET_CTF, CET_RAW, LSM_STACK, Upload};

/// The file that marks a data directory as a demo's, and whether it finished.
pub const MARKER: &str = "strata-demo.json";
/// Every sample comes from this seed.
const SEED: u64 = 20_250_314;
/// DataCite's test prefix: the demo's DOIs are never real ones.
pub const DOI_PREFIX: &str = "10.5072";

/// Every dataset the demo makes, in the order it ingests them.
pub const DATASETS: [&str; 6] = [CET_RAW, CET_ALIGNED, CET_CTF, LSM_STACK, BIO_SAXS, BIO_MX];
/// The one no publication covers and no embargo releases.
pub const PRIVATE_DATASET: &str = BIO_MX;

/// What the data directory held before this run.
#[derive(Debug, PartialEq)]
enum Prior {
    Nothing,
    FinishedDemo,
}

pub async fn run(config: &Config, args: DemoArgs) -> anyhow::Result<()> {
    let dir = std::path::absolute(&config.data_dir)
        .with_context(|| format!("resolving {}", config.data_dir.display()))?;
    let config = demo_config(config, &dir);
    let prior = prepare(&dir)?;
    let progress = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    if prior == Prior::Nothing {
        std::fs::write(dir.join(MARKER), marker("building")?)?;
        std::fs::write(dir.join("strata.toml"), config_file(&config)?)?;
        build(&config, &progress).await?;
        std::fs::write(dir.join(MARKER), marker("complete")?)?;
    } else {
        eprintln!(
            "{} holds the demo an earlier `strata demo` made: using it as it is",
            dir.display()
        );
    }
    let portal = dir.join("portal");
    build_portal(&config, &portal).await?;
    let catalog = open_catalog(&config).await?;
    let token = catalog
        .create_token(
            &Scope::system(),
            &"demo-admin".parse()?,
            true,
            "strata demo",
            None,
        )
        .await?;
    summary(&catalog, &config, token.secret.expose(), &portal).await?;
    drop(catalog);
    if args.no_serve {
        return Ok(());
    }
    // `strata serve` itself, with the portal at /portal/.
    let mut config = config;
    config.portal_dir = Some(portal);
    super::serve::run(&config).await
}

/// The portal, as `strata portal build --out <dir>/portal` makes it: from
/// the catalog in-process, as an anonymous visitor sees it, its data links
/// to the origin that serves it. Parsed like a command line, so that flags
/// added with defaults need no change here.
async fn build_portal(config: &Config, portal: &Path) -> anyhow::Result<()> {
    let parsed = crate::cli::Cli::try_parse_from([
        "strata".as_ref(),
        "portal".as_ref(),
        "build".as_ref(),
        "--site-name".as_ref(),
        "strata demo portal".as_ref(),
        "--out".as_ref(),
        portal.as_os_str(),
    ])
    .context("the portal build's arguments")?;
    let crate::cli::Command::Portal(build) = parsed.command else {
        bail!("`strata portal build` did not parse as itself");
    };
    super::portal::run(config, build).await
}

/// The configuration the demo runs with, whatever strata.toml or the
/// environment say about the database, the storage or DOIs: its own SQLite
/// catalog and store in the directory, and DOIs under DataCite's test prefix,
/// written locally, never deposited.
fn demo_config(config: &Config, dir: &Path) -> Config {
    if config.database_url.is_some() || config.storage != StorageKind::Local {
        tracing::warn!(
            "strata demo keeps its catalog and bytes in its data directory; the configured database and storage are not used"
        );
    }
    let mut demo = config.clone();
    demo.data_dir = dir.to_owned();
    demo.database_url = None;
    demo.storage = StorageKind::Local;
    demo.doi = Some(DoiConfig {
        prefix: DOI_PREFIX.into(),
        publisher: catalog::FACILITY.into(),
        landing_base: format!("http://{}/portal/doi/", demo.bind),
        datacite: None,
    });
    demo
}

/// Refuses a directory that holds anything but a demo; clears an interrupted demo.
fn prepare(dir: &Path) -> anyhow::Result<Prior> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        return Ok(Prior::Nothing);
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    if entries.is_empty() {
        return Ok(Prior::Nothing);
    }
    let marker = dir.join(MARKER);
    if !marker.is_file() {
        bail!(
            "{} is not empty and is not a directory an earlier `strata demo` made: the demo only writes into a new or empty directory (or its own). Choose another with --data-dir.",
            dir.display()
        );
    }
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&marker)?)
        .with_context(|| format!("reading {}", marker.display()))?;
    if state["state"] == "complete" {
        return Ok(Prior::FinishedDemo);
    }
    tracing::warn!(dir = %dir.display(), "an earlier demo was interrupted: starting it over");
    for entry in entries {
        if entry.is_dir() {
            std::fs::remove_dir_all(&entry)
        } else {
            std::fs::remove_file(&entry)
        }
        .with_context(|| format!("removing {} of the interrupted demo", entry.display()))?;
    }
    Ok(Prior::Nothing)
}

fn marker(state: &str) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&json!({
        "state": state,
        "at": Utc::now(),
        "strata": env!("CARGO_PKG_VERSION"),
    }))?)
}

/// `<dir>/strata.toml`, so that `strata --config <dir>/strata.toml …` finds the demo again.
fn config_file(config: &Config) -> anyhow::Result<String> {
    let doi = config.doi.as_ref().context("the demo configures DOIs")?;
    let s = |v: &str| serde_json::to_string(v).expect("a string serialises");
    Ok(format!(
        "# Written by `strata demo`. Use this catalog again with:\n#   strata --config {path} serve\n\
         data_dir = {dir}\nbind = {bind}\nportal_dir = {portal}\n\n[doi]\n# DataCite's test prefix: no DOI of the demo is real.\n\
         prefix = {prefix}\npublisher = {publisher}\nlanding_base = {landing}\n",
        path = config.data_dir.join("strata.toml").display(),
        dir = s(&config.data_dir.to_string_lossy()),
        bind = s(&config.bind),
        portal = s(&config.data_dir.join("portal").to_string_lossy()),
        prefix = s(&doi.prefix),
        publisher = s(&doi.publisher),
        landing = s(&doi.landing_base),
    ))
}

fn step_bar(progress: &MultiProgress, steps: u64) -> ProgressBar {
    let bar = progress.add(ProgressBar::new(steps));
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}").expect("a valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Everything a fresh demo makes, in order.
async fn build(config: &Config, progress: &MultiProgress) -> anyhow::Result<()> {
    let steps = step_bar(progress, 3 + DATASETS.len() as u64);
    let scope = Scope::system();
    let catalog = open_catalog(config).await?;
    let store = open_store(config).await?;

    steps.set_message("instruments and projects");
    catalog::instruments(&catalog, &scope).await?;
    catalog::projects(&catalog, &scope).await?;
    steps.inc(1);

    steps.set_message("generating the sample data");
    let samples = tempfile::tempdir().context("a temporary folder for the samples")?;
    let uploads = generate(samples.path())?;
    steps.inc(1);

    let ingestor = Ingestor::new(catalog.clone(), store, config.staging_dir());
    let roots = SourceRoots::new(vec![samples.path().to_owned()])?;
    for upload in &uploads {
        steps.set_message(format!("ingesting {}", upload.identifier));
        let bar = progress.add(bytes_bar(false));
        let report = catalog::ingest(&ingestor, &roots, upload, samples.path(), &bar).await?;
        bar.finish_and_clear();
        tracing::info!(
            identifier = %report.identifier,
            objects = report.objects,
            frames = report.frames,
            "ingested"
        );
        steps.inc(1);
    }

    steps.set_message("drafting, registering and publishing the DOIs");
    for p in catalog::publish(&catalog, &scope).await? {
        tracing::info!(doi = %p.doi, state = %p.state, datasets = p.datasets.len(), "published");
    }
    steps.inc(1);
    steps.finish_and_clear();
    Ok(())
}

/// Writes every sample into `dir` and says how each is ingested.
fn generate(dir: &Path) -> anyhow::Result<Vec<Upload>> {
    use catalog::{parameters as p, upload_config};
    let mut rng = rng::Rng::new(SEED);
    let tilt = cryoet::generate(dir, &mut rng)?;
    imaging::light_microscopy(&dir.join("HeLa_mitosis_field1.ome.tif"), &mut rng)?;
    let (rg, i0) = imaging::saxs(&dir.join("lysozyme_5mgml_subtracted.dat"), &mut rng)?;
    imaging::mx(&dir.join("lysozyme_x1_sweep1.tif"), &mut rng)?;
    let (frames, file) = (UploadType::Frames, UploadType::File);
    let (raw, processed) = (DatasetKind::Raw, DatasetKind::Processed);
    Ok(vec![
        Upload {
            identifier: CET_RAW,
            source: dir.join(&tilt.raw),
            description: format!(
                "Tilt series TS_01, lamella L3: {} tilts from -60 to +60 deg, dose-symmetric, {} e/A^2 per tilt, with its SerialEM .mdoc",
                cryoet::TILTS,
                cryoet::DOSE_PER_TILT
            ),
            parent: None,
            config: upload_config(frames, Some("mrc"), "Krios-G4", Technique::CryoEt, raw, p::tilt_series())?,
        },
        Upload {
            identifier: CET_ALIGNED,
            source: dir.join(&tilt.aligned),
            description: "TS_01 motion-corrected (MotionCor2), dose-weighted and aligned (IMOD), binned 2; per-tilt motion and CTF in each tilt's record".into(),
            parent: Some(CET_RAW),
            config: upload_config(frames, Some("mrc"), "Krios-G4", Technique::CryoEt, processed, p::aligned(tilt.motion))?,
        },
        Upload {
            identifier: CET_CTF,
            source: dir.join(&tilt.ctf),
            description: "TS_01 per-tilt CTF estimates (CTFFIND4): defocus U/V, astigmatism, cross-correlation, fit resolution".into(),
            parent: Some(CET_RAW),
            config: upload_config(file, None, "Krios-G4", Technique::CryoEt, processed, p::ctf(tilt.ctf_means))?,
        },
        Upload {
            identifier: LSM_STACK,
            source: dir.join("HeLa_mitosis_field1.ome.tif"),
            description: "HeLa cells entering metaphase, DAPI and mEGFP-tubulin, 3 time points x 10 z-planes, confocal".into(),
            parent: None,
            config: upload_config(frames, Some("ome_tiff"), "LSM-980", Technique::LightMicroscopy, raw, p::confocal())?,
        },
        Upload {
            identifier: BIO_SAXS,
            source: dir.join("lysozyme_5mgml_subtracted.dat"),
            description: "Lysozyme 5 mg/mL, buffer-subtracted I(q), average of 10 frames".into(),
            parent: None,
            config: upload_config(file, None, "BM29", Technique::Saxs, processed, p::saxs(rg, i0))?,
        },
        Upload {
            identifier: BIO_MX,
            source: dir.join("lysozyme_x1_sweep1.tif"),
            description: "Lysozyme crystal x1, sweep 1: 10 images of 1 deg (unpublished)".into(),
            parent: None,
            config: upload_config(frames, Some("tiff"), "ID30B", Technique::Mx, raw, p::mx(imaging::MX_IMAGES, imaging::mx_edge_resolution()))?,
        },
    ])
}

/// What the demo holds and where to look, on stdout.
async fn summary(
    catalog: &strata_catalog::Catalog,
    config: &Config,
    token: &str,
    portal: &Path,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    use std::io::Write as _;
    let scope = Scope::system();
    let base = format!("http://{}", config.bind);
    let mut out = String::new();
    writeln!(out, "strata demo in {}", config.data_dir.display())?;
    writeln!(out, "  admin token (shown once): {token}")?;
    writeln!(
        out,
        "  GraphQL (GraphiQL)  {base}/graphql   header {{\"Authorization\": \"Bearer <token>\"}} shows private data"
    )?;
    if portal.join("index.html").is_file() {
        writeln!(out, "  portal              {base}/portal/")?;
    }
    writeln!(
        out,
        "  files and frames    {base}/files/<identifier>/<path>, {base}/zarr/<identifier>/0.ome.zarr/"
    )?;
    for project in ["CET", "BIO"] {
        for p in catalog.publications(&scope, project).await? {
            writeln!(out, "  DOI {} ({}): {}", p.doi, p.state, p.title)?;
        }
    }
    writeln!(out, "  datasets:")?;
    let now = Utc::now();
    for id in DATASETS {
        let d = catalog.dataset(&scope, id).await?;
        let visibility = match d.public_from {
            Some(at) if at <= now => "public",
            _ => "private",
        };
        writeln!(
            out,
            "    {id}  {:<9} {:<16} {:>8}  {visibility:<7}  {}",
            d.kind.as_str(),
            d.technique.as_str(),
            indicatif::BinaryBytes(d.size_bytes.max(0) as u64).to_string(),
            d.description
        )?;
    }
    writeln!(
        out,
        "  {PRIVATE_DATASET} is private: no DOI covers it, no embargo ends; only a token shows it"
    )?;
    writeln!(
        out,
        "  again later: strata --config {} serve",
        config.data_dir.join("strata.toml").display()
    )?;
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}
