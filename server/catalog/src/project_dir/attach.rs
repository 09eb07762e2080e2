//! Attach: a project directory, with its export and no other instance's lock,
//! becomes a project of this catalog with a new uid. Everything is read and
//! checked before the lock is taken and before anything is written; the
//! import is one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use strata_domain::{DatasetIdentifier, DatasetStatus, ProjectState};

use super::format::DatasetFile;
use super::lock::{self, Lock, Taken};
use super::processing::{import_processing, uid_number};
use super::publications::import_publications;
use super::read::{ReadExport, damaged, parameters_of, read_export};
use super::{blocking, project_file};
use crate::entity::{
    datafile, dataset, dataset_link, frame, frame_set, instrument, membership, project, sample,
    user,
};
use crate::events::Event;
use crate::parameters::{check_all, denormalised};
use crate::{Catalog, CatalogError, Result, Scope};

/// Rows inserted per statement.
const BATCH: usize = 2_000;

/// What an attach brought in.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    pub code: String,
    /// The project's new numeric uid in this instance.
    pub uid: i32,
    pub directory: PathBuf,
    pub datasets: usize,
    /// Where a dead instance's lock was set aside (rescue).
    pub rescued_lock: Option<PathBuf>,
}

impl Catalog {
    /// Attaches the project directory `dir` (seed 000's attach). `rescue`
    /// attaches a directory whose lock names another instance that is gone:
    /// the old lock is set aside.
    pub async fn attach_project(
        &self,
        scope: &Scope,
        dir: &Path,
        rescue: bool,
    ) -> Result<Attached> {
        scope.require_admin("attaching a project")?;
        let dir = self.project_directory_argument(dir)?;
        let (lock_found, export) = {
            let dir = dir.clone();
            blocking(move || (lock::read(&dir), read_export(&dir))).await
        };
        match lock_found {
            Ok(None) => {}
            Ok(Some(held)) if held.instance_id == self.instance.id => {
                return Err(CatalogError::conflict(
                    Some("path"),
                    format!(
                        "{} is already attached to this instance; an archived project comes back with unarchive",
                        dir.display()
                    ),
                ));
            }
            Ok(Some(held)) if !rescue => {
                return Err(CatalogError::conflict(
                    Some("path"),
                    format!(
                        "{} is attached to {}; detach it there, or rescue it if that instance is gone for good",
                        dir.display(),
                        held.holder()
                    ),
                ));
            }
            Err(Taken::Unreadable(reason)) if !rescue => {
                return Err(CatalogError::conflict(
                    Some("path"),
                    format!(
                        "its lock file cannot be read ({reason}); rescue it if no instance uses it"
                    ),
                ));
            }
            Err(Taken::Io(e)) => return Err(damaged(&lock::path(&dir), e)),
            _ => {} // a rescue: the lock is set aside below
        }
        let export = export?;
        let code = export.project.code.clone();
        // Preconditions in this catalog: a detached copy of the same project
        // is replaced; anything else with its uuid or code is a conflict.
        let same_uuid = project::Entity::find()
            .filter(project::Column::Uuid.eq(export.project.uuid))
            .one(&self.db)
            .await?;
        if let Some(p) = &same_uuid
            && p.state != ProjectState::Detached.as_str()
        {
            return Err(CatalogError::conflict(
                Some("path"),
                format!(
                    "project {} ({}) is already in this catalog, {} at {}",
                    p.code, p.uuid, p.state, p.directory
                ),
            ));
        }
        if let Some(p) = project::Entity::find()
            .filter(project::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            && Some(p.id) != same_uuid.as_ref().map(|s| s.id)
        {
            return Err(CatalogError::conflict(
                Some("path"),
                format!(
                    "another project with code {code} is in this catalog ({})",
                    p.directory
                ),
            ));
        }
        let rescued_lock = if rescue && lock::path(&dir).exists() {
            let d = dir.clone();
            Some(
                blocking(move || lock::set_aside(&d))
                    .await
                    .map_err(|e| damaged(&lock::path(&dir), e))?,
            )
        } else {
            None
        };
        let lock = Lock::new(&self.instance);
        {
            let d = dir.clone();
            blocking(move || lock::acquire(&d, &lock))
                .await
                .map_err(|taken| match taken {
                    Taken::Held(held) => CatalogError::conflict(
                        Some("path"),
                        format!(
                            "{} was attached by {} meanwhile",
                            dir.display(),
                            held.holder()
                        ),
                    ),
                    Taken::Unreadable(r) => CatalogError::conflict(Some("path"), r),
                    Taken::Io(e) => damaged(&lock::path(&dir), e),
                })?;
        }
        let imported = self
            .import(scope, &dir, &export, same_uuid.map(|p| p.id))
            .await;
        let (uid, datasets) = match imported {
            Ok(done) => done,
            Err(err) => {
                let (d, instance) = (dir.clone(), self.instance.as_ref().clone());
                let _ = blocking(move || lock::release(&d, &instance)).await;
                return Err(err);
            }
        };
        if let Err(err) = self.refresh_project_storage_by_id(uid).await {
            tracing::warn!(error = %err, code, "project size not computed at attach");
        }
        Ok(Attached {
            code,
            uid,
            directory: dir,
            datasets,
            rescued_lock,
        })
    }

    /// Attaches every project directory directly under `container` (a fresh
    /// instance rebuilding its catalog from the directories alone). Each
    /// directory's outcome is reported; one failure does not stop the others.
    pub async fn attach_all(
        &self,
        scope: &Scope,
        container: &Path,
        rescue: bool,
    ) -> Result<Vec<(PathBuf, Result<Attached>)>> {
        scope.require_admin("attaching projects")?;
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(container)
            .map_err(|e| damaged(container, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| project_file(p).is_file())
            .collect();
        dirs.sort();
        let mut out = Vec::new();
        for dir in dirs {
            let result = self.attach_project(scope, &dir, rescue).await;
            out.push((dir, result));
        }
        Ok(out)
    }

    /// One transaction: the project with a new uid, its members, samples and
    /// datasets with everything they hold.
    async fn import(
        &self,
        scope: &Scope,
        dir: &Path,
        export: &ReadExport,
        replaces: Option<i32>,
    ) -> Result<(i32, usize)> {
        let txn = self.db.begin().await?;
        if let Some(old) = replaces {
            project::Entity::delete_by_id(old).exec(&txn).await?;
        }
        let p = &export.project;
        let now = Utc::now();
        let row = project::ActiveModel {
            uuid: Set(p.uuid),
            code: Set(p.code.clone()),
            title: Set(p.title.clone()),
            directory: Set(dir.to_string_lossy().into_owned()),
            state: Set(ProjectState::Attached.as_str().to_owned()),
            embargo_end: Set(p.embargo_end),
            created_at: Set(p.created_at),
            updated_at: Set(now),
            // Never below a uid the export holds: no uid is issued twice.
            jobs_reported: Set(export
                .jobs
                .iter()
                .filter_map(|j| uid_number(&j.uid, 'J'))
                .fold(p.jobs_reported, Ord::max)),
            sessions_reported: Set(export
                .sessions
                .iter()
                .filter_map(|s| uid_number(&s.uid, 'S'))
                .fold(p.sessions_reported, Ord::max)),
            publications_reported: Set(export
                .publications
                .iter()
                .map(|x| i64::from(x.number))
                .fold(p.publications_reported, Ord::max)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for m in &p.members {
            let user_id = find_or_create_user(&txn, &m.user).await?;
            membership::ActiveModel {
                project_id: Set(row.id),
                user_id: Set(user_id),
                role: Set(m.role.clone()),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        let mut samples = HashMap::new();
        for s in &p.samples {
            let stored = sample::ActiveModel {
                project_id: Set(row.id),
                name: Set(s.name.clone()),
                protein_acronym: Set(s.protein_acronym.clone()),
                grid: Set(s.grid.clone()),
                metadata: Set(s.metadata.clone()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            samples.insert(s.name.clone(), stored.id);
        }
        let instruments: HashMap<String, i32> = instrument::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|i| (i.name, i.id))
            .collect();
        let mut ids = HashMap::new();
        for d in &export.datasets {
            let id = self
                .import_dataset(&txn, &row, dir, d, &samples, &instruments)
                .await?;
            ids.insert(d.identifier.clone(), id);
        }
        for d in &export.datasets {
            for l in &d.links {
                let target = match ids.get(&l.target) {
                    Some(id) => Some(*id),
                    None => dataset::Entity::find()
                        .filter(dataset::Column::Identifier.eq(l.target.as_str()))
                        .one(&txn)
                        .await?
                        .map(|t| t.id),
                };
                dataset_link::ActiveModel {
                    dataset_id: Set(ids[&d.identifier]),
                    kind: Set(l.kind.clone()),
                    target_identifier: Set(l.target.clone()),
                    target_dataset_id: Set(target),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        // Links other projects made to these datasets before they arrived.
        for (identifier, id) in &ids {
            dataset_link::Entity::update_many()
                .col_expr(dataset_link::Column::TargetDatasetId, Expr::value(*id))
                .filter(dataset_link::Column::TargetIdentifier.eq(identifier.as_str()))
                .filter(dataset_link::Column::TargetDatasetId.is_null())
                .exec(&txn)
                .await?;
        }
        import_processing(&txn, row.id, &p.workspaces, &export.jobs, &export.sessions).await?;
        import_publications(&txn, row.id, &export.publications, &ids).await?;
        Event::new(scope, "project.attach", "project", &p.code)
            .project(row.id)
            .details(serde_json::json!({
                "directory": row.directory, "datasets": ids.len(),
                "jobs": export.jobs.len(), "sessions": export.sessions.len(),
                "instance": self.instance.id, "replaced_detached": replaces.is_some(),
            }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        Ok((row.id, ids.len()))
    }

    async fn import_dataset(
        &self,
        txn: &DatabaseTransaction,
        project: &project::Model,
        dir: &Path,
        d: &DatasetFile,
        samples: &HashMap<String, i32>,
        instruments: &HashMap<String, i32>,
    ) -> Result<i64> {
        let identifier: DatasetIdentifier = d.identifier.parse().expect("checked when read");
        let checked = check_all("parameters", parameters_of(d))?;
        let folder = dir.join(&d.identifier).to_string_lossy().into_owned();
        let prefix = self.storage_prefix(&folder);
        let row = dataset::ActiveModel {
            identifier: Set(d.identifier.clone()),
            project_id: Set(project.id),
            acquired_at: Set(identifier.acquired_at()),
            serial: Set(i32::from(identifier.serial())),
            kind: Set(d.kind.clone()),
            technique: Set(d.technique.clone()),
            instrument_id: Set(d
                .instrument
                .as_ref()
                .and_then(|n| instruments.get(n).copied())),
            instrument_name: Set(d.instrument.clone()),
            sample_id: Set(d.sample.as_ref().and_then(|n| samples.get(n).copied())),
            sample_name: Set(d.sample.clone()),
            description: Set(d.description.clone()),
            folder: Set(folder),
            status: Set(DatasetStatus::Complete.as_str().to_owned()),
            size_bytes: Set(d.size_bytes),
            file_count: Set(d.file_count),
            public_from: Set(project.embargo_end),
            parameters: Set(denormalised(&checked)),
            created_at: Set(d.created_at),
            updated_at: Set(d.updated_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        self.insert_parameters(txn, row.id, checked).await?;
        let files: Vec<datafile::ActiveModel> = d
            .files
            .iter()
            .map(|f| datafile::ActiveModel {
                dataset_id: Set(row.id),
                path: Set(f.path.clone()),
                size_bytes: Set(f.size_bytes),
                sha256: Set(f.sha256.clone()),
                format: Set(f.format.clone()),
                location: Set(f.location.clone()),
                storage_key: Set(match (&f.storage_key, f.location.as_str()) {
                    (None, _) => None,
                    (Some(key), "s3") => Some(key.clone()),
                    (Some(_), _) => Some(format!("{prefix}{}", f.path)),
                }),
                last_verified_at: Set(f.last_verified_at),
                created_at: Set(f.created_at),
                ..Default::default()
            })
            .collect();
        for chunk in files.chunks(BATCH) {
            datafile::Entity::insert_many(chunk.to_vec())
                .exec(txn)
                .await?;
        }
        for s in &d.frame_sets {
            let set = frame_set::ActiveModel {
                dataset_id: Set(row.id),
                position: Set(s.position),
                shape: Set(s.shape.clone()),
                dtype: Set(s.dtype.clone()),
                chunking: Set(s.chunking.clone()),
                channel_names: Set(s.channel_names.clone()),
                metadata: Set(s.metadata.clone()),
                array_path: Set(s.array_path.clone()),
                created_at: Set(s.created_at),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let frames: Vec<frame::ActiveModel> = s
                .frames
                .iter()
                .map(|f| frame::ActiveModel {
                    frame_set_id: Set(set.id),
                    t: Set(f.t),
                    c: Set(f.c),
                    z: Set(f.z),
                    metadata: Set(f.metadata.clone()),
                    sha256: Set(f.sha256.clone()),
                    parameters: Set(f.parameters.clone()),
                    ..Default::default()
                })
                .collect();
            for chunk in frames.chunks(BATCH) {
                frame::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
            }
        }
        Ok(row.id)
    }

    /// A directory argument: existing, absolute, and under the projects root,
    /// where storage keys can name its datasets' bytes.
    pub(crate) fn project_directory_argument(&self, dir: &Path) -> Result<PathBuf> {
        let canonical = dir
            .canonicalize()
            .map_err(|e| CatalogError::invalid("path", format!("{}: {e}", dir.display())))?;
        if !canonical.is_dir() {
            return Err(CatalogError::invalid(
                "path",
                format!("{} is not a directory", dir.display()),
            ));
        }
        let root = self
            .projects_root
            .canonicalize()
            .unwrap_or_else(|_| self.projects_root.clone());
        // Anywhere inside the projects root (directly, or in a container
        // folder): storage keys are relative to it.
        match canonical.strip_prefix(&root) {
            Ok(rest) if rest.components().count() >= 1 => Ok(root.join(rest)),
            _ => Err(CatalogError::invalid(
                "path",
                format!(
                    "{} is not inside this instance's projects directory {}; move it there first",
                    dir.display(),
                    root.display()
                ),
            )),
        }
    }

    /// The storage-key prefix of a dataset folder: `projects/<project dir>/<ID>/`.
    pub fn storage_prefix(&self, folder: &str) -> String {
        let folder = Path::new(folder);
        let relative = folder
            .strip_prefix(&self.projects_root)
            .or_else(|_| {
                self.projects_root
                    .canonicalize()
                    .map_err(|_| ())
                    .and_then(|root| folder.strip_prefix(root).map_err(|_| ()))
            })
            .unwrap_or(folder);
        format!("projects/{}/", relative.to_string_lossy().trim_matches('/'))
    }
}

async fn find_or_create_user(txn: &DatabaseTransaction, name: &str) -> Result<i32> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Name.eq(name))
        .one(txn)
        .await?
    {
        return Ok(u.id);
    }
    Ok(user::ActiveModel {
        name: Set(name.to_owned()),
        is_admin: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?
    .id)
}
