//! The catalog's side of an ingest, in two steps around the bytes.
//!
//! `begin_ingest` claims the identifier (a dataset row in status `ingesting`,
//! seen by nobody) before any byte is written, so a duplicate is refused
//! first. `complete_ingest` records every file, frame set and frame in one
//! transaction and makes the dataset complete, once the bytes are durable.
//! A killed ingest leaves only the invisible claim, which the next ingest of
//! the same identifier replaces: the ingest is simply rerun.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use strata_domain::records;
use strata_domain::{DatasetIdentifier, DatasetStatus, Role, Sha256Hex};

use crate::datafiles::check_relative_path;
use crate::entity::{datafile, dataset, frame, frame_set, parameter};
use crate::events::Event;
use crate::parameters::{NewParameter, check_all, check_frame_parameters, denormalised};
use crate::{Catalog, CatalogError, NewDataset, Result, Scope, convert};

/// Rows inserted per statement (SQLite allows 32,766 bound values).
const BATCH: usize = 2_000;

/// An identifier claimed for an ingest in progress.
#[derive(Debug, Clone)]
pub struct IngestClaim {
    pub dataset_id: i64,
    pub identifier: DatasetIdentifier,
    pub project_uid: i32,
    /// The dataset's folder (1 dataset = 1 folder).
    pub folder: String,
    /// An unfinished ingest of this identifier was replaced: whatever bytes it
    /// left under the dataset's keys are to be cleared before writing.
    pub replaced_unfinished: bool,
}

/// A file whose bytes are durable in storage.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Relative to the dataset's folder.
    pub path: String,
    pub size_bytes: i64,
    pub sha256: Sha256Hex,
    pub format: String,
    /// `local`, `s3` or `symlink`.
    pub location: String,
    /// The object's key in storage.
    pub storage_key: String,
}

/// One position's frames, stored as a Zarr array.
#[derive(Debug, Clone)]
pub struct NewFrameSet {
    pub position: i32,
    /// (t, c, z, y, x).
    pub shape: [u64; 5],
    pub dtype: String,
    pub chunking: serde_json::Value,
    pub channel_names: Vec<String>,
    pub metadata: serde_json::Value,
    /// The image's path inside the dataset folder.
    pub array_path: String,
    pub frames: Vec<NewFrame>,
}

#[derive(Debug, Clone)]
pub struct NewFrame {
    pub t: i32,
    pub c: i32,
    pub z: i32,
    pub metadata: serde_json::Value,
    /// Of the frame's pixel bytes, independent of how they are stored.
    pub sha256: Sha256Hex,
    /// The frame's own parameter values (definitions marked per-frame only).
    pub parameters: Vec<NewParameter>,
}

/// A stored object of a dataset, as reads and checks need it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub path: String,
    pub storage_key: Option<String>,
    pub size_bytes: i64,
    pub sha256: String,
    pub location: String,
}

impl Catalog {
    pub async fn begin_ingest(&self, scope: &Scope, new: NewDataset) -> Result<IngestClaim> {
        let identifier = new.identifier.clone();
        let (row, replaced) = self
            .insert_dataset(scope, new, DatasetStatus::Ingesting)
            .await?;
        Ok(IngestClaim {
            dataset_id: row.id,
            identifier,
            project_uid: row.project_id,
            folder: row.folder,
            replaced_unfinished: replaced,
        })
    }

    /// Records the stored files and frames and the parameters read from the
    /// files, and makes the dataset complete. `extracted` parameters (read
    /// from the files' metadata) fill in what the depositor did not give;
    /// every value is checked first, and nothing is recorded if one fails.
    pub async fn complete_ingest(
        &self,
        scope: &Scope,
        claim: &IngestClaim,
        files: Vec<StoredFile>,
        frame_sets: Vec<NewFrameSet>,
        extracted: Vec<NewParameter>,
    ) -> Result<records::Dataset> {
        let txn = self.db.begin().await?;
        let row = self
            .record_ingest(&txn, scope, claim, files, frame_sets, extracted)
            .await?;
        txn.commit().await?;
        self.dataset_changed(claim.project_uid, row.id).await;
        convert::dataset(row)
    }

    /// `complete_ingest` inside the caller's transaction, so that a restack
    /// records its job in the same one. Nothing is visible before the commit.
    pub(crate) async fn record_ingest(
        &self,
        txn: &DatabaseTransaction,
        scope: &Scope,
        claim: &IngestClaim,
        files: Vec<StoredFile>,
        frame_sets: Vec<NewFrameSet>,
        extracted: Vec<NewParameter>,
    ) -> Result<dataset::Model> {
        scope.require_role(claim.project_uid, Role::Depositor, "ingesting")?;
        for (i, f) in files.iter().enumerate() {
            check_relative_path(&format!("files[{i}].path"), &f.path)?;
        }
        let frame_parameters = frame_sets
            .iter()
            .enumerate()
            .map(|(s, set)| {
                set.frames
                    .iter()
                    .map(|f| {
                        let at = format!(
                            "frameSets[{s}].frames[t={},c={},z={}].parameters",
                            f.t, f.c, f.z
                        );
                        check_frame_parameters(&at, f.parameters.clone())
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let stored = parameter::Entity::find()
            .filter(parameter::Column::DatasetId.eq(claim.dataset_id))
            .all(txn)
            .await?;
        let given: std::collections::HashSet<i32> =
            stored.iter().map(|p| p.parameter_type_id).collect();
        let extracted: Vec<NewParameter> = extracted
            .into_iter()
            .filter(|p| {
                self.parameter_ids
                    .get(&p.name)
                    .is_none_or(|id| !given.contains(id))
            })
            .collect();
        // A group's requirements hold for the dataset's values together: the
        // depositor may give part of a group and the files the rest. The
        // extracted come first, so errors index them as read; only they are
        // written here.
        let name_of: std::collections::HashMap<i32, &str> = self
            .parameter_ids
            .iter()
            .map(|(name, id)| (*id, name.as_str()))
            .collect();
        let reading = extracted.len();
        let mut together = extracted;
        for p in stored {
            let Some(name) = name_of.get(&p.parameter_type_id) else {
                continue;
            };
            together.push(NewParameter {
                name: (*name).to_owned(),
                value: serde_json::from_value(p.value_as_given).map_err(crate::auth::corrupt)?,
                unit: p.unit_as_given,
            });
        }
        let mut extracted = check_all("extracted parameters", together)?;
        extracted.truncate(reading);
        let row = dataset::Entity::find_by_id(claim.dataset_id)
            .one(txn)
            .await?
            .filter(|d| d.status == DatasetStatus::Ingesting.as_str())
            .ok_or_else(|| {
                CatalogError::conflict(
                    Some("identifier"),
                    format!("{} is no longer being ingested here", claim.identifier),
                )
            })?;
        let now = Utc::now();
        let bytes: i64 = files.iter().map(|f| f.size_bytes).sum();
        let count = files.len() as i64;
        let rows: Vec<datafile::ActiveModel> = files
            .into_iter()
            .map(|f| datafile::ActiveModel {
                dataset_id: Set(row.id),
                path: Set(f.path),
                size_bytes: Set(f.size_bytes),
                sha256: Set(f.sha256.to_string()),
                format: Set(f.format),
                location: Set(f.location),
                storage_key: Set(Some(f.storage_key)),
                last_verified_at: Set(Some(now)),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(BATCH) {
            datafile::Entity::insert_many(chunk.to_vec())
                .exec(txn)
                .await?;
        }
        let mut frames_recorded = 0;
        for (set, parameters) in frame_sets.into_iter().zip(frame_parameters) {
            let stored = frame_set::ActiveModel {
                dataset_id: Set(row.id),
                position: Set(set.position),
                shape: Set(serde_json::json!(set.shape)),
                dtype: Set(set.dtype),
                chunking: Set(set.chunking),
                channel_names: Set(serde_json::json!(set.channel_names)),
                metadata: Set(set.metadata),
                array_path: Set(set.array_path),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            frames_recorded += set.frames.len();
            let frames: Vec<frame::ActiveModel> = set
                .frames
                .into_iter()
                .zip(parameters)
                .map(|(f, parameters)| frame::ActiveModel {
                    frame_set_id: Set(stored.id),
                    t: Set(f.t),
                    c: Set(f.c),
                    z: Set(f.z),
                    metadata: Set(f.metadata),
                    sha256: Set(f.sha256.to_string()),
                    parameters: Set(denormalised(&parameters)),
                    ..Default::default()
                })
                .collect();
            for chunk in frames.chunks(BATCH) {
                frame::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
            }
        }
        let mut active: dataset::ActiveModel = row.clone().into();
        if !extracted.is_empty() {
            let mut document = row.parameters.clone();
            if let (Some(all), serde_json::Value::Object(new)) =
                (document.as_object_mut(), denormalised(&extracted))
            {
                all.extend(new);
            }
            active.parameters = Set(document);
            self.insert_parameters(txn, row.id, extracted).await?;
        }
        active.status = Set(DatasetStatus::Complete.as_str().to_owned());
        active.size_bytes = Set(bytes);
        active.file_count = Set(count);
        active.updated_at = Set(now);
        let row = active.update(txn).await?;
        Event::new(
            scope,
            "dataset.ingest.complete",
            "dataset",
            claim.identifier.as_str(),
        )
        .project(claim.project_uid)
        .details(serde_json::json!({ "files": count, "bytes": bytes, "frames": frames_recorded }))
        .record(txn)
        .await?;
        Ok(row)
    }

    /// Gives up a claim whose ingest failed: nothing of it stays in the catalog.
    pub async fn abandon_ingest(
        &self,
        scope: &Scope,
        claim: &IngestClaim,
        reason: &str,
    ) -> Result<()> {
        let txn = self.db.begin().await?;
        dataset::Entity::delete_many()
            .filter(dataset::Column::Id.eq(claim.dataset_id))
            .filter(dataset::Column::Status.eq(DatasetStatus::Ingesting.as_str()))
            .exec(&txn)
            .await?;
        Event::new(
            scope,
            "dataset.ingest.abandon",
            "dataset",
            claim.identifier.as_str(),
        )
        .project(claim.project_uid)
        .details(serde_json::json!({ "reason": reason }))
        .record(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The stored objects of a visible dataset, by path.
    pub async fn stored_objects(
        &self,
        scope: &Scope,
        identifier: &str,
    ) -> Result<(records::Dataset, Vec<StoredRecord>)> {
        let row = self.dataset_model(scope, "identifier", identifier).await?;
        let files = datafile::Entity::find()
            .filter(datafile::Column::DatasetId.eq(row.id))
            .order_by_asc(datafile::Column::Path)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| StoredRecord {
                path: f.path,
                storage_key: f.storage_key,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
                location: f.location,
            })
            .collect();
        Ok((convert::dataset(row)?, files))
    }

    /// Marks stored objects as verified now.
    pub async fn mark_verified(&self, dataset_id: i64, paths: &[String]) -> Result<()> {
        datafile::Entity::update_many()
            .col_expr(datafile::Column::LastVerifiedAt, Expr::value(Utc::now()))
            .filter(datafile::Column::DatasetId.eq(dataset_id))
            .filter(datafile::Column::Path.is_in(paths.iter().cloned()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

impl Catalog {
    /// Identifiers whose ingest never completed (a killed process): invisible
    /// claims, each to be rerun. Facility admins only.
    pub async fn unfinished_ingests(
        &self,
        scope: &Scope,
        project: Option<&str>,
    ) -> Result<Vec<String>> {
        scope.require_admin("listing unfinished ingests")?;
        let mut query = dataset::Entity::find()
            .filter(dataset::Column::Status.eq(DatasetStatus::Ingesting.as_str()));
        if let Some(code) = project {
            let p = self.project_model(scope, "project", code).await?;
            query = query.filter(dataset::Column::ProjectId.eq(p.id));
        }
        Ok(query
            .order_by_asc(dataset::Column::Identifier)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| d.identifier)
            .collect())
    }

    /// The frame sets of a visible dataset with their frames' digests and metadata.
    pub async fn frame_sets(
        &self,
        scope: &Scope,
        identifier: &str,
    ) -> Result<Vec<(frame_set::Model, Vec<frame::Model>)>> {
        let row = self.dataset_model(scope, "identifier", identifier).await?;
        let sets = frame_set::Entity::find()
            .filter(frame_set::Column::DatasetId.eq(row.id))
            .order_by_asc(frame_set::Column::Position)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(sets.len());
        for set in sets {
            let frames = frame::Entity::find()
                .filter(frame::Column::FrameSetId.eq(set.id))
                .order_by_asc(frame::Column::T)
                .order_by_asc(frame::Column::C)
                .order_by_asc(frame::Column::Z)
                .all(&self.db)
                .await?;
            out.push((set, frames));
        }
        Ok(out)
    }
}
