//! The planner's view of a project's jobs, read for the cleanup preview and
//! run. A project may hold 100,000 jobs and the preview is interactive, so
//! only the columns the planner reads are fetched, each query one statement
//! for the whole project, run at once. On PostgreSQL each query answers one
//! row of arrays: decoding 100,000 rows one by one cost more than the
//! database spent finding them (measured, BENCHMARKS.md).

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};

use super::plan::{Category, Intermediate, JobFacts, Status};
use crate::entity::{job, job_result, job_workspace, project};
use crate::{Catalog, CatalogError, Result};

/// A job's row as the planner needs it: id, uid, category, status, final,
/// ancestor of final, size.
type JobRow = (i64, String, Category, Status, bool, bool, i64);
/// An intermediate result: job id, name, size, read downstream.
type IntermediateRow = (i64, String, i64, bool);

impl Catalog {
    /// The facts of every job of `project`; with a workspace, each job
    /// carries whether it is linked into that one.
    pub(super) async fn job_facts(
        &self,
        project: &project::Model,
        workspace: Option<i32>,
    ) -> Result<Vec<JobFacts>> {
        // Workspaces matter only to a workspace's cleanup, and then only
        // membership of that one.
        let members = async {
            match workspace {
                None => Ok(Vec::new()),
                Some(ws) => {
                    job_workspace::Entity::find()
                        .select_only()
                        .column(job_workspace::Column::JobId)
                        .filter(job_workspace::Column::WorkspaceId.eq(ws))
                        .into_tuple::<i64>()
                        .all(&self.db)
                        .await
                }
            }
        };
        let rows = async {
            match self.db.get_database_backend() {
                DbBackend::Postgres => self.job_rows_as_arrays(project.id).await,
                _ => self.job_rows(project.id).await,
            }
        };
        let ((jobs, intermediates), members) =
            futures::try_join!(rows, async { members.await.map_err(CatalogError::from) })?;

        let members: HashSet<i64> = members.into_iter().collect();
        let mut results: HashMap<i64, Vec<Intermediate>> = HashMap::new();
        for (job_id, name, size, used_downstream) in intermediates {
            results.entry(job_id).or_default().push(Intermediate {
                name,
                size_bytes: Ord::max(size, 0) as u64,
                used_downstream,
            });
        }
        Ok(jobs
            .into_iter()
            .map(
                |(id, uid, category, status, is_final, is_ancestor_of_final, size)| {
                    let mut intermediates = results.remove(&id).unwrap_or_default();
                    // By name: the same plan whatever order the rows came in.
                    intermediates.sort_unstable_by(|a, b| a.name.cmp(&b.name));
                    JobFacts {
                        id,
                        category,
                        status,
                        is_final,
                        is_ancestor_of_final,
                        size_bytes: Ord::max(size, 0) as u64,
                        intermediates,
                        workspaces: workspace
                            .filter(|_| members.contains(&id))
                            .into_iter()
                            .collect(),
                        uid,
                    }
                },
            )
            .collect())
    }

    /// The rows through sea-orm, one per job and one per intermediate
    /// result (SQLite: rows are cheap to hand over in-process).
    async fn job_rows(&self, project_id: i32) -> Result<(Vec<JobRow>, Vec<IntermediateRow>)> {
        let jobs = job::Entity::find()
            .select_only()
            .columns([
                job::Column::Id,
                job::Column::Uid,
                job::Column::Category,
                job::Column::Status,
                job::Column::IsFinal,
                job::Column::IsAncestorOfFinal,
                job::Column::SizeBytes,
            ])
            .filter(job::Column::ProjectId.eq(project_id))
            .into_tuple::<(i64, String, String, String, bool, bool, i64)>()
            .all(&self.db);
        // Whether a downstream job reads each one is kept on the result
        // (`jobs::readers`): no input's list of names is read here.
        let intermediates = job_result::Entity::find()
            .select_only()
            .columns([
                job_result::Column::JobId,
                job_result::Column::Name,
                job_result::Column::SizeBytes,
                job_result::Column::UsedDownstream,
            ])
            .filter(job_result::Column::JobId.in_subquery(super::report::project_jobs(project_id)))
            .filter(job_result::Column::Intermediate.eq(true))
            .into_tuple::<IntermediateRow>()
            .all(&self.db);
        let (jobs, intermediates) = futures::try_join!(jobs, intermediates)?;
        let jobs = jobs
            .into_iter()
            .map(|(id, uid, category, status, is_final, is_ancestor, size)| {
                Ok((
                    id,
                    uid,
                    category.parse().map_err(crate::auth::corrupt)?,
                    status.parse().map_err(crate::auth::corrupt)?,
                    is_final,
                    is_ancestor,
                    size,
                ))
            })
            .collect::<Result<_>>()?;
        Ok((jobs, intermediates))
    }

    /// The same rows on PostgreSQL, each query answering one row of arrays
    /// (all `array_agg`s of one query see the rows in the same order).
    async fn job_rows_as_arrays(
        &self,
        project_id: i32,
    ) -> Result<(Vec<JobRow>, Vec<IntermediateRow>)> {
        use sea_orm::sqlx;
        type JobArrays = (
            Option<Vec<i64>>,
            Option<Vec<String>>,
            Option<Vec<Option<i32>>>,
            Option<Vec<Option<i32>>>,
            Option<Vec<bool>>,
            Option<Vec<bool>>,
            Option<Vec<i64>>,
        );
        type IntermediateArrays = (
            Option<Vec<i64>>,
            Option<Vec<String>>,
            Option<Vec<i64>>,
            Option<Vec<bool>>,
        );
        let pool = self.db.get_postgres_connection_pool();
        // Categories and statuses come back as their 1-based place in the
        // names bound here: no string per job to decode and parse.
        let jobs = sqlx::query_as::<_, JobArrays>(
            "SELECT array_agg(id), array_agg(uid::text), \
                    array_agg(array_position($2::text[], category::text)), \
                    array_agg(array_position($3::text[], status::text)), \
                    array_agg(is_final), array_agg(is_ancestor_of_final), array_agg(size_bytes) \
             FROM job WHERE project_id = $1",
        )
        .bind(project_id)
        .bind(Category::ALL.map(Category::as_str).to_vec())
        .bind(Status::ALL.map(Status::as_str).to_vec())
        .fetch_one(pool);
        let intermediates = sqlx::query_as::<_, IntermediateArrays>(
            "SELECT array_agg(r.job_id), array_agg(r.name::text), array_agg(r.size_bytes), \
                    array_agg(r.used_downstream) \
             FROM job_result r JOIN job j ON j.id = r.job_id \
             WHERE j.project_id = $1 AND r.intermediate",
        )
        .bind(project_id)
        .fetch_one(pool);
        let started = std::time::Instant::now();
        let (jobs, intermediates) = futures::try_join!(jobs, intermediates).map_err(|e| {
            sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(e)))
        })?;
        let fetched = started.elapsed();

        let (ids, uids, categories, statuses, finals, ancestors, sizes) = jobs;
        // array_position answers 1..=len, or NULL for a name not bound.
        fn named<T: Copy>(all: &[T], what: &str, place: Option<i32>) -> Result<T> {
            place
                .and_then(|p| all.get(usize::try_from(p).ok()?.checked_sub(1)?).copied())
                .ok_or_else(|| crate::auth::corrupt(format!("a job {what} strata does not know")))
        }
        let categories = categories
            .unwrap_or_default()
            .into_iter()
            .map(|c| named(&Category::ALL, "category", c))
            .collect::<Result<Vec<_>>>()?;
        let statuses = statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| named(&Status::ALL, "status", s))
            .collect::<Result<Vec<_>>>()?;
        let jobs = rows_of_columns(
            ids.unwrap_or_default(),
            uids.unwrap_or_default(),
            categories,
            statuses,
            finals.unwrap_or_default(),
            ancestors.unwrap_or_default(),
            sizes.unwrap_or_default(),
        );
        let (job_ids, names, sizes, used) = intermediates;
        let intermediates = job_ids
            .unwrap_or_default()
            .into_iter()
            .zip(names.unwrap_or_default())
            .zip(
                sizes
                    .unwrap_or_default()
                    .into_iter()
                    .zip(used.unwrap_or_default()),
            )
            .map(|((job, name), (size, used))| (job, name, size, used))
            .collect();
        tracing::debug!(
            fetch_ms = fetched.as_secs_f64() * 1e3,
            rows_ms = (started.elapsed() - fetched).as_secs_f64() * 1e3,
            "cleanup facts as arrays"
        );
        Ok((jobs, intermediates))
    }
}

/// Seven equally long columns into rows.
fn rows_of_columns(
    ids: Vec<i64>,
    uids: Vec<String>,
    categories: Vec<Category>,
    statuses: Vec<Status>,
    finals: Vec<bool>,
    ancestors: Vec<bool>,
    sizes: Vec<i64>,
) -> Vec<JobRow> {
    ids.into_iter()
        .zip(uids)
        .zip(categories.into_iter().zip(statuses))
        .zip(finals.into_iter().zip(ancestors).zip(sizes))
        .map(
            |(((id, uid), (category, status)), ((is_final, is_ancestor), size))| {
                (id, uid, category, status, is_final, is_ancestor, size)
            },
        )
        .collect()
}
