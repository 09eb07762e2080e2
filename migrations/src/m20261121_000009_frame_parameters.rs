use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Frame {
    Table,
    /// The frame's own parameter values (a tilt's angle and dose, an image's
    /// exposure and focus position): name → canonical value, checked against
    /// the same definitions as a dataset's. Frames are read per frame set, so
    /// the document is checked in the rows of one set and needs no index.
    Parameters,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Frame::Table)
                    .add_column(json_binary(Frame::Parameters).default("{}"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Frame::Table)
                    .drop_column(Frame::Parameters)
                    .take(),
            )
            .await
    }
}
