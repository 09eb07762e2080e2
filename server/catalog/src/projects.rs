//! Projects, their members and their embargo.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use strata_domain::records::{self, Member};
use strata_domain::{ProjectCode, ProjectState, Role, UserName};

use crate::convert;
use crate::entity::{dataset, membership, project, user};
use crate::events::Event;
use crate::{Catalog, CatalogError, Result, Scope};

const MAX_TITLE: usize = 500;

#[derive(Debug, Clone)]
pub struct NewProject {
    pub code: ProjectCode,
    pub title: String,
    /// Until when the project's data stays private; `None` keeps it private
    /// until it is published.
    pub embargo_end: Option<DateTime<Utc>>,
}

/// The directory name of a project: `ST-` and a slug of its title, as
/// CryoSPARC names project directories (`ST-my-protein-data-collection`).
pub(crate) fn directory_name(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(80).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "ST-project".to_owned()
    } else {
        format!("ST-{slug}")
    }
}

impl Catalog {
    /// Creates a project with its directory directly under the projects root.
    pub async fn create_project(&self, scope: &Scope, new: NewProject) -> Result<records::Project> {
        self.create_project_in(scope, new, None).await
    }

    /// Creates a project with its directory in `container`, a folder inside
    /// the projects root (`cryo-em/2022`) chosen by the data manager, made
    /// when missing (seed 000: project directories live in a container
    /// directory chosen at creation).
    pub async fn create_project_in(
        &self,
        scope: &Scope,
        new: NewProject,
        container: Option<&str>,
    ) -> Result<records::Project> {
        scope.require_admin("creating a project")?;
        let container = match container.filter(|c| !c.trim().is_empty()) {
            Some(c) => {
                let c = c.trim_end_matches('/');
                crate::datafiles::check_relative_path("container", c)?;
                self.projects_root.join(c)
            }
            None => self.projects_root.clone(),
        };
        let title = new.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            return Err(CatalogError::invalid(
                "title",
                format!("must be 1 to {MAX_TITLE} characters"),
            ));
        }
        let txn = self.db.begin().await?;
        if project::Entity::find()
            .filter(project::Column::Code.eq(new.code.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(CatalogError::conflict(
                Some("code"),
                format!("a project with code {} already exists", new.code),
            ));
        }
        // A title that slugs to a directory already in use gets a numbered name.
        let base = container.join(directory_name(title));
        let mut directory = base.clone();
        for n in 2.. {
            // Taken in the catalog, or on disk (another instance's project, a
            // detached one): never an overwrite.
            let taken = directory.exists()
                || project::Entity::find()
                    .filter(project::Column::Directory.eq(directory.to_string_lossy().as_ref()))
                    .one(&txn)
                    .await?
                    .is_some();
            if !taken {
                break;
            }
            directory = base.with_file_name(format!(
                "{}-{n}",
                base.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
        let now = Utc::now();
        let row = project::ActiveModel {
            uuid: Set(uuid::Uuid::new_v4()),
            code: Set(new.code.to_string()),
            title: Set(title.to_owned()),
            directory: Set(directory.to_string_lossy().into_owned()),
            state: Set(ProjectState::Attached.as_str().to_owned()),
            embargo_end: Set(new.embargo_end),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Event::new(scope, "project.create", "project", new.code.as_str())
            .project(row.id)
            .details(serde_json::json!({ "title": title, "directory": row.directory, "embargo_end": new.embargo_end }))
            .record(&txn)
            .await?;
        // The directory, its lock and first export exist before the row is
        // committed; a failure on either side leaves neither.
        self.create_project_directory(&row).await?;
        if let Err(err) = txn.commit().await {
            let dir = std::path::PathBuf::from(&row.directory);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(err.into());
        }
        convert::project(row)
    }

    /// A project by code, if the caller may see it. A private project of
    /// someone else is "not found", exactly like one that does not exist.
    pub async fn project(&self, scope: &Scope, code: &str) -> Result<records::Project> {
        self.project_model(scope, "code", code)
            .await
            .and_then(convert::project)
    }

    pub(crate) async fn project_model(
        &self,
        scope: &Scope,
        field: &str,
        code: &str,
    ) -> Result<project::Model> {
        let mut query = project::Entity::find().filter(project::Column::Code.eq(code));
        if let Some(visible) = scope.projects() {
            query = query.filter(visible);
        }
        query.one(&self.db).await?.ok_or_else(|| {
            CatalogError::not_found(Some(field), format!("no project with code {code:?}"))
        })
    }

    pub async fn projects(&self, scope: &Scope) -> Result<Vec<records::Project>> {
        let mut query = project::Entity::find().order_by_asc(project::Column::Code);
        if let Some(visible) = scope.projects() {
            query = query.filter(visible);
        }
        query
            .all(&self.db)
            .await?
            .into_iter()
            .map(convert::project)
            .collect()
    }

    pub async fn projects_by_uid(
        &self,
        scope: &Scope,
        uids: &[i32],
    ) -> Result<Vec<records::Project>> {
        let mut query =
            project::Entity::find().filter(project::Column::Id.is_in(uids.iter().copied()));
        if let Some(visible) = scope.projects() {
            query = query.filter(visible);
        }
        query
            .all(&self.db)
            .await?
            .into_iter()
            .map(convert::project)
            .collect()
    }

    /// Adds a member or changes their role.
    pub async fn add_member(
        &self,
        scope: &Scope,
        code: &str,
        user_name: &UserName,
        role: Role,
    ) -> Result<Member> {
        let project = self.project_model(scope, "project", code).await?;
        scope.require_role(project.id, Role::Manager, "adding members")?;
        // A detached or archived project's directory is the record: a change
        // here would be lost (detached) or break read-only (archived).
        self.require_attached_project(&project)?;
        let txn = self.db.begin().await?;
        let user = user::Entity::find()
            .filter(user::Column::Name.eq(user_name.as_str()))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                CatalogError::not_found(Some("user"), format!("no user named {user_name}"))
            })?;
        let existing = membership::Entity::find_by_id((project.id, user.id))
            .one(&txn)
            .await?;
        match existing {
            Some(m) => {
                let mut active: membership::ActiveModel = m.into();
                active.role = Set(role.as_str().to_owned());
                active.update(&txn).await?;
            }
            None => {
                membership::ActiveModel {
                    project_id: Set(project.id),
                    user_id: Set(user.id),
                    role: Set(role.as_str().to_owned()),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await?;
            }
        }
        Event::new(scope, "project.member", "project", code)
            .project(project.id)
            .details(serde_json::json!({ "user": user_name.as_str(), "role": role.as_str() }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_after_change(project.id, None).await;
        Ok(Member {
            user: user_name.to_string(),
            role,
        })
    }

    /// The members of a project: names of people, for members and admins only.
    pub async fn members(&self, scope: &Scope, project_uid: i32) -> Result<Vec<Member>> {
        if !scope.can_see_members(project_uid) {
            return Err(CatalogError::Forbidden(
                "a project's members are listed to its members only".into(),
            ));
        }
        let rows = membership::Entity::find()
            .filter(membership::Column::ProjectId.eq(project_uid))
            .all(&self.db)
            .await?;
        let users: std::collections::HashMap<i32, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut members = rows
            .into_iter()
            .map(|m| {
                Ok(Member {
                    user: users.get(&m.user_id).cloned().unwrap_or_default(),
                    role: m.role.parse().map_err(crate::auth::corrupt)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        members.sort_by(|a, b| a.user.cmp(&b.user));
        Ok(members)
    }

    /// Sets or lifts a project's embargo. Its datasets become public at the
    /// embargo's end (denormalised onto each dataset, so that the access
    /// condition needs no join).
    pub async fn set_embargo(
        &self,
        scope: &Scope,
        code: &str,
        embargo_end: Option<DateTime<Utc>>,
    ) -> Result<records::Project> {
        let project = self.project_model(scope, "code", code).await?;
        scope.require_role(project.id, Role::Manager, "setting the embargo")?;
        self.require_attached_project(&project)?;
        let txn = self.db.begin().await?;
        let mut active: project::ActiveModel = project.clone().into();
        active.embargo_end = Set(embargo_end);
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        dataset::Entity::update_many()
            .col_expr(dataset::Column::PublicFrom, Expr::value(embargo_end))
            .filter(dataset::Column::ProjectId.eq(project.id))
            .exec(&txn)
            .await?;
        Event::new(scope, "project.embargo", "project", code)
            .project(project.id)
            .details(serde_json::json!({ "embargo_end": embargo_end }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_after_change(project.id, None).await;
        convert::project(row)
    }
}

#[cfg(test)]
mod tests {
    use super::directory_name;

    #[test]
    fn directories_are_named_from_titles() {
        assert_eq!(
            directory_name("My protein: data collection, October 1 2022"),
            "ST-my-protein-data-collection-october-1-2022"
        );
        assert_eq!(directory_name("  ***  "), "ST-project");
        assert_eq!(directory_name("Über--Struktur"), "ST-ber-struktur");
    }
}
