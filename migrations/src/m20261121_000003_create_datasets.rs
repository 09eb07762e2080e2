use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_projects::{Instrument, Project, Sample};
use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Dataset {
    Table,
    Id,
    Identifier,
    ProjectId,
    AcquiredAt,
    Serial,
    Kind,
    Technique,
    InstrumentId,
    /// Denormalised from the instrument so the common searches need no join (ICAT).
    InstrumentName,
    SampleId,
    SampleName,
    Description,
    Folder,
    Status,
    SizeBytes,
    FileCount,
    /// When the dataset becomes visible to everyone; NULL while it is private.
    PublicFrom,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DatasetLink {
    Table,
    Id,
    /// The dataset that names another: the processed one, or the child.
    DatasetId,
    Kind,
    /// The named dataset's identifier; it may not have arrived yet.
    TargetIdentifier,
    /// Filled when the named dataset is in the catalog.
    TargetDatasetId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Datafile {
    Table,
    Id,
    DatasetId,
    Path,
    SizeBytes,
    Sha256,
    Format,
    Location,
    StorageKey,
    LastVerifiedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum FrameSet {
    Table,
    Id,
    DatasetId,
    Position,
    Shape,
    Dtype,
    Chunking,
    ChannelNames,
    Metadata,
    ArrayPath,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Frame {
    Table,
    Id,
    FrameSetId,
    T,
    C,
    Z,
    Metadata,
    Sha256,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Dataset::Table)
                    .col(big_pk_auto(Dataset::Id))
                    .col(string_len_uniq(Dataset::Identifier, 48))
                    .col(integer(Dataset::ProjectId))
                    .col(timestamp_with_time_zone(Dataset::AcquiredAt))
                    .col(integer(Dataset::Serial))
                    .col(string_len(Dataset::Kind, 16))
                    .col(string_len(Dataset::Technique, 32))
                    .col(integer_null(Dataset::InstrumentId))
                    .col(string_len_null(Dataset::InstrumentName, 100))
                    .col(integer_null(Dataset::SampleId))
                    .col(string_len_null(Dataset::SampleName, 200))
                    .col(text(Dataset::Description))
                    .col(string_len(Dataset::Folder, 4096))
                    .col(string_len(Dataset::Status, 16))
                    .col(big_integer(Dataset::SizeBytes).default(0))
                    .col(big_integer(Dataset::FileCount).default(0))
                    .col(timestamp_with_time_zone_null(Dataset::PublicFrom))
                    .col(timestamp_with_time_zone(Dataset::CreatedAt))
                    .col(timestamp_with_time_zone(Dataset::UpdatedAt))
                    .foreign_key(&mut fk_cascade(
                        Dataset::Table,
                        Dataset::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(Dataset::Table, Dataset::InstrumentId)
                            .to(Instrument::Table, Instrument::Id)
                            .take(),
                    )
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(Dataset::Table, Dataset::SampleId)
                            .to(Sample::Table, Sample::Id)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        // The hot filters, each leading an index that also serves the default order.
        index(
            manager,
            Dataset::Table,
            &[Dataset::ProjectId, Dataset::AcquiredAt, Dataset::Id],
            false,
        )
        .await?;
        index(
            manager,
            Dataset::Table,
            &[Dataset::AcquiredAt, Dataset::Id],
            false,
        )
        .await?;
        index(
            manager,
            Dataset::Table,
            &[Dataset::Technique, Dataset::AcquiredAt],
            false,
        )
        .await?;
        index(
            manager,
            Dataset::Table,
            &[Dataset::Kind, Dataset::AcquiredAt],
            false,
        )
        .await?;
        index(manager, Dataset::Table, &[Dataset::InstrumentId], false).await?;
        index(manager, Dataset::Table, &[Dataset::SampleId], false).await?;
        index(manager, Dataset::Table, &[Dataset::PublicFrom], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(DatasetLink::Table)
                    .col(big_pk_auto(DatasetLink::Id))
                    .col(big_integer(DatasetLink::DatasetId))
                    .col(string_len(DatasetLink::Kind, 16))
                    .col(string_len(DatasetLink::TargetIdentifier, 48))
                    .col(big_integer_null(DatasetLink::TargetDatasetId))
                    .col(timestamp_with_time_zone(DatasetLink::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        DatasetLink::Table,
                        DatasetLink::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(DatasetLink::Table, DatasetLink::TargetDatasetId)
                            .to(Dataset::Table, Dataset::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .take(),
                    )
                    .take(),
            )
            .await?;
        index(
            manager,
            DatasetLink::Table,
            &[
                DatasetLink::DatasetId,
                DatasetLink::Kind,
                DatasetLink::TargetIdentifier,
            ],
            true,
        )
        .await?;
        index(
            manager,
            DatasetLink::Table,
            &[DatasetLink::TargetIdentifier],
            false,
        )
        .await?;
        index(
            manager,
            DatasetLink::Table,
            &[DatasetLink::TargetDatasetId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Datafile::Table)
                    .col(big_pk_auto(Datafile::Id))
                    .col(big_integer(Datafile::DatasetId))
                    .col(string_len(Datafile::Path, 4096))
                    .col(big_integer(Datafile::SizeBytes))
                    .col(char_len(Datafile::Sha256, 64))
                    .col(string_len(Datafile::Format, 64))
                    .col(string_len(Datafile::Location, 16))
                    .col(string_len_null(Datafile::StorageKey, 4096))
                    .col(timestamp_with_time_zone_null(Datafile::LastVerifiedAt))
                    .col(timestamp_with_time_zone(Datafile::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        Datafile::Table,
                        Datafile::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            Datafile::Table,
            &[Datafile::DatasetId, Datafile::Path],
            true,
        )
        .await?;
        index(manager, Datafile::Table, &[Datafile::Sha256], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(FrameSet::Table)
                    .col(big_pk_auto(FrameSet::Id))
                    .col(big_integer(FrameSet::DatasetId))
                    .col(integer(FrameSet::Position))
                    .col(json(FrameSet::Shape))
                    .col(string_len(FrameSet::Dtype, 16))
                    .col(json(FrameSet::Chunking))
                    .col(json(FrameSet::ChannelNames))
                    .col(json(FrameSet::Metadata))
                    .col(string_len(FrameSet::ArrayPath, 4096))
                    .col(timestamp_with_time_zone(FrameSet::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        FrameSet::Table,
                        FrameSet::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            FrameSet::Table,
            &[FrameSet::DatasetId, FrameSet::Position],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Frame::Table)
                    .col(big_pk_auto(Frame::Id))
                    .col(big_integer(Frame::FrameSetId))
                    .col(integer(Frame::T))
                    .col(integer(Frame::C))
                    .col(integer(Frame::Z))
                    .col(json(Frame::Metadata))
                    .col(char_len(Frame::Sha256, 64))
                    .foreign_key(&mut fk_cascade(
                        Frame::Table,
                        Frame::FrameSetId,
                        FrameSet::Table,
                        FrameSet::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            Frame::Table,
            &[Frame::FrameSetId, Frame::T, Frame::C, Frame::Z],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Frame::Table.into_iden(),
            FrameSet::Table.into_iden(),
            Datafile::Table.into_iden(),
            DatasetLink::Table.into_iden(),
            Dataset::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
