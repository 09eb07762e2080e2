use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Job {
    Table,
    Id,
    Title,
    /// An upstream job was cleared: this job's inputs are gone until it is re-run.
    InputsUnavailable,
    CompletedAt,
}

/// What a job wrote into its folder: its outputs, and the intermediate
/// results of its iterations (seed 001), each with its size on disk.
#[derive(DeriveIden, Clone, Copy)]
enum JobResult {
    Table,
    Id,
    JobId,
    Name,
    /// Relative to the job's folder.
    Path,
    Intermediate,
    SizeBytes,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobInput {
    Table,
    /// The upstream job's results this job reads (names), so that an
    /// intermediate result used downstream is never cleared.
    Results,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string(Job::Title).default("").take(),
            boolean(Job::InputsUnavailable).default(false).take(),
            timestamp_with_time_zone_null(Job::CompletedAt).take(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Job::Table)
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(JobInput::Table)
                    .add_column(json(JobInput::Results).default("[]"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobResult::Table)
                    .col(big_pk_auto(JobResult::Id))
                    .col(big_integer(JobResult::JobId))
                    .col(string_len(JobResult::Name, 200))
                    .col(string_len(JobResult::Path, 1000))
                    .col(boolean(JobResult::Intermediate).default(false))
                    .col(big_integer(JobResult::SizeBytes).default(0))
                    .col(timestamp_with_time_zone(JobResult::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        JobResult::Table,
                        JobResult::JobId,
                        Job::Table,
                        Job::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            JobResult::Table,
            &[JobResult::JobId, JobResult::Name],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobResult::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(JobInput::Table)
                    .drop_column(JobInput::Results)
                    .take(),
            )
            .await?;
        for column in [Job::Title, Job::InputsUnavailable, Job::CompletedAt] {
            manager
                .alter_table(Table::alter().table(Job::Table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
