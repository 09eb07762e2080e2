use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum UserAccount {
    Table,
    Id,
    Name,
    IsAdmin,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Label,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserAccount::Table)
                    .col(pk_auto(UserAccount::Id))
                    .col(string_len_uniq(UserAccount::Name, 64))
                    .col(boolean(UserAccount::IsAdmin).default(false))
                    .col(timestamp_with_time_zone(UserAccount::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_auto(ApiToken::Id))
                    .col(integer(ApiToken::UserId))
                    .col(string_len(ApiToken::Label, 200))
                    // SHA-256 of the secret, hex: the secret itself is never stored.
                    .col(char_len_uniq(ApiToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(&mut crate::util::fk_cascade(
                        ApiToken::Table,
                        ApiToken::UserId,
                        UserAccount::Table,
                        UserAccount::Id,
                    ))
                    .take(),
            )
            .await?;
        index(manager, ApiToken::Table, &[ApiToken::UserId], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiToken::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(UserAccount::Table).take())
            .await
    }
}
