//! Detach, archive, unarchive and the export on demand, with seed 000's
//! semantics; attach and rescue are in `attach.rs`, create in `projects.rs`.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use strata_domain::{DatasetStatus, ProjectState};

use super::lock::{self, Lock, Taken};
use super::{blocking, project_file};
use crate::entity::{datafile, dataset, job, project, session};
use crate::events::Event;
use crate::sessions::SessionStatus;
use crate::{Catalog, CatalogError, Result, Scope};

/// Job statuses in which a job is still at work (CryoSPARC's: a project
/// cannot be detached or archived under them). A building job is not: it
/// has not been queued, or it was cleared.
const RUNNING: [&str; 5] = ["queued", "launched", "started", "running", "waiting"];

#[derive(Debug, Clone, PartialEq)]
pub struct DetachReport {
    pub code: String,
    pub directory: PathBuf,
    /// Datasets written into the final export.
    pub datasets: usize,
}

impl Catalog {
    /// The project by code for a lifecycle action (facility admins: data
    /// managers), with a clear error when missing.
    async fn lifecycle_project(
        &self,
        scope: &Scope,
        code: &str,
        action: &str,
    ) -> Result<project::Model> {
        scope.require_admin(action)?;
        project::Entity::find()
            .filter(project::Column::Code.eq(code))
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some("project"), format!("no project {code}")))
    }

    /// Refuses while anything ingests or runs in the project.
    async fn require_idle(&self, project: &project::Model, action: &str) -> Result<()> {
        let ingesting = dataset::Entity::find()
            .filter(dataset::Column::ProjectId.eq(project.id))
            .filter(dataset::Column::Status.eq(DatasetStatus::Ingesting.as_str()))
            .count(&self.db)
            .await?;
        let running = job::Entity::find()
            .filter(job::Column::ProjectId.eq(project.id))
            .filter(job::Column::Status.is_in(RUNNING))
            .count(&self.db)
            .await?;
        // An active session is still acquiring and preprocessing.
        let acquiring = session::Entity::find()
            .filter(session::Column::ProjectId.eq(project.id))
            .filter(session::Column::Status.eq(SessionStatus::Active.as_str()))
            .count(&self.db)
            .await?;
        if ingesting > 0 || running > 0 || acquiring > 0 {
            return Err(CatalogError::conflict(
                Some("project"),
                format!(
                    "{action} {} refused: {ingesting} ingest(s), {running} job(s) and {acquiring} session(s) are still at work in it",
                    project.code
                ),
            ));
        }
        Ok(())
    }

    fn require_state(project: &project::Model, state: ProjectState, action: &str) -> Result<()> {
        if project.state == state.as_str() {
            Ok(())
        } else {
            Err(CatalogError::conflict(
                Some("project"),
                format!(
                    "{action} needs an {} project; {} is {}",
                    state.as_str(),
                    project.code,
                    project.state
                ),
            ))
        }
    }

    async fn set_state(
        &self,
        scope: &Scope,
        project: &project::Model,
        state: ProjectState,
        action: &'static str,
    ) -> Result<project::Model> {
        let txn = self.db.begin().await?;
        let mut active: project::ActiveModel = project.clone().into();
        active.state = Set(state.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        Event::new(scope, action, "project", &project.code)
            .project(project.id)
            .details(
                serde_json::json!({ "directory": row.directory, "instance": self.instance.id }),
            )
            .record(&txn)
            .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Detach: nothing may be running; the final export is written, the lock
    /// removed, and the project shows as detached and can no longer be used.
    pub async fn detach_project(&self, scope: &Scope, code: &str) -> Result<DetachReport> {
        let project = self
            .lifecycle_project(scope, code, "detaching a project")
            .await?;
        Self::require_state(&project, ProjectState::Attached, "detach")?;
        self.require_idle(&project, "detaching").await?;
        let datasets = self.write_full_export(&project).await?;
        let dir = PathBuf::from(&project.directory);
        {
            let (dir, instance) = (dir.clone(), self.instance.as_ref().clone());
            blocking(move || lock::release(&dir, &instance))
                .await
                .map_err(|e| {
                    CatalogError::Filesystem(format!("removing the lock of {code}: {e}"))
                })?;
        }
        self.set_state(scope, &project, ProjectState::Detached, "project.detach")
            .await?;
        Ok(DetachReport {
            code: project.code,
            directory: dir,
            datasets,
        })
    }

    /// Archive: the project becomes read-only and keeps its lock; its
    /// directory may then go away (to cold storage) until unarchived.
    pub async fn archive_project(&self, scope: &Scope, code: &str) -> Result<()> {
        let project = self
            .lifecycle_project(scope, code, "archiving a project")
            .await?;
        Self::require_state(&project, ProjectState::Attached, "archive")?;
        self.require_idle(&project, "archiving").await?;
        self.write_full_export(&project).await?;
        self.set_state(scope, &project, ProjectState::Archived, "project.archive")
            .await?;
        Ok(())
    }

    /// Unarchive from a possibly new path, in the instance that archived it:
    /// how a project is moved or renamed. Dataset folders and storage keys
    /// follow the new directory.
    pub async fn unarchive_project(&self, scope: &Scope, code: &str, dir: &Path) -> Result<()> {
        let project = self
            .lifecycle_project(scope, code, "unarchiving a project")
            .await?;
        Self::require_state(&project, ProjectState::Archived, "unarchive")?;
        let dir = self.project_directory_argument(dir)?;
        let (held, export) = {
            let dir = dir.clone();
            blocking(move || (lock::read(&dir), std::fs::read(project_file(&dir)))).await
        };
        match held {
            Ok(Some(l)) if l.instance_id == self.instance.id => {}
            Ok(Some(l)) => {
                return Err(CatalogError::conflict(
                    Some("path"),
                    format!(
                        "{} is locked by {}; only the instance that archived a project unarchives it",
                        dir.display(),
                        l.holder()
                    ),
                ));
            }
            Ok(None) => {
                return Err(CatalogError::conflict(
                    Some("path"),
                    format!(
                        "{} has no lock: it was detached, not archived here; attach it instead",
                        dir.display()
                    ),
                ));
            }
            Err(Taken::Unreadable(r)) => return Err(CatalogError::invalid("path", r)),
            Err(Taken::Io(e)) => {
                return Err(CatalogError::Filesystem(format!("{}: {e}", dir.display())));
            }
            Err(Taken::Held(l)) => {
                return Err(CatalogError::conflict(Some("path"), l.holder()));
            }
        }
        let uuid_matches = export
            .ok()
            .and_then(|b| serde_json::from_slice::<super::format::ProjectFile>(&b).ok())
            .is_some_and(|p| p.uuid == project.uuid);
        if !uuid_matches {
            return Err(CatalogError::invalid(
                "path",
                format!("{} is not the directory of project {code}", dir.display()),
            ));
        }
        let old = PathBuf::from(&project.directory);
        let txn = self.db.begin().await?;
        // Dataset folders and storage keys move with the directory.
        let old_prefix = self.storage_prefix(&old.to_string_lossy());
        let new_prefix = self.storage_prefix(&dir.to_string_lossy());
        for d in dataset::Entity::find()
            .filter(dataset::Column::ProjectId.eq(project.id))
            .all(&txn)
            .await?
        {
            let folder = dir.join(&d.identifier).to_string_lossy().into_owned();
            datafile::Entity::update_many()
                .col_expr(
                    datafile::Column::StorageKey,
                    Func::cust("REPLACE")
                        .arg(Expr::col(datafile::Column::StorageKey))
                        .arg(old_prefix.clone())
                        .arg(new_prefix.clone())
                        .into(),
                )
                .filter(datafile::Column::DatasetId.eq(d.id))
                .filter(datafile::Column::Location.ne("s3"))
                .exec(&txn)
                .await?;
            let mut active: dataset::ActiveModel = d.into();
            active.folder = Set(folder);
            active.update(&txn).await?;
        }
        let mut active: project::ActiveModel = project.clone().into();
        active.state = Set(ProjectState::Attached.as_str().to_owned());
        active.directory = Set(dir.to_string_lossy().into_owned());
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        Event::new(scope, "project.unarchive", "project", &project.code)
            .project(project.id)
            .details(serde_json::json!({ "from": old, "directory": row.directory }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        let instance = self.instance.as_ref().clone();
        let _ = blocking(move || lock::refresh(&dir, &instance)).await;
        self.write_full_export(&row).await?;
        Ok(())
    }

    /// Rewrites the whole export of an attached project.
    pub async fn export_project(&self, scope: &Scope, code: &str) -> Result<usize> {
        let project = self
            .lifecycle_project(scope, code, "exporting a project")
            .await?;
        Self::require_state(&project, ProjectState::Attached, "export")?;
        self.write_full_export(&project).await
    }

    /// Refreshes the heartbeat in the lock of every project attached here;
    /// returns the directories whose lock is gone or someone else's.
    pub async fn refresh_locks(&self) -> Result<Vec<String>> {
        let attached = project::Entity::find()
            .filter(project::Column::State.is_in([
                ProjectState::Attached.as_str(),
                ProjectState::Archived.as_str(),
            ]))
            .all(&self.db)
            .await?;
        let instance = self.instance.as_ref().clone();
        Ok(blocking(move || {
            attached
                .into_iter()
                .filter(|p| {
                    // An archived project's directory may be away: not a problem.
                    p.state == ProjectState::Attached.as_str()
                        && !lock::refresh(Path::new(&p.directory), &instance).unwrap_or(false)
                })
                .map(|p| p.directory)
                .collect()
        })
        .await)
    }

    /// Creates a new project's directory with its lock and first export.
    pub(crate) async fn create_project_directory(&self, project: &project::Model) -> Result<()> {
        let dir = PathBuf::from(&project.directory);
        let lock = Lock::new(&self.instance);
        {
            let d = dir.clone();
            blocking(move || -> std::io::Result<()> {
                std::fs::create_dir_all(d.parent().unwrap_or(Path::new(".")))?;
                std::fs::create_dir(&d)?;
                lock::acquire(&d, &lock).map_err(|t| match t {
                    Taken::Io(e) => e,
                    other => std::io::Error::other(format!("{other:?}")),
                })
            })
            .await
            .map_err(|e| CatalogError::Filesystem(format!("creating {}: {e}", dir.display())))?;
        }
        self.write_export(project, None).await
    }
}
