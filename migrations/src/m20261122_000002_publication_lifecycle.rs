use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What DataCite's lifecycle needs beyond the draft record: the number the
/// DOI's suffix is made from, the version chain, when each state was
/// reached, how it was deposited, and the tombstone of a withdrawal (a
/// registered or findable DOI is never deleted).
#[derive(DeriveIden, Clone, Copy)]
enum Publication {
    Table,
    /// The publication's number within its project (its DOI suffix's).
    Number,
    /// The version this one is a new version of.
    PreviousId,
    RegisteredAt,
    PublishedAt,
    /// `datacite` (through its REST API) or `manual` (XML and JSON written
    /// for deposit by hand).
    Deposit,
    WithdrawnAt,
    WithdrawalReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum Project {
    Table,
    /// Publication numbers issued so far: never reused.
    PublicationsReported,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer(Publication::Number).default(0).take(),
            integer_null(Publication::PreviousId).take(),
            timestamp_with_time_zone_null(Publication::RegisteredAt).take(),
            timestamp_with_time_zone_null(Publication::PublishedAt).take(),
            string_len_null(Publication::Deposit, 16).take(),
            timestamp_with_time_zone_null(Publication::WithdrawnAt).take(),
            text_null(Publication::WithdrawalReason).take(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Publication::Table)
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .add_column(big_integer(Project::PublicationsReported).default(0))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Project::Table)
                    .drop_column(Project::PublicationsReported)
                    .take(),
            )
            .await?;
        for column in [
            Publication::Number,
            Publication::PreviousId,
            Publication::RegisteredAt,
            Publication::PublishedAt,
            Publication::Deposit,
            Publication::WithdrawnAt,
            Publication::WithdrawalReason,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Publication::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
