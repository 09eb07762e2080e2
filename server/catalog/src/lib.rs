//! strata's catalog: what is known about projects, datasets, their files,
//! frames, parameters and lineage, and who may see and change it.
//!
//! Every read takes a [`Scope`], and the scope alone decides what is visible
//! (`scope.rs`): no caller filters records by hand. Every write runs in one
//! transaction together with its entry in the append-only event log.

mod auth;
mod convert;
mod cursor;
mod datafiles;
mod datasets;
pub mod entity;
mod error;
mod events;
mod facets;
mod frames;
mod ingest;
mod instance;
mod instruments;
pub mod jobs;
mod landings;
mod lineage;
mod loaders;
mod parameters;
pub mod project_dir;
mod projects;
pub mod publications;
mod restack;
mod scope;
mod search;
pub mod sessions;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use strata_migration::Migrator;
use strata_migration::MigratorTrait;

pub use auth::{NewToken, TokenSecret};
pub use cursor::Cursor;
pub use datafiles::NewDatafile;
pub use datasets::{NewDataset, NewLink};
pub use error::CatalogError;
pub use facets::{
    Bucket, BucketRequest, DEFAULT_BUCKETS, DatasetFacets, FacetCount, MAX_BUCKETS, MAX_HISTOGRAMS,
    ParameterHistogram, TOP_VALUES,
};
pub use frames::MAX_FRAMES;
pub use ingest::{IngestClaim, NewFrame, NewFrameSet, StoredFile, StoredRecord};
pub use instance::Instance;
pub use landings::Landed;
pub use lineage::{Lineage, LineageEdge};
pub use parameters::{NewParameter, ParameterDefinition};
pub use project_dir::{Attached, DetachReport, ProjectStorage, RelinkReport};

/// Every parameter definition, as embedded from `schema/parameters/`.
pub fn parameter_definitions() -> impl Iterator<Item = &'static ParameterDefinition> {
    parameters::definitions().values()
}
pub use projects::NewProject;
pub use restack::RestackJob;
pub use scope::Scope;
pub use search::{
    DatasetFilter, DatasetOrder, OrderDirection, OrderField, Page, PageRequest, ParameterCondition,
    ParameterOp,
};

pub type Result<T, E = CatalogError> = std::result::Result<T, E>;

/// The time a change is recorded at, to the microsecond: what PostgreSQL
/// keeps, so that a project moved between engines reads back the same.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// The catalog: a database connection and where project directories live.
#[derive(Clone, Debug)]
pub struct Catalog {
    db: DatabaseConnection,
    projects_root: PathBuf,
    /// Parameter type ids by name, fixed once the definitions are synced at open.
    parameter_ids: Arc<BTreeMap<String, i32>>,
    instance: Arc<Instance>,
    /// How DOIs are made and deposited; publications are refused without.
    doi: Option<Arc<publications::DoiSettings>>,
}

impl Catalog {
    /// Connects, runs pending migrations and syncs the parameter definitions.
    pub async fn open(database_url: &str, projects_root: PathBuf) -> Result<Self> {
        let mut options = ConnectOptions::new(database_url);
        options
            .sqlx_logging(false)
            .max_connections(if database_url.starts_with("sqlite") {
                8
            } else {
                32
            })
            .acquire_timeout(Duration::from_secs(30))
            // Statements are prepared once per connection; with a generic plan
            // PostgreSQL would no longer see which project or date window a
            // search names, and would pick a plan made for none (measured: p99
            // 64 ms instead of a few). Planning each search costs ~0.2 ms.
            .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]))
            .map_sqlx_sqlite_opts(|o| {
                // WAL lets readers run beside the one writer; the busy timeout makes
                // concurrent writers wait for each other instead of failing.
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        // Stored directories are absolute whatever the working directory of
        // the process that reads them later.
        let projects_root = std::path::absolute(&projects_root).unwrap_or(projects_root);
        let db = Database::connect(options).await?;
        Migrator::up(&db, None).await?;
        let parameter_ids = Arc::new(parameters::sync_definitions(&db).await?);
        let instance = Arc::new(instance::load_or_create(&db).await?);
        Ok(Self {
            db,
            projects_root,
            parameter_ids,
            instance,
            doi: None,
        })
    }

    /// Lets this catalog make DOIs.
    pub fn with_doi(mut self, settings: publications::DoiSettings) -> Self {
        self.doi = Some(Arc::new(settings));
        self
    }

    /// This catalog's identity, as lock files name it.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn projects_root(&self) -> &std::path::Path {
        &self.projects_root
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        Ok(self.db.ping().await?)
    }
}
