//! The cleanup tool (CryoSPARC's "Cleanup Data", seed 001): the preview and
//! the run, both the catalog's one planner, so what the preview says is what
//! the run does, to the byte.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use strata_catalog::CatalogError;
use strata_catalog::jobs::{self as catalog_jobs, plan};

use super::context::request;
use super::job::{JobCategory, JobChange, int};
use crate::error::{IntoGraphql, bad_input};

/// What a cleanup option does to the jobs it selects.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::jobs::plan::Action")]
pub enum CleanupAction {
    /// Empty the job's folder and set it back to BUILDING; keep the job.
    Clear,
    /// Clear, then delete the job (ancestors of final results are only cleared).
    ClearAndDelete,
}

/// Which option put a job in a cleanup plan (the first, in the tool's order,
/// of those asking for the change made).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::jobs::plan::Reason")]
pub enum CleanupReason {
    /// A preprocessing category was selected.
    Preprocessing,
    /// Unused intermediate results were to be cleared.
    IntermediateResults,
    /// The job is neither final nor an ancestor of final.
    NonFinal,
    /// The job was killed.
    Killed,
    /// The job failed.
    Failed,
}

/// One preprocessing category to clean, and how.
#[derive(InputObject)]
pub struct PreprocessingOptionInput {
    /// MOTION_CORRECTION, CTF_ESTIMATION, PARTICLE_PICKING, EXTRACTION or
    /// RESTACK; other categories are refused.
    pub category: JobCategory,
    /// CLEAR unless given.
    #[graphql(default_with = "CleanupAction::Clear")]
    pub action: CleanupAction,
}

/// The cleanup tool's checklist. Nothing is selected by default.
#[derive(InputObject, Default)]
pub struct CleanupOptionsInput {
    /// Preprocessing jobs to clear (or clear and delete), per category; final
    /// results are never touched.
    #[graphql(default)]
    pub preprocessing: Vec<PreprocessingOptionInput>,
    /// Clear the intermediate results no downstream job reads.
    #[graphql(default)]
    pub intermediate_results: bool,
    /// Jobs that are neither final nor ancestors of final.
    pub non_final: Option<CleanupAction>,
    /// Killed jobs.
    pub killed: Option<CleanupAction>,
    /// Failed jobs.
    pub failed: Option<CleanupAction>,
}

impl CleanupOptionsInput {
    /// The catalog's options; a category given twice is refused here, as
    /// the catalog's options hold one action per category.
    fn into_catalog(self) -> async_graphql::Result<plan::CleanupOptions> {
        let mut preprocessing = BTreeMap::new();
        for (i, option) in self.preprocessing.into_iter().enumerate() {
            let category: plan::Category = option.category.into();
            if preprocessing
                .insert(category, option.action.into())
                .is_some()
            {
                return Err(bad_input(
                    format!("options.preprocessing[{i}].category"),
                    format!("{category} is given twice"),
                ));
            }
        }
        Ok(plan::CleanupOptions {
            workspace: None,
            preprocessing,
            intermediate_results: self.intermediate_results,
            non_final: self.non_final.map(Into::into),
            killed: self.killed.map(Into::into),
            failed: self.failed.map(Into::into),
        })
    }
}

/// A count of jobs, their bytes on disk, and their share of the bytes of all
/// the jobs in the project or workspace cleaned.
#[derive(SimpleObject, Clone, Copy)]
pub struct CleanupRow {
    /// How many jobs.
    pub count: i64,
    /// Their bytes on disk, as recorded.
    pub bytes: i64,
    /// Their share of `scopeBytes`, from 0 to 1.
    pub share: f64,
}

impl From<plan::Row> for CleanupRow {
    fn from(r: plan::Row) -> Self {
        Self {
            count: int(r.count),
            bytes: int(r.bytes),
            share: r.share,
        }
    }
}

/// One job a cleanup changes.
#[derive(SimpleObject)]
pub struct PlannedJob {
    /// The job's uid.
    pub uid: String,
    /// What happens to it: the strongest change any selected option asks for.
    pub change: JobChange,
    /// For CLEAR_INTERMEDIATES, the names of the intermediate results that
    /// go; empty otherwise.
    pub intermediates: Vec<String>,
    /// The bytes it frees: the job's size when cleared or deleted, the
    /// cleared intermediate results' otherwise.
    pub bytes_freed: i64,
    /// Which option put it in the plan.
    pub reason: CleanupReason,
}

/// The preview's Estimate tab.
#[derive(SimpleObject)]
pub struct CleanupEstimate {
    /// Jobs cleared (and kept).
    pub jobs_cleared: i64,
    /// Jobs of which only intermediate results are cleared.
    pub jobs_intermediates_cleared: i64,
    /// Jobs deleted.
    pub jobs_deleted: i64,
    /// All the jobs changed: the three above together.
    pub total_modified: i64,
    /// Jobs an option selected but which are running, so left alone.
    pub jobs_skipped_running: i64,
    /// Exactly the sum of the planned jobs' `bytesFreed`; what a run frees.
    pub bytes_freed: i64,
    /// `bytesFreed` over the project directory's size as last measured; 0
    /// when it was never measured.
    pub share_of_project: f64,
    /// The project directory's size as last measured is smaller than its jobs
    /// take: it is out of date (`refreshProjectStorage` measures it again).
    pub project_bytes_stale: bool,
}

/// One preprocessing category in the Preprocessing tab.
#[derive(SimpleObject)]
pub struct PreprocessingRow {
    /// The category.
    pub category: JobCategory,
    /// How many jobs of the category.
    pub count: i64,
    /// Their bytes on disk.
    pub bytes: i64,
    /// Their share of `scopeBytes`, from 0 to 1.
    pub share: f64,
}

/// The preview's Preprocessing tab.
#[derive(SimpleObject)]
pub struct PreprocessingBreakdown {
    /// Every preprocessing category, present even when it has no jobs.
    pub categories: Vec<PreprocessingRow>,
    /// Import and other jobs.
    pub non_preprocessing: CleanupRow,
    /// All the jobs.
    pub total: CleanupRow,
}

/// A job in the Intermediate results tab.
#[derive(SimpleObject)]
pub struct IntermediateResultsRow {
    /// The job's uid.
    pub uid: String,
    /// Bytes of its intermediate results no downstream job reads.
    pub bytes: i64,
}

/// The preview's Non-final jobs tab: a job both final and ancestor of final
/// counts as final.
#[derive(SimpleObject)]
pub struct FinalityBreakdown {
    /// Jobs marked as final results.
    pub final_results: CleanupRow,
    /// Ancestors of final results (not final themselves).
    pub ancestors_of_final: CleanupRow,
    /// Neither.
    pub non_final: CleanupRow,
}

/// The preview's Killed/Failed jobs tab.
#[derive(SimpleObject)]
pub struct StatusBreakdown {
    /// Killed jobs.
    pub killed: CleanupRow,
    /// Failed jobs.
    pub failed: CleanupRow,
    /// Jobs of any other status.
    pub other: CleanupRow,
}

/// What a cleanup would do, or did: the jobs it changes and the preview's tabs.
#[derive(SimpleObject)]
pub struct CleanupPlan {
    /// The jobs changed, one entry each, in order of reporting.
    pub jobs: Vec<PlannedJob>,
    /// Jobs in the project or workspace cleaned.
    pub scope_jobs: i64,
    /// Their bytes on disk, as recorded.
    pub scope_bytes: i64,
    /// Sessions in the project or workspace (shown for reference: cleanup
    /// never touches them; `compactSession` does).
    pub scope_sessions: i64,
    /// Their bytes on disk, as recorded.
    pub scope_session_bytes: i64,
    /// The Estimate tab.
    pub estimate: CleanupEstimate,
    /// The Preprocessing tab.
    pub preprocessing: PreprocessingBreakdown,
    /// The Intermediate results tab: the jobs with intermediate results the
    /// option would clear (final and running jobs left out).
    pub intermediate_results: Vec<IntermediateResultsRow>,
    /// The Non-final jobs tab.
    pub finality: FinalityBreakdown,
    /// The Killed/Failed jobs tab.
    pub by_status: StatusBreakdown,
}

impl From<plan::Plan> for CleanupPlan {
    fn from(p: plan::Plan) -> Self {
        let v = p.preview;
        let e = v.estimate;
        Self {
            jobs: p
                .jobs
                .into_iter()
                .map(|j| PlannedJob {
                    change: (&j.change).into(),
                    intermediates: match j.change {
                        plan::Change::ClearIntermediates { names } => names,
                        plan::Change::Clear | plan::Change::Delete => Vec::new(),
                    },
                    uid: j.uid,
                    bytes_freed: int(j.bytes_freed),
                    reason: j.reason.into(),
                })
                .collect(),
            scope_jobs: int(v.scope_jobs),
            scope_bytes: int(v.scope_bytes),
            scope_sessions: int(v.scope_sessions),
            scope_session_bytes: int(v.scope_session_bytes),
            estimate: CleanupEstimate {
                jobs_cleared: int(e.jobs_cleared),
                jobs_intermediates_cleared: int(e.jobs_intermediates_cleared),
                jobs_deleted: int(e.jobs_deleted),
                total_modified: int(e.total_modified),
                jobs_skipped_running: int(e.jobs_skipped_running),
                bytes_freed: int(e.bytes_freed),
                share_of_project: e.share_of_project,
                project_bytes_stale: e.project_bytes_stale,
            },
            preprocessing: PreprocessingBreakdown {
                categories: v
                    .preprocessing
                    .categories
                    .into_iter()
                    .map(|(category, row)| PreprocessingRow {
                        category: category.into(),
                        count: int(row.count),
                        bytes: int(row.bytes),
                        share: row.share,
                    })
                    .collect(),
                non_preprocessing: v.preprocessing.non_preprocessing.into(),
                total: v.preprocessing.total.into(),
            },
            intermediate_results: v
                .intermediate_results
                .into_iter()
                .map(|r| IntermediateResultsRow {
                    uid: r.uid,
                    bytes: int(r.bytes),
                })
                .collect(),
            finality: FinalityBreakdown {
                final_results: v.finality.final_results.into(),
                ancestors_of_final: v.finality.ancestors_of_final.into(),
                non_final: v.finality.non_final.into(),
            },
            by_status: StatusBreakdown {
                killed: v.by_status.killed.into(),
                failed: v.by_status.failed.into(),
                other: v.by_status.other.into(),
            },
        }
    }
}

/// What `runCleanup` did.
#[derive(SimpleObject)]
pub struct CleanupReport {
    /// The plan carried out: the same as `cleanupPreview` with the same
    /// options would have shown.
    pub plan: CleanupPlan,
    /// The bytes the changed jobs held, as recorded: the plan's estimate.
    pub bytes_freed: i64,
}

impl From<catalog_jobs::CleanupReport> for CleanupReport {
    fn from(r: catalog_jobs::CleanupReport) -> Self {
        Self {
            plan: r.plan.into(),
            bytes_freed: int(r.bytes_freed),
        }
    }
}

#[derive(Default)]
pub struct CleanupQuery;

#[Object]
impl CleanupQuery {
    /// What a cleanup of a project (or of one of its workspaces, by name)
    /// with `options` would do, and the preview's tabs; nothing changes.
    /// Without options it selects nothing and shows the project's jobs by
    /// category, finality and status. Null when the project does not exist
    /// or is not visible to the caller.
    async fn cleanup_preview(
        &self,
        ctx: &Context<'_>,
        project: String,
        workspace: Option<String>,
        #[graphql(default)] options: CleanupOptionsInput,
    ) -> async_graphql::Result<Option<CleanupPlan>> {
        let r = request(ctx);
        let options = options.into_catalog()?;
        match r
            .catalog
            .cleanup_preview(&r.scope, &project, workspace.as_deref(), options)
            .await
        {
            Ok(plan) => Ok(Some(plan.into())),
            Err(CatalogError::NotFound { field: Some(f), .. }) if f == "project" => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }
}

#[derive(Default)]
pub struct CleanupMutation;

#[Object]
impl CleanupMutation {
    /// Runs a cleanup of a project, or of one of its workspaces by name
    /// (project depositors): exactly what `cleanupPreview` with the same
    /// options shows. Final results are never touched, ancestors of final
    /// are cleared but never deleted, running jobs are left alone.
    async fn run_cleanup(
        &self,
        ctx: &Context<'_>,
        project: String,
        workspace: Option<String>,
        options: CleanupOptionsInput,
    ) -> async_graphql::Result<CleanupReport> {
        let r = request(ctx);
        let options = options.into_catalog()?;
        Ok(r.catalog
            .cleanup_run(&r.scope, &project, workspace.as_deref(), options)
            .await
            .gql()?
            .into())
    }
}
