//! Which results downstream jobs read, kept on each result row
//! (`job_result.used_downstream`), so that the cleanup preview learns it with
//! the result instead of gathering every input's list of names across the
//! project. Refreshed wherever inputs or results are written or removed:
//! a job reported with inputs, results recorded, a downstream job deleted, a
//! project imported.

use std::collections::HashSet;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Result;
use crate::entity::{job_input, job_result};

/// Upstream jobs refreshed per statement: SQLite binds at most 32,766 values.
const CHUNK: usize = 1000;

/// Recomputes `used_downstream` for every result of the `upstream` jobs from
/// the inputs that name them.
pub(crate) async fn refresh_used_downstream(
    db: &impl ConnectionTrait,
    upstream: &[i64],
) -> Result<()> {
    let mut upstream = upstream.to_vec();
    upstream.sort_unstable();
    upstream.dedup();
    for chunk in upstream.chunks(CHUNK) {
        let reads: Vec<(i64, serde_json::Value)> = job_input::Entity::find()
            .select_only()
            .columns([job_input::Column::UpstreamJobId, job_input::Column::Results])
            .filter(job_input::Column::UpstreamJobId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let used: HashSet<(i64, &str)> = reads
            .iter()
            .flat_map(|(job, names)| {
                names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str())
                    .map(move |n| (*job, n))
            })
            .collect();
        let results: Vec<(i64, i64, String, bool)> = job_result::Entity::find()
            .select_only()
            .columns([
                job_result::Column::Id,
                job_result::Column::JobId,
                job_result::Column::Name,
                job_result::Column::UsedDownstream,
            ])
            .filter(job_result::Column::JobId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let (mut now_used, mut now_unused) = (Vec::new(), Vec::new());
        for (id, job, name, was) in results {
            match (used.contains(&(job, name.as_str())), was) {
                (true, false) => now_used.push(id),
                (false, true) => now_unused.push(id),
                _ => {}
            }
        }
        for (ids, flag) in [(now_used, true), (now_unused, false)] {
            for ids in ids.chunks(CHUNK) {
                job_result::Entity::update_many()
                    .col_expr(job_result::Column::UsedDownstream, Expr::value(flag))
                    .filter(job_result::Column::Id.is_in(ids.iter().copied()))
                    .exec(db)
                    .await?;
            }
        }
    }
    Ok(())
}
