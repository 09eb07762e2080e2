//! Clear and delete, by hand or by the cleanup tool. The preview and the run
//! are one planner over the same facts: what the preview says is what the
//! run does, to the byte.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::plan::{self, Change, CleanupOptions, Intermediate, JobFacts, Plan, Reason, Status};
use crate::entity::{job, job_input, job_result, job_workspace, project, workspace};
use crate::events::Event;
use crate::project_dir::blocking;
use crate::{Catalog, CatalogError, Result, Scope};

/// What a cleanup did.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupReport {
    pub plan: Plan,
    /// Bytes the changed jobs held, as recorded: equal to the plan's estimate.
    pub bytes_freed: u64,
}

/// What a single clear or delete did.
#[derive(Debug, Clone, PartialEq)]
pub struct JobCleared {
    pub uid: String,
    pub change: Change,
    pub bytes_freed: u64,
}

impl Catalog {
    /// The planner's view of a project's jobs.
    async fn job_facts(&self, project: &project::Model) -> Result<Vec<JobFacts>> {
        let jobs = job::Entity::find()
            .filter(job::Column::ProjectId.eq(project.id))
            .all(&self.db)
            .await?;
        // One query per table for the whole project (a subquery on the
        // project's jobs), whatever the number of jobs.
        let of_project = || {
            Query::select()
                .column(job::Column::Id)
                .from(job::Entity)
                .and_where(Expr::col(job::Column::ProjectId).eq(project.id))
                .to_owned()
        };
        // Which results each job's downstream jobs read.
        let mut used: HashMap<i64, Vec<String>> = HashMap::new();
        for i in job_input::Entity::find()
            .filter(job_input::Column::UpstreamJobId.in_subquery(of_project()))
            .all(&self.db)
            .await?
        {
            let names: Vec<String> = serde_json::from_value(i.results).unwrap_or_default();
            used.entry(i.upstream_job_id).or_default().extend(names);
        }
        let mut workspaces: HashMap<i64, Vec<i32>> = HashMap::new();
        for w in job_workspace::Entity::find()
            .filter(job_workspace::Column::JobId.in_subquery(of_project()))
            .all(&self.db)
            .await?
        {
            workspaces.entry(w.job_id).or_default().push(w.workspace_id);
        }
        let mut results: HashMap<i64, Vec<job_result::Model>> = HashMap::new();
        for r in job_result::Entity::find()
            .filter(job_result::Column::JobId.in_subquery(of_project()))
            .filter(job_result::Column::Intermediate.eq(true))
            .all(&self.db)
            .await?
        {
            results.entry(r.job_id).or_default().push(r);
        }
        jobs.into_iter()
            .map(|j| {
                let used_here = used.get(&j.id);
                Ok(JobFacts {
                    id: j.id,
                    category: j.category.parse().map_err(crate::auth::corrupt)?,
                    status: j.status.parse().map_err(crate::auth::corrupt)?,
                    is_final: j.is_final,
                    is_ancestor_of_final: j.is_ancestor_of_final,
                    size_bytes: Ord::max(j.size_bytes, 0) as u64,
                    intermediates: results
                        .remove(&j.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| Intermediate {
                            used_downstream: used_here.is_some_and(|u| u.contains(&r.name)),
                            name: r.name,
                            size_bytes: Ord::max(r.size_bytes, 0) as u64,
                        })
                        .collect(),
                    workspaces: workspaces.remove(&j.id).unwrap_or_default(),
                    uid: j.uid,
                })
            })
            .collect()
    }

    async fn workspace_id(&self, project: &project::Model, name: &str) -> Result<i32> {
        workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(project.id))
            .filter(workspace::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .map(|w| w.id)
            .ok_or_else(|| {
                CatalogError::not_found(
                    Some("workspace"),
                    format!("no workspace {name:?} in {}", project.code),
                )
            })
    }

    /// What a cleanup with `options` would do (seed 001's preview).
    /// `workspace` narrows it to the jobs in that workspace (by name).
    pub async fn cleanup_preview(
        &self,
        scope: &Scope,
        code: &str,
        workspace: Option<&str>,
        mut options: CleanupOptions,
    ) -> Result<Plan> {
        let project = self.project_model(scope, "project", code).await?;
        if let Some(name) = workspace {
            options.workspace = Some(self.workspace_id(&project, name).await?);
        }
        let facts = self.job_facts(&project).await?;
        let project_bytes = Ord::max(project.size_bytes.unwrap_or(0), 0) as u64;
        plan::plan(&facts, &options, project_bytes)
            .map_err(|e| CatalogError::invalid("options", e.to_string()))
    }

    /// Runs the cleanup the preview describes, and reports what it freed.
    pub async fn cleanup_run(
        &self,
        scope: &Scope,
        code: &str,
        workspace: Option<&str>,
        options: CleanupOptions,
    ) -> Result<CleanupReport> {
        let project = self.job_project(scope, code, "cleaning up").await?;
        let plan = self
            .cleanup_preview(scope, code, workspace, options)
            .await?;
        let changes: Vec<(i64, Change, Option<Reason>)> = plan
            .jobs
            .iter()
            .map(|j| (j.id, j.change.clone(), Some(j.reason)))
            .collect();
        let bytes_freed = self.apply(scope, &project, &changes, "cleanup").await?;
        Ok(CleanupReport { plan, bytes_freed })
    }

    /// Clears a job: outputs deleted, metadata and parameters kept, status
    /// back to building; downstream jobs keep their outputs and are flagged
    /// as having inputs unavailable.
    pub async fn clear_job(&self, scope: &Scope, code: &str, uid: &str) -> Result<JobCleared> {
        self.single(scope, code, uid, false).await
    }

    /// Deletes a job and its metadata (after clearing it).
    pub async fn delete_job(&self, scope: &Scope, code: &str, uid: &str) -> Result<JobCleared> {
        self.single(scope, code, uid, true).await
    }

    async fn single(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        delete: bool,
    ) -> Result<JobCleared> {
        let project = self
            .job_project(
                scope,
                code,
                if delete {
                    "deleting jobs"
                } else {
                    "clearing jobs"
                },
            )
            .await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        let status: Status = row.status.parse().map_err(crate::auth::corrupt)?;
        let refuse = |why: String| Err(CatalogError::conflict(Some("job"), why));
        if row.is_final {
            return refuse(format!(
                "{uid} is a final result: it cannot be {}; unmark it first",
                if delete { "deleted" } else { "cleared" }
            ));
        }
        if delete && row.is_ancestor_of_final {
            return refuse(format!(
                "{uid} is an ancestor of a final result: it can be cleared, not deleted"
            ));
        }
        if status.is_running() {
            return refuse(format!(
                "{uid} is {}: its outputs are being written",
                row.status
            ));
        }
        let change = if delete {
            Change::Delete
        } else {
            Change::Clear
        };
        let bytes_freed = self
            .apply(
                scope,
                &project,
                &[(row.id, change.clone(), None)],
                if delete { "delete" } else { "clear" },
            )
            .await?;
        Ok(JobCleared {
            uid: uid.to_owned(),
            change,
            bytes_freed,
        })
    }

    /// Carries a plan out: files first (a job's folder, or its intermediate
    /// results), then the rows, one transaction per job, each an event.
    async fn apply(
        &self,
        scope: &Scope,
        project: &project::Model,
        changes: &[(i64, Change, Option<Reason>)],
        why: &str,
    ) -> Result<u64> {
        let mut freed = 0u64;
        for (id, change, reason) in changes {
            let Some(row) = job::Entity::find_by_id(*id).one(&self.db).await? else {
                continue;
            };
            let folder = Self::job_folder(project, &row.uid);
            let results = job_result::Entity::find()
                .filter(job_result::Column::JobId.eq(row.id))
                .all(&self.db)
                .await?;
            let (paths, removed): (Vec<std::path::PathBuf>, Vec<job_result::Model>) = match change {
                Change::Clear | Change::Delete => (vec![folder.clone()], results),
                Change::ClearIntermediates { names } => {
                    let hit: Vec<job_result::Model> = results
                        .into_iter()
                        .filter(|r| names.contains(&r.name))
                        .collect();
                    (hit.iter().map(|r| folder.join(&r.path)).collect(), hit)
                }
            };
            let whole = !matches!(change, Change::ClearIntermediates { .. });
            let recreate = matches!(change, Change::Clear);
            let (f, p) = (folder.clone(), paths.clone());
            blocking(move || -> std::io::Result<()> {
                for path in &p {
                    match std::fs::symlink_metadata(path) {
                        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path)?,
                        Ok(_) => std::fs::remove_file(path)?,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
                if whole && recreate {
                    std::fs::create_dir_all(&f)?;
                }
                Ok(())
            })
            .await
            .map_err(|e| CatalogError::Filesystem(format!("clearing {}: {e}", row.uid)))?;

            let txn = self.db.begin().await?;
            let removed_bytes: i64 = removed.iter().map(|r| r.size_bytes).sum();
            let bytes = if whole { row.size_bytes } else { removed_bytes };
            job_result::Entity::delete_many()
                .filter(job_result::Column::Id.is_in(removed.iter().map(|r| r.id)))
                .exec(&txn)
                .await?;
            if whole {
                // Downstream jobs keep their outputs but cannot run again
                // until this one is re-run.
                let downstream: Vec<i64> = job_input::Entity::find()
                    .filter(job_input::Column::UpstreamJobId.eq(row.id))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|i| i.job_id)
                    .collect();
                job::Entity::update_many()
                    .col_expr(job::Column::InputsUnavailable, Expr::value(true))
                    .filter(job::Column::Id.is_in(downstream))
                    .exec(&txn)
                    .await?;
            }
            match change {
                Change::Delete => {
                    job::Entity::delete_by_id(row.id).exec(&txn).await?;
                }
                Change::Clear => {
                    let mut active: job::ActiveModel = row.clone().into();
                    active.status = Set(Status::Building.as_str().to_owned());
                    active.size_bytes = Set(0);
                    active.completed_at = Set(None);
                    active.updated_at = Set(Utc::now());
                    active.update(&txn).await?;
                }
                Change::ClearIntermediates { .. } => {
                    let mut active: job::ActiveModel = row.clone().into();
                    active.size_bytes = Set(row.size_bytes - removed_bytes);
                    active.updated_at = Set(Utc::now());
                    active.update(&txn).await?;
                }
            }
            Event::new(
                scope,
                "job.cleanup",
                "job",
                &format!("{}/{}", project.code, row.uid),
            )
            .project(project.id)
            .details(serde_json::json!({
                "change": change, "bytes": bytes, "by": why, "reason": reason,
            }))
            .record(&txn)
            .await?;
            txn.commit().await?;
            freed += Ord::max(bytes, 0) as u64;
        }
        if !changes.is_empty() {
            super::report::recompute_ancestors(&self.db, project.id).await?;
            self.dataset_changed_project(project.id).await;
        }
        Ok(freed)
    }

    /// The project's size is out of date once jobs lost data.
    async fn dataset_changed_project(&self, project_id: i32) {
        let _ = project::Entity::update_many()
            .col_expr(project::Column::SizeStale, Expr::value(true))
            .filter(project::Column::Id.eq(project_id))
            .exec(&self.db)
            .await;
    }
}
