//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{LogFormat, Overrides};

/// strata: the catalog and data server for imaging facilities.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about)]
pub struct Cli {
    /// Configuration file (default: ./strata.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Catalog database: sqlite://… or postgres://… (STRATA_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory (STRATA_DATA_DIR; default ./strata-data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log format (STRATA_LOG_FORMAT).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One command on a fresh machine: a data directory with sample data of
    /// every technique (ingested, linked, a DOI published, one dataset
    /// private), the portal, and the server at http://127.0.0.1:8080.
    Demo(DemoArgs),
    /// Serve GraphQL (and GraphiQL) at /graphql and /healthz.
    Serve {
        /// Address to listen on (STRATA_BIND; default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Create and revoke API tokens (needs direct access to the catalog).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Add instruments (needs direct access to the catalog).
    #[command(subcommand)]
    Instrument(InstrumentCommand),
    /// Find datasets, like imagingDB's query_data.
    Query(QueryArgs),
    /// Ingest datasets from a manifest, like imagingDB's data_uploader.
    Ingest(IngestArgs),
    /// Write a selection of a dataset's frames (particles) as a new dataset
    /// and its restack job, so the source's extraction can be cleared.
    Restack(RestackArgs),
    /// Rehash every stored object and list what is missing or corrupt.
    Verify(VerifyArgs),
    /// Download a dataset, whole or partial, like imagingDB's data_downloader.
    Download(DownloadArgs),
    /// Bring the S3 mirror of the local store in step, checked.
    Sync(VerifyArgs),
    /// Project directories: list, create, attach, detach, archive, export and
    /// sizes (needs direct access to the catalog).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// A project's jobs: list them, mark final results, clear and delete
    /// (needs direct access to the catalog).
    #[command(subcommand)]
    Job(JobCommand),
    /// A project's sessions (streaming acquisitions): list them, complete,
    /// compact and restore (needs direct access to the catalog).
    #[command(subcommand)]
    Session(SessionCommand),
    /// DOIs: list a project's publications, check a record against DataCite's
    /// mandatory and recommended properties, register, publish, hide,
    /// withdraw, export (needs direct access to the catalog).
    #[command(subcommand)]
    Doi(DoiCommand),
    /// The cleanup tool (CryoSPARC's Cleanup Data): preview what a cleanup
    /// would free, then run it (needs direct access to the catalog).
    #[command(subcommand)]
    Cleanup(CleanupCommand),
    /// The static portal: build it from the catalog (in-process, or from a
    /// server with --server) as an anonymous visitor sees it.
    #[command(subcommand)]
    Portal(PortalCommand),
}

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Write the static site (home, search, projects, dataset and DOI pages)
    /// into a directory, replaced whole when the build succeeds.
    Build(PortalBuildArgs),
}

#[derive(Debug, Args)]
pub struct PortalBuildArgs {
    /// Where the site goes.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Ask this server's /graphql (e.g. https://strata.example.org) instead
    /// of the catalog in-process.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The data server the pages link files and Zarr images to (default:
    /// --server, or none: the site's own origin).
    #[arg(long, value_name = "URL")]
    pub data_url: Option<String>,
    /// Datasets per GraphQL request (the server's complexity limit allows
    /// up to 300 with the portal's selection).
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// The site's name, in every page's title.
    #[arg(long, default_value = "strata data portal")]
    pub site_name: String,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// List a project's jobs: uid, type, category, status, finality, size.
    List {
        /// The project's code.
        project: String,
        /// Print JSON (sizes in bytes) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mark a job as a final result: it and its ancestors are kept by
    /// cleanups (ancestors may be cleared, never deleted).
    Final {
        /// The project's code.
        project: String,
        /// The job's uid (e.g. J42).
        uid: String,
        /// Unmark it instead.
        #[arg(long)]
        unmark: bool,
    },
    /// Clear a job: its outputs go, its metadata and parameters stay, and it
    /// is set back to building so it can be re-run.
    Clear {
        /// The project's code.
        project: String,
        /// The job's uid (e.g. J42).
        uid: String,
    },
    /// Delete a job and its outputs.
    Delete {
        /// The project's code.
        project: String,
        /// The job's uid (e.g. J42).
        uid: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List a project's sessions: uid, status, results on disk, size.
    List {
        /// The project's code.
        project: String,
        /// Print JSON (sizes in bytes) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mark an active session completed: it may then be compacted.
    Complete {
        /// The project's code.
        project: String,
        /// The session's uid (e.g. S3).
        uid: String,
    },
    /// Compact a completed session: its micrographs, CTF estimates and
    /// particle stacks are deleted; parameters, particle locations and
    /// manual picks are kept. It cannot change until restored.
    Compact {
        /// The project's code.
        project: String,
        /// The session's uid (e.g. S3).
        uid: String,
    },
    /// Restore a compacted session: what compaction removed is marked for
    /// the pipeline to reprocess.
    Restore {
        /// The project's code.
        project: String,
        /// The session's uid (e.g. S3).
        uid: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DoiCommand {
    /// List a project's publications: DOI, state, version, datasets, title.
    List {
        /// The project's code.
        project: String,
    },
    /// Say what a record lacks for DataCite (mandatory, then recommended);
    /// exits non-zero when it cannot be registered yet.
    Check {
        /// The DOI (e.g. 10.80000/ml.1).
        doi: String,
    },
    /// Register a draft's DOI: it resolves; not in DataCite's search.
    Register { doi: String },
    /// Make a DOI findable.
    Publish { doi: String },
    /// Hide a findable DOI (registered again).
    Hide { doi: String },
    /// Withdraw a registered or findable DOI: it resolves to a tombstone.
    Withdraw {
        doi: String,
        /// Why: the tombstone shows it.
        #[arg(long)]
        reason: String,
    },
    /// Print the record in one format.
    Export {
        doi: String,
        #[arg(long, value_enum, default_value = "datacite-xml")]
        format: DoiFormat,
    },
}

/// The formats a DOI's record is written in.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DoiFormat {
    DataciteXml,
    DataciteJson,
    SchemaOrg,
    Bibtex,
    Ris,
    CslJson,
}

#[derive(Debug, Subcommand)]
pub enum CleanupCommand {
    /// Show what a cleanup with these options would do: the estimate, then
    /// the project's jobs by preprocessing category, intermediate results,
    /// finality and status. Nothing changes.
    Preview(CleanupArgs),
    /// Run the cleanup the preview shows, and print what it freed.
    Run(CleanupArgs),
}

/// What a cleanup option does to the jobs it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CleanupAction {
    /// Empty the job's folder and set it back to building; keep the job.
    Clear,
    /// Clear, then delete the job (ancestors of final results are only cleared).
    ClearAndDelete,
}

impl From<CleanupAction> for strata_catalog::jobs::plan::Action {
    fn from(action: CleanupAction) -> Self {
        match action {
            CleanupAction::Clear => Self::Clear,
            CleanupAction::ClearAndDelete => Self::ClearAndDelete,
        }
    }
}

/// One `--preprocessing CATEGORY[=ACTION]` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreprocessingFlag {
    /// The category named, or every preprocessing category for `all`.
    pub categories: Vec<strata_catalog::jobs::plan::Category>,
    pub action: CleanupAction,
}

impl std::str::FromStr for PreprocessingFlag {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        use clap::ValueEnum as _;
        use strata_catalog::jobs::plan::Category;
        let (name, action) = match s.split_once('=') {
            Some((name, action)) => (
                name,
                CleanupAction::from_str(action, false).map_err(|_| {
                    format!("unknown action {action:?}; expected clear or clear-and-delete")
                })?,
            ),
            None => (s, CleanupAction::Clear),
        };
        let categories = if name == "all" {
            Category::PREPROCESSING.to_vec()
        } else {
            vec![name.parse::<Category>().map_err(|e| e.to_string())?]
        };
        Ok(Self { categories, action })
    }
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The project's code.
    pub project: String,
    /// Clean only the jobs in this workspace (by name); jobs linked into
    /// several workspaces are part of each.
    #[arg(long)]
    pub workspace: Option<String>,
    /// Clear the preprocessing jobs of a category (motion-correction,
    /// ctf-estimation, particle-picking, extraction, restack, or all), with
    /// `=clear` (the default) or `=clear-and-delete`; repeat for several, a
    /// later flag overriding an earlier one for the same category.
    #[arg(long = "preprocessing", value_name = "CATEGORY[=ACTION]")]
    pub preprocessing: Vec<PreprocessingFlag>,
    /// Clear the intermediate results no downstream job reads.
    #[arg(long)]
    pub intermediate: bool,
    /// Clear (or clear and delete) jobs that are neither final nor ancestors of final.
    #[arg(long, value_enum, value_name = "ACTION", num_args = 0..=1, default_missing_value = "clear")]
    pub non_final: Option<CleanupAction>,
    /// Clear (or clear and delete) killed jobs.
    #[arg(long, value_enum, value_name = "ACTION", num_args = 0..=1, default_missing_value = "clear")]
    pub killed: Option<CleanupAction>,
    /// Clear (or clear and delete) failed jobs.
    #[arg(long, value_enum, value_name = "ACTION", num_args = 0..=1, default_missing_value = "clear")]
    pub failed: Option<CleanupAction>,
    /// Print JSON (the plan, sizes in bytes) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List the projects: code, uid, state, directory and size.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a project and its directory (with its lock and first export).
    Create {
        /// Short code, the `<ID>` of the project's dataset identifiers (e.g. ML).
        #[arg(long)]
        code: String,
        #[arg(long)]
        title: String,
        /// Until when the project's data stays private (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        embargo_end: Option<String>,
        /// A folder inside <data-dir>/projects to make the project's
        /// directory in (e.g. cryo-em/2022); the projects root when not given.
        #[arg(long)]
        container: Option<String>,
    },
    /// Write the final export and remove the lock; the directory can then be
    /// attached to another instance (or to this one again).
    Detach { code: String },
    /// Attach a project directory (inside <data-dir>/projects); with
    /// --all, every project directory directly under a container.
    Attach {
        /// The project directory, or with --all the directory holding them.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Attach every project directory directly under DIR; each one's
        /// outcome is reported, and the exit code is non-zero if any failed.
        #[arg(long)]
        all: bool,
        /// Set aside the lock of an instance that is gone for good
        /// (kept as strata.lock.rescued-<time>).
        #[arg(long)]
        rescue: bool,
    },
    /// Make a project read-only; its directory may then be moved away.
    Archive { code: String },
    /// Bring an archived project back, from its (possibly new) directory:
    /// how a project is moved or renamed.
    Unarchive {
        code: String,
        /// The project's directory now (inside <data-dir>/projects).
        #[arg(long, value_name = "DIR")]
        path: PathBuf,
    },
    /// Rewrite the whole export of a project into its directory.
    Export { code: String },
    /// Repoint the project's raw-data links when the raw data moved, and list
    /// links whose target is gone; links are never dereferenced.
    Relink {
        code: String,
        /// The raw data's old location (a path prefix of the links' targets).
        #[arg(long, value_name = "OLD")]
        from: PathBuf,
        /// Its new location.
        #[arg(long, value_name = "NEW")]
        to: PathBuf,
        /// Only report what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// A project's size on disk, broken down into datasets, jobs, sessions and the rest.
    Stats {
        code: String,
        /// Measure the directory again instead of showing the stored figures.
        #[arg(long)]
        refresh: bool,
        /// Print JSON (bytes) instead of human-readable sizes.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user (created on first use); the secret is shown once.
    Create {
        #[arg(long)]
        user: String,
        /// Make the user a facility admin.
        #[arg(long)]
        admin: bool,
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Expire the token after this many days.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
    },
    /// Revoke a token by its id.
    Revoke { id: i32 },
}

#[derive(Debug, Subcommand)]
pub enum InstrumentCommand {
    /// Add an instrument (a microscope or beamline).
    Add {
        name: String,
        #[arg(long, default_value = "")]
        facility: String,
        /// cryo-em, cryo-et, mx, saxs or light-microscopy; repeat for several.
        #[arg(long = "technique", required = true)]
        techniques: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to serve on (default 127.0.0.1:8080).
    #[arg(long)]
    pub bind: Option<String>,
    /// Make the demo (or check the earlier one) and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// CSV with dataset_id, file_name, description, parent_dataset_id, positions.
    #[arg(long, value_name = "CSV")]
    pub manifest: std::path::PathBuf,
    /// Upload configuration (JSON or TOML): upload_type, frames_format, microscope, storage …
    #[arg(long, value_name = "FILE")]
    pub upload_config: Option<std::path::PathBuf>,
    /// file, frames or link (overrides the configuration file).
    #[arg(long)]
    pub upload_type: Option<String>,
    /// auto, tiff, ome_tiff, tif_folder (MicroManager), mrc.
    #[arg(long)]
    pub frames_format: Option<String>,
    /// The instrument (microscope, beamline), by name.
    #[arg(long)]
    pub microscope: Option<String>,
    /// cryo-em, cryo-et, mx, saxs or light-microscopy.
    #[arg(long)]
    pub technique: Option<String>,
    /// raw or processed.
    #[arg(long)]
    pub kind: Option<String>,
    /// A directory the manifest may read from (repeat); the manifest's own directory when none.
    #[arg(long = "allow-root", value_name = "DIR")]
    pub allow_roots: Vec<std::path::PathBuf>,
    /// A parameter of every dataset, `NAME=VALUE [UNIT]` (repeat), e.g.
    /// `EM_voltage=300kV`; over the configuration's, under a manifest row's.
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RestackArgs {
    /// The dataset to read the frames from.
    pub source: String,
    /// Frame indices, comma-separated, ranges inclusive: `0,2,5-9`. A frame
    /// is one plane (position, t, z) with all its channels, numbered by
    /// position, then t, then z; for a particle stack, the particle.
    #[arg(long, value_name = "LIST")]
    pub frames: String,
    /// The new dataset's identifier, in the source's project.
    #[arg(long, value_name = "IDENTIFIER")]
    pub to: String,
    /// The job that produced the source (its extraction), e.g. J12.
    #[arg(long, value_name = "UID")]
    pub job: Option<String>,
    /// The new dataset's description.
    #[arg(long)]
    pub description: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The dataset identifier.
    #[arg(long)]
    pub id: String,
    /// Directory to write into (the dataset lands in DEST/<identifier>/).
    #[arg(long)]
    pub dest: std::path::PathBuf,
    /// Channels by name or index (repeat, or comma-separated).
    #[arg(long = "channel", value_delimiter = ',')]
    pub channels: Vec<String>,
    /// z range, `START..END` (end exclusive) or a single index.
    #[arg(long)]
    pub z: Option<String>,
    /// t range, `START..END` (end exclusive) or a single index.
    #[arg(long)]
    pub t: Option<String>,
    /// Positions (repeat, or comma-separated).
    #[arg(long = "position", value_delimiter = ',')]
    pub positions: Vec<usize>,
    /// ome-tiff (default) or zarr.
    #[arg(long, default_value = "ome-tiff")]
    pub format: String,
    /// Only metadata.json and frames.csv.
    #[arg(long)]
    pub metadata_only: bool,
    /// Do not check delivered bytes against their SHA-256 (not recommended).
    #[arg(long)]
    pub no_verify: bool,
    /// Replace an existing download.
    #[arg(long)]
    pub overwrite: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only this project's datasets.
    #[arg(long, conflicts_with = "id")]
    pub project: Option<String>,
    /// Only this dataset.
    #[arg(long)]
    pub id: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Ask this server instead of opening the local catalog (STRATA_SERVER).
    #[arg(long, env = "STRATA_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Bearer token for --server.
    #[arg(long, env = "STRATA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Project code, exactly.
    #[arg(long)]
    pub project: Option<String>,
    /// Substring of the instrument or microscope name.
    #[arg(long, visible_alias = "microscope")]
    pub instrument: Option<String>,
    /// Acquired on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Acquired on or before this date (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub end_date: Option<String>,
    /// Substring of the description.
    #[arg(long)]
    pub description: Option<String>,
    /// raw or processed.
    #[arg(long)]
    pub kind: Option<String>,
    /// cryo-em, cryo-et, mx, saxs or light-microscopy.
    #[arg(long)]
    pub technique: Option<String>,
    /// Sample name, exactly.
    #[arg(long)]
    pub sample: Option<String>,
    /// A parameter condition: 'NAME>=V', '<=', '<', '>', '=', '~' (contains), or 'NAME=LO..HI'.
    #[arg(long = "param", value_name = "CONDITION")]
    pub params: Vec<String>,
    /// At most this many datasets.
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        let bind = match &self.command {
            Command::Serve { bind } => bind.clone(),
            Command::Demo(args) => args.bind.clone(),
            _ => None,
        };
        Overrides {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            bind,
            log_format: self.log_format,
        }
    }
}
