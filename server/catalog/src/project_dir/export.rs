//! Continuous export: after every change to a project, what changed is
//! written into its directory, so that the directory alone can rebuild it.

use std::collections::HashMap;
use std::path::PathBuf;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use strata_domain::records::ParameterValue;
use strata_domain::{DatasetStatus, ProjectState};

use super::format::{
    DatasetFile, FORMAT_VERSION, FileEntry, FrameEntry, FrameSetEntry, LinkEntry, MemberEntry,
    ParameterEntry, ProjectFile, SampleEntry, WorkspaceEntry,
};
use super::{blocking, datasets_dir, project_file, write_atomic};
use crate::auth::corrupt;
use crate::entity::{
    datafile, dataset, dataset_link, frame, frame_set, membership, parameter, parameter_type,
    project, sample, user, workspace,
};
use crate::{Catalog, CatalogError, Result};

impl Catalog {
    pub(crate) async fn project_export(&self, project: &project::Model) -> Result<ProjectFile> {
        let users: HashMap<i32, String> = user::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut members: Vec<MemberEntry> = membership::Entity::find()
            .filter(membership::Column::ProjectId.eq(project.id))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| {
                users.get(&m.user_id).map(|name| MemberEntry {
                    user: name.clone(),
                    role: m.role,
                })
            })
            .collect();
        members.sort_by(|a, b| a.user.cmp(&b.user));
        let samples = sample::Entity::find()
            .filter(sample::Column::ProjectId.eq(project.id))
            .order_by_asc(sample::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| SampleEntry {
                name: s.name,
                protein_acronym: s.protein_acronym,
                grid: s.grid,
                metadata: s.metadata,
            })
            .collect();
        let workspaces = workspace::Entity::find()
            .filter(workspace::Column::ProjectId.eq(project.id))
            .order_by_asc(workspace::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|w| WorkspaceEntry {
                name: w.name,
                created_at: w.created_at,
            })
            .collect();
        Ok(ProjectFile {
            format_version: FORMAT_VERSION,
            uuid: project.uuid,
            code: project.code.clone(),
            title: project.title.clone(),
            embargo_end: project.embargo_end,
            created_at: project.created_at,
            members,
            samples,
            workspaces,
            jobs_reported: project.jobs_reported,
            sessions_reported: project.sessions_reported,
            publications_reported: project.publications_reported,
        })
    }

    pub(crate) async fn dataset_export(&self, row: &dataset::Model) -> Result<DatasetFile> {
        let names: HashMap<i32, String> = parameter_type::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let mut parameters = parameter::Entity::find()
            .filter(parameter::Column::DatasetId.eq(row.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| {
                Ok(ParameterEntry {
                    name: names
                        .get(&p.parameter_type_id)
                        .cloned()
                        .ok_or_else(|| corrupt("a parameter without its type"))?,
                    value: serde_json::from_value::<ParameterValue>(p.value_as_given)
                        .map_err(corrupt)?,
                    unit: p.unit_as_given,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        parameters.sort_by(|a, b| a.name.cmp(&b.name));
        let links = dataset_link::Entity::find()
            .filter(dataset_link::Column::DatasetId.eq(row.id))
            .order_by_asc(dataset_link::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| LinkEntry {
                kind: l.kind,
                target: l.target_identifier,
            })
            .collect();
        let files = datafile::Entity::find()
            .filter(datafile::Column::DatasetId.eq(row.id))
            .order_by_asc(datafile::Column::Path)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| FileEntry {
                path: f.path,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
                format: f.format,
                location: f.location,
                storage_key: f.storage_key,
                last_verified_at: f.last_verified_at,
                created_at: f.created_at,
            })
            .collect();
        let mut frame_sets = Vec::new();
        for set in frame_set::Entity::find()
            .filter(frame_set::Column::DatasetId.eq(row.id))
            .order_by_asc(frame_set::Column::Position)
            .all(&self.db)
            .await?
        {
            let frames = frame::Entity::find()
                .filter(frame::Column::FrameSetId.eq(set.id))
                .order_by_asc(frame::Column::T)
                .order_by_asc(frame::Column::C)
                .order_by_asc(frame::Column::Z)
                .all(&self.db)
                .await?
                .into_iter()
                .map(|f| FrameEntry {
                    t: f.t,
                    c: f.c,
                    z: f.z,
                    sha256: f.sha256,
                    metadata: f.metadata,
                    parameters: f.parameters,
                })
                .collect();
            frame_sets.push(FrameSetEntry {
                position: set.position,
                shape: set.shape,
                dtype: set.dtype,
                chunking: set.chunking,
                channel_names: set.channel_names,
                metadata: set.metadata,
                array_path: set.array_path,
                created_at: set.created_at,
                frames,
            });
        }
        Ok(DatasetFile {
            format_version: FORMAT_VERSION,
            identifier: row.identifier.clone(),
            kind: row.kind.clone(),
            technique: row.technique.clone(),
            instrument: row.instrument_name.clone(),
            sample: row.sample_name.clone(),
            description: row.description.clone(),
            size_bytes: row.size_bytes,
            file_count: row.file_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
            parameters,
            links,
            files,
            frame_sets,
        })
    }

    /// Writes the project's file and, for `dataset`, that dataset's file.
    pub(crate) async fn write_export(
        &self,
        project: &project::Model,
        dataset: Option<&dataset::Model>,
    ) -> Result<()> {
        let dir = PathBuf::from(&project.directory);
        let mut writes = vec![(
            project_file(&dir),
            serde_json::to_vec_pretty(&self.project_export(project).await?)
                .expect("an export serialises"),
        )];
        if let Some(row) = dataset.filter(|d| d.status != DatasetStatus::Ingesting.as_str()) {
            writes.push((
                datasets_dir(&dir).join(format!("{}.json", row.identifier)),
                serde_json::to_vec_pretty(&self.dataset_export(row).await?)
                    .expect("an export serialises"),
            ));
        }
        blocking(move || {
            writes
                .iter()
                .try_for_each(|(path, bytes)| write_atomic(path, bytes))
        })
        .await
        .map_err(|e| {
            CatalogError::Filesystem(format!("writing the export of {}: {e}", project.code))
        })
    }

    /// Continuous export after a committed change: a failure does not undo the
    /// change, so it is logged loudly; `strata project export` rewrites all.
    pub(crate) async fn export_after_change(&self, project_id: i32, dataset_id: Option<i64>) {
        let result = async {
            let Some(project) = project::Entity::find_by_id(project_id)
                .one(&self.db)
                .await?
            else {
                return Ok(());
            };
            // An archived or detached project's directory may be gone: its
            // export was written when it left.
            if project.state != ProjectState::Attached.as_str() {
                return Ok(());
            }
            let dataset = match dataset_id {
                Some(id) => dataset::Entity::find_by_id(id).one(&self.db).await?,
                None => None,
            };
            self.write_export(&project, dataset.as_ref()).await
        }
        .await;
        if let Err(err) = result {
            tracing::error!(error = %err, project_id, "continuous export failed; run `strata project export`");
        }
    }

    /// Writes the whole export of a project: its file, every complete
    /// dataset's, every job's and every session's; files of what is no
    /// longer in the catalog are removed.
    pub(crate) async fn write_full_export(&self, project: &project::Model) -> Result<usize> {
        let rows = dataset::Entity::find()
            .filter(dataset::Column::ProjectId.eq(project.id))
            .filter(dataset::Column::Status.ne(DatasetStatus::Ingesting.as_str()))
            .order_by_asc(dataset::Column::Identifier)
            .all(&self.db)
            .await?;
        self.write_export(project, None).await?;
        for row in &rows {
            self.write_export(project, Some(row)).await?;
        }
        let keep: std::collections::HashSet<String> = rows
            .iter()
            .map(|r| format!("{}.json", r.identifier))
            .collect();
        let dir = datasets_dir(std::path::Path::new(&project.directory));
        blocking(move || -> std::io::Result<()> {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".json") && !keep.contains(&name) {
                        std::fs::remove_file(entry.path())?;
                    }
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| {
            CatalogError::Filesystem(format!("pruning the export of {}: {e}", project.code))
        })?;
        self.write_full_processing_export(project).await?;
        self.write_full_publications_export(project).await?;
        Ok(rows.len())
    }
}
