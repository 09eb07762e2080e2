use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether a downstream job reads the result, kept on the result itself: the
/// cleanup preview reads it with the result instead of gathering every
/// input's list of names across a project of 100,000 jobs. The catalog keeps
/// it current wherever inputs or results are written or removed.
#[derive(DeriveIden, Clone, Copy)]
enum JobResult {
    Table,
    UsedDownstream,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobResult::Table)
                    .add_column(boolean(JobResult::UsedDownstream).default(false))
                    .take(),
            )
            .await?;
        // Backfill from the inputs' lists of names. The JSON functions differ
        // by engine; the column they fill does not.
        let backfill = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                "UPDATE job_result r SET used_downstream = TRUE WHERE EXISTS \
                 (SELECT 1 FROM job_input i WHERE i.upstream_job_id = r.job_id \
                  AND i.results::jsonb ? r.name)"
            }
            _ => {
                "UPDATE job_result SET used_downstream = 1 WHERE EXISTS \
                 (SELECT 1 FROM job_input i, json_each(i.results) e \
                  WHERE i.upstream_job_id = job_result.job_id AND e.value = job_result.name)"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobResult::Table)
                    .drop_column(JobResult::UsedDownstream)
                    .take(),
            )
            .await
    }
}
