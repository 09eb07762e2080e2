//! Clear and delete, by hand or by the cleanup tool. The preview and the run
//! are one planner over the same facts: what the preview says is what the
//! run does, to the byte.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

use super::plan::{self, Change, CleanupOptions, Plan, Reason, Status};
use crate::entity::{job, job_input, job_result, project, session, workspace};
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
    /// The bytes of each session in the project, or in the workspace.
    async fn session_sizes(
        &self,
        project: &project::Model,
        workspace: Option<i32>,
    ) -> Result<Vec<i64>> {
        let mut query = session::Entity::find()
            .select_only()
            .column(session::Column::SizeBytes)
            .filter(session::Column::ProjectId.eq(project.id));
        if let Some(ws) = workspace {
            query = query.filter(session::Column::WorkspaceId.eq(ws));
        }
        Ok(query.into_tuple::<i64>().all(&self.db).await?)
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
        let started = std::time::Instant::now();
        let (facts, sessions) = futures::try_join!(
            self.job_facts(&project, options.workspace),
            self.session_sizes(&project, options.workspace)
        )?;
        let read = started.elapsed();
        let project_bytes = Ord::max(project.size_bytes.unwrap_or(0), 0) as u64;
        // The options arrive as one input; its error names the part.
        let mut plan = plan::plan(&facts, &options, project_bytes)
            .map_err(|e| CatalogError::invalid("options", format!("{}: {e}", e.field())))?;
        tracing::debug!(
            jobs = facts.len(),
            read_ms = read.as_secs_f64() * 1e3,
            plan_ms = (started.elapsed() - read).as_secs_f64() * 1e3,
            "cleanup preview"
        );
        plan.preview.scope_sessions = sessions.len() as u64;
        plan.preview.scope_session_bytes = sessions.iter().map(|b| Ord::max(*b, 0) as u64).sum();
        Ok(plan)
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
        // The jobs whose export changes: those changed and those downstream
        // of a cleared or deleted one.
        let mut touched: Vec<i64> = Vec::new();
        let mut uid_of: HashMap<i64, String> = HashMap::new();
        for (id, change, reason) in changes {
            let Some(row) = job::Entity::find_by_id(*id).one(&self.db).await? else {
                continue;
            };
            uid_of.insert(row.id, row.uid.clone());
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
                    .filter(job::Column::Id.is_in(downstream.iter().copied()))
                    .exec(&txn)
                    .await?;
                touched.extend(downstream);
            }
            match change {
                Change::Delete => {
                    // Its inputs go with it: what it read may now be unread.
                    let upstream: Vec<i64> = job_input::Entity::find()
                        .select_only()
                        .column(job_input::Column::UpstreamJobId)
                        .filter(job_input::Column::JobId.eq(row.id))
                        .into_tuple()
                        .all(&txn)
                        .await?;
                    job::Entity::delete_by_id(row.id).exec(&txn).await?;
                    super::refresh_used_downstream(&txn, &upstream).await?;
                }
                Change::Clear => {
                    let mut active: job::ActiveModel = row.clone().into();
                    active.status = Set(Status::Building.as_str().to_owned());
                    active.size_bytes = Set(0);
                    active.completed_at = Set(None);
                    active.updated_at = Set(crate::now());
                    active.update(&txn).await?;
                }
                Change::ClearIntermediates { .. } => {
                    let mut active: job::ActiveModel = row.clone().into();
                    active.size_bytes = Set(row.size_bytes - removed_bytes);
                    active.updated_at = Set(crate::now());
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
            touched.push(row.id);
            freed += Ord::max(bytes, 0) as u64;
        }
        if !changes.is_empty() {
            let mut uids: Vec<String> = changes
                .iter()
                .filter_map(|(id, ..)| uid_of.get(id).cloned())
                .collect();
            uids.extend(
                job::Entity::find()
                    .select_only()
                    .column(job::Column::Uid)
                    .filter(job::Column::Id.is_in(touched))
                    .into_tuple::<String>()
                    .all(&self.db)
                    .await?,
            );
            uids.sort();
            uids.dedup();
            self.export_jobs_after_change(project.id, &uids).await;
            super::report::recompute_ancestors(&self.db, project.id).await?;
            self.mark_size_stale(project.id).await;
        }
        Ok(freed)
    }
}
