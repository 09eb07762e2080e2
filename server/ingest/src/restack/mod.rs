//! Restack (seed 001, "Restack particles"): a selection of a dataset's frames
//! written as a new processed dataset holding only those, so that the
//! extraction that produced the source can be cleared.
//!
//! It goes through the ingest's claim like any dataset (claim, write, record,
//! or take everything back), and its job is recorded in the transaction that
//! completes the claim: a bad index is refused before anything is claimed,
//! and a source frame that does not hash to its recorded digest, a storage or
//! a catalog failure leave no dataset, no object and no job behind.
//!
//! **What a frame is here.** A frame is one plane of a position — one
//! (position, t, z) with all its channels — numbered from 0 in the catalog's
//! order: position, then t, then z. For a particle stack (one position, one
//! channel, the particles as z sections) frame `i` is particle `i`. Keeping
//! whole planes keeps every channel, so the restacked dataset has the
//! source's dtype and channels. Each position keeps its number; its selected
//! planes are stacked in source order (the order the indices are given in
//! does not matter; an index given twice is refused) along t when the source
//! position is a time series of single planes, along z otherwise.

mod copy;
mod selection;

use std::collections::HashMap;
use std::path::Path;

use indicatif::ProgressBar;
use strata_catalog::{
    CatalogError, NewDataset, NewLink, NewParameter, RestackJob, Scope, StoredRecord,
};
use strata_domain::{DatasetIdentifier, DatasetKind, LinkKind, Role};
use strata_storage::{ObjectKey, fetch_verified};

use self::copy::{copy_frames, restacked_set};
pub use self::selection::parse_frame_list;
use self::selection::{PositionPlan, frame_list, plan, shard_needed};
use crate::frames::Staging;
use crate::ingestor::{Ingestor, Written};
use crate::{IngestError, extract};

/// What to restack.
#[derive(Debug, Clone)]
pub struct RestackRequest {
    pub source: DatasetIdentifier,
    /// Indices of the source's frames (see the module docs for the numbering).
    pub frames: Vec<usize>,
    /// The new dataset, in the source's project.
    pub identifier: DatasetIdentifier,
    pub description: String,
    /// The job that produced the source (its extraction), by uid.
    pub job: Option<String>,
}

/// What a restack made.
#[derive(Debug, Clone, PartialEq)]
pub struct RestackReport {
    pub identifier: String,
    pub job: String,
    pub frames: usize,
    pub objects: usize,
    pub bytes: u64,
}

impl Ingestor {
    /// Writes the selected frames of `request.source` as a new processed
    /// dataset linked to it (`derived-from`), with a completed job of
    /// category `restack`; all or nothing (see the module docs).
    pub async fn restack(
        &self,
        scope: &Scope,
        request: RestackRequest,
        progress: &ProgressBar,
    ) -> Result<RestackReport, IngestError> {
        let source_id = request.source.to_string();
        let identifier_text = request.identifier.to_string();
        let catalog_error = |identifier: &str| {
            let identifier = identifier.to_owned();
            move |source| IngestError::Catalog {
                identifier: identifier.clone(),
                source,
            }
        };
        if request.identifier.project() != request.source.project() {
            return Err(IngestError::Request {
                field: "identifier".into(),
                reason: format!(
                    "must be in the source's project {}",
                    request.source.project().as_str()
                ),
            });
        }
        let source = self
            .catalog
            .dataset(scope, &source_id)
            .await
            .map_err(|e| match e {
                CatalogError::NotFound { .. } => IngestError::Request {
                    field: "source".into(),
                    reason: format!("no dataset {source_id}"),
                },
                other => catalog_error(&source_id)(other),
            })?;
        // Refused before anything is read: restacking writes a dataset.
        scope
            .require_role(source.project_uid, Role::Depositor, "restacking")
            .map_err(catalog_error(&identifier_text))?;
        let plans = plan(
            &source_id,
            self.catalog
                .frame_sets(scope, &source_id)
                .await
                .map_err(catalog_error(&source_id))?,
            &request.frames,
        )?;
        if let Some(uid) = &request.job {
            let project = request.source.project().as_str();
            self.catalog
                .job(scope, project, uid)
                .await
                .map_err(|_| IngestError::Request {
                    field: "job".into(),
                    reason: format!("no job {uid} in {project}"),
                })?;
        }
        let (_, source_files) = self
            .catalog
            .stored_objects(scope, &source_id)
            .await
            .map_err(catalog_error(&source_id))?;
        let aggregates: Vec<&str> = extract::aggregate_names().collect();
        let parameters = self
            .catalog
            .parameters_of(&[source.id])
            .await
            .map_err(catalog_error(&source_id))?
            .remove(&source.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !aggregates.contains(&p.name.as_str()))
            .map(|p| NewParameter {
                name: p.name,
                value: p.value,
                unit: p.unit,
            })
            .collect();
        let new = NewDataset {
            identifier: request.identifier.clone(),
            kind: DatasetKind::Processed,
            technique: source.technique,
            instrument: source.instrument.clone(),
            sample: source.sample.clone(),
            description: request.description.clone(),
            parameters,
            links: vec![NewLink {
                kind: LinkKind::DerivedFrom,
                target: request.source.clone(),
            }],
        };
        let identifier = request.identifier.to_string();
        let frames = request.frames.len();
        progress.set_message(format!("{source_id} → {identifier}"));

        let claim = self
            .catalog
            .begin_ingest(scope, new)
            .await
            .map_err(catalog_error(&identifier))?;
        let mut written = Written::default();
        let outcome = async {
            if claim.replaced_unfinished {
                self.clear_unfinished(&claim).await?;
            }
            let staging = Staging(self.staging.join(format!(
                "{}-{}",
                claim.identifier,
                std::process::id()
            )));
            let units: HashMap<&str, Option<String>> = strata_catalog::parameter_definitions()
                .map(|d| (d.name.as_str(), d.unit.clone()))
                .collect();
            let mut frame_parameters_all = Vec::new();
            for plan in &plans {
                let position = plan.position();
                let fetched = staging.0.join(format!("source-{position}"));
                self.fetch_source(&source_id, plan, &source_files, &fetched)
                    .await?;
                let out = staging.0.join(format!("{position}.ome.zarr"));
                let image = {
                    let (source_id, out) = (source_id.clone(), out.clone());
                    let (owned, bar) = (plan.clone(), progress.clone());
                    // zarrs blocks and runs on rayon: off the async workers.
                    tokio::task::spawn_blocking(move || {
                        copy_frames(&source_id, &owned, &fetched, &out, &bar)
                    })
                    .await
                    .map_err(|e| IngestError::Zarr {
                        identifier: identifier.clone(),
                        reason: format!("the frame writer stopped: {e}"),
                    })??
                };
                let array_path = format!("{position}.ome.zarr");
                self.store_image(&claim, &out, &image, &array_path, &mut written)
                    .await?;
                let set = restacked_set(&source_id, plan, &image, array_path, &units)?;
                frame_parameters_all.extend(set.frames.iter().flat_map(|f| f.parameters.clone()));
                written.frame_sets.push(set);
            }
            let extracted = extract::aggregate_parameters(frame_parameters_all.iter());
            let mut selected = request.frames.clone();
            selected.sort_unstable();
            let report = RestackReport {
                identifier: identifier.clone(),
                job: String::new(),
                frames,
                objects: written.objects.len(),
                bytes: written.objects.iter().map(|o| o.size).sum(),
            };
            let (_, job) = self
                .catalog
                .complete_restack(
                    scope,
                    &claim,
                    std::mem::take(&mut written.files),
                    std::mem::take(&mut written.frame_sets),
                    extracted,
                    RestackJob {
                        source_dataset_id: source.id,
                        upstream: request.job.clone(),
                        title: format!("Restack {} frame(s) of {source_id}", selected.len()),
                        parameters: serde_json::json!({
                            "source": source_id,
                            "frames": frame_list(&selected),
                            "identifier": identifier,
                        }),
                    },
                )
                .await
                .map_err(catalog_error(&identifier))?;
            Ok::<_, IngestError>(RestackReport {
                job: job.uid,
                ..report
            })
        }
        .await;
        if let Err(err) = &outcome {
            self.take_back(scope, &claim, &written, err).await;
        }
        outcome
    }

    /// Places what reading the selection needs of the source's stored image
    /// in `dir`: the group `zarr.json` (checked against its digest) and the
    /// level-0 shards holding a selected plane. Shards are copied as stored:
    /// each frame read from them is checked against its own digest instead,
    /// so the error names the frame, and a damaged frame that is not
    /// selected does not stop the restack of the good ones.
    async fn fetch_source(
        &self,
        source: &str,
        plan: &PositionPlan,
        files: &[StoredRecord],
        dir: &Path,
    ) -> Result<(), IngestError> {
        let storage = |source_error| IngestError::Storage {
            identifier: source.to_owned(),
            source: source_error,
        };
        let key_of = |record: &StoredRecord| -> Result<ObjectKey, IngestError> {
            let key = record
                .storage_key
                .as_deref()
                .ok_or_else(|| IngestError::Zarr {
                    identifier: source.to_owned(),
                    reason: format!("{} has no storage key recorded", record.path),
                })?;
            ObjectKey::parse(key).map_err(storage)
        };
        let shard: [usize; 5] = serde_json::from_value(plan.set.chunking["shard_shape"].clone())
            .map_err(|e| IngestError::Zarr {
                identifier: source.to_owned(),
                reason: format!(
                    "the frame set of position {} records no shard shape: {e}",
                    plan.position()
                ),
            })?;
        let image = format!("{}/", plan.set.array_path);
        let shards = format!("{image}0/c/");
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| IngestError::Zarr {
                identifier: source.to_owned(),
                reason: format!("creating {}: {e}", dir.display()),
            })?;
        for record in files {
            let Some(inside) = record.path.strip_prefix(&image) else {
                continue;
            };
            let dest = dir.join(inside);
            if inside == "zarr.json" {
                fetch_verified(self.store.as_ref(), &key_of(record)?, &record.sha256, &dest)
                    .await
                    .map_err(storage)?;
                continue;
            }
            let Some(coords) = record.path.strip_prefix(&shards) else {
                continue;
            };
            let coords: Vec<usize> = coords.split('/').filter_map(|c| c.parse().ok()).collect();
            if coords.len() != 5 || !shard_needed(plan, shard, &coords) {
                continue;
            }
            let key = key_of(record)?;
            let io = |e: std::io::Error| IngestError::Zarr {
                identifier: source.to_owned(),
                reason: format!("copying {} to {}: {e}", record.path, dest.display()),
            };
            if let Some(parent) = dest.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(io)?;
            }
            let mut reader = self.store.get(&key).await.map_err(storage)?;
            let mut file = tokio::fs::File::create(&dest).await.map_err(io)?;
            tokio::io::copy(&mut reader, &mut file).await.map_err(io)?;
        }
        Ok(())
    }
}
