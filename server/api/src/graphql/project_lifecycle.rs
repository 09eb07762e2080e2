//! Project directories' lifecycle (facility admins, CryoSPARC's data
//! management): detach, attach (and rescue), archive, unarchive from a new
//! path, the export on demand and the size on disk. Paths are the server's.

use async_graphql::{Context, Object, SimpleObject};
use strata_catalog::{self as catalog, CatalogError};

use super::context::{RequestContext, request};
use super::project::{Project, ProjectStorage};
use crate::error::IntoGraphql;

/// What `detachProject` did.
#[derive(SimpleObject)]
pub struct DetachedProject {
    /// The project, now DETACHED here: it can no longer be used in this instance.
    pub project: Project,
    /// The project's directory, now without a lock: attach it in another
    /// instance, or here again.
    pub directory: String,
    /// Datasets written into the final export.
    pub datasets: i32,
}

/// What `attachProject` did.
#[derive(SimpleObject)]
pub struct AttachedProject {
    /// The project, ATTACHED here with a new uid.
    pub project: Project,
    /// The directory it was attached from (as the server resolved it).
    pub directory: String,
    /// Datasets brought in from the directory's export.
    pub datasets: i32,
    /// With `rescue`: where the lock of the instance that held the directory
    /// was set aside (`strata.lock.rescued-<time>`); null otherwise.
    pub rescued_lock: Option<String>,
}

/// What `exportProject` did.
#[derive(SimpleObject)]
pub struct ExportedProject {
    /// The project whose export was rewritten.
    pub project: Project,
    /// Datasets written into the export.
    pub datasets: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The catalog blames `project` for the project it looked up by code; these
/// mutations call that argument `code`, and `extensions.field` names arguments.
fn by_code<T>(result: catalog::Result<T>) -> async_graphql::Result<T> {
    result
        .map_err(|err| match err {
            CatalogError::NotFound {
                field: Some(f),
                message,
            } if f == "project" => CatalogError::NotFound {
                field: Some("code".into()),
                message,
            },
            CatalogError::Conflict {
                field: Some(f),
                message,
            } if f == "project" => CatalogError::Conflict {
                field: Some("code".into()),
                message,
            },
            other => other,
        })
        .gql()
}

/// The project as it is after a lifecycle action.
async fn project_now(r: &RequestContext, code: &str) -> async_graphql::Result<Project> {
    Ok(by_code(r.catalog.project(&r.scope, code).await)?.into())
}

#[derive(Default)]
pub struct ProjectLifecycleMutation;

#[Object]
impl ProjectLifecycleMutation {
    /// Detaches a project (facility admins): nothing may be ingesting or
    /// running in it; its final export is written and its lock removed, so
    /// that its directory can be attached to another instance.
    async fn detach_project(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<DetachedProject> {
        let r = request(ctx);
        let report = by_code(r.catalog.detach_project(&r.scope, &code).await)?;
        Ok(DetachedProject {
            project: project_now(r, &code).await?,
            directory: report.directory.to_string_lossy().into_owned(),
            datasets: count(report.datasets),
        })
    }

    /// Attaches a project directory (facility admins): `path` is a directory
    /// on the server, inside its projects directory, holding a strata
    /// export and no other instance's lock. The project gets a new uid here.
    /// `rescue` attaches it even though its lock names another instance,
    /// which must be gone for good; that lock is set aside.
    async fn attach_project(
        &self,
        ctx: &Context<'_>,
        path: String,
        #[graphql(default)] rescue: bool,
    ) -> async_graphql::Result<AttachedProject> {
        let r = request(ctx);
        let attached = r
            .catalog
            .attach_project(&r.scope, std::path::Path::new(&path), rescue)
            .await
            .gql()?;
        Ok(AttachedProject {
            project: project_now(r, &attached.code).await?,
            directory: attached.directory.to_string_lossy().into_owned(),
            datasets: count(attached.datasets),
            rescued_lock: attached
                .rescued_lock
                .map(|p| p.to_string_lossy().into_owned()),
        })
    }

    /// Archives a project (facility admins): it becomes read-only and keeps
    /// its lock; its directory may then be moved away until unarchived.
    async fn archive_project(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Project> {
        let r = request(ctx);
        by_code(r.catalog.archive_project(&r.scope, &code).await)?;
        project_now(r, &code).await
    }

    /// Brings an archived project back (facility admins), from `path`, its
    /// directory now (on the server, inside its projects directory):
    /// how a project is moved or renamed. Only the instance that archived it
    /// may unarchive it.
    async fn unarchive_project(
        &self,
        ctx: &Context<'_>,
        code: String,
        path: String,
    ) -> async_graphql::Result<Project> {
        let r = request(ctx);
        by_code(
            r.catalog
                .unarchive_project(&r.scope, &code, std::path::Path::new(&path))
                .await,
        )?;
        project_now(r, &code).await
    }

    /// Rewrites the whole export of an attached project into its directory
    /// (facility admins).
    async fn export_project(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<ExportedProject> {
        let r = request(ctx);
        let datasets = by_code(r.catalog.export_project(&r.scope, &code).await)?;
        Ok(ExportedProject {
            project: project_now(r, &code).await?,
            datasets: count(datasets),
        })
    }

    /// Measures a project directory's size on disk again and stores it
    /// (facility admins).
    async fn refresh_project_storage(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<ProjectStorage> {
        let r = request(ctx);
        let storage = by_code(r.catalog.refresh_project_storage(&r.scope, &code).await)?;
        // Just measured: the catalog always sets the time, and now is as good.
        let at = storage.computed_at.unwrap_or_else(chrono::Utc::now);
        Ok(ProjectStorage::at(&storage, at))
    }
}
