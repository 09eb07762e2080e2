//! Jobs as pipelines report them (CryoSPARC's jobs, seed 001): the object,
//! `job`, and the depositors' mutations: report, follow the status, record
//! results, mark final, change parameters, clear and delete.

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject};
use strata_catalog::jobs::{self as catalog_jobs, plan};
use strata_catalog::{self as catalog, CatalogError};

use super::context::request;
use crate::error::IntoGraphql;

/// What a job does, as far as cleanup cares.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::jobs::plan::Category")]
pub enum JobCategory {
    /// Brings raw data in (the raw data stays where it is): not preprocessing.
    Import,
    /// Preprocessing: motion correction.
    MotionCorrection,
    /// Preprocessing: CTF estimation.
    CtfEstimation,
    /// Preprocessing: particle picking.
    ParticlePicking,
    /// Preprocessing: particle extraction.
    Extraction,
    /// Preprocessing: restacking particles.
    Restack,
    /// Everything downstream: classification, reconstruction, refinement, …
    Other,
}

/// A job's status, as CryoSPARC names them.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::jobs::plan::Status")]
pub enum JobStatus {
    /// Not run yet, or cleared.
    Building,
    /// Waiting for a worker.
    Queued,
    /// Sent to a worker.
    Launched,
    /// Started on its worker.
    Started,
    /// Writing its outputs.
    Running,
    /// Waiting for input from a person.
    Waiting,
    /// Done; its results are usable.
    Completed,
    /// Stopped by a person.
    Killed,
    /// Stopped by an error.
    Failed,
}

/// What a clear, a delete or a cleanup does to one job.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum JobChange {
    /// All outputs go, the status becomes BUILDING, the job (its metadata,
    /// inputs and parameters) stays and can be re-run.
    Clear,
    /// Only the job's unused intermediate results go (listed in `intermediates`).
    ClearIntermediates,
    /// The job and all its outputs go.
    Delete,
}

impl From<&plan::Change> for JobChange {
    fn from(change: &plan::Change) -> Self {
        match change {
            plan::Change::Clear => JobChange::Clear,
            plan::Change::ClearIntermediates { .. } => JobChange::ClearIntermediates,
            plan::Change::Delete => JobChange::Delete,
        }
    }
}

/// One result a job wrote into its folder, measured on disk when recorded.
#[derive(SimpleObject, Clone)]
pub struct JobResult {
    /// The result's name, which downstream jobs name in their inputs.
    pub name: String,
    /// Where it is, relative to the job's folder.
    pub path: String,
    /// An intermediate result (an early iteration): cleared by the cleanup's
    /// intermediate-results option unless a downstream job reads it.
    pub intermediate: bool,
    /// Its bytes on disk when recorded.
    pub size_bytes: i64,
}

/// A job of a project, as its pipeline reported it.
#[derive(SimpleObject, Clone)]
pub struct Job {
    /// The job's name within its project (`J1`, `J2`, … in order of reporting).
    pub uid: String,
    /// What the person running it called it.
    pub title: String,
    /// The pipeline's job type (e.g. `patch_motion_correction_multi`).
    pub job_type: String,
    /// What the job does, as far as cleanup cares.
    pub category: JobCategory,
    /// Where the job is in its life; a cleared job is BUILDING again.
    pub status: JobStatus,
    /// The job's parameters, as the pipeline gave them.
    pub parameters: Json<serde_json::Value>,
    /// Marked as a final result: never cleared, deleted or changed.
    pub is_final: bool,
    /// Upstream of a final result anywhere in the project: may be cleared,
    /// never deleted, and its parameters cannot change.
    pub is_ancestor_of_final: bool,
    /// An upstream job was cleared or deleted: this job keeps its outputs but
    /// cannot run again until the upstream job is re-run.
    pub inputs_unavailable: bool,
    /// Bytes of the job's results on disk, as recorded.
    pub size_bytes: i64,
    /// The uids of the jobs this job takes input from.
    pub inputs: Vec<String>,
    /// The workspaces the job appears in.
    pub workspaces: Vec<String>,
    /// The results the job recorded, by name.
    pub results: Vec<JobResult>,
}

impl From<catalog_jobs::Job> for Job {
    fn from(j: catalog_jobs::Job) -> Self {
        Self {
            uid: j.uid,
            title: j.title,
            job_type: j.job_type,
            category: j.category.into(),
            status: j.status.into(),
            parameters: Json(j.parameters),
            is_final: j.is_final,
            is_ancestor_of_final: j.is_ancestor_of_final,
            inputs_unavailable: j.inputs_unavailable,
            size_bytes: j.size_bytes,
            inputs: j.inputs,
            workspaces: j.workspaces,
            results: j
                .results
                .into_iter()
                .map(|r| JobResult {
                    name: r.name,
                    path: r.path,
                    intermediate: r.intermediate,
                    size_bytes: r.size_bytes,
                })
                .collect(),
        }
    }
}

/// What `clearJob` or `deleteJob` did.
#[derive(SimpleObject)]
pub struct JobCleared {
    /// The job cleared or deleted.
    pub uid: String,
    /// CLEAR or DELETE.
    pub change: JobChange,
    /// The bytes its results held, as recorded.
    pub bytes_freed: i64,
}

/// Bytes as GraphQL's Int carries them (i64, as everywhere in the schema).
pub(crate) fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The catalog blames `job` (or `session`) for the one it looked up by uid;
/// these fields call that argument `uid`, and `extensions.field` names
/// arguments.
pub(crate) fn by_uid<T>(result: catalog::Result<T>) -> async_graphql::Result<T> {
    let rename = |field: Option<String>| match field.as_deref() {
        Some("job" | "session") => Some("uid".to_owned()),
        _ => field,
    };
    result
        .map_err(|err| match err {
            CatalogError::NotFound { field, message } => CatalogError::NotFound {
                field: rename(field),
                message,
            },
            CatalogError::Conflict { field, message } => CatalogError::Conflict {
                field: rename(field),
                message,
            },
            other => other,
        })
        .gql()
}

/// Errors of a mutation taking `project` and `input` (`reportJob`,
/// `reportSession`, `createPublication`): the catalog's paths are within
/// `input`, except the project, which is an argument of its own.
pub(crate) fn in_input<T>(result: catalog::Result<T>) -> async_graphql::Result<T> {
    match result {
        Err(err) if err.field() == Some("project") => Err(err).gql(),
        other => other.gql_in("input"),
    }
}

/// An upstream job and which of its results a job reads.
#[derive(InputObject)]
pub struct UpstreamJobInput {
    /// The upstream job's uid in the same project.
    pub job: String,
    /// The names of the upstream job's results this job reads (an
    /// intermediate result named here is kept by cleanups).
    #[graphql(default)]
    pub results: Vec<String>,
}

/// A job as a pipeline reports it.
#[derive(InputObject)]
pub struct ReportJobInput {
    /// What the person running it called it.
    #[graphql(default)]
    pub title: String,
    /// The pipeline's job type (1 to 64 characters).
    pub job_type: String,
    /// What the job does; OTHER when not given.
    pub category: Option<JobCategory>,
    /// The job's parameters, any JSON; `{}` when not given.
    pub parameters: Option<Json<serde_json::Value>>,
    /// The jobs this job takes input from.
    #[graphql(default)]
    pub inputs: Vec<UpstreamJobInput>,
    /// The workspaces (by name) the job appears in; created on first use.
    #[graphql(default)]
    pub workspaces: Vec<String>,
}

/// A result a job wrote into its folder.
#[derive(InputObject)]
pub struct JobResultInput {
    /// The result's name, which downstream jobs name in their inputs; a
    /// result recorded again under the same name replaces the earlier one.
    pub name: String,
    /// Where it is, relative to the job's folder (`<project>/jobs/<uid>/`).
    pub path: String,
    /// An intermediate result (an early iteration).
    #[graphql(default)]
    pub intermediate: bool,
}

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// A job of a project by uid; null when the project or the job does not
    /// exist or is not visible to the caller.
    async fn job(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<Option<Job>> {
        let r = request(ctx);
        match r.catalog.job(&r.scope, &project, &uid).await {
            Ok(job) => Ok(Some(job.into())),
            Err(CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }
}

/// The `jobs` field of a project.
pub(crate) async fn jobs_of(ctx: &Context<'_>, code: &str) -> async_graphql::Result<Vec<Job>> {
    let r = request(ctx);
    Ok(r.catalog
        .jobs(&r.scope, code)
        .await
        .gql()?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Reports a job (project depositors): it gets the next uid, status
    /// BUILDING and an empty folder, `<project>/jobs/<uid>/`.
    async fn report_job(
        &self,
        ctx: &Context<'_>,
        project: String,
        input: ReportJobInput,
    ) -> async_graphql::Result<Job> {
        let r = request(ctx);
        let new = catalog_jobs::NewJob {
            title: input.title,
            job_type: input.job_type,
            category: input.category.map(Into::into),
            parameters: input
                .parameters
                .map_or_else(|| serde_json::json!({}), |p| p.0),
            inputs: input
                .inputs
                .into_iter()
                .map(|i| catalog_jobs::JobInputSpec {
                    job: i.job,
                    results: i.results,
                })
                .collect(),
            workspaces: input.workspaces,
        };
        Ok(in_input(r.catalog.report_job(&r.scope, &project, new).await)?.into())
    }

    /// Follows a job's status (project depositors). A killed or failed job
    /// marked COMPLETED is no longer cleared as killed or failed.
    async fn set_job_status(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        status: JobStatus,
    ) -> async_graphql::Result<Job> {
        let r = request(ctx);
        Ok(by_uid(
            r.catalog
                .set_job_status(&r.scope, &project, &uid, status.into())
                .await,
        )?
        .into())
    }

    /// Records the results a job wrote into its folder (project depositors),
    /// each measured on disk; the job's size becomes their sum.
    async fn record_job_results(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        results: Vec<JobResultInput>,
    ) -> async_graphql::Result<Job> {
        let r = request(ctx);
        let results = results
            .into_iter()
            .map(|res| catalog_jobs::NewJobResult {
                name: res.name,
                path: res.path,
                intermediate: res.intermediate,
            })
            .collect();
        Ok(by_uid(
            r.catalog
                .record_job_results(&r.scope, &project, &uid, results)
                .await,
        )?
        .into())
    }

    /// Marks a job as a final result, or unmarks it (project depositors); the
    /// ancestors of final results are recomputed across the whole project.
    async fn mark_job_final(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        #[graphql(name = "final")] is_final: bool,
    ) -> async_graphql::Result<Job> {
        let r = request(ctx);
        Ok(by_uid(
            r.catalog
                .set_job_final(&r.scope, &project, &uid, is_final)
                .await,
        )?
        .into())
    }

    /// Replaces a job's parameters (project depositors); refused (CONFLICT)
    /// for a final result and for an ancestor of one.
    async fn set_job_parameters(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        parameters: Json<serde_json::Value>,
    ) -> async_graphql::Result<Job> {
        let r = request(ctx);
        Ok(by_uid(
            r.catalog
                .set_job_parameters(&r.scope, &project, &uid, parameters.0)
                .await,
        )?
        .into())
    }

    /// Clears a job (project depositors): its outputs are deleted, its
    /// metadata and parameters kept, its status set back to BUILDING; jobs
    /// downstream keep their outputs but cannot run until it is re-run.
    /// Refused (CONFLICT) for a final result and for a running job.
    async fn clear_job(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<JobCleared> {
        let r = request(ctx);
        let cleared = by_uid(r.catalog.clear_job(&r.scope, &project, &uid).await)?;
        Ok(cleared.into())
    }

    /// Deletes a job and its outputs (project depositors). Refused (CONFLICT)
    /// for a final result, an ancestor of one and a running job.
    async fn delete_job(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<JobCleared> {
        let r = request(ctx);
        let deleted = by_uid(r.catalog.delete_job(&r.scope, &project, &uid).await)?;
        Ok(deleted.into())
    }
}

impl From<catalog_jobs::JobCleared> for JobCleared {
    fn from(c: catalog_jobs::JobCleared) -> Self {
        Self {
            uid: c.uid,
            change: (&c.change).into(),
            bytes_freed: int(c.bytes_freed),
        }
    }
}
