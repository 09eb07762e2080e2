//! The frames of one position copied from the source's image into a new
//! one, each checked against the catalog's digest as it is read, and the
//! catalog's record of the result.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use indicatif::ProgressBar;
use strata_catalog::entity::frame;
use strata_catalog::{NewFrame, NewFrameSet, NewParameter};
use strata_domain::records::ParameterValue;
use strata_frames::{Frame, StackInfo};
use strata_zarr::{ImageReader, ImageWriter, Selection, WriterOptions, WrittenImage, frame_sha256};

use super::selection::{PositionPlan, frame_list};
use crate::IngestError;

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

/// Reads the selected planes of one position from the fetched source image
/// in `fetched`, checks every frame against the catalog's digest, and writes
/// them as a new image in `out`. Blocks (zarrs): run on a blocking thread.
pub(super) fn copy_frames(
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
pub(super) fn restacked_set(
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
