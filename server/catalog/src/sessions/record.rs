//! Sessions as pipelines report them: created, their results measured on
//! disk as they are recorded, their parameters kept, completed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use super::{
    NewSession, NewSessionResult, Session, SessionResultRecord, SessionResultState, SessionStatus,
};
use crate::datafiles::check_relative_path;
use crate::entity::{project, session, session_result, workspace};
use crate::events::Event;
use crate::jobs::issue_uid;
use crate::project_dir::{blocking, bytes_on_disk};
use crate::{Catalog, CatalogError, Result, Scope};

impl Catalog {
    pub(crate) async fn session_model(
        &self,
        db: &impl ConnectionTrait,
        project: &project::Model,
        uid: &str,
    ) -> Result<session::Model> {
        session::Entity::find()
            .filter(session::Column::ProjectId.eq(project.id))
            .filter(session::Column::Uid.eq(uid))
            .one(db)
            .await?
            .ok_or_else(|| {
                CatalogError::not_found(
                    Some("session"),
                    format!("no session {uid} in {}", project.code),
                )
            })
    }

    /// The folder of a session inside its project: `<project>/sessions/<uid>`.
    pub(crate) fn session_folder(project: &project::Model, uid: &str) -> PathBuf {
        Path::new(&project.directory).join("sessions").join(uid)
    }

    /// A session that may change: a compacted one is frozen until restored.
    pub(crate) fn require_modifiable(row: &session::Model) -> Result<SessionStatus> {
        let status: SessionStatus = row.status.parse().map_err(crate::auth::corrupt)?;
        if status == SessionStatus::Compacted {
            return Err(CatalogError::conflict(
                Some("session"),
                format!(
                    "{} is compacted: it cannot be modified until it is restored",
                    row.uid
                ),
            ));
        }
        Ok(status)
    }

    /// Creates a session (status `active`) with the next uid (`S1`, `S2`, …)
    /// and its folder.
    pub async fn report_session(
        &self,
        scope: &Scope,
        code: &str,
        new: NewSession,
    ) -> Result<Session> {
        let project = self.job_project(scope, code, "reporting sessions").await?;
        if !new.parameters.is_object() {
            return Err(CatalogError::invalid(
                "parameters",
                format!("must be a JSON object, not {}", new.parameters),
            ));
        }
        let txn = self.db.begin().await?;
        let number = issue_uid(&txn, project.id, project::Column::SessionsReported).await?;
        let uid = format!("S{number}");
        let now = crate::now();
        let workspace_id = match &new.workspace {
            None => None,
            Some(name) => Some(self.workspace_for(&txn, &project, name).await?.id),
        };
        session::ActiveModel {
            project_id: Set(project.id),
            uid: Set(uid.clone()),
            title: Set(new.title.clone()),
            workspace_id: Set(workspace_id),
            status: Set(SessionStatus::Active.as_str().to_owned()),
            parameters: Set(new.parameters.clone()),
            size_bytes: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            completed_at: Set(None),
            compacted_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Event::new(scope, "session.report", "session", &format!("{code}/{uid}"))
            .project(project.id)
            .record(&txn)
            .await?;
        let folder = Self::session_folder(&project, &uid);
        blocking(move || std::fs::create_dir_all(&folder))
            .await
            .map_err(|e| CatalogError::Filesystem(format!("creating the folder of {uid}: {e}")))?;
        txn.commit().await?;
        self.export_session_after_change(&project, &uid).await;
        self.session(scope, code, &uid).await
    }

    /// Records results a session wrote into its folder, each measured on
    /// disk; the session's size is their sum. A result recorded again under
    /// its name replaces the earlier one: this is how a restored session's
    /// results come back, and once none waits any more the session is
    /// completed again.
    pub async fn record_session_results(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        results: Vec<NewSessionResult>,
    ) -> Result<Session> {
        let project = self
            .job_project(scope, code, "recording session results")
            .await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        let status = Self::require_modifiable(&row)?;
        let folder = Self::session_folder(&project, uid);
        let mut names = BTreeMap::new();
        for (i, r) in results.iter().enumerate() {
            check_relative_path(&format!("results[{i}].path"), &r.path)?;
            if r.name.trim().is_empty() || r.name.len() > 200 {
                return Err(CatalogError::invalid(
                    format!("results[{i}].name"),
                    "must be 1 to 200 characters",
                ));
            }
            if let Some(first) = names.insert(r.name.as_str(), i) {
                return Err(CatalogError::invalid(
                    format!("results[{i}].name"),
                    format!("{} is also results[{first}]", r.name),
                ));
            }
            if !folder.join(&r.path).exists() {
                return Err(CatalogError::invalid(
                    format!("results[{i}].path"),
                    format!("{} is not in the folder of {uid}", r.path),
                ));
            }
        }
        let sizes = {
            let paths: Vec<PathBuf> = results.iter().map(|r| folder.join(&r.path)).collect();
            blocking(move || paths.iter().map(|p| bytes_on_disk(p)).collect::<Vec<_>>()).await
        };
        let txn = self.db.begin().await?;
        let now = crate::now();
        for (r, size) in results.iter().zip(&sizes) {
            session_result::Entity::delete_many()
                .filter(session_result::Column::SessionId.eq(row.id))
                .filter(session_result::Column::Name.eq(r.name.as_str()))
                .exec(&txn)
                .await?;
            session_result::ActiveModel {
                session_id: Set(row.id),
                name: Set(r.name.clone()),
                path: Set(r.path.clone()),
                kind: Set(r.kind.as_str().to_owned()),
                state: Set(SessionResultState::Present.as_str().to_owned()),
                size_bytes: Set(*size as i64),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let all = session_result::Entity::find()
            .filter(session_result::Column::SessionId.eq(row.id))
            .all(&txn)
            .await?;
        let total: i64 = all.iter().map(|r| r.size_bytes).sum();
        let waiting = all
            .iter()
            .filter(|r| r.state == SessionResultState::Reprocessing.as_str())
            .count();
        let mut active: session::ActiveModel = row.clone().into();
        active.size_bytes = Set(total);
        active.updated_at = Set(now);
        if status == SessionStatus::Restoring && waiting == 0 {
            active.status = Set(SessionStatus::Completed.as_str().to_owned());
        }
        active.update(&txn).await?;
        Event::new(
            scope,
            "session.results",
            "session",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .details(serde_json::json!({
            "results": results.len(), "size_bytes": total, "waiting": waiting,
        }))
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.mark_size_stale(project.id).await;
        self.export_session_after_change(&project, uid).await;
        self.session(scope, code, uid).await
    }

    /// Replaces a session's preprocessing parameters.
    pub async fn set_session_parameters(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
        parameters: serde_json::Value,
    ) -> Result<Session> {
        let project = self
            .job_project(scope, code, "changing session parameters")
            .await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        Self::require_modifiable(&row)?;
        if !parameters.is_object() {
            return Err(CatalogError::invalid(
                "parameters",
                format!("must be a JSON object, not {parameters}"),
            ));
        }
        let txn = self.db.begin().await?;
        let mut active: session::ActiveModel = row.into();
        active.parameters = Set(parameters);
        active.updated_at = Set(crate::now());
        active.update(&txn).await?;
        Event::new(
            scope,
            "session.parameters",
            "session",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.export_session_after_change(&project, uid).await;
        self.session(scope, code, uid).await
    }

    /// Marks an active session completed: acquisition and preprocessing are
    /// over, and it may be compacted.
    pub async fn complete_session(&self, scope: &Scope, code: &str, uid: &str) -> Result<Session> {
        let project = self.job_project(scope, code, "completing sessions").await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        match Self::require_modifiable(&row)? {
            SessionStatus::Active => {}
            SessionStatus::Completed => return self.session(scope, code, uid).await,
            SessionStatus::Restoring => {
                return Err(CatalogError::conflict(
                    Some("session"),
                    format!(
                        "{uid} is being restored: it completes once every removed result is recorded again"
                    ),
                ));
            }
            SessionStatus::Compacted => unreachable!("refused by require_modifiable"),
        }
        let txn = self.db.begin().await?;
        let now = crate::now();
        let mut active: session::ActiveModel = row.into();
        active.status = Set(SessionStatus::Completed.as_str().to_owned());
        active.completed_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        Event::new(
            scope,
            "session.complete",
            "session",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.export_session_after_change(&project, uid).await;
        self.session(scope, code, uid).await
    }

    /// One session with its results.
    pub async fn session(&self, scope: &Scope, code: &str, uid: &str) -> Result<Session> {
        let project = self.project_model(scope, "project", code).await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        Ok(self.sessions_of(&project, Some(row.id)).await?.remove(0))
    }

    /// The sessions of a project, in order of creation.
    pub async fn sessions(&self, scope: &Scope, code: &str) -> Result<Vec<Session>> {
        let project = self.project_model(scope, "project", code).await?;
        self.sessions_of(&project, None).await
    }

    pub(crate) async fn sessions_of(
        &self,
        project: &project::Model,
        only: Option<i32>,
    ) -> Result<Vec<Session>> {
        let mut query = session::Entity::find().filter(session::Column::ProjectId.eq(project.id));
        if let Some(id) = only {
            query = query.filter(session::Column::Id.eq(id));
        }
        let rows = query
            .order_by_asc(session::Column::Id)
            .all(&self.db)
            .await?;
        let workspaces: HashMap<i32, String> = workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(project.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id, w.name))
            .collect();
        let mut results: HashMap<i32, Vec<SessionResultRecord>> = HashMap::new();
        for r in session_result::Entity::find()
            .filter(session_result::Column::SessionId.is_in(rows.iter().map(|s| s.id)))
            .order_by_asc(session_result::Column::Name)
            .all(&self.db)
            .await?
        {
            results
                .entry(r.session_id)
                .or_default()
                .push(SessionResultRecord {
                    kind: r.kind.parse().map_err(crate::auth::corrupt)?,
                    state: r.state.parse().map_err(crate::auth::corrupt)?,
                    name: r.name,
                    path: r.path,
                    size_bytes: r.size_bytes,
                });
        }
        rows.into_iter()
            .map(|r| {
                Ok(Session {
                    status: r.status.parse().map_err(crate::auth::corrupt)?,
                    workspace: r.workspace_id.and_then(|w| workspaces.get(&w).cloned()),
                    results: results.remove(&r.id).unwrap_or_default(),
                    uid: r.uid,
                    title: r.title,
                    parameters: r.parameters,
                    size_bytes: r.size_bytes,
                    created_at: r.created_at,
                    completed_at: r.completed_at,
                    compacted_at: r.compacted_at,
                })
            })
            .collect()
    }

    /// A workspace of the project by name, created on first use.
    pub(crate) async fn workspace_for(
        &self,
        db: &impl ConnectionTrait,
        project: &project::Model,
        name: &str,
    ) -> Result<workspace::Model> {
        if let Some(ws) = workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(project.id))
            .filter(workspace::Column::Name.eq(name))
            .one(db)
            .await?
        {
            return Ok(ws);
        }
        Ok(workspace::ActiveModel {
            project_id: Set(project.id),
            name: Set(name.to_owned()),
            created_at: Set(crate::now()),
            ..Default::default()
        }
        .insert(db)
        .await?)
    }
}
