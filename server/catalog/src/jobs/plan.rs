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
mod tests {
    use super::*;

    fn job(id: i64, category: Category, status: Status, size_bytes: u64) -> JobFacts {
        JobFacts {
            id,
            uid: format!("J{id}"),
            category,
            status,
            is_final: false,
            is_ancestor_of_final: false,
            size_bytes,
            intermediates: Vec::new(),
            workspaces: vec![1],
        }
    }

    fn final_(mut j: JobFacts) -> JobFacts {
        j.is_final = true;
        j
    }

    fn ancestor(mut j: JobFacts) -> JobFacts {
        j.is_ancestor_of_final = true;
        j
    }

    fn with_intermediates(mut j: JobFacts, items: &[(&str, u64, bool)]) -> JobFacts {
        j.intermediates = items
            .iter()
            .map(|&(name, size_bytes, used_downstream)| Intermediate {
                name: name.to_owned(),
                size_bytes,
                used_downstream,
            })
            .collect();
        j
    }

    fn changes(plan: &Plan) -> Vec<(i64, Change)> {
        plan.jobs.iter().map(|p| (p.id, p.change.clone())).collect()
    }

    fn preprocessing(category: Category, action: Action) -> CleanupOptions {
        CleanupOptions {
            preprocessing: BTreeMap::from([(category, action)]),
            ..CleanupOptions::default()
        }
    }

    use Category::*;
    use Status::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(CtfEstimation.as_str(), "ctf-estimation");
        assert_eq!(MotionCorrection.as_str(), "motion-correction");
        let err = "ctf_estimation".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("ctf-estimation"), "{err}");
        assert!("done".parse::<Status>().is_err());
        assert_eq!(
            Category::ALL
                .iter()
                .filter(|c| c.is_preprocessing())
                .count(),
            Category::PREPROCESSING.len()
        );
    }

    #[test]
    fn options_and_plan_serialize_kebab_case() {
        let options = CleanupOptions {
            preprocessing: BTreeMap::from([(CtfEstimation, Action::ClearAndDelete)]),
            non_final: Some(Action::Clear),
            ..CleanupOptions::default()
        };
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(json["preprocessing"]["ctf-estimation"], "clear-and-delete");
        let back: CleanupOptions = serde_json::from_value(json).unwrap();
        assert_eq!(back, options);
        // Missing options are off.
        let partial: CleanupOptions = serde_json::from_str(r#"{"killed": "clear"}"#).unwrap();
        assert_eq!(partial.killed, Some(Action::Clear));
        assert!(!partial.intermediate_results && partial.non_final.is_none());

        let jobs = [with_intermediates(
            job(1, Other, Completed, 10),
            &[("iter_001", 4, false)],
        )];
        let plan = plan(
            &jobs,
            &CleanupOptions {
                intermediate_results: true,
                ..CleanupOptions::default()
            },
            100,
        )
        .unwrap();
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(
            json["jobs"][0]["change"]["clear-intermediates"]["names"][0],
            "iter_001"
        );
        assert_eq!(json["jobs"][0]["reason"], "intermediate-results");
        let back: Plan = serde_json::from_value(json).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn non_preprocessing_category_is_refused_by_name() {
        for category in [Import, Other] {
            let err = plan(&[], &preprocessing(category, Action::Clear), 0).unwrap_err();
            assert_eq!(err, PlanError::NotPreprocessing(category));
            assert_eq!(err.field(), format!("preprocessing.{category}"));
            assert!(err.to_string().starts_with(category.as_str()), "{err}");
            let catalog: crate::CatalogError = err.into();
            assert_eq!(
                catalog.field(),
                Some(format!("preprocessing.{category}").as_str())
            );
        }
        for category in Category::PREPROCESSING {
            assert!(plan(&[], &preprocessing(category, Action::Clear), 0).is_ok());
        }
    }

    #[test]
    fn inconsistent_facts_are_refused() {
        let options = CleanupOptions::default();
        let twice = [job(1, Other, Completed, 1), job(1, Other, Completed, 1)];
        assert_eq!(
            plan(&twice, &options, 0),
            Err(PlanError::DuplicateJob { id: 1 })
        );
        let too_big = [with_intermediates(
            job(1, Other, Completed, 10),
            &[("a", 6, false), ("b", 5, true)],
        )];
        assert!(matches!(
            plan(&too_big, &options, 0),
            Err(PlanError::IntermediatesExceedSize {
                intermediates: 11,
                size_bytes: 10,
                ..
            })
        ));
        let same_name = [with_intermediates(
            job(1, Other, Completed, 10),
            &[("a", 1, false), ("a", 1, false)],
        )];
        assert!(matches!(
            plan(&same_name, &options, 0),
            Err(PlanError::DuplicateIntermediate { .. })
        ));
    }

    #[test]
    fn workspace_scope_includes_linked_jobs_only() {
        let mut in_one = job(1, Extraction, Completed, 10);
        in_one.workspaces = vec![1];
        let mut linked = job(2, Extraction, Completed, 20);
        linked.workspaces = vec![2, 1];
        let mut elsewhere = job(3, Extraction, Completed, 40);
        elsewhere.workspaces = vec![2];
        let mut nowhere = job(4, Extraction, Completed, 80);
        nowhere.workspaces = vec![];
        let jobs = [in_one, linked, elsewhere, nowhere];

        let mut options = preprocessing(Extraction, Action::Clear);
        options.workspace = Some(1);
        let p = plan(&jobs, &options, 1000).unwrap();
        assert_eq!(changes(&p), [(1, Change::Clear), (2, Change::Clear)]);
        assert_eq!((p.preview.scope_jobs, p.preview.scope_bytes), (2, 30));

        options.workspace = None;
        let p = plan(&jobs, &options, 1000).unwrap();
        assert_eq!(p.jobs.len(), 4);
        assert_eq!(p.preview.scope_bytes, 150);
    }

    #[test]
    fn final_jobs_are_never_touched() {
        let jobs = [
            final_(job(1, Extraction, Completed, 10)),
            final_(job(2, Other, Killed, 10)),
            final_(job(3, Other, Failed, 10)),
            final_(with_intermediates(
                job(4, Other, Completed, 10),
                &[("iter_0", 5, false)],
            )),
            // Final and ancestor of another final.
            ancestor(final_(job(5, MotionCorrection, Completed, 10))),
        ];
        let options = CleanupOptions {
            workspace: None,
            preprocessing: Category::PREPROCESSING
                .into_iter()
                .map(|c| (c, Action::ClearAndDelete))
                .collect(),
            intermediate_results: true,
            non_final: Some(Action::ClearAndDelete),
            killed: Some(Action::ClearAndDelete),
            failed: Some(Action::ClearAndDelete),
        };
        let p = plan(&jobs, &options, 100).unwrap();
        assert!(p.jobs.is_empty(), "{:?}", p.jobs);
        assert_eq!(p.preview.estimate.bytes_freed, 0);
        // Protected data is not offered in the intermediate results tab.
        assert!(p.preview.intermediate_results.is_empty());
        assert_eq!(p.preview.finality.final_results.count, 5);
        assert_eq!(p.preview.finality.ancestors_of_final.count, 0);
    }

    #[test]
    fn ancestors_of_final_are_cleared_never_deleted() {
        let jobs = [
            ancestor(job(1, MotionCorrection, Completed, 100)),
            job(2, MotionCorrection, Completed, 50),
            ancestor(job(3, Other, Killed, 7)),
            job(4, Other, Killed, 3),
        ];
        let options = CleanupOptions {
            killed: Some(Action::ClearAndDelete),
            ..preprocessing(MotionCorrection, Action::ClearAndDelete)
        };
        let p = plan(&jobs, &options, 1000).unwrap();
        assert_eq!(
            changes(&p),
            [
                (1, Change::Clear),
                (2, Change::Delete),
                (3, Change::Clear),
                (4, Change::Delete)
            ]
        );
        assert_eq!(p.jobs[0].reason, Reason::Preprocessing);
        assert_eq!(p.jobs[2].reason, Reason::Killed);
        assert_eq!(p.preview.estimate.jobs_cleared, 2);
        assert_eq!(p.preview.estimate.jobs_deleted, 2);
    }

    #[test]
    fn non_final_skips_ancestors_and_finals() {
        let jobs = [
            final_(job(1, Other, Completed, 1)),
            ancestor(job(2, Other, Completed, 2)),
            job(3, Other, Completed, 4),
            job(4, Import, Building, 0),
        ];
        let options = CleanupOptions {
            non_final: Some(Action::ClearAndDelete),
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 100).unwrap();
        // A building job with nothing on disk is still deleted: the job goes.
        assert_eq!(changes(&p), [(3, Change::Delete), (4, Change::Delete)]);
        assert!(p.jobs.iter().all(|j| j.reason == Reason::NonFinal));

        let options = CleanupOptions {
            non_final: Some(Action::Clear),
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 100).unwrap();
        // Clearing the empty building job would change nothing.
        assert_eq!(changes(&p), [(3, Change::Clear)]);
    }

    #[test]
    fn killed_and_failed_select_by_status() {
        let jobs = [
            job(1, Other, Killed, 10),
            job(2, Other, Failed, 20),
            job(3, Other, Completed, 40),
        ];
        let options = CleanupOptions {
            killed: Some(Action::Clear),
            failed: Some(Action::ClearAndDelete),
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 100).unwrap();
        assert_eq!(changes(&p), [(1, Change::Clear), (2, Change::Delete)]);
        assert_eq!(p.preview.estimate.bytes_freed, 30);
        assert!((p.preview.estimate.share_of_project - 0.3).abs() < 1e-12);
    }

    #[test]
    fn strongest_change_wins() {
        let jobs = [
            with_intermediates(job(1, Extraction, Completed, 100), &[("i", 10, false)]),
            with_intermediates(
                ancestor(job(2, Extraction, Failed, 100)),
                &[("i", 10, false)],
            ),
            with_intermediates(job(3, Other, Completed, 100), &[("i", 10, false)]),
        ];
        let options = CleanupOptions {
            preprocessing: BTreeMap::from([(Extraction, Action::Clear)]),
            intermediate_results: true,
            non_final: Some(Action::ClearAndDelete),
            failed: Some(Action::ClearAndDelete),
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 1000).unwrap();
        // 1: preprocessing clear < non-final delete. 2: ancestor, so failed's
        // delete is a clear, tying preprocessing's (named first). 3: delete
        // beats intermediates.
        assert_eq!(
            p.jobs
                .iter()
                .map(|j| (j.id, j.change.clone(), j.reason, j.bytes_freed))
                .collect::<Vec<_>>(),
            [
                (1, Change::Delete, Reason::NonFinal, 100),
                (2, Change::Clear, Reason::Preprocessing, 100),
                (3, Change::Delete, Reason::NonFinal, 100),
            ]
        );
        assert_eq!(p.preview.estimate.jobs_intermediates_cleared, 0);
        assert_eq!(p.preview.estimate.bytes_freed, 300);
    }

    #[test]
    fn intermediates_keep_used_ones_and_spare_finals() {
        let jobs = [
            with_intermediates(
                job(1, Other, Completed, 100),
                &[
                    ("iter_1", 10, false),
                    ("iter_2", 20, true),
                    ("iter_3", 30, false),
                ],
            ),
            with_intermediates(job(2, Other, Completed, 100), &[("iter_1", 10, true)]),
            with_intermediates(ancestor(job(3, Other, Killed, 50)), &[("iter_1", 5, false)]),
            with_intermediates(
                final_(job(4, Other, Completed, 50)),
                &[("iter_1", 5, false)],
            ),
            with_intermediates(job(5, Other, Running, 50), &[("iter_1", 5, false)]),
        ];
        let options = CleanupOptions {
            intermediate_results: true,
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 1000).unwrap();
        assert_eq!(
            changes(&p),
            [
                (
                    1,
                    Change::ClearIntermediates {
                        names: vec!["iter_1".into(), "iter_3".into()]
                    }
                ),
                (
                    3,
                    Change::ClearIntermediates {
                        names: vec!["iter_1".into()]
                    }
                ),
            ]
        );
        assert_eq!(p.jobs[0].bytes_freed, 40);
        assert_eq!(p.preview.estimate.bytes_freed, 45);
        assert_eq!(p.preview.estimate.jobs_intermediates_cleared, 2);
        assert_eq!(p.preview.estimate.jobs_skipped_running, 1);
        assert_eq!(
            p.preview.intermediate_results,
            [
                IntermediateRow {
                    id: 1,
                    uid: "J1".into(),
                    bytes: 40
                },
                IntermediateRow {
                    id: 3,
                    uid: "J3".into(),
                    bytes: 5
                },
            ]
        );
    }

    #[test]
    fn running_jobs_are_skipped_and_counted() {
        let mut jobs: Vec<JobFacts> = Status::ALL
            .into_iter()
            .zip(1..)
            .map(|(status, id)| job(id, CtfEstimation, status, 10))
            .collect();
        jobs.push(job(100, Other, Running, 10)); // selected by nothing
        let p = plan(
            &jobs,
            &preprocessing(CtfEstimation, Action::ClearAndDelete),
            1000,
        )
        .unwrap();
        let touched: Vec<Status> = p
            .jobs
            .iter()
            .map(|pj| jobs.iter().find(|j| j.id == pj.id).unwrap().status)
            .collect();
        assert_eq!(touched, [Building, Completed, Killed, Failed]);
        assert_eq!(p.preview.estimate.jobs_skipped_running, 5);
    }

    #[test]
    fn clearing_what_is_already_clear_is_no_change() {
        let jobs = [
            job(1, Extraction, Building, 0),
            job(2, Extraction, Building, 5),
            job(3, Extraction, Completed, 0),
            with_intermediates(job(4, Extraction, Building, 0), &[("i", 0, true)]),
        ];
        let p = plan(&jobs, &preprocessing(Extraction, Action::Clear), 1000).unwrap();
        assert_eq!(
            p.jobs
                .iter()
                .map(|j| (j.id, j.bytes_freed))
                .collect::<Vec<_>>(),
            [(2, 5), (3, 0), (4, 0)]
        );
        assert_eq!(p.preview.estimate.jobs_cleared, 3);
    }

    #[test]
    fn preview_breakdowns() {
        let jobs = [
            job(1, Import, Completed, 10),
            final_(job(2, MotionCorrection, Completed, 200)),
            ancestor(job(3, CtfEstimation, Completed, 30)),
            job(4, Extraction, Killed, 400),
            job(5, Other, Failed, 160),
            job(6, Restack, Completed, 200),
        ];
        let p = plan(&jobs, &CleanupOptions::default(), 2000).unwrap();
        assert!(p.jobs.is_empty());
        let v = &p.preview;
        assert_eq!((v.scope_jobs, v.scope_bytes), (6, 1000));
        let pre = &v.preprocessing;
        assert_eq!(pre.categories.len(), 5);
        assert_eq!(
            pre.categories[&MotionCorrection],
            Row {
                count: 1,
                bytes: 200,
                share: 0.2
            }
        );
        assert_eq!(pre.categories[&ParticlePicking], Row::default());
        assert_eq!(
            pre.non_preprocessing,
            Row {
                count: 2,
                bytes: 170,
                share: 0.17
            }
        );
        assert_eq!(
            pre.total,
            Row {
                count: 6,
                bytes: 1000,
                share: 1.0
            }
        );
        assert_eq!(v.finality.final_results.bytes, 200);
        assert_eq!(v.finality.ancestors_of_final.bytes, 30);
        assert_eq!(
            v.finality.non_final,
            Row {
                count: 4,
                bytes: 770,
                share: 0.77
            }
        );
        assert_eq!(
            (
                v.by_status.killed.bytes,
                v.by_status.failed.bytes,
                v.by_status.other.bytes
            ),
            (400, 160, 440)
        );
        assert_eq!(v.by_status.other.count, 4);
        assert!(!v.estimate.project_bytes_stale);
        assert_eq!(v.estimate.share_of_project, 0.0);
    }

    #[test]
    fn estimate_share_and_stale_project_size() {
        let jobs = [job(1, Other, Killed, 300), job(2, Other, Completed, 700)];
        let options = CleanupOptions {
            killed: Some(Action::Clear),
            ..CleanupOptions::default()
        };
        let p = plan(&jobs, &options, 1200).unwrap();
        assert!((p.preview.estimate.share_of_project - 0.25).abs() < 1e-12);
        assert!(!p.preview.estimate.project_bytes_stale);
        let p = plan(&jobs, &options, 900).unwrap();
        assert!(p.preview.estimate.project_bytes_stale);
        let p = plan(&jobs, &options, 0).unwrap();
        assert_eq!(p.preview.estimate.share_of_project, 0.0);
        assert!(p.preview.estimate.project_bytes_stale);
        // Empty project, empty preview, no division by zero.
        let p = plan(&[], &options, 0).unwrap();
        assert_eq!(p.preview.preprocessing.total, Row::default());
        assert!(!p.preview.estimate.project_bytes_stale);
    }
}

#[cfg(test)]
mod properties {
    //! Property tests over random job graphs: the rules that protect data hold
    //! whatever the graph and the options.

    use std::collections::HashMap;

    use proptest::prelude::*;
    use proptest::sample::{Index, select};

    use super::*;
    use crate::jobs::graph::ancestors_of_final;

    /// What cleaning does to the facts: the plan carried out on paper.
    fn apply(facts: &[JobFacts], plan: &Plan) -> Vec<JobFacts> {
        let changes: HashMap<i64, &Change> = plan.jobs.iter().map(|p| (p.id, &p.change)).collect();
        facts
            .iter()
            .filter_map(|job| {
                let mut job = job.clone();
                match changes.get(&job.id) {
                    None => {}
                    Some(Change::Delete) => return None,
                    Some(Change::Clear) => {
                        job.status = Status::Building;
                        job.size_bytes = 0;
                        job.intermediates.clear();
                    }
                    Some(Change::ClearIntermediates { names }) => {
                        let (gone, kept) = job
                            .intermediates
                            .into_iter()
                            .partition::<Vec<_>, _>(|i| names.contains(&i.name));
                        job.size_bytes -= gone.iter().map(|i| i.size_bytes).sum::<u64>();
                        job.intermediates = kept;
                    }
                }
                Some(job)
            })
            .collect()
    }

    fn total_bytes(facts: &[JobFacts]) -> u64 {
        facts.iter().map(|j| j.size_bytes).sum()
    }

    fn action() -> impl Strategy<Value = Option<Action>> {
        prop_oneof![
            Just(None),
            Just(Some(Action::Clear)),
            Just(Some(Action::ClearAndDelete))
        ]
    }

    fn options() -> impl Strategy<Value = CleanupOptions> {
        (
            proptest::option::of(1..4i32),
            proptest::collection::btree_map(
                select(Category::PREPROCESSING.to_vec()),
                prop_oneof![Just(Action::Clear), Just(Action::ClearAndDelete)],
                0..=5,
            ),
            any::<bool>(),
            action(),
            action(),
            action(),
        )
            .prop_map(
                |(workspace, preprocessing, intermediate_results, non_final, killed, failed)| {
                    CleanupOptions {
                        workspace,
                        preprocessing,
                        intermediate_results,
                        non_final,
                        killed,
                        failed,
                    }
                },
            )
    }

    /// A random DAG of up to 200 jobs (each job's inputs come from earlier
    /// jobs), with ancestors of final computed by `graph.rs`.
    fn project() -> impl Strategy<Value = Vec<JobFacts>> {
        project_with_edges().prop_map(|(jobs, _)| jobs)
    }

    /// [`project`], with its `(downstream, upstream)` edges.
    fn project_with_edges() -> impl Strategy<Value = (Vec<JobFacts>, Vec<(i64, i64)>)> {
        let job = (
            select(Category::ALL.to_vec()),
            select(Status::ALL.to_vec()),
            prop_oneof![Just(0u64), 0u64..1 << 40],
            proptest::collection::vec((0u64..1 << 30, any::<bool>()), 0..4),
            proptest::collection::btree_set(1..4i32, 0..3),
            proptest::bool::weighted(0.1),
            proptest::collection::vec(any::<Index>(), 0..4),
        );
        proptest::collection::vec(job, 0..200).prop_map(|raw| {
            // Ids are neither dense nor in index order's obvious image.
            let id = |i: usize| (i as i64) * 7 + 3;
            let mut edges = Vec::new();
            let mut finals = Vec::new();
            let mut jobs: Vec<JobFacts> = Vec::with_capacity(raw.len());
            for (i, (category, status, extra, intermediates, workspaces, is_final, inputs)) in
                raw.into_iter().enumerate()
            {
                if i > 0 {
                    edges.extend(inputs.iter().map(|input| (id(i), id(input.index(i)))));
                }
                if is_final {
                    finals.push(id(i));
                }
                let intermediates: Vec<Intermediate> = intermediates
                    .into_iter()
                    .enumerate()
                    .map(|(k, (size_bytes, used_downstream))| Intermediate {
                        name: format!("iter_{k:03}"),
                        size_bytes,
                        used_downstream,
                    })
                    .collect();
                jobs.push(JobFacts {
                    id: id(i),
                    uid: format!("J{}", i + 1),
                    category,
                    status,
                    is_final,
                    is_ancestor_of_final: false,
                    size_bytes: extra + intermediates.iter().map(|i| i.size_bytes).sum::<u64>(),
                    intermediates,
                    workspaces: workspaces.into_iter().collect(),
                });
            }
            let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
            let ancestors = ancestors_of_final(&ids, &edges, &finals);
            for job in &mut jobs {
                job.is_ancestor_of_final = ancestors.contains(&job.id);
            }
            (jobs, edges)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn protected_and_running_jobs_are_safe(
            jobs in project(), options in options(), project_extra in 0u64..1 << 40,
        ) {
            let project_bytes = total_bytes(&jobs) + project_extra;
            let plan = plan(&jobs, &options, project_bytes).unwrap();
            let facts: HashMap<i64, &JobFacts> = jobs.iter().map(|j| (j.id, j)).collect();
            for planned in &plan.jobs {
                let job = facts[&planned.id];
                // (1) No final job and no ancestor of final is ever deleted.
                if job.is_final || job.is_ancestor_of_final {
                    prop_assert_ne!(&planned.change, &Change::Delete, "{:?}", job);
                }
                // (2) No final job is in the plan at all.
                prop_assert!(!job.is_final, "{:?}", job);
                // (4) With a workspace, nothing outside it is touched.
                if let Some(workspace) = options.workspace {
                    prop_assert!(job.workspaces.contains(&workspace), "{:?}", job);
                }
                // (5) Running jobs are never touched.
                prop_assert!(!job.status.is_running(), "{:?}", job);
                // Only used intermediates are kept.
                if let Change::ClearIntermediates { names } = &planned.change {
                    prop_assert!(!names.is_empty());
                    for name in names {
                        let i = job.intermediates.iter().find(|i| &i.name == name).unwrap();
                        prop_assert!(!i.used_downstream);
                    }
                }
                // Every change was asked for by the option it names.
                let asked = match planned.reason {
                    Reason::Preprocessing => options.preprocessing.get(&job.category).copied(),
                    Reason::NonFinal if !job.is_ancestor_of_final => options.non_final,
                    Reason::Killed if job.status == Status::Killed => options.killed,
                    Reason::Failed if job.status == Status::Failed => options.failed,
                    Reason::IntermediateResults if options.intermediate_results => None,
                    other => return Err(TestCaseError::fail(format!("{other} for {job:?}"))),
                };
                match (&planned.change, asked) {
                    (Change::Delete, Some(Action::ClearAndDelete)) => {}
                    (Change::Clear, Some(_)) => {}
                    (Change::ClearIntermediates { .. }, None) => {}
                    (change, asked) => {
                        return Err(TestCaseError::fail(format!("{change:?} from {asked:?}")));
                    }
                }
            }
            // Sorted by id, each job once.
            prop_assert!(plan.jobs.windows(2).all(|w| w[0].id < w[1].id));
        }

        #[test]
        fn bytes_freed_is_what_applying_the_plan_removes(
            jobs in project(), options in options(),
        ) {
            let plan = plan(&jobs, &options, total_bytes(&jobs)).unwrap();
            let estimate = &plan.preview.estimate;
            // (3) The estimate is the sum of the jobs, and the jobs' sum is what
            // carrying the plan out takes off the disk.
            let sum: u64 = plan.jobs.iter().map(|p| p.bytes_freed).sum();
            prop_assert_eq!(estimate.bytes_freed, sum);
            let after = apply(&jobs, &plan);
            prop_assert_eq!(total_bytes(&jobs) - total_bytes(&after), estimate.bytes_freed);
            prop_assert_eq!(
                estimate.jobs_cleared + estimate.jobs_intermediates_cleared + estimate.jobs_deleted,
                estimate.total_modified
            );
            prop_assert_eq!(estimate.total_modified, plan.jobs.len() as u64);
            prop_assert!(estimate.share_of_project <= 1.0);
            prop_assert!(!estimate.project_bytes_stale);
            // Jobs outside the workspace come out exactly as they went in.
            for job in jobs.iter().filter(|j| !options.in_scope(j)) {
                prop_assert_eq!(after.iter().find(|a| a.id == job.id), Some(job));
            }
        }

        #[test]
        fn a_cleanup_leaves_nothing_for_the_same_cleanup(
            jobs in project(), options in options(),
        ) {
            let first = plan(&jobs, &options, total_bytes(&jobs)).unwrap();
            let after = apply(&jobs, &first);
            let second = plan(&after, &options, total_bytes(&after)).unwrap();
            prop_assert_eq!(&second.jobs, &vec![]);
            // Nothing selected was missed: every unused intermediate of a job
            // the tool may touch is gone, and clear-and-delete of non-final
            // jobs left none.
            for job in after.iter().filter(|j| options.in_scope(j)) {
                if job.is_final || job.status.is_running() {
                    continue;
                }
                if options.intermediate_results {
                    prop_assert!(job.intermediates.iter().all(|i| i.used_downstream), "{:?}", job);
                }
                if options.non_final == Some(Action::ClearAndDelete) {
                    prop_assert!(job.is_ancestor_of_final, "{:?}", job);
                }
            }
        }

        #[test]
        fn preview_partitions_add_up(jobs in project(), options in options()) {
            let plan = plan(&jobs, &options, 0).unwrap();
            let v = &plan.preview;
            let pre = &v.preprocessing;
            let sum = |rows: &[Row]| rows.iter().fold((0, 0), |(n, b), r| (n + r.count, b + r.bytes));
            let mut rows: Vec<Row> = pre.categories.values().copied().collect();
            rows.push(pre.non_preprocessing);
            let total = (v.scope_jobs, v.scope_bytes);
            prop_assert_eq!(sum(&rows), total);
            prop_assert_eq!((pre.total.count, pre.total.bytes), total);
            let f = &v.finality;
            prop_assert_eq!(sum(&[f.final_results, f.ancestors_of_final, f.non_final]), total);
            let s = &v.by_status;
            prop_assert_eq!(sum(&[s.killed, s.failed, s.other]), total);
        }

        #[test]
        fn non_preprocessing_options_are_refused(
            category in select(vec![Category::Import, Category::Other]),
            mut options in options(),
        ) {
            options.preprocessing.insert(category, Action::Clear);
            prop_assert_eq!(plan(&[], &options, 0), Err(PlanError::NotPreprocessing(category)));
        }

        #[test]
        fn graph_ancestors_match_a_naive_closure((jobs, edges) in project_with_edges()) {
            // graph.rs against the definition, by a fixpoint: an input of a
            // final job or of an ancestor of final is an ancestor of final.
            let mut naive: std::collections::BTreeSet<i64> = Default::default();
            let finals: HashSet<i64> = jobs.iter().filter(|j| j.is_final).map(|j| j.id).collect();
            loop {
                let before = naive.len();
                for &(downstream, upstream) in &edges {
                    if finals.contains(&downstream) || naive.contains(&downstream) {
                        naive.insert(upstream);
                    }
                }
                if naive.len() == before {
                    break;
                }
            }
            let computed: std::collections::BTreeSet<i64> =
                jobs.iter().filter(|j| j.is_ancestor_of_final).map(|j| j.id).collect();
            prop_assert_eq!(computed, naive);
        }
    }
}
