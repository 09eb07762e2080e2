use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The append-only log of every change: who, when, what. Rows are never updated
/// nor deleted, so it keeps no foreign keys that could cascade into it.
#[derive(DeriveIden, Clone, Copy)]
enum Event {
    Table,
    Id,
    At,
    /// The user's name at the time (users may be renamed or removed later).
    Actor,
    Action,
    EntityType,
    EntityKey,
    ProjectId,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(big_pk_auto(Event::Id))
                    .col(timestamp_with_time_zone(Event::At))
                    .col(string_len(Event::Actor, 64))
                    .col(string_len(Event::Action, 64))
                    .col(string_len(Event::EntityType, 32))
                    .col(string_len(Event::EntityKey, 255))
                    .col(integer_null(Event::ProjectId))
                    .col(json(Event::Details))
                    .take(),
            )
            .await?;
        index(
            manager,
            Event::Table,
            &[Event::EntityType, Event::EntityKey],
            false,
        )
        .await?;
        index(manager, Event::Table, &[Event::ProjectId, Event::At], false).await?;
        index(manager, Event::Table, &[Event::At], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Event::Table).take())
            .await
    }
}
