use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Dataset {
    Table,
    /// Every parameter value of the dataset in one document (name → canonical
    /// value), denormalised from `parameter` as ICAT does, so that a search
    /// already narrowed by project or date checks parameters in the row it
    /// reads instead of probing another table per row.
    Parameters,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .add_column(json_binary(Dataset::Parameters).default("{}"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Dataset::Table)
                    .drop_column(Dataset::Parameters)
                    .take(),
            )
            .await
    }
}
