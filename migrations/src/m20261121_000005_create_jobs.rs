use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_projects::{Project, Workspace};
use crate::m20261121_000003_create_datasets::Dataset;
use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Job {
    Table,
    Id,
    ProjectId,
    /// The job's name within its project (CryoSPARC's `J42`).
    Uid,
    JobType,
    Category,
    Status,
    Parameters,
    IsFinal,
    IsAncestorOfFinal,
    SizeBytes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobDataset {
    Table,
    JobId,
    DatasetId,
    /// `input` or `output`.
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobInput {
    Table,
    JobId,
    /// An upstream job whose outputs this job reads.
    UpstreamJobId,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobWorkspace {
    Table,
    JobId,
    WorkspaceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Job::Table)
                    .col(big_pk_auto(Job::Id))
                    .col(integer(Job::ProjectId))
                    .col(string_len(Job::Uid, 32))
                    .col(string_len(Job::JobType, 64))
                    .col(string_len(Job::Category, 32))
                    .col(string_len(Job::Status, 16))
                    .col(json(Job::Parameters))
                    .col(boolean(Job::IsFinal).default(false))
                    .col(boolean(Job::IsAncestorOfFinal).default(false))
                    .col(big_integer(Job::SizeBytes).default(0))
                    .col(timestamp_with_time_zone(Job::CreatedAt))
                    .col(timestamp_with_time_zone(Job::UpdatedAt))
                    .foreign_key(&mut fk_cascade(
                        Job::Table,
                        Job::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, Job::Table, &[Job::ProjectId, Job::Uid], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(JobDataset::Table)
                    .col(big_integer(JobDataset::JobId))
                    .col(big_integer(JobDataset::DatasetId))
                    .col(string_len(JobDataset::Role, 8))
                    .primary_key(
                        Index::create()
                            .col(JobDataset::JobId)
                            .col(JobDataset::DatasetId)
                            .col(JobDataset::Role),
                    )
                    .foreign_key(&mut fk_cascade(
                        JobDataset::Table,
                        JobDataset::JobId,
                        Job::Table,
                        Job::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        JobDataset::Table,
                        JobDataset::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, JobDataset::Table, &[JobDataset::DatasetId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(JobInput::Table)
                    .col(big_integer(JobInput::JobId))
                    .col(big_integer(JobInput::UpstreamJobId))
                    .primary_key(
                        Index::create()
                            .col(JobInput::JobId)
                            .col(JobInput::UpstreamJobId),
                    )
                    .foreign_key(&mut fk_cascade(
                        JobInput::Table,
                        JobInput::JobId,
                        Job::Table,
                        Job::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        JobInput::Table,
                        JobInput::UpstreamJobId,
                        Job::Table,
                        Job::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, JobInput::Table, &[JobInput::UpstreamJobId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(JobWorkspace::Table)
                    .col(big_integer(JobWorkspace::JobId))
                    .col(integer(JobWorkspace::WorkspaceId))
                    .primary_key(
                        Index::create()
                            .col(JobWorkspace::JobId)
                            .col(JobWorkspace::WorkspaceId),
                    )
                    .foreign_key(&mut fk_cascade(
                        JobWorkspace::Table,
                        JobWorkspace::JobId,
                        Job::Table,
                        Job::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        JobWorkspace::Table,
                        JobWorkspace::WorkspaceId,
                        Workspace::Table,
                        Workspace::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            JobWorkspace::Table,
            &[JobWorkspace::WorkspaceId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobWorkspace::Table.into_iden(),
            JobInput::Table.into_iden(),
            JobDataset::Table.into_iden(),
            Job::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
