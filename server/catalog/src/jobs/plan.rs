//! The cleanup planner: which jobs a cleanup clears, clears the intermediate
//! results of, or deletes, and the preview shown before anything is done
//! (CryoSPARC's "Cleanup Data" tool, seed 001).
//!
//! Pure: [`plan`] takes the facts about jobs and the chosen options and
//! returns what to do; it reads and writes nothing. Carrying a plan out is
//! someone else's job.
//!
//! The rules, and the decisions where the seed is silent:
//!
//! - **Scope.** With a workspace, only the jobs linked into it; a job linked
//!   into several workspaces is part of each (the seed: linked jobs "will be
//!   treated as being part of the workspace being cleaned"). Without one,
//!   every job given.
//! - **Final results** are never in a plan, whatever the options: not
//!   cleared, not deleted, and not even their intermediate results cleared
//!   (the seed: their "data is protected from the Cleanup Data tool").
//! - **Ancestors of final** may be cleared (by a preprocessing, killed,
//!   failed or intermediate-results option) but never deleted: a
//!   clear-and-delete that reaches one clears it. "Non-final" selects only
//!   jobs that are neither final nor ancestors of final.
//! - **Running jobs** (queued, launched, started, running, waiting) are never
//!   in a plan: their outputs are being written, so clearing them would race
//!   the job and report sizes that are already wrong. They are counted in
//!   [`Estimate::jobs_skipped_running`] when an option selected them.
//! - **Intermediate results** that no downstream job used are cleared from
//!   every selected job (ancestors of final included); used ones stay.
//! - **Strongest change wins** when several options select a job: delete,
//!   then clear, then clearing intermediate results. [`PlannedJob::reason`]
//!   names the first option (in the seed's order: preprocessing,
//!   intermediate results, non-final, killed, failed) that asked for it.
//! - **No-ops are left out.** Clearing a job that is already building and has
//!   nothing on disk (0 bytes, no intermediate results) changes nothing.
//!   Clearing a completed, killed or failed job of 0 bytes is kept: it still
//!   sets the job back to building (the seed: a cleared job's "status will be
//!   set to building"), so its children can no longer run until it is re-run,
//!   and the person asked for it. Deleting is always a change: the job goes.
//! - **Bytes.** Clearing or deleting frees the job's `size_bytes`; clearing
//!   intermediate results frees the sum of the cleared ones. The estimate's
//!   `bytes_freed` is exactly the sum over the plan. Sums saturate at
//!   `u64::MAX` rather than overflow (16 EiB: not a real project).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a job does, as far as cleanup cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Brings raw data in; the raw data stays where it is (the seed: CryoSPARC
    /// does not manage raw data), so it is not preprocessing.
    Import,
    MotionCorrection,
    CtfEstimation,
    ParticlePicking,
    Extraction,
    Restack,
    /// Everything downstream: classification, reconstruction, refinement, …
    Other,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Import,
        Category::MotionCorrection,
        Category::CtfEstimation,
        Category::ParticlePicking,
        Category::Extraction,
        Category::Restack,
        Category::Other,
    ];

    /// The categories the preprocessing options may clear: deterministic
    /// jobs whose outputs a re-run reproduces.
    pub const PREPROCESSING: [Category; 5] = [
        Category::MotionCorrection,
        Category::CtfEstimation,
        Category::ParticlePicking,
        Category::Extraction,
        Category::Restack,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Import => "import",
            Category::MotionCorrection => "motion-correction",
            Category::CtfEstimation => "ctf-estimation",
            Category::ParticlePicking => "particle-picking",
            Category::Extraction => "extraction",
            Category::Restack => "restack",
            Category::Other => "other",
        }
    }

    pub const fn is_preprocessing(self) -> bool {
        !matches!(self, Category::Import | Category::Other)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "job category",
                name: s.to_owned(),
                expected: Self::ALL.iter().map(|c| c.as_str()).collect(),
            })
    }
}

/// A job's status, as CryoSPARC names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not run yet, or cleared.
    Building,
    Queued,
    Launched,
    Started,
    Running,
    Waiting,
    Completed,
    Killed,
    Failed,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Building,
        Status::Queued,
        Status::Launched,
        Status::Started,
        Status::Running,
        Status::Waiting,
        Status::Completed,
        Status::Killed,
        Status::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Building => "building",
            Status::Queued => "queued",
            Status::Launched => "launched",
            Status::Started => "started",
            Status::Running => "running",
            Status::Waiting => "waiting",
            Status::Completed => "completed",
            Status::Killed => "killed",
            Status::Failed => "failed",
        }
    }

    /// Queued to waiting: the job is (about to be) writing its outputs.
    pub const fn is_running(self) -> bool {
        matches!(
            self,
            Status::Queued | Status::Launched | Status::Started | Status::Running | Status::Waiting
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownName {
                kind: "job status",
                name: s.to_owned(),
                expected: Self::ALL.iter().map(|c| c.as_str()).collect(),
            })
    }
}

/// A name that is not a [`Category`] or [`Status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?}; expected one of: {}", expected.join(", "))]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
    pub expected: Vec<&'static str>,
}

/// What the planner needs to know about one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFacts {
    pub id: i64,
    /// The job's name within its project (`J42`).
    pub uid: String,
    pub category: Category,
    pub status: Status,
    pub is_final: bool,
    /// Upstream of a final job anywhere in the project (see
    /// [`super::graph::ancestors_of_final`]).
    pub is_ancestor_of_final: bool,
    /// Bytes of the job's outputs on disk, intermediates included.
    pub size_bytes: u64,
    /// Intermediate results: (name, bytes, used by a downstream job).
    pub intermediates: Vec<Intermediate>,
    /// The workspaces the job is linked into.
    pub workspaces: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intermediate {
    pub name: String,
    pub size_bytes: u64,
    /// A downstream job took it as input: it is kept.
    pub used_downstream: bool,
}

/// What an option does to the jobs it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Empty the job's directory and set it back to building; keep the job.
    Clear,
    /// Clear, then delete the job (ancestors of final are only cleared).
    ClearAndDelete,
}

/// The checklist of the cleanup dialog. The default selects nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CleanupOptions {
    /// Clean only this workspace; `None`: the whole project.
    pub workspace: Option<i32>,
    /// Per preprocessing category (see [`Category::PREPROCESSING`]); any other
    /// category is refused.
    pub preprocessing: BTreeMap<Category, Action>,
    /// Clear unused intermediate results.
    pub intermediate_results: bool,
    /// Jobs that are neither final nor ancestors of final.
    pub non_final: Option<Action>,
    pub killed: Option<Action>,
    pub failed: Option<Action>,
}

/// Which option put a job in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    Preprocessing,
    IntermediateResults,
    NonFinal,
    Killed,
    Failed,
}

impl Reason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Preprocessing => "preprocessing",
            Reason::IntermediateResults => "intermediate-results",
            Reason::NonFinal => "non-final",
            Reason::Killed => "killed",
            Reason::Failed => "failed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// All outputs go, the status becomes building, the job stays.
    Clear,
    /// Only these intermediate results go (in the order the facts list them).
    ClearIntermediates { names: Vec<String> },
    /// The job and all its outputs go.
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedJob {
    pub id: i64,
    pub uid: String,
    pub change: Change,
    pub bytes_freed: u64,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Sorted by id; one entry per job changed.
    pub jobs: Vec<PlannedJob>,
    pub preview: Preview,
}

/// The preview's tabs (seed 001, "Data cleanup preview"). Every share is of
/// `scope_bytes` (the jobs' total), except the estimate's, which is of the
/// project directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// Jobs in the project or workspace cleaned, and their bytes on disk.
    pub scope_jobs: u64,
    pub scope_bytes: u64,
    /// Sessions in the project or workspace, and their bytes on disk: shown
    /// for reference (the seed's header); cleanup never touches them, a
    /// session is compacted instead. The planner leaves them at 0 for the
    /// catalog to fill.
    pub scope_sessions: u64,
    pub scope_session_bytes: u64,
    pub estimate: Estimate,
    pub preprocessing: PreprocessingBreakdown,
    /// Jobs with intermediate results the option would clear, by id. Final
    /// and running jobs are left out: nothing of theirs can be cleared.
    pub intermediate_results: Vec<IntermediateRow>,
    pub finality: FinalityBreakdown,
    pub by_status: StatusBreakdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub jobs_cleared: u64,
    pub jobs_intermediates_cleared: u64,
    pub jobs_deleted: u64,
    pub total_modified: u64,
    /// Jobs an option selected but which are running, so left alone.
    pub jobs_skipped_running: u64,
    /// Exactly the sum of the planned jobs' `bytes_freed`.
    pub bytes_freed: u64,
    /// `bytes_freed` over the project directory's size; 0 for an empty
    /// project. Above 1 only when the size given is stale.
    pub share_of_project: f64,
    /// The project's size given is smaller than its jobs take: it is out of
    /// date and should be refreshed (the seed's notification bar).
    pub project_bytes_stale: bool,
}

/// A count of jobs, their bytes, and the share of the scope's bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub count: u64,
    pub bytes: u64,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessingBreakdown {
    /// Every preprocessing category, present even when empty.
    pub categories: BTreeMap<Category, Row>,
    /// Import and other jobs.
    pub non_preprocessing: Row,
    pub total: Row,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntermediateRow {
    pub id: i64,
    pub uid: String,
    /// Bytes of the job's unused intermediate results.
    pub bytes: u64,
}

/// A partition: a job both final and ancestor of final counts as final.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalityBreakdown {
    pub final_results: Row,
    pub ancestors_of_final: Row,
    pub non_final: Row,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusBreakdown {
    pub killed: Row,
    pub failed: Row,
    pub other: Row,
}

/// Options or facts the planner refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "{0} is not a preprocessing category (preprocessing: motion-correction, ctf-estimation, particle-picking, extraction, restack)"
    )]
    NotPreprocessing(Category),
    #[error("job id {id} is given twice")]
    DuplicateJob { id: i64 },
    #[error("job {uid}: intermediate result {name:?} is given twice")]
    DuplicateIntermediate { uid: String, name: String },
    #[error(
        "job {uid}: its intermediate results take {intermediates} bytes, more than the job's {size_bytes}"
    )]
    IntermediatesExceedSize {
        uid: String,
        intermediates: u64,
        size_bytes: u64,
    },
}

impl PlanError {
    /// The input to blame: an option's path, or `jobs` for bad facts.
    pub fn field(&self) -> String {
        match self {
            PlanError::NotPreprocessing(category) => format!("preprocessing.{category}"),
            _ => "jobs".to_owned(),
        }
    }
}

impl From<PlanError> for crate::CatalogError {
    fn from(err: PlanError) -> Self {
        crate::CatalogError::invalid(err.field(), err.to_string())
    }
}

/// How much a change takes away; the strongest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    ClearIntermediates,
    Clear,
    Delete,
}

enum Decision {
    Untouched,
    SkippedRunning,
    Planned(PlannedJob),
}

impl CleanupOptions {
    fn validate(&self) -> Result<(), PlanError> {
        match self.preprocessing.keys().find(|c| !c.is_preprocessing()) {
            Some(&category) => Err(PlanError::NotPreprocessing(category)),
            None => Ok(()),
        }
    }

    /// Whether the job is in the project or workspace being cleaned.
    pub fn in_scope(&self, job: &JobFacts) -> bool {
        self.workspace
            .is_none_or(|workspace| job.workspaces.contains(&workspace))
    }
}

impl JobFacts {
    fn unused_intermediates(&self) -> impl Iterator<Item = &Intermediate> {
        self.intermediates.iter().filter(|i| !i.used_downstream)
    }

    fn unused_intermediate_bytes(&self) -> u64 {
        self.unused_intermediates()
            .fold(0, |sum, i| sum.saturating_add(i.size_bytes))
    }

    /// Nothing on disk and already building: clearing it changes nothing.
    fn is_clear(&self) -> bool {
        self.status == Status::Building && self.size_bytes == 0 && self.intermediates.is_empty()
    }
}

fn validate_facts(jobs: &[JobFacts]) -> Result<(), PlanError> {
    let mut ids = HashSet::with_capacity(jobs.len());
    for job in jobs {
        if !ids.insert(job.id) {
            return Err(PlanError::DuplicateJob { id: job.id });
        }
        let mut names = HashSet::with_capacity(job.intermediates.len());
        let mut intermediates: u128 = 0;
        for intermediate in &job.intermediates {
            if !names.insert(intermediate.name.as_str()) {
                return Err(PlanError::DuplicateIntermediate {
                    uid: job.uid.clone(),
                    name: intermediate.name.clone(),
                });
            }
            intermediates += u128::from(intermediate.size_bytes);
        }
        if intermediates > u128::from(job.size_bytes) {
            return Err(PlanError::IntermediatesExceedSize {
                uid: job.uid.clone(),
                intermediates: u64::try_from(intermediates).unwrap_or(u64::MAX),
                size_bytes: job.size_bytes,
            });
        }
    }
    Ok(())
}

/// What `options` would do to one in-scope job.
fn decide(job: &JobFacts, options: &CleanupOptions) -> Decision {
    if job.is_final {
        return Decision::Untouched;
    }
    // Ancestors of final are never deleted: clear-and-delete only clears them.
    let strength = |action: Action| match action {
        Action::ClearAndDelete if !job.is_ancestor_of_final => Strength::Delete,
        Action::Clear | Action::ClearAndDelete => Strength::Clear,
    };
    // Offered in the seed's order; a later option wins only if stronger.
    let mut offers: Vec<(Strength, Reason)> = Vec::new();
    if let Some(&action) = options.preprocessing.get(&job.category) {
        offers.push((strength(action), Reason::Preprocessing));
    }
    if options.intermediate_results && job.unused_intermediates().next().is_some() {
        offers.push((Strength::ClearIntermediates, Reason::IntermediateResults));
    }
    if let Some(action) = options.non_final
        && !job.is_ancestor_of_final
    {
        offers.push((strength(action), Reason::NonFinal));
    }
    if let Some(action) = options.killed
        && job.status == Status::Killed
    {
        offers.push((strength(action), Reason::Killed));
    }
    if let Some(action) = options.failed
        && job.status == Status::Failed
    {
        offers.push((strength(action), Reason::Failed));
    }
    let mut best: Option<(Strength, Reason)> = None;
    for offer in offers {
        if best.is_none_or(|(strongest, _)| offer.0 > strongest) {
            best = Some(offer);
        }
    }
    let Some((strength, reason)) = best else {
        return Decision::Untouched;
    };
    if job.status.is_running() {
        return Decision::SkippedRunning;
    }
    let (change, bytes_freed) = match strength {
        Strength::Delete => (Change::Delete, job.size_bytes),
        Strength::Clear if job.is_clear() => return Decision::Untouched,
        Strength::Clear => (Change::Clear, job.size_bytes),
        Strength::ClearIntermediates => (
            Change::ClearIntermediates {
                names: job.unused_intermediates().map(|i| i.name.clone()).collect(),
            },
            job.unused_intermediate_bytes(),
        ),
    };
    Decision::Planned(PlannedJob {
        id: job.id,
        uid: job.uid.clone(),
        change,
        bytes_freed,
        reason,
    })
}

/// Plans a cleanup of `jobs` (the project's jobs; those outside
/// `options.workspace` are left alone) and previews it. `project_bytes` is
/// the project directory's size on disk, for the estimate's share.
pub fn plan(
    jobs: &[JobFacts],
    options: &CleanupOptions,
    project_bytes: u64,
) -> Result<Plan, PlanError> {
    options.validate()?;
    validate_facts(jobs)?;
    let scope: Vec<&JobFacts> = jobs.iter().filter(|j| options.in_scope(j)).collect();

    let mut planned = Vec::new();
    let mut skipped_running = 0;
    for job in &scope {
        match decide(job, options) {
            Decision::Untouched => {}
            Decision::SkippedRunning => skipped_running += 1,
            Decision::Planned(p) => planned.push(p),
        }
    }
    planned.sort_by_key(|p| p.id);

    let count = |change: fn(&Change) -> bool| planned.iter().filter(|p| change(&p.change)).count();
    let bytes_freed = planned
        .iter()
        .fold(0u64, |sum, p| sum.saturating_add(p.bytes_freed));
    let all_jobs_bytes = sum_bytes(jobs.iter());
    let estimate = Estimate {
        jobs_cleared: count(|c| matches!(c, Change::Clear)) as u64,
        jobs_intermediates_cleared: count(|c| matches!(c, Change::ClearIntermediates { .. }))
            as u64,
        jobs_deleted: count(|c| matches!(c, Change::Delete)) as u64,
        total_modified: planned.len() as u64,
        jobs_skipped_running: skipped_running,
        bytes_freed,
        share_of_project: share(bytes_freed, project_bytes),
        project_bytes_stale: project_bytes < all_jobs_bytes,
    };
    let preview = preview(&scope, estimate);
    Ok(Plan {
        jobs: planned,
        preview,
    })
}

fn sum_bytes<'a>(jobs: impl Iterator<Item = &'a JobFacts>) -> u64 {
    jobs.fold(0, |sum, j| sum.saturating_add(j.size_bytes))
}

fn share(bytes: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        bytes as f64 / total as f64
    }
}

fn preview(scope: &[&JobFacts], estimate: Estimate) -> Preview {
    let scope_bytes = sum_bytes(scope.iter().copied());
    let row = |keep: &dyn Fn(&JobFacts) -> bool| {
        let (count, bytes) = scope
            .iter()
            .filter(|j| keep(j))
            .fold((0u64, 0u64), |(n, b), j| {
                (n + 1, b.saturating_add(j.size_bytes))
            });
        Row {
            count,
            bytes,
            share: share(bytes, scope_bytes),
        }
    };
    let categories = Category::PREPROCESSING
        .into_iter()
        .map(|category| (category, row(&|j| j.category == category)))
        .collect();
    let intermediate_results = {
        let mut rows: Vec<IntermediateRow> = scope
            .iter()
            .filter(|j| !j.is_final && !j.status.is_running())
            .filter(|j| j.unused_intermediates().next().is_some())
            .map(|j| IntermediateRow {
                id: j.id,
                uid: j.uid.clone(),
                bytes: j.unused_intermediate_bytes(),
            })
            .collect();
        rows.sort_by_key(|r| r.id);
        rows
    };
    Preview {
        scope_jobs: scope.len() as u64,
        scope_sessions: 0,
        scope_session_bytes: 0,
        scope_bytes,
        estimate,
        preprocessing: PreprocessingBreakdown {
            categories,
            non_preprocessing: row(&|j| !j.category.is_preprocessing()),
            total: row(&|_| true),
        },
        intermediate_results,
        finality: FinalityBreakdown {
            final_results: row(&|j| j.is_final),
            ancestors_of_final: row(&|j| !j.is_final && j.is_ancestor_of_final),
            non_final: row(&|j| !j.is_final && !j.is_ancestor_of_final),
        },
        by_status: StatusBreakdown {
            killed: row(&|j| j.status == Status::Killed),
            failed: row(&|j| j.status == Status::Failed),
            other: row(&|j| !matches!(j.status, Status::Killed | Status::Failed)),
        },
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
