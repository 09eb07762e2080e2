use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000002_create_projects::{Project, Workspace};

use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A streaming acquisition with on-the-fly preprocessing (CryoSPARC Live,
/// seed 001): its outputs live in `<project>/sessions/<uid>/`.
#[derive(DeriveIden, Clone, Copy)]
enum Session {
    Table,
    Id,
    ProjectId,
    /// The session's name within its project (`S1`, `S2`, …).
    Uid,
    Title,
    /// A workspace the session belongs to, if any.
    WorkspaceId,
    /// `active`, `completed`, `compacted` or `restoring`.
    Status,
    /// The preprocessing parameters: kept through compaction, so that a
    /// restore can reproduce what was removed.
    Parameters,
    SizeBytes,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
    CompactedAt,
}

/// What a session wrote into its folder, by kind: compaction removes the
/// preprocessing outputs and particle stacks and keeps the rest.
#[derive(DeriveIden, Clone, Copy)]
enum SessionResult {
    Table,
    Id,
    SessionId,
    Name,
    /// Relative to the session's folder.
    Path,
    /// `micrographs`, `ctf`, `particles`, `particle_locations`,
    /// `manual_picks` or `other`.
    Kind,
    /// `present`, `compacted` (bytes removed) or `reprocessing` (restored:
    /// waiting for the pipeline to write it again).
    State,
    SizeBytes,
    CreatedAt,
}

/// Uids are never reused, even after a delete or a move to another instance:
/// the project counts what it has issued, and its export carries the count.
#[derive(DeriveIden, Clone, Copy)]
enum ProjectCounters {
    #[sea_orm(iden = "project")]
    Table,
    JobsReported,
    SessionsReported,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(pk_auto(Session::Id))
                    .col(integer(Session::ProjectId))
                    .col(string_len(Session::Uid, 32))
                    .col(string(Session::Title).default(""))
                    .col(integer_null(Session::WorkspaceId))
                    .col(string_len(Session::Status, 16))
                    .col(json(Session::Parameters))
                    .col(big_integer(Session::SizeBytes).default(0))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Session::CompletedAt))
                    .col(timestamp_with_time_zone_null(Session::CompactedAt))
                    .foreign_key(&mut fk_cascade(
                        Session::Table,
                        Session::ProjectId,
                        Project::Table,
                        Project::Id,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Session::Table, Session::WorkspaceId)
                            .to(Workspace::Table, Workspace::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        index(
            manager,
            Session::Table,
            &[Session::ProjectId, Session::Uid],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SessionResult::Table)
                    .col(big_pk_auto(SessionResult::Id))
                    .col(integer(SessionResult::SessionId))
                    .col(string_len(SessionResult::Name, 200))
                    .col(string_len(SessionResult::Path, 1000))
                    .col(string_len(SessionResult::Kind, 32))
                    .col(string_len(SessionResult::State, 16))
                    .col(big_integer(SessionResult::SizeBytes).default(0))
                    .col(timestamp_with_time_zone(SessionResult::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        SessionResult::Table,
                        SessionResult::SessionId,
                        Session::Table,
                        Session::Id,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            SessionResult::Table,
            &[SessionResult::SessionId, SessionResult::Name],
            true,
        )
        .await?;
        for column in [
            ProjectCounters::JobsReported,
            ProjectCounters::SessionsReported,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProjectCounters::Table)
                        .add_column(big_integer(column).default(0))
                        .take(),
                )
                .await?;
        }
        // Projects that reported jobs before the counter: the event log has
        // counted them.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE project SET jobs_reported = (SELECT COUNT(*) FROM event \
                 WHERE event.project_id = project.id AND event.action = 'job.report')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ProjectCounters::JobsReported,
            ProjectCounters::SessionsReported,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProjectCounters::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SessionResult::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Session::Table).take())
            .await?;
        Ok(())
    }
}
