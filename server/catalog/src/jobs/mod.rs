//! Jobs as pipelines report them, final results and ancestors of final, and
//! the cleanup tool (seed 001): one planner for the preview and the run.

mod cleanup;
mod facts;
pub mod graph;
pub mod plan;
mod readers;
mod report;

pub use cleanup::{CleanupReport, JobCleared};
pub(crate) use readers::refresh_used_downstream;
pub use report::{Job, JobInputSpec, JobResultRecord, NewJob, NewJobResult};
pub(crate) use report::{issue_uid, recompute_ancestors};
