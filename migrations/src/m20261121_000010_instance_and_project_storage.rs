use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// This catalog's identity, named in the lock file of every project it has
/// attached (CryoSPARC's instance id in `cs.lock`). One row.
#[derive(DeriveIden, Clone, Copy)]
enum Instance {
    Table,
    Id,
    Name,
    CreatedAt,
}

/// A project's size on disk, computed at attach and on demand, stale once its
/// data changed since.
#[derive(DeriveIden, Clone, Copy)]
enum Project {
    Table,
    SizeBytes,
    SizeBreakdown,
    SizeComputedAt,
    SizeStale,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Instance::Table)
                    .col(uuid(Instance::Id).primary_key())
                    .col(string(Instance::Name))
                    .col(timestamp_with_time_zone(Instance::CreatedAt))
                    .take(),
            )
            .await?;
        // One column per statement: SQLite alters one column at a time.
        for column in [
            big_integer_null(Project::SizeBytes),
            json_binary_null(Project::SizeBreakdown),
            timestamp_with_time_zone_null(Project::SizeComputedAt),
            boolean(Project::SizeStale).default(true).take(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Project::Table)
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Project::SizeBytes,
            Project::SizeBreakdown,
            Project::SizeComputedAt,
            Project::SizeStale,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Project::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Instance::Table).take())
            .await
    }
}
