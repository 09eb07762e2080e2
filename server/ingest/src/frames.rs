//! The frames upload type: a stack is read frame by frame, written as one
//! OME-Zarr image per position in a staging folder, then each of the image's
//! few objects is stored and recorded with its digest, beside one row per
//! frame with the frame's own metadata and the SHA-256 of its pixels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use strata_catalog::{IngestClaim, NewFrame, NewFrameSet};
use strata_domain::Technique;
use strata_frames::{FrameSource, FramesFormat, StackInfo};
use strata_zarr::{ImageWriter, WriterOptions, WrittenImage};

use crate::ingestor::{Ingestor, Written, stored_file};
use crate::{IngestError, extract};

/// One position's image, assembled in staging.
struct StagedImage {
    position: usize,
    dir: PathBuf,
    image: WrittenImage,
    /// Per-frame metadata by (t, c, z), as the source gave it.
    metadata: BTreeMap<(usize, usize, usize), serde_json::Value>,
}

/// Per-frame metadata by (t, c, z).
type FrameMetadata = BTreeMap<(usize, usize, usize), serde_json::Value>;

/// A position's image being written: the writer, its folder, its frames' metadata.
type OpenImage = (ImageWriter, PathBuf, FrameMetadata);

/// Removes a staging folder however the ingest ends.
pub(crate) struct Staging(pub(crate) PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.0.display(), error = %e, "could not remove a staging folder");
        }
    }
}

/// Removes the staging folders of ingests whose process is gone (a `kill -9`):
/// they are named `<identifier>-<pid>`.
pub(crate) fn clear_dead_staging(staging: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.rsplit_once('-'))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            drop(Staging(entry.path()));
        }
    }
}

impl Ingestor {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_frames(
        &self,
        claim: &IngestClaim,
        technique: Technique,
        source: &Path,
        format: FramesFormat,
        positions: &[usize],
        written: &mut Written,
        progress: &ProgressBar,
    ) -> Result<(), IngestError> {
        let identifier = claim.identifier.to_string();
        let staging = Staging(self.staging.join(format!(
            "{}-{}",
            claim.identifier,
            std::process::id()
        )));
        let (source, dir, wanted, bar) = (
            source.to_owned(),
            staging.0.clone(),
            positions.to_vec(),
            progress.clone(),
        );
        let id = identifier.clone();
        // Reading and encoding block (and zarrs runs on rayon): off the async workers.
        let (info, images) = tokio::task::spawn_blocking(move || {
            assemble(&id, &source, format, &wanted, &dir, &bar)
        })
        .await
        .map_err(|e| IngestError::Zarr {
            identifier: identifier.clone(),
            reason: format!("the frame writer stopped: {e}"),
        })??;

        for staged in images {
            let array_path = format!("{}.ome.zarr", staged.position);
            self.store_image(claim, &staged.dir, &staged.image, &array_path, written)
                .await?;
            written
                .frame_sets
                .push(frame_set(&info, technique, &staged, array_path));
        }
        written.extracted = extract::dataset_parameters(&info, technique);
        written.extracted.extend(extract::aggregate_parameters(
            written
                .frame_sets
                .iter()
                .flat_map(|s| &s.frames)
                .flat_map(|f| &f.parameters),
        ));
        Ok(())
    }

    /// Stores the objects of an image staged in `dir` under `array_path` of
    /// the dataset, each checked against the digest the writer took.
    pub(crate) async fn store_image(
        &self,
        claim: &IngestClaim,
        dir: &Path,
        image: &WrittenImage,
        array_path: &str,
        written: &mut Written,
    ) -> Result<(), IngestError> {
        let identifier = claim.identifier.to_string();
        for object in &image.objects {
            let path = format!("{array_path}/{}", object.path);
            let key = self.key(claim, &path)?;
            let local = dir.join(&object.path);
            let stored = self
                .store
                .put_file_moving(&key, &local)
                .await
                .map_err(|source| IngestError::Storage {
                    identifier: identifier.clone(),
                    source,
                })?;
            // The store hashed what it received; it must be what the writer wrote.
            if stored.sha256 != object.sha256 || stored.size != object.size {
                let reason = format!(
                    "{path} changed between writing and storing (SHA-256 {} when written, {} when stored)",
                    object.sha256, stored.sha256
                );
                written.objects.push(stored);
                return Err(IngestError::Zarr { identifier, reason });
            }
            written.files.push(stored_file(
                &stored,
                path,
                "zarr".into(),
                self.store.backend(),
            ));
            written.objects.push(stored);
        }
        Ok(())
    }
}

fn frame_set(
    info: &StackInfo,
    technique: Technique,
    staged: &StagedImage,
    array_path: String,
) -> NewFrameSet {
    let image = &staged.image;
    let frames = image
        .frames
        .iter()
        .map(|f| {
            let metadata = staged
                .metadata
                .get(&(f.t, f.c, f.z))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            NewFrame {
                t: f.t as i32,
                c: f.c as i32,
                z: f.z as i32,
                parameters: extract::frame_parameters(&info.format, technique, &metadata),
                metadata,
                sha256: f.sha256.parse().expect("frame digests are lowercase hex"),
            }
        })
        .collect();
    NewFrameSet {
        position: staged.position as i32,
        shape: image.shape,
        dtype: image.dtype.zarr_name().to_owned(),
        chunking: serde_json::json!({
            "chunk_shape": image.chunk_shape,
            "shard_shape": image.shard_shape,
            "levels": image.levels,
        }),
        channel_names: image.channel_names.clone(),
        metadata: serde_json::json!({
            "format": info.format,
            "pixel_size_um": info.pixel_size_um,
            "source": info.metadata,
        }),
        array_path,
        frames,
    }
}

/// Reads every frame once and writes the wanted positions' images.
fn assemble(
    identifier: &str,
    source: &Path,
    format: FramesFormat,
    wanted: &[usize],
    staging: &Path,
    progress: &ProgressBar,
) -> Result<(StackInfo, Vec<StagedImage>), IngestError> {
    let frames_error = |source| IngestError::Frames {
        identifier: identifier.to_owned(),
        source,
    };
    let mut reader: Box<dyn FrameSource> =
        strata_frames::open(source, format).map_err(frames_error)?;
    let info = reader.info().clone();
    if let Some(bad) = wanted.iter().find(|p| **p >= info.positions) {
        return Err(IngestError::Source {
            path: source.to_owned(),
            reason: format!(
                "holds {} position(s); position {bad} was asked for",
                info.positions
            ),
        });
    }
    let keep = |p: usize| wanted.is_empty() || wanted.contains(&p);
    let frame_bytes = (info.dims.y * info.dims.x * info.dtype.size()) as u64;
    progress.set_length(frame_bytes * (info.dims.frames() * info.positions) as u64);
    progress.set_message(identifier.to_owned());

    // The source is decoded on a thread of its own, a few frames ahead, so that
    // reading and encoding overlap; the bounded channel keeps memory bounded.
    let (sender, frames) = std::sync::mpsc::sync_channel(4);
    let decoder = std::thread::spawn(move || {
        while let Some(frame) = reader.next_frame() {
            let failed = frame.is_err();
            // A closed channel means the writer gave up: stop reading.
            if sender.send(frame).is_err() || failed {
                break;
            }
        }
    });
    let written = write_frames(
        identifier,
        source,
        &info,
        frames.iter(),
        &keep,
        staging,
        progress,
        frame_bytes,
    );
    drop(frames);
    let _ = decoder.join();
    Ok((info, written?))
}

/// Writes the frames of the wanted positions, each into its own image.
#[allow(clippy::too_many_arguments)]
fn write_frames(
    identifier: &str,
    source: &Path,
    info: &StackInfo,
    frames: impl Iterator<Item = Result<strata_frames::Frame, strata_frames::FrameError>>,
    keep: &dyn Fn(usize) -> bool,
    staging: &Path,
    progress: &ProgressBar,
    frame_bytes: u64,
) -> Result<Vec<StagedImage>, IngestError> {
    let frames_error = |source| IngestError::Frames {
        identifier: identifier.to_owned(),
        source,
    };
    let zarr_error = |e: strata_zarr::ZarrError| IngestError::Zarr {
        identifier: identifier.to_owned(),
        reason: e.to_string(),
    };
    let mut open: BTreeMap<usize, OpenImage> = BTreeMap::new();
    let mut done = Vec::new();
    for frame in frames {
        let frame = frame.map_err(frames_error)?;
        progress.inc(frame_bytes);
        if !keep(frame.position) {
            continue;
        }
        // Positions usually come one after another: finish those left behind so
        // that at most a few images are open at once.
        let behind: Vec<usize> = open
            .keys()
            .copied()
            .filter(|p| *p + 1 < frame.position)
            .collect();
        for p in behind {
            let (writer, dir, metadata) = open.remove(&p).expect("an open position");
            done.push(StagedImage {
                position: p,
                dir,
                image: writer.finish().map_err(zarr_error)?,
                metadata,
            });
        }
        if !open.contains_key(&frame.position) && !done.iter().any(|d| d.position == frame.position)
        {
            let dir = staging.join(format!("{}.ome.zarr", frame.position));
            let writer = ImageWriter::create(&dir, info, frame.position, WriterOptions::default())
                .map_err(zarr_error)?;
            open.insert(frame.position, (writer, dir, BTreeMap::new()));
        }
        let (writer, _, metadata) =
            open.get_mut(&frame.position)
                .ok_or_else(|| IngestError::Source {
                    path: source.to_owned(),
                    reason: format!(
                        "delivers frames of position {} after that position was finished",
                        frame.position
                    ),
                })?;
        writer.write_frame(&frame).map_err(zarr_error)?;
        if !frame.metadata.is_null() {
            metadata.insert((frame.t, frame.c, frame.z), frame.metadata);
        }
    }
    for (p, (writer, dir, metadata)) in open {
        done.push(StagedImage {
            position: p,
            dir,
            image: writer.finish().map_err(zarr_error)?,
            metadata,
        });
    }
    if done.is_empty() {
        return Err(IngestError::Source {
            path: source.to_owned(),
            reason: "holds no frame of the positions asked for".into(),
        });
    }
    done.sort_by_key(|d| d.position);
    Ok(done)
}
