//! Projects: the object, queries and the managers' mutations.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use strata_catalog as catalog;
use strata_domain::records;

use super::context::request;
use super::dataset::DatasetConnection;
use super::filter::{DatasetFilter, DatasetOrder};
use super::vocabulary::{ProjectState, Role};
use crate::error::{IntoGraphql, bad_input};

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Project {
    /// Numeric uid within this instance; it changes when the project moves to another instance.
    pub uid: i32,
    /// Stable across instances.
    pub uuid: String,
    /// Short code, the `<ID>` of the project's dataset identifiers (e.g. ML, MX2485).
    pub code: String,
    /// What the project is about; its directory is named after it when created.
    pub title: String,
    /// Attached (in use), archived (read-only; its directory may be away) or
    /// detached (its directory may be attached to another instance).
    pub state: ProjectState,
    /// Until when the project's data stays private; null keeps it private until published.
    pub embargo_end: Option<DateTime<Utc>>,
    /// When the project was created (kept across instances).
    pub created_at: DateTime<Utc>,
}

/// A project directory's size on disk, as last measured (symlinked raw data
/// counts as the link, not what it points to).
#[derive(SimpleObject, Clone)]
pub struct ProjectStorage {
    /// All bytes under the project's directory.
    pub total_bytes: i64,
    /// The datasets' folders.
    pub datasets_bytes: i64,
    /// The `jobs` folder.
    pub jobs_bytes: i64,
    /// The `sessions` folder.
    pub sessions_bytes: i64,
    /// Everything else: the export, the lock file, other files.
    pub other_bytes: i64,
    /// When the directory was measured.
    pub computed_at: DateTime<Utc>,
    /// Data changed since it was measured (`refreshProjectStorage` measures again).
    pub stale: bool,
}

impl ProjectStorage {
    /// The figures, or none when the directory was never measured.
    pub fn measured(s: &catalog::ProjectStorage) -> Option<Self> {
        s.computed_at.map(|at| Self::at(s, at))
    }

    /// The figures, measured at `computed_at`.
    pub fn at(s: &catalog::ProjectStorage, computed_at: DateTime<Utc>) -> Self {
        let bytes = |b: u64| i64::try_from(b).unwrap_or(i64::MAX);
        Self {
            total_bytes: bytes(s.total_bytes),
            datasets_bytes: bytes(s.datasets_bytes),
            jobs_bytes: bytes(s.jobs_bytes),
            sessions_bytes: bytes(s.sessions_bytes),
            other_bytes: bytes(s.other_bytes),
            computed_at,
            stale: s.stale,
        }
    }
}

impl From<records::Project> for Project {
    fn from(p: records::Project) -> Self {
        Self {
            uid: p.uid,
            uuid: p.uuid.to_string(),
            code: p.code.to_string(),
            title: p.title,
            state: p.state.into(),
            embargo_end: p.embargo_end,
            created_at: p.created_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct Member {
    /// The member's user name.
    pub user: String,
    /// What the member may do in the project.
    pub role: Role,
}

#[ComplexObject]
impl Project {
    /// The project's members; listed to members and facility admins only.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Member>> {
        let r = request(ctx);
        let members = r.catalog.members(&r.scope, self.uid).await.gql()?;
        Ok(members
            .into_iter()
            .map(|m| Member {
                user: m.user,
                role: m.role.into(),
            })
            .collect())
    }

    /// The project directory's size on disk, as last measured; null when it
    /// was never measured (`refreshProjectStorage` measures it).
    async fn storage(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProjectStorage>> {
        let r = request(ctx);
        match r.catalog.project_storage(&r.scope, &self.code).await {
            Ok(s) => Ok(ProjectStorage::measured(&s)),
            Err(catalog::CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }

    /// The project's jobs (CryoSPARC's), in order of reporting, with their
    /// status, finality, results and sizes on disk.
    async fn jobs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::job::Job>> {
        super::job::jobs_of(ctx, &self.code).await
    }

    /// The project's sessions (CryoSPARC Live's), in order of reporting, with
    /// their status, results and sizes on disk.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::session::Session>> {
        super::session::sessions_of(ctx, &self.code).await
    }

    /// The project's publications the caller may see (drafts only to
    /// members), by number.
    async fn publications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::publication::Publication>> {
        super::publication::publications_of(ctx, &self.code).await
    }

    /// The project's datasets that the caller may see (the `datasets` query, within this project).
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).min(500) as usize * child_complexity + 10"
    )]
    // A resolver's parameters are the field's GraphQL arguments (Relay's four and two more).
    #[allow(clippy::too_many_arguments)]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
        order_by: Option<DatasetOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<DatasetConnection> {
        let filter = DatasetFilter {
            project: Some(self.code.clone()),
            ..filter.unwrap_or_default()
        };
        super::dataset::search(
            ctx,
            filter,
            order_by.unwrap_or_default(),
            first,
            after,
            last,
            before,
        )
        .await
    }
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// A project by code; null when it does not exist or is not visible to the caller.
    async fn project(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Option<Project>> {
        let r = request(ctx);
        match r.catalog.project(&r.scope, &code).await {
            Ok(p) => Ok(Some(p.into())),
            Err(catalog::CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }

    /// The projects visible to the caller, by code.
    async fn projects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Project>> {
        let r = request(ctx);
        Ok(r.catalog
            .projects(&r.scope)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Short code, the `<ID>` of the project's dataset identifiers (e.g. ML, MX2485).
    pub code: String,
    pub title: String,
    /// Until when the project's data stays private.
    pub embargo_end: Option<DateTime<Utc>>,
    /// A folder inside the server's projects directory to make the
    /// project's directory in (e.g. `cryo-em/2022`); the projects directory
    /// itself when not given.
    pub container: Option<String>,
}

#[derive(InputObject)]
pub struct AddMemberInput {
    pub project: String,
    pub user: String,
    pub role: Role,
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project (facility admins).
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> async_graphql::Result<Project> {
        let r = request(ctx);
        let new = catalog::NewProject {
            code: input.code.parse().map_err(|e| bad_input("input.code", e))?,
            title: input.title,
            embargo_end: input.embargo_end,
        };
        Ok(r.catalog
            .create_project_in(&r.scope, new, input.container.as_deref())
            .await
            .gql_in("input")?
            .into())
    }

    /// Adds a member to a project, or changes their role (project managers).
    async fn add_member(
        &self,
        ctx: &Context<'_>,
        input: AddMemberInput,
    ) -> async_graphql::Result<Member> {
        let r = request(ctx);
        let user = input.user.parse().map_err(|e| bad_input("input.user", e))?;
        let m = r
            .catalog
            .add_member(&r.scope, &input.project, &user, input.role.into())
            .await
            .gql_in("input")?;
        Ok(Member {
            user: m.user,
            role: m.role.into(),
        })
    }

    /// Sets or lifts the embargo: the project's datasets become public at its end.
    async fn set_embargo(
        &self,
        ctx: &Context<'_>,
        project: String,
        embargo_end: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Project> {
        let r = request(ctx);
        Ok(r.catalog
            .set_embargo(&r.scope, &project, embargo_end)
            .await
            .gql()?
            .into())
    }
}
