//! Sessions (CryoSPARC Live, seed 001): streaming acquisitions with
//! on-the-fly preprocessing, their results, and compaction and restore.

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use strata_catalog::CatalogError;
use strata_catalog::sessions as catalog_sessions;

use super::context::request;
use super::job::{by_uid, in_input, int};
use crate::error::IntoGraphql;

/// Where a session is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::sessions::SessionStatus")]
pub enum SessionStatus {
    /// Acquiring and preprocessing.
    Active,
    /// Done: may be compacted.
    Completed,
    /// Preprocessing outputs and particle stacks removed; it cannot be
    /// modified until it is restored.
    Compacted,
    /// Restored: the removed results wait for the pipeline to write them
    /// again; it is COMPLETED once none waits.
    Restoring,
}

/// What a session result holds, which decides whether compaction removes it.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::sessions::SessionResultKind")]
pub enum SessionResultKind {
    /// Motion-corrected micrographs: removed by compaction.
    Micrographs,
    /// CTF estimates: removed by compaction.
    Ctf,
    /// Extracted particle stacks: removed by compaction (restack the useful
    /// particles first).
    Particles,
    /// Where the particles are: kept, so that a restore re-extracts them.
    ParticleLocations,
    /// Picks made by a person: kept.
    ManualPicks,
    /// Anything else: kept.
    Other,
}

/// Whether a session result's bytes are on disk.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::sessions::SessionResultState")]
pub enum SessionResultState {
    /// On disk.
    Present,
    /// Removed by compaction.
    Compacted,
    /// Restored: waiting for the pipeline to write it again.
    Reprocessing,
}

/// One result a session wrote into its folder.
#[derive(SimpleObject, Clone)]
pub struct SessionResult {
    /// The result's name within the session.
    pub name: String,
    /// Where it is, relative to the session's folder.
    pub path: String,
    pub kind: SessionResultKind,
    pub state: SessionResultState,
    /// Its bytes on disk when recorded; 0 once compacted.
    pub size_bytes: i64,
}

/// A session of a project, as its pipeline reported it.
#[derive(SimpleObject, Clone)]
pub struct Session {
    /// The session's name within its project (`S1`, `S2`, … in order of reporting).
    pub uid: String,
    pub title: String,
    /// The workspace it belongs to, if any.
    pub workspace: Option<String>,
    pub status: SessionStatus,
    /// The preprocessing parameters, kept through compaction.
    pub parameters: Json<serde_json::Value>,
    /// Bytes of its results on disk, as recorded.
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub compacted_at: Option<DateTime<Utc>>,
    pub results: Vec<SessionResult>,
}

impl From<catalog_sessions::Session> for Session {
    fn from(s: catalog_sessions::Session) -> Self {
        Self {
            uid: s.uid,
            title: s.title,
            workspace: s.workspace,
            status: s.status.into(),
            parameters: Json(s.parameters),
            size_bytes: s.size_bytes,
            created_at: s.created_at,
            completed_at: s.completed_at,
            compacted_at: s.compacted_at,
            results: s
                .results
                .into_iter()
                .map(|r| SessionResult {
                    name: r.name,
                    path: r.path,
                    kind: r.kind.into(),
                    state: r.state.into(),
                    size_bytes: r.size_bytes,
                })
                .collect(),
        }
    }
}

/// What `compactSession` did.
#[derive(SimpleObject)]
pub struct SessionCompacted {
    /// The session, now COMPACTED.
    pub session: Session,
    /// Bytes the removed results held, as recorded.
    pub bytes_freed: i64,
    /// The results removed, by name.
    pub removed: Vec<String>,
}

/// A session as a pipeline reports it.
#[derive(InputObject)]
pub struct ReportSessionInput {
    #[graphql(default)]
    pub title: String,
    /// The preprocessing parameters, a JSON object; `{}` when not given.
    pub parameters: Option<Json<serde_json::Value>>,
    /// The workspace (by name) it belongs to; created on first use.
    pub workspace: Option<String>,
}

/// A result a session wrote into its folder.
#[derive(InputObject)]
pub struct SessionResultInput {
    /// The result's name; recorded again, it replaces the earlier one (this
    /// is how a restored session's results come back).
    pub name: String,
    /// Where it is, relative to the session's folder (`<project>/sessions/<uid>/`).
    pub path: String,
    pub kind: SessionResultKind,
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// A session of a project by uid; null when the project or the session
    /// does not exist or is not visible to the caller.
    async fn session(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<Option<Session>> {
        let r = request(ctx);
        match r.catalog.session(&r.scope, &project, &uid).await {
            Ok(s) => Ok(Some(s.into())),
            Err(CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }
}

/// The `sessions` field of a project.
pub(crate) async fn sessions_of(
    ctx: &Context<'_>,
    code: &str,
) -> async_graphql::Result<Vec<Session>> {
    let r = request(ctx);
    Ok(r.catalog
        .sessions(&r.scope, code)
        .await
        .gql()?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Reports a session (project depositors): it gets the next uid, status
    /// ACTIVE and an empty folder, `<project>/sessions/<uid>/`.
    async fn report_session(
        &self,
        ctx: &Context<'_>,
        project: String,
        input: ReportSessionInput,
    ) -> async_graphql::Result<Session> {
        let r = request(ctx);
        let new = catalog_sessions::NewSession {
            title: input.title,
            parameters: input
                .parameters
                .map_or_else(|| serde_json::json!({}), |p| p.0),
            workspace: input.workspace,
        };
        Ok(in_input(r.catalog.report_session(&r.scope, &project, new).await)?.into())
    }

    /// Records results a session wrote into its folder (project depositors),
    /// each measured on disk. Refused (CONFLICT) while it is compacted.
    async fn record_session_results(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        results: Vec<SessionResultInput>,
    ) -> async_graphql::Result<Session> {
        let r = request(ctx);
        let results = results
            .into_iter()
            .map(|res| catalog_sessions::NewSessionResult {
                name: res.name,
                path: res.path,
                kind: res.kind.into(),
            })
            .collect();
        Ok(by_uid(
            r.catalog
                .record_session_results(&r.scope, &project, &uid, results)
                .await,
        )?
        .into())
    }

    /// Replaces a session's preprocessing parameters (project depositors).
    /// Refused (CONFLICT) while it is compacted.
    async fn set_session_parameters(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
        parameters: Json<serde_json::Value>,
    ) -> async_graphql::Result<Session> {
        let r = request(ctx);
        Ok(by_uid(
            r.catalog
                .set_session_parameters(&r.scope, &project, &uid, parameters.0)
                .await,
        )?
        .into())
    }

    /// Marks an active session completed (project depositors): it may then
    /// be compacted.
    async fn complete_session(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<Session> {
        let r = request(ctx);
        Ok(by_uid(r.catalog.complete_session(&r.scope, &project, &uid).await)?.into())
    }

    /// Compacts a completed session (project depositors): its micrographs,
    /// CTF estimates and particle stacks are deleted; its parameters,
    /// particle locations and manual picks are kept; it cannot be modified
    /// until restored. Refused (CONFLICT) unless it is COMPLETED.
    async fn compact_session(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<SessionCompacted> {
        let r = request(ctx);
        let done = by_uid(r.catalog.compact_session(&r.scope, &project, &uid).await)?;
        Ok(SessionCompacted {
            session: done.session.into(),
            bytes_freed: int(done.bytes_freed),
            removed: done.removed,
        })
    }

    /// Restores a compacted session (project depositors): what compaction
    /// removed is marked for reprocessing, and it can be modified again.
    async fn restore_session(
        &self,
        ctx: &Context<'_>,
        project: String,
        uid: String,
    ) -> async_graphql::Result<Session> {
        let r = request(ctx);
        Ok(by_uid(r.catalog.restore_session(&r.scope, &project, &uid).await)?.into())
    }
}
