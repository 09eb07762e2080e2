//! Jobs as external pipelines report them: created with their inputs and
//! workspaces, their status followed, their results measured on disk when
//! they are recorded, final results marked and ancestors of final kept
//! current across the whole project.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use strata_domain::Role;

use super::graph::ancestors_of_final;
use super::plan::{Category, Status};
use crate::datafiles::check_relative_path;
use crate::entity::{job, job_input, job_result, job_workspace, project, workspace};
use crate::events::Event;
use crate::project_dir::{blocking, bytes_on_disk};
use crate::{Catalog, CatalogError, Result, Scope};

/// A job as a pipeline reports it.
#[derive(Debug, Clone, Default)]
pub struct NewJob {
    pub title: String,
    pub job_type: String,
    pub category: Option<Category>,
    pub parameters: serde_json::Value,
    /// Upstream jobs (by uid) and which of their results this job reads.
    pub inputs: Vec<JobInputSpec>,
    /// Workspaces (by name) the job appears in; created on first use.
    pub workspaces: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct JobInputSpec {
    pub job: String,
    pub results: Vec<String>,
}

/// A result a job wrote into its folder.
#[derive(Debug, Clone)]
pub struct NewJobResult {
    pub name: String,
    /// Relative to the job's folder.
    pub path: String,
    pub intermediate: bool,
}

/// A job as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub uid: String,
    pub title: String,
    pub job_type: String,
    pub category: Category,
    pub status: Status,
    pub parameters: serde_json::Value,
    pub is_final: bool,
    pub is_ancestor_of_final: bool,
    pub inputs_unavailable: bool,
    pub size_bytes: i64,
    pub inputs: Vec<String>,
    pub workspaces: Vec<String>,
    pub results: Vec<JobResultRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResultRecord {
    pub name: String,
    pub path: String,
    pub intermediate: bool,
    pub size_bytes: i64,
}

impl Catalog {
    /// The project of a job change: attached, and the caller a depositor.
    pub(crate) async fn job_project(
        &self,
        scope: &Scope,
        code: &str,
        doing: &str,
    ) -> Result<project::Model> {
        let project = self.project_model(scope, "project", code).await?;
        scope.require_role(project.id, Role::Depositor, doing)?;
        self.require_attached_project(&project)?;
        Ok(project)
    }

    pub(crate) async fn job_model(
        &self,
        db: &impl ConnectionTrait,
        project: &project::Model,
        uid: &str,
    ) -> Result<job::Model> {
        job::Entity::find()
            .filter(job::Column::ProjectId.eq(project.id))
            .filter(job::Column::Uid.eq(uid))
            .one(db)
            .await?
            .ok_or_else(|| {
                CatalogError::not_found(Some("job"), format!("no job {uid} in {}", project.code))
            })
    }

    /// The folder of a job inside its project: `<project>/jobs/<uid>`.
    pub(crate) fn job_folder(project: &project::Model, uid: &str) -> PathBuf {
        Path::new(&project.directory).join("jobs").join(uid)
    }

    /// Creates a job (status `building`) with the next uid (`J1`, `J2`, …)
    /// and its folder.
    pub async fn report_job(&self, scope: &Scope, code: &str, new: NewJob) -> Result<Job> {
        let project = self.job_project(scope, code, "reporting jobs").await?;
        if new.job_type.trim().is_empty() || new.job_type.len() > 64 {
            return Err(CatalogError::invalid(
                "jobType",
                "must be 1 to 64 characters",
            ));
        }
        let txn = self.db.begin().await?;
        let uid = format!(
            "J{}",
            issue_uid(&txn, project.id, project::Column::JobsReported).await?
        );
        let now = crate::now();
        let row = job::ActiveModel {
            project_id: Set(project.id),
            uid: Set(uid.clone()),
            title: Set(new.title.clone()),
            job_type: Set(new.job_type.clone()),
            category: Set(new.category.unwrap_or(Category::Other).as_str().to_owned()),
            status: Set(Status::Building.as_str().to_owned()),
            parameters: Set(new.parameters.clone()),
            is_final: Set(false),
            is_ancestor_of_final: Set(false),
            inputs_unavailable: Set(false),
            size_bytes: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut seen = BTreeSet::new();
        let mut upstream_ids = Vec::with_capacity(new.inputs.len());
        for (i, input) in new.inputs.iter().enumerate() {
            if !seen.insert(input.job.clone()) {
                return Err(CatalogError::invalid(
                    format!("inputs[{i}].job"),
                    format!("{} is given twice", input.job),
                ));
            }
            let upstream = self
                .job_model(&txn, &project, &input.job)
                .await
                .map_err(|_| {
                    CatalogError::invalid(
                        format!("inputs[{i}].job"),
                        format!("no job {} in {}", input.job, project.code),
                    )
                })?;
            job_input::ActiveModel {
                job_id: Set(row.id),
                upstream_job_id: Set(upstream.id),
                results: Set(serde_json::json!(input.results)),
            }
            .insert(&txn)
            .await?;
            upstream_ids.push(upstream.id);
        }
        super::refresh_used_downstream(&txn, &upstream_ids).await?;
        for name in new.workspaces.iter().collect::<BTreeSet<_>>() {
            let ws = self.workspace_for(&txn, &project, name).await?;
            job_workspace::ActiveModel {
                job_id: Set(row.id),
                workspace_id: Set(ws.id),
            }
            .insert(&txn)
            .await?;
        }
        Event::new(scope, "job.report", "job", &format!("{code}/{uid}"))
            .project(project.id)
            .details(serde_json::json!({ "type": new.job_type, "inputs": new.inputs.len() }))
            .record(&txn)
            .await?;
        let folder = Self::job_folder(&project, &uid);
        blocking(move || std::fs::create_dir_all(&folder))
            .await
            .map_err(|e| CatalogError::Filesystem(format!("creating the folder of {uid}: {e}")))?;
        txn.commit().await?;
        self.export_jobs_after_change(project.id, std::slice::from_ref(&uid))
            .await;
        self.job(scope, code, &uid).await
    }

    /// Follows a job's status. A killed or failed job may be marked
    /// completed (its results become usable and it is no longer cleared as
    /// killed or failed).
    pub async fn set_job_status(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        status: Status,
    ) -> Result<Job> {
        let project = self.job_project(scope, code, "updating jobs").await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        let mut active: job::ActiveModel = row.clone().into();
        active.status = Set(status.as_str().to_owned());
        active.updated_at = Set(crate::now());
        if status == Status::Completed {
            active.completed_at = Set(Some(crate::now()));
        }
        let txn = self.db.begin().await?;
        active.update(&txn).await?;
        Event::new(scope, "job.status", "job", &format!("{code}/{uid}"))
            .project(project.id)
            .details(serde_json::json!({ "from": row.status, "to": status.as_str() }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_jobs_after_change(project.id, &[uid.to_owned()])
            .await;
        self.job(scope, code, uid).await
    }

    /// Records the results a job wrote into its folder, each measured on
    /// disk; the job's size is their sum.
    pub async fn record_job_results(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        results: Vec<NewJobResult>,
    ) -> Result<Job> {
        let project = self
            .job_project(scope, code, "recording job results")
            .await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        let folder = Self::job_folder(&project, uid);
        for (i, r) in results.iter().enumerate() {
            check_relative_path(&format!("results[{i}].path"), &r.path)?;
            if !folder.join(&r.path).exists() {
                return Err(CatalogError::invalid(
                    format!("results[{i}].path"),
                    format!("{} is not in the folder of {uid}", r.path),
                ));
            }
        }
        let sizes = {
            let paths: Vec<PathBuf> = results.iter().map(|r| folder.join(&r.path)).collect();
            blocking(move || paths.iter().map(|p| bytes_on_disk(p)).collect::<Vec<_>>()).await
        };
        let txn = self.db.begin().await?;
        let now = crate::now();
        for (r, size) in results.iter().zip(&sizes) {
            job_result::Entity::delete_many()
                .filter(job_result::Column::JobId.eq(row.id))
                .filter(job_result::Column::Name.eq(r.name.as_str()))
                .exec(&txn)
                .await?;
            job_result::ActiveModel {
                job_id: Set(row.id),
                name: Set(r.name.clone()),
                path: Set(r.path.clone()),
                intermediate: Set(r.intermediate),
                size_bytes: Set(*size as i64),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        // A result recorded again may be one a downstream job already reads.
        super::refresh_used_downstream(&txn, &[row.id]).await?;
        let total: i64 = job_result::Entity::find()
            .filter(job_result::Column::JobId.eq(row.id))
            .all(&txn)
            .await?
            .iter()
            .map(|r| r.size_bytes)
            .sum();
        job::Entity::update_many()
            .col_expr(job::Column::SizeBytes, Expr::value(total))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        Event::new(scope, "job.results", "job", &format!("{code}/{uid}"))
            .project(project.id)
            .details(serde_json::json!({ "results": results.len(), "size_bytes": total }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_jobs_after_change(project.id, &[uid.to_owned()])
            .await;
        self.job(scope, code, uid).await
    }

    /// Marks or unmarks a job as final, and recomputes the ancestors of final
    /// across the whole project.
    pub async fn set_job_final(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        is_final: bool,
    ) -> Result<Job> {
        let project = self
            .job_project(scope, code, "marking final results")
            .await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        let txn = self.db.begin().await?;
        job::Entity::update_many()
            .col_expr(job::Column::IsFinal, Expr::value(is_final))
            .filter(job::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        recompute_ancestors(&txn, project.id).await?;
        Event::new(
            scope,
            if is_final { "job.final" } else { "job.unfinal" },
            "job",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.export_jobs_after_change(project.id, &[uid.to_owned()])
            .await;
        self.job(scope, code, uid).await
    }

    /// Changes a job's parameters: refused for a final job and for an
    /// ancestor of final (their results stand for what produced them).
    pub async fn set_job_parameters(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        parameters: serde_json::Value,
    ) -> Result<Job> {
        let project = self
            .job_project(scope, code, "changing job parameters")
            .await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        if row.is_final || row.is_ancestor_of_final {
            let what = if row.is_final {
                "a final result"
            } else {
                "an ancestor of a final result"
            };
            return Err(CatalogError::conflict(
                Some("job"),
                format!("{uid} is {what}: its parameters cannot change"),
            ));
        }
        let txn = self.db.begin().await?;
        let mut active: job::ActiveModel = row.into();
        active.parameters = Set(parameters);
        active.updated_at = Set(crate::now());
        active.update(&txn).await?;
        Event::new(scope, "job.parameters", "job", &format!("{code}/{uid}"))
            .project(project.id)
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_jobs_after_change(project.id, &[uid.to_owned()])
            .await;
        self.job(scope, code, uid).await
    }

    /// One job with its inputs, workspaces and results.
    pub async fn job(&self, scope: &Scope, code: &str, uid: &str) -> Result<Job> {
        let project = self.project_model(scope, "project", code).await?;
        let row = self.job_model(&self.db, &project, uid).await?;
        Ok(self.jobs_of(&project, Some(row.id)).await?.remove(0))
    }

    /// The jobs of a project, by uid order of creation.
    pub async fn jobs(&self, scope: &Scope, code: &str) -> Result<Vec<Job>> {
        let project = self.project_model(scope, "project", code).await?;
        self.jobs_of(&project, None).await
    }

    async fn jobs_of(&self, project: &project::Model, only: Option<i64>) -> Result<Vec<Job>> {
        let mut query = job::Entity::find().filter(job::Column::ProjectId.eq(project.id));
        if let Some(id) = only {
            query = query.filter(job::Column::Id.eq(id));
        }
        let rows = query.order_by_asc(job::Column::Id).all(&self.db).await?;
        let of_these = |column: job_input::Column| match only {
            Some(id) => column.eq(id),
            None => column.in_subquery(project_jobs(project.id)),
        };
        let uids: HashMap<i64, String> = job::Entity::find()
            .filter(job::Column::ProjectId.eq(project.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| (j.id, j.uid))
            .collect();
        let workspaces: HashMap<i32, String> = workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(project.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id, w.name))
            .collect();
        let mut inputs: HashMap<i64, Vec<String>> = HashMap::new();
        for i in job_input::Entity::find()
            .filter(of_these(job_input::Column::JobId))
            .all(&self.db)
            .await?
        {
            inputs
                .entry(i.job_id)
                .or_default()
                .push(uids.get(&i.upstream_job_id).cloned().unwrap_or_default());
        }
        let mut in_workspaces: HashMap<i64, Vec<String>> = HashMap::new();
        for w in job_workspace::Entity::find()
            .filter(match only {
                Some(id) => job_workspace::Column::JobId.eq(id),
                None => job_workspace::Column::JobId.in_subquery(project_jobs(project.id)),
            })
            .all(&self.db)
            .await?
        {
            in_workspaces
                .entry(w.job_id)
                .or_default()
                .push(workspaces.get(&w.workspace_id).cloned().unwrap_or_default());
        }
        let mut results: HashMap<i64, Vec<JobResultRecord>> = HashMap::new();
        for r in job_result::Entity::find()
            .filter(match only {
                Some(id) => job_result::Column::JobId.eq(id),
                None => job_result::Column::JobId.in_subquery(project_jobs(project.id)),
            })
            .order_by_asc(job_result::Column::Name)
            .all(&self.db)
            .await?
        {
            results.entry(r.job_id).or_default().push(JobResultRecord {
                name: r.name,
                path: r.path,
                intermediate: r.intermediate,
                size_bytes: r.size_bytes,
            });
        }
        rows.into_iter()
            .map(|r| {
                let mut ins = inputs.remove(&r.id).unwrap_or_default();
                ins.sort();
                let mut wss = in_workspaces.remove(&r.id).unwrap_or_default();
                wss.sort();
                Ok(Job {
                    category: r.category.parse().map_err(crate::auth::corrupt)?,
                    status: r.status.parse().map_err(crate::auth::corrupt)?,
                    uid: r.uid,
                    title: r.title,
                    job_type: r.job_type,
                    parameters: r.parameters,
                    is_final: r.is_final,
                    is_ancestor_of_final: r.is_ancestor_of_final,
                    inputs_unavailable: r.inputs_unavailable,
                    size_bytes: r.size_bytes,
                    inputs: ins,
                    workspaces: wss,
                    results: results.remove(&r.id).unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// The next number of a project's job or session uids. Uids are never
/// reused, even after a delete: the project counts what it has issued (the
/// row lock of the increment orders concurrent reports), and its export
/// carries the count to any instance it moves to.
pub(crate) async fn issue_uid(
    txn: &impl ConnectionTrait,
    project_id: i32,
    counter: project::Column,
) -> Result<i64> {
    project::Entity::update_many()
        .col_expr(counter, Expr::col(counter).add(1))
        .filter(project::Column::Id.eq(project_id))
        .exec(txn)
        .await?;
    let issued: Option<i64> = project::Entity::find_by_id(project_id)
        .select_only()
        .column(counter)
        .into_tuple()
        .one(txn)
        .await?;
    issued.ok_or_else(|| CatalogError::not_found(Some("project"), "the project is gone"))
}

/// The ids of a project's jobs, as a subquery: one statement whatever their
/// number (SQLite binds at most 32,766 values).
pub(crate) fn project_jobs(project_id: i32) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(job::Column::Id)
        .from(job::Entity)
        .and_where(Expr::col(job::Column::ProjectId).eq(project_id))
        .to_owned()
}

/// Stores which jobs of the project are ancestors of a final one.
pub(crate) async fn recompute_ancestors(db: &impl ConnectionTrait, project_id: i32) -> Result<()> {
    let jobs = job::Entity::find()
        .filter(job::Column::ProjectId.eq(project_id))
        .all(db)
        .await?;
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let finals: Vec<i64> = jobs.iter().filter(|j| j.is_final).map(|j| j.id).collect();
    let edges: Vec<(i64, i64)> = job_input::Entity::find()
        .filter(job_input::Column::JobId.in_subquery(project_jobs(project_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.job_id, i.upstream_job_id))
        .collect();
    let ancestors = ancestors_of_final(&ids, &edges, &finals);
    job::Entity::update_many()
        .col_expr(job::Column::IsAncestorOfFinal, Expr::value(false))
        .filter(job::Column::ProjectId.eq(project_id))
        .exec(db)
        .await?;
    let ancestors: Vec<i64> = ancestors.into_iter().collect();
    for chunk in ancestors.chunks(1000) {
        job::Entity::update_many()
            .col_expr(job::Column::IsAncestorOfFinal, Expr::value(true))
            .filter(job::Column::Id.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
    }
    Ok(())
}
