use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_create_access::UserAccount;
use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Instrument {
    Table,
    Id,
    Name,
    Facility,
    Techniques,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Project {
    Table,
    /// The numeric uid within this instance (CryoSPARC's `P12`).
    Id,
    Uuid,
    Code,
    Title,
    Directory,
    State,
    EmbargoEnd,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Membership {
    Table,
    ProjectId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Workspace {
    Table,
    Id,
    ProjectId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Sample {
    Table,
    Id,
    ProjectId,
    Name,
    ProteinAcronym,
    Grid,
    Metadata,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Instrument::Table)
                    .col(pk_auto(Instrument::Id))
                    .col(string_len_uniq(Instrument::Name, 100))
                    .col(string_len(Instrument::Facility, 100))
                    .col(json(Instrument::Techniques))
                    .col(timestamp_with_time_zone(Instrument::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Project::Table)
                    .col(pk_auto(Project::Id))
                    .col(uuid_uniq(Project::Uuid))
                    .col(string_len_uniq(Project::Code, 16))
                    .col(string_len(Project::Title, 500))
                    .col(string_len(Project::Directory, 4096))
                    .col(string_len(Project::State, 16))
                    .col(timestamp_with_time_zone_null(Project::EmbargoEnd))
                    .col(timestamp_with_time_zone(Project::CreatedAt))
                    .col(timestamp_with_time_zone(Project::UpdatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Membership::Table)
                    .col(integer(Membership::ProjectId))
                    .col(integer(Membership::UserId))
                    .col(string_len(Membership::Role, 16))
                    .col(timestamp_with_time_zone(Membership::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Membership::ProjectId)
                            .col(Membership::UserId),
                    )
                    .foreign_key(&mut fk_cascade(
                        Membership::Table,
                        Membership::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        Membership::Table,
                        Membership::UserId,
                        UserAccount::Table,
                        UserAccount::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, Membership::Table, &[Membership::UserId], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(Workspace::Table)
                    .col(pk_auto(Workspace::Id))
                    .col(integer(Workspace::ProjectId))
                    .col(string_len(Workspace::Name, 200))
                    .col(timestamp_with_time_zone(Workspace::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        Workspace::Table,
                        Workspace::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            Workspace::Table,
            &[Workspace::ProjectId, Workspace::Name],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sample::Table)
                    .col(pk_auto(Sample::Id))
                    .col(integer(Sample::ProjectId))
                    .col(string_len(Sample::Name, 200))
                    .col(string_len_null(Sample::ProteinAcronym, 100))
                    .col(string_len_null(Sample::Grid, 100))
                    .col(json(Sample::Metadata))
                    .col(timestamp_with_time_zone(Sample::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        Sample::Table,
                        Sample::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            Sample::Table,
            &[Sample::ProjectId, Sample::Name],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Sample::Table.into_iden(),
            Workspace::Table.into_iden(),
            Membership::Table.into_iden(),
            Project::Table.into_iden(),
            Instrument::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
