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

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use indicatif::ProgressBar;
use strata_catalog::entity::{frame, frame_set};
use strata_catalog::{
    CatalogError, NewDataset, NewFrame, NewFrameSet, NewLink, NewParameter, RestackJob, Scope,
    StoredRecord,
};
use strata_domain::records::ParameterValue;
use strata_domain::{DatasetIdentifier, DatasetKind, LinkKind, Role};
use strata_frames::{Dims, Frame, StackInfo};
use strata_storage::{ObjectKey, fetch_verified};
use strata_zarr::{ImageReader, ImageWriter, Selection, WriterOptions, WrittenImage, frame_sha256};

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

/// Parses a frame list as people write it: `0,2,5-9` (ranges inclusive).
pub fn parse_frame_list(text: &str) -> Result<Vec<usize>, String> {
    let mut frames = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |s: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("{part:?} is not a frame index or a range like 5-9"))
        };
        match part.split_once('-') {
            None => frames.push(number(part)?),
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(format!("{part:?} runs backwards"));
                }
                frames.extend(a..=b);
            }
        }
    }
    Ok(frames)
}

/// A run of frame indices as text (`0,2,5-9`), for the job's parameters.
pub(crate) fn frame_list(sorted: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// One position of the source and the planes selected from it.
struct PositionPlan {
    set: frame_set::Model,
    /// The catalog's frames of the position by (t, c, z).
    rows: HashMap<(usize, usize, usize), frame::Model>,
    dims: Dims,
    /// (frame index, t, z) of each selected plane, in source order.
    planes: Vec<(usize, usize, usize)>,
    /// Whether the planes are stacked along t (a time series of single planes).
    along_t: bool,
}

impl PositionPlan {
    fn position(&self) -> usize {
        self.set.position as usize
    }

    /// The new image's dimensions.
    fn new_dims(&self) -> Dims {
        let n = self.planes.len();
        Dims {
            t: if self.along_t { n } else { 1 },
            z: if self.along_t { 1 } else { n },
            ..self.dims
        }
    }
}

/// The frame sets of the source with the selection laid over them. Every
/// index is checked here, before anything is claimed.
fn plan(
    source: &str,
    sets: Vec<(frame_set::Model, Vec<frame::Model>)>,
    selected: &[usize],
) -> Result<Vec<PositionPlan>, IngestError> {
    let request = |field: String, reason: String| IngestError::Request { field, reason };
    if selected.is_empty() {
        return Err(request("frames".into(), "select at least one frame".into()));
    }
    let mut plans = Vec::new();
    let mut total = 0usize;
    for (set, frames) in sets {
        let shape: [usize; 5] =
            serde_json::from_value(set.shape.clone()).map_err(|e| IngestError::Zarr {
                identifier: source.to_owned(),
                reason: format!(
                    "the frame set of position {} has no shape: {e}",
                    set.position
                ),
            })?;
        let [t, c, z, y, x] = shape;
        let dims = Dims { t, c, z, y, x };
        let rows = frames
            .into_iter()
            .map(|f| ((f.t as usize, f.c as usize, f.z as usize), f))
            .collect();
        plans.push((
            total,
            PositionPlan {
                set,
                rows,
                dims,
                planes: Vec::new(),
                along_t: z == 1 && t > 1,
            },
        ));
        total += t * z;
    }
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (i, &index) in selected.iter().enumerate() {
        if index >= total {
            return Err(request(
                format!("frames[{i}]"),
                format!(
                    "frame {index} is out of range: {source} holds {total} frame(s), 0 to {}",
                    total.saturating_sub(1)
                ),
            ));
        }
        if let Some(first) = seen.insert(index, i) {
            return Err(request(
                format!("frames[{i}]"),
                format!("frame {index} is already selected by frames[{first}]"),
            ));
        }
    }
    let mut sorted = selected.to_vec();
    sorted.sort_unstable();
    for index in sorted {
        let at = plans.partition_point(|(start, _)| *start <= index) - 1;
        let (start, plan) = &mut plans[at];
        let within = index - *start;
        plan.planes
            .push((index, within / plan.dims.z, within % plan.dims.z));
    }
    Ok(plans
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| !p.planes.is_empty())
        .collect())
}

/// Whether a level-0 shard at `coords` holds a selected plane.
fn shard_needed(plan: &PositionPlan, shard: [usize; 5], coords: &[usize]) -> bool {
    let [st, _, sz, _, _] = shard;
    let (ct, cz) = (coords[0], coords[2]);
    plan.planes
        .iter()
        .any(|&(_, t, z)| t / st.max(1) == ct && z / sz.max(1) == cz)
}

/// The per-frame parameters of a catalog frame, as new values in their
/// definitions' canonical units (how the catalog stores them).
fn frame_parameters(
    row: &frame::Model,
    units: &HashMap<&str, Option<String>>,
) -> Vec<NewParameter> {
    let serde_json::Value::Object(values) = &row.parameters else {
        return Vec::new();
    };
    values
        .iter()
        .filter_map(|(name, value)| {
            Some(NewParameter {
                name: name.clone(),
                value: serde_json::from_value::<ParameterValue>(value.clone()).ok()?,
                unit: units.get(name.as_str()).cloned().flatten(),
            })
        })
        .collect()
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
                    let (set, rows, dims, planes, along_t) = (
                        plan.set.clone(),
                        plan.rows.clone(),
                        plan.dims,
                        plan.planes.clone(),
                        plan.along_t,
                    );
                    let bar = progress.clone();
                    tokio::task::spawn_blocking(move || {
                        let plan = PositionPlan {
                            set,
                            rows,
                            dims,
                            planes,
                            along_t,
                        };
                        copy_frames(&source_id, &plan, &fetched, &out, &bar)
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

/// Reads the selected planes of one position from the fetched source image
/// in `fetched`, checks every frame against the catalog's digest, and writes
/// them as a new image in `out`. Blocks (zarrs): run on a blocking thread.
fn copy_frames(
    source: &str,
    plan: &PositionPlan,
    fetched: &Path,
    out: &Path,
    progress: &ProgressBar,
) -> Result<WrittenImage, IngestError> {
    let position = plan.position();
    let zarr = |e: strata_zarr::ZarrError| IngestError::Zarr {
        identifier: source.to_owned(),
        reason: e.to_string(),
    };
    let reader = ImageReader::open(fetched).map_err(zarr)?;
    if reader.dtype().zarr_name() != plan.set.dtype || reader.dims(0) != Some(plan.dims) {
        return Err(IngestError::Zarr {
            identifier: source.to_owned(),
            reason: format!(
                "the stored image of position {position} holds {:?} of {:?}, the catalog records {:?} of {}",
                reader.dims(0),
                reader.dtype(),
                plan.dims,
                plan.set.dtype
            ),
        });
    }
    let metadata = &plan.set.metadata;
    let info = StackInfo {
        format: metadata["format"].as_str().unwrap_or("strata").to_owned(),
        dims: plan.new_dims(),
        dtype: reader.dtype(),
        positions: position + 1,
        channel_names: reader.channel_names().to_vec(),
        pixel_size_um: serde_json::from_value(metadata["pixel_size_um"].clone()).ok(),
        metadata: serde_json::Value::Null,
    };
    let mut writer =
        ImageWriter::create(out, &info, position, WriterOptions::default()).map_err(zarr)?;
    let rank: HashMap<(usize, usize), (usize, usize)> = plan
        .planes
        .iter()
        .enumerate()
        .map(|(k, &(index, t, z))| ((t, z), (k, index)))
        .collect();
    let frame_bytes = (plan.dims.y * plan.dims.x * reader.dtype().size()) as u64;
    progress.inc_length(frame_bytes * (plan.planes.len() * plan.dims.c) as u64);
    for (t, zs) in runs(&plan.planes) {
        let selection = Selection {
            t: t..t + 1,
            c: (0..plan.dims.c).collect(),
            z: zs.clone(),
        };
        // The frames come channel by channel, z within: what is read next is known.
        let expected = (0..plan.dims.c).flat_map(|c| zs.clone().map(move |z| (c, z)));
        let mut frames = reader.read_frames(&selection, 0).map_err(zarr)?;
        for (c, z) in expected {
            let (k, index) = rank[&(t, z)];
            let corrupt = |reason: String| IngestError::CorruptFrame {
                identifier: source.to_owned(),
                index,
                position,
                t,
                c,
                z,
                reason,
            };
            let frame = match frames.next() {
                Some(Ok(frame)) if (frame.t, frame.c, frame.z) == (t, c, z) => frame,
                Some(Ok(other)) => {
                    return Err(corrupt(format!(
                        "was read as t {}, c {}, z {}",
                        other.t, other.c, other.z
                    )));
                }
                Some(Err(e)) => return Err(corrupt(format!("cannot be read: {e}"))),
                None => return Err(corrupt("is missing from the stored image".into())),
            };
            let recorded = plan
                .rows
                .get(&(t, c, z))
                .map(|r| r.sha256.to_ascii_lowercase())
                .ok_or_else(|| corrupt("has no digest recorded in the catalog".into()))?;
            let actual = frame_sha256(&frame.pixels);
            if actual != recorded {
                return Err(corrupt(format!(
                    "does not match its recorded SHA-256: recorded {recorded}, read {actual}"
                )));
            }
            let (nt, nz) = if plan.along_t { (k, 0) } else { (0, k) };
            writer
                .write_frame(&Frame {
                    position,
                    t: nt,
                    c,
                    z: nz,
                    pixels: frame.pixels,
                    metadata: serde_json::Value::Null,
                })
                .map_err(zarr)?;
            progress.inc(frame_bytes);
        }
    }
    writer.finish().map_err(zarr)
}

/// The selected planes grouped by t into runs of consecutive z.
fn runs(planes: &[(usize, usize, usize)]) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut out: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for &(_, t, z) in planes {
        match out.last_mut() {
            Some((rt, range)) if *rt == t && range.end == z => range.end = z + 1,
            _ => out.push((t, z..z + 1)),
        }
    }
    out
}

/// The catalog's record of a restacked position: the source's frame set
/// metadata, with where its frames came from, and each frame's metadata and
/// own parameters carried over from its source frame.
fn restacked_set(
    source: &str,
    plan: &PositionPlan,
    image: &WrittenImage,
    array_path: String,
    units: &HashMap<&str, Option<String>>,
) -> Result<NewFrameSet, IngestError> {
    let by_new: BTreeMap<(usize, usize, usize), &frame::Model> = plan
        .planes
        .iter()
        .enumerate()
        .flat_map(|(k, &(_, t, z))| {
            let (nt, nz) = if plan.along_t { (k, 0) } else { (0, k) };
            (0..plan.dims.c).map(move |c| ((nt, c, nz), (t, c, z)))
        })
        .map(|(new, old)| (new, &plan.rows[&old]))
        .collect();
    let mut frames = Vec::with_capacity(image.frames.len());
    for f in &image.frames {
        let row = by_new[&(f.t, f.c, f.z)];
        // Same pixels, same digest: anything else is a bug to stop at.
        if f.sha256 != row.sha256.to_ascii_lowercase() {
            return Err(IngestError::Zarr {
                identifier: source.to_owned(),
                reason: format!(
                    "restacked frame t {} c {} z {} hashes to {}, its source to {}",
                    f.t, f.c, f.z, f.sha256, row.sha256
                ),
            });
        }
        frames.push(NewFrame {
            t: f.t as i32,
            c: f.c as i32,
            z: f.z as i32,
            metadata: row.metadata.clone(),
            sha256: f.sha256.parse().expect("frame digests are lowercase hex"),
            parameters: frame_parameters(row, units),
        });
    }
    let mut metadata = plan.set.metadata.clone();
    if let serde_json::Value::Object(map) = &mut metadata {
        let indices: Vec<usize> = plan.planes.iter().map(|p| p.0).collect();
        map.insert(
            "restacked_from".into(),
            serde_json::json!({
                "dataset": source,
                "position": plan.position(),
                "frames": frame_list(&indices),
            }),
        );
    }
    Ok(NewFrameSet {
        position: plan.set.position,
        shape: image.shape,
        dtype: image.dtype.zarr_name().to_owned(),
        chunking: serde_json::json!({
            "chunk_shape": image.chunk_shape,
            "shard_shape": image.shard_shape,
            "levels": image.levels,
        }),
        channel_names: image.channel_names.clone(),
        metadata,
        array_path,
        frames,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lists_parse_and_print_as_people_write_them() {
        assert_eq!(
            parse_frame_list("0,2,5-9").unwrap(),
            vec![0, 2, 5, 6, 7, 8, 9]
        );
        assert_eq!(frame_list(&[0, 2, 5, 6, 7, 8, 9]), "0,2,5-9");
        assert!(parse_frame_list("3-1").is_err());
        assert!(parse_frame_list("a").is_err());
        assert!(parse_frame_list("").is_err());
    }
}
