use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_projects::Project;
use crate::m20261121_000003_create_datasets::Dataset;
use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Publication {
    Table,
    Id,
    ProjectId,
    Doi,
    /// draft, registered or findable (DataCite's states).
    State,
    Title,
    /// The DataCite metadata record, as JSON.
    Datacite,
    LandingPage,
    Version,
    ReleaseAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PublicationDataset {
    Table,
    PublicationId,
    DatasetId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Publication::Table)
                    .col(pk_auto(Publication::Id))
                    .col(integer(Publication::ProjectId))
                    .col(string_len_null(Publication::Doi, 255))
                    .col(string_len(Publication::State, 16))
                    .col(string_len(Publication::Title, 1000))
                    .col(json(Publication::Datacite))
                    .col(string_len_null(Publication::LandingPage, 2048))
                    .col(string_len(Publication::Version, 32))
                    .col(timestamp_with_time_zone_null(Publication::ReleaseAt))
                    .col(timestamp_with_time_zone(Publication::CreatedAt))
                    .col(timestamp_with_time_zone(Publication::UpdatedAt))
                    .foreign_key(&mut fk_cascade(
                        Publication::Table,
                        Publication::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, Publication::Table, &[Publication::Doi], true).await?;
        index(
            manager,
            Publication::Table,
            &[Publication::ProjectId],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationDataset::Table)
                    .col(integer(PublicationDataset::PublicationId))
                    .col(big_integer(PublicationDataset::DatasetId))
                    .primary_key(
                        Index::create()
                            .col(PublicationDataset::PublicationId)
                            .col(PublicationDataset::DatasetId),
                    )
                    .foreign_key(&mut fk_cascade(
                        PublicationDataset::Table,
                        PublicationDataset::PublicationId,
                        Publication::Table,
                        Publication::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        PublicationDataset::Table,
                        PublicationDataset::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            PublicationDataset::Table,
            &[PublicationDataset::DatasetId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PublicationDataset::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Publication::Table).take())
            .await
    }
}
