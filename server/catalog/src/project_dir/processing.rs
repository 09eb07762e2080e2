//! The processing half of a project's export: its workspaces, jobs and
//! sessions. Written after every change to one of them, read and checked
//! whole before an attach writes anything, and imported in the attach's
//! transaction.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use strata_domain::ProjectState;

use super::format::{
    FORMAT_VERSION, JobFile, JobInputEntry, JobResultEntry, SessionFile, SessionResultEntry,
};
use super::{blocking, jobs_dir, sessions_dir, write_atomic};
use crate::datafiles::check_relative_path;
use crate::entity::{
    job, job_input, job_result, job_workspace, project, session, session_result, workspace,
};
use crate::jobs::plan::{Category, Status};
use crate::sessions::{SessionResultKind, SessionResultState, SessionStatus};
use crate::{Catalog, CatalogError, Result};

/// The number in a uid such as `J12` or `S3`, when it is one.
pub(crate) fn uid_number(uid: &str, prefix: char) -> Option<i64> {
    let digits = uid.strip_prefix(prefix)?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Catalog {
    async fn job_export(&self, row: &job::Model) -> Result<JobFile> {
        let uids: HashMap<i64, String> = job::Entity::find()
            .filter(job::Column::ProjectId.eq(row.project_id))
            .select_only()
            .columns([job::Column::Id, job::Column::Uid])
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut inputs: Vec<JobInputEntry> = job_input::Entity::find()
            .filter(job_input::Column::JobId.eq(row.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| JobInputEntry {
                job: uids.get(&i.upstream_job_id).cloned().unwrap_or_default(),
                results: serde_json::from_value(i.results).unwrap_or_default(),
            })
            .collect();
        inputs.sort_by(|a, b| a.job.cmp(&b.job));
        let names: HashMap<i32, String> = workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(row.project_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| (w.id, w.name))
            .collect();
        let mut workspaces: Vec<String> = job_workspace::Entity::find()
            .filter(job_workspace::Column::JobId.eq(row.id))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|w| names.get(&w.workspace_id).cloned())
            .collect();
        workspaces.sort();
        let results = job_result::Entity::find()
            .filter(job_result::Column::JobId.eq(row.id))
            .order_by_asc(job_result::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| JobResultEntry {
                name: r.name,
                path: r.path,
                intermediate: r.intermediate,
                size_bytes: r.size_bytes,
                created_at: r.created_at,
            })
            .collect();
        Ok(JobFile {
            format_version: FORMAT_VERSION,
            uid: row.uid.clone(),
            title: row.title.clone(),
            job_type: row.job_type.clone(),
            category: row.category.clone(),
            status: row.status.clone(),
            parameters: row.parameters.clone(),
            is_final: row.is_final,
            inputs_unavailable: row.inputs_unavailable,
            size_bytes: row.size_bytes,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
            inputs,
            workspaces,
            results,
        })
    }

    async fn session_export(&self, row: &session::Model) -> Result<SessionFile> {
        let workspace = match row.workspace_id {
            Some(id) => workspace::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .map(|w| w.name),
            None => None,
        };
        let results = session_result::Entity::find()
            .filter(session_result::Column::SessionId.eq(row.id))
            .order_by_asc(session_result::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| SessionResultEntry {
                name: r.name,
                path: r.path,
                kind: r.kind,
                state: r.state,
                size_bytes: r.size_bytes,
                created_at: r.created_at,
            })
            .collect();
        Ok(SessionFile {
            format_version: FORMAT_VERSION,
            uid: row.uid.clone(),
            title: row.title.clone(),
            workspace,
            status: row.status.clone(),
            parameters: row.parameters.clone(),
            size_bytes: row.size_bytes,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
            compacted_at: row.compacted_at,
            results,
        })
    }

    /// Writes the project's file and the files of the jobs `uids`; the file
    /// of a job no longer in the catalog is removed.
    pub(crate) async fn write_jobs_export(
        &self,
        project: &project::Model,
        uids: &[String],
    ) -> Result<()> {
        self.write_export(project, None).await?;
        let dir = jobs_dir(Path::new(&project.directory));
        let mut writes: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
        for uid in uids {
            let row = job::Entity::find()
                .filter(job::Column::ProjectId.eq(project.id))
                .filter(job::Column::Uid.eq(uid.as_str()))
                .one(&self.db)
                .await?;
            let bytes = match row {
                Some(row) => Some(
                    serde_json::to_vec_pretty(&self.job_export(&row).await?)
                        .expect("an export serialises"),
                ),
                None => None,
            };
            writes.push((dir.join(format!("{uid}.json")), bytes));
        }
        write_or_remove(writes, &project.code).await
    }

    pub(crate) async fn write_session_export(
        &self,
        project: &project::Model,
        uid: &str,
    ) -> Result<()> {
        self.write_export(project, None).await?;
        let row = self.session_model(&self.db, project, uid).await?;
        let bytes = serde_json::to_vec_pretty(&self.session_export(&row).await?)
            .expect("an export serialises");
        let path = sessions_dir(Path::new(&project.directory)).join(format!("{uid}.json"));
        write_or_remove(vec![(path, Some(bytes))], &project.code).await
    }

    /// Continuous export after jobs changed. Like every continuous export,
    /// a failure does not undo the change; it is logged loudly.
    pub(crate) async fn export_jobs_after_change(&self, project_id: i32, uids: &[String]) {
        let result = async {
            match attached(&self.db, project_id).await? {
                Some(project) => self.write_jobs_export(&project, uids).await,
                None => Ok(()),
            }
        }
        .await;
        if let Err(err) = result {
            tracing::error!(error = %err, project_id, "continuous export of jobs failed; run `strata project export`");
        }
    }

    pub(crate) async fn export_session_after_change(&self, project: &project::Model, uid: &str) {
        let result = async {
            match attached(&self.db, project.id).await? {
                Some(project) => self.write_session_export(&project, uid).await,
                None => Ok(()),
            }
        }
        .await;
        if let Err(err) = result {
            tracing::error!(error = %err, code = project.code, uid, "continuous export of a session failed; run `strata project export`");
        }
    }

    /// Every job and session file, and none for what is gone.
    pub(crate) async fn write_full_processing_export(
        &self,
        project: &project::Model,
    ) -> Result<(usize, usize)> {
        let jobs: Vec<String> = job::Entity::find()
            .filter(job::Column::ProjectId.eq(project.id))
            .order_by_asc(job::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| j.uid)
            .collect();
        self.write_jobs_export(project, &jobs).await?;
        let sessions: Vec<String> = session::Entity::find()
            .filter(session::Column::ProjectId.eq(project.id))
            .order_by_asc(session::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| s.uid)
            .collect();
        for uid in &sessions {
            self.write_session_export(project, uid).await?;
        }
        let dir = Path::new(&project.directory).to_owned();
        let keep: (BTreeSet<String>, BTreeSet<String>) = (
            jobs.iter().map(|u| format!("{u}.json")).collect(),
            sessions.iter().map(|u| format!("{u}.json")).collect(),
        );
        blocking(move || -> std::io::Result<()> {
            prune(&jobs_dir(&dir), &keep.0)?;
            prune(&sessions_dir(&dir), &keep.1)
        })
        .await
        .map_err(|e| {
            CatalogError::Filesystem(format!("pruning the export of {}: {e}", project.code))
        })?;
        Ok((jobs.len(), sessions.len()))
    }
}

/// The project, when it is attached: an archived or detached project's
/// directory may be gone, and its export was written when it left.
async fn attached(db: &impl ConnectionTrait, project_id: i32) -> Result<Option<project::Model>> {
    Ok(project::Entity::find_by_id(project_id)
        .one(db)
        .await?
        .filter(|p| p.state == ProjectState::Attached.as_str()))
}

async fn write_or_remove(writes: Vec<(PathBuf, Option<Vec<u8>>)>, code: &str) -> Result<()> {
    blocking(move || -> std::io::Result<()> {
        for (path, bytes) in &writes {
            match bytes {
                Some(bytes) => write_atomic(path, bytes)?,
                None => match std::fs::remove_file(path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                },
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| CatalogError::Filesystem(format!("writing the export of {code}: {e}")))
}

fn prune(dir: &Path, keep: &BTreeSet<String>) -> std::io::Result<()> {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !keep.contains(&name) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Reads every file of `dir` ending in `.json`, in name order, with `read`.
pub(crate) fn read_all<T>(
    dir: &Path,
    read: impl Fn(&Path) -> Result<T>,
    damaged: impl Fn(&Path, std::io::Error) -> CatalogError,
) -> Result<Vec<T>> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .map_err(|e| damaged(dir, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(damaged(dir, e)),
    };
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

/// Checks the jobs and sessions of an export against each other and the
/// project file: uids, names from the vocabularies, paths inside their
/// folders, inputs naming jobs of the export, workspaces the project lists.
pub(crate) fn check_processing(
    jobs: &[(PathBuf, JobFile)],
    sessions: &[(PathBuf, SessionFile)],
    workspaces: &BTreeSet<&str>,
) -> std::result::Result<(), (PathBuf, String)> {
    let known: BTreeSet<&str> = jobs.iter().map(|(_, j)| j.uid.as_str()).collect();
    for (path, j) in jobs {
        let bad = |what: String| Err((path.clone(), what));
        if uid_number(&j.uid, 'J').is_none() {
            return bad(format!("uid {:?} is not a job uid (J1, J2, …)", j.uid));
        }
        if path.file_stem().is_none_or(|s| s != j.uid.as_str()) {
            return bad(format!("holds job {}, not the one its name says", j.uid));
        }
        if let Err(e) = j.category.parse::<Category>() {
            return bad(format!("category: {e}"));
        }
        if let Err(e) = j.status.parse::<Status>() {
            return bad(format!("status: {e}"));
        }
        for (i, input) in j.inputs.iter().enumerate() {
            if !known.contains(input.job.as_str()) || input.job == j.uid {
                return bad(format!(
                    "inputs[{i}].job: {:?} is not another job of this project",
                    input.job
                ));
            }
        }
        for (i, r) in j.results.iter().enumerate() {
            if let Err(e) = check_relative_path(&format!("results[{i}].path"), &r.path) {
                return bad(e.to_string());
            }
        }
        for w in &j.workspaces {
            if !workspaces.contains(w.as_str()) {
                return bad(format!("workspace {w:?} is not in the project file"));
            }
        }
    }
    for (path, s) in sessions {
        let bad = |what: String| Err((path.clone(), what));
        if uid_number(&s.uid, 'S').is_none() {
            return bad(format!("uid {:?} is not a session uid (S1, S2, …)", s.uid));
        }
        if path.file_stem().is_none_or(|n| n != s.uid.as_str()) {
            return bad(format!(
                "holds session {}, not the one its name says",
                s.uid
            ));
        }
        if let Err(e) = s.status.parse::<SessionStatus>() {
            return bad(format!("status: {e}"));
        }
        if let Some(w) = &s.workspace
            && !workspaces.contains(w.as_str())
        {
            return bad(format!("workspace {w:?} is not in the project file"));
        }
        for (i, r) in s.results.iter().enumerate() {
            if let Err(e) = check_relative_path(&format!("results[{i}].path"), &r.path) {
                return bad(e.to_string());
            }
            if let Err(e) = r.kind.parse::<SessionResultKind>() {
                return bad(format!("results[{i}].kind: {e}"));
            }
            if let Err(e) = r.state.parse::<SessionResultState>() {
                return bad(format!("results[{i}].state: {e}"));
            }
        }
    }
    Ok(())
}

/// Imports workspaces, jobs (with their inputs, workspaces and results) and
/// sessions into the attach's transaction; ancestors of final are computed
/// afresh from the graph.
pub(crate) async fn import_processing(
    txn: &DatabaseTransaction,
    project_id: i32,
    workspaces: &[super::format::WorkspaceEntry],
    jobs: &[JobFile],
    sessions: &[SessionFile],
) -> Result<()> {
    let mut workspace_ids = HashMap::new();
    for w in workspaces {
        let row = workspace::ActiveModel {
            project_id: Set(project_id),
            name: Set(w.name.clone()),
            created_at: Set(w.created_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        workspace_ids.insert(w.name.clone(), row.id);
    }
    let mut job_ids = HashMap::new();
    for j in jobs {
        let row = job::ActiveModel {
            project_id: Set(project_id),
            uid: Set(j.uid.clone()),
            title: Set(j.title.clone()),
            job_type: Set(j.job_type.clone()),
            category: Set(j.category.clone()),
            status: Set(j.status.clone()),
            parameters: Set(j.parameters.clone()),
            is_final: Set(j.is_final),
            is_ancestor_of_final: Set(false),
            inputs_unavailable: Set(j.inputs_unavailable),
            size_bytes: Set(j.size_bytes),
            created_at: Set(j.created_at),
            updated_at: Set(j.updated_at),
            completed_at: Set(j.completed_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        job_ids.insert(j.uid.as_str(), row.id);
        for r in &j.results {
            job_result::ActiveModel {
                job_id: Set(row.id),
                name: Set(r.name.clone()),
                path: Set(r.path.clone()),
                intermediate: Set(r.intermediate),
                size_bytes: Set(r.size_bytes),
                created_at: Set(r.created_at),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        for w in &j.workspaces {
            job_workspace::ActiveModel {
                job_id: Set(row.id),
                workspace_id: Set(workspace_ids[w]),
            }
            .insert(txn)
            .await?;
        }
    }
    for j in jobs {
        for input in &j.inputs {
            job_input::ActiveModel {
                job_id: Set(job_ids[j.uid.as_str()]),
                upstream_job_id: Set(job_ids[input.job.as_str()]),
                results: Set(serde_json::json!(input.results)),
            }
            .insert(txn)
            .await?;
        }
    }
    for s in sessions {
        let row = session::ActiveModel {
            project_id: Set(project_id),
            uid: Set(s.uid.clone()),
            title: Set(s.title.clone()),
            workspace_id: Set(s.workspace.as_ref().map(|w| workspace_ids[w])),
            status: Set(s.status.clone()),
            parameters: Set(s.parameters.clone()),
            size_bytes: Set(s.size_bytes),
            created_at: Set(s.created_at),
            updated_at: Set(s.updated_at),
            completed_at: Set(s.completed_at),
            compacted_at: Set(s.compacted_at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        for r in &s.results {
            session_result::ActiveModel {
                session_id: Set(row.id),
                name: Set(r.name.clone()),
                path: Set(r.path.clone()),
                kind: Set(r.kind.clone()),
                state: Set(r.state.clone()),
                size_bytes: Set(r.size_bytes),
                created_at: Set(r.created_at),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    let imported: Vec<i64> = job_ids.values().copied().collect();
    crate::jobs::refresh_used_downstream(txn, &imported).await?;
    crate::jobs::recompute_ancestors(txn, project_id).await
}
