//! A project's size on disk: computed at attach and on demand, broken down
//! into datasets, jobs, sessions and the rest, and marked stale when its data
//! changed since.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::{blocking, bytes_on_disk};
use crate::entity::{dataset, project};
use crate::{Catalog, CatalogError, Result, Scope};

/// Bytes on disk by kind; symlinks count as themselves (raw data linked in
/// place is not the project's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectStorage {
    pub total_bytes: u64,
    pub datasets_bytes: u64,
    pub jobs_bytes: u64,
    pub sessions_bytes: u64,
    pub other_bytes: u64,
    pub computed_at: Option<DateTime<Utc>>,
    /// Data changed since it was computed.
    pub stale: bool,
}

fn measure(dir: &Path, datasets: &[String]) -> ProjectStorage {
    let mut out = ProjectStorage::default();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = bytes_on_disk(&entry.path());
            match name.as_str() {
                n if datasets.iter().any(|d| d == n) => out.datasets_bytes += bytes,
                "jobs" => out.jobs_bytes += bytes,
                "sessions" => out.sessions_bytes += bytes,
                _ => out.other_bytes += bytes,
            }
        }
    }
    out.total_bytes = out.datasets_bytes + out.jobs_bytes + out.sessions_bytes + out.other_bytes;
    out
}

impl Catalog {
    /// Recomputes a project's size on disk and stores it.
    pub async fn refresh_project_storage(
        &self,
        scope: &Scope,
        code: &str,
    ) -> Result<ProjectStorage> {
        scope.require_admin("measuring a project")?;
        let project = self.project_model(scope, "project", code).await?;
        self.refresh_project_storage_by_id(project.id).await
    }

    pub(crate) async fn refresh_project_storage_by_id(&self, id: i32) -> Result<ProjectStorage> {
        let project = project::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some("project"), "no such project"))?;
        let identifiers: Vec<String> = dataset::Entity::find()
            .filter(dataset::Column::ProjectId.eq(id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| d.identifier)
            .collect();
        let dir = PathBuf::from(&project.directory);
        let mut storage = blocking(move || measure(&dir, &identifiers)).await;
        let now = Utc::now();
        storage.computed_at = Some(now);
        let mut active: project::ActiveModel = project.into();
        active.size_bytes = Set(Some(storage.total_bytes as i64));
        active.size_breakdown = Set(Some(
            serde_json::to_value(&storage).expect("sizes serialise"),
        ));
        active.size_computed_at = Set(Some(now));
        active.size_stale = Set(false);
        active.update(&self.db).await?;
        Ok(storage)
    }

    /// The stored figures, as last computed.
    pub async fn project_storage(&self, scope: &Scope, code: &str) -> Result<ProjectStorage> {
        let project = self.project_model(scope, "project", code).await?;
        let mut storage: ProjectStorage = project
            .size_breakdown
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        storage.stale = project.size_stale;
        Ok(storage)
    }

    /// After a dataset landed or changed: its export is written and the
    /// project's size marked out of date. Neither undoes the committed change
    /// when it fails; both are logged.
    pub(crate) async fn dataset_changed(&self, project_id: i32, dataset_id: i64) {
        self.export_after_change(project_id, Some(dataset_id)).await;
        self.mark_size_stale(project_id).await;
    }

    /// The project's size is out of date once data was added or removed.
    pub(crate) async fn mark_size_stale(&self, project_id: i32) {
        if let Err(err) = project::Entity::update_many()
            .col_expr(
                project::Column::SizeStale,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(project::Column::Id.eq(project_id))
            .exec(&self.db)
            .await
        {
            tracing::warn!(error = %err, project_id, "project size not marked stale");
        }
    }
}
