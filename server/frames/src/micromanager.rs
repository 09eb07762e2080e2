//! MicroManager: (a) `*_MMStack*.tif` files, with per-image JSON in tag 51123
//! and the summary JSON in the file header; (b) a MicroManager 1.4 folder of
//! single-frame TIFFs described by `metadata.txt`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ::tiff::tags::Tag;
use serde_json::{Map, Value, json};

use crate::stack::{PageMeta, Slot, TiffStack};
use crate::tiff::{TiffPages, ascii_tag, common_shape};
use crate::{Dims, Dtype, Frame, FrameError, FrameSource, StackInfo, ome};

/// The TIFF tag of MicroManager's per-image JSON (`MicroManagerMetadata`).
pub(crate) const MM_TAG: u16 = 51123;
/// The magic number before the summary JSON at byte 32 of an MMStack file.
const SUMMARY_MAGIC: u32 = 2_355_492;

/// The summary JSON MicroManager keeps at byte 32 of its TIFF files, if there.
pub(crate) fn header_summary(path: &Path) -> Option<Map<String, Value>> {
    let mut file = File::open(path).ok()?;
    let mut head = [0u8; 40];
    file.read_exact(&mut head).ok()?;
    let word = |at: usize| {
        let b = [head[at], head[at + 1], head[at + 2], head[at + 3]];
        if &head[..2] == b"MM" {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    if word(32) != SUMMARY_MAGIC {
        return None;
    }
    let len = u64::from(word(36));
    let file_len = file.metadata().ok()?.len();
    if len > 64 << 20 || 40 + len > file_len {
        return None;
    }
    let mut text = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(40)).ok()?;
    file.read_exact(&mut text).ok()?;
    match serde_json::from_slice(&text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn count(summary: &Map<String, Value>, key: &str, intended: &str) -> Option<usize> {
    let n = summary.get(key).and_then(as_usize).or_else(|| {
        summary
            .get("IntendedDimensions")
            .and_then(|d| d.get(intended))
            .and_then(as_usize)
    })?;
    Some(n.max(1))
}

/// A JSON number or numeric string (MicroManager writes both).
fn as_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn channel_names(summary: &Map<String, Value>, c: usize) -> Vec<String> {
    let names = summary.get("ChNames").and_then(Value::as_array);
    (0..c)
        .map(|i| {
            names
                .and_then(|n| n.get(i))
                .and_then(Value::as_str)
                .map_or_else(|| format!("C{i}"), str::to_string)
        })
        .collect()
}

fn pixel_size(summary: &Map<String, Value>) -> Option<[f64; 3]> {
    let xy = summary
        .get("PixelSize_um")
        .and_then(as_f64)
        .filter(|p| *p > 0.0)?;
    let z = summary
        .get("z-step_um")
        .and_then(as_f64)
        .filter(|p| *p > 0.0)
        .unwrap_or(1.0);
    Some([xy, xy, z])
}

fn summary_dtype(path: &Path, summary: &Map<String, Value>) -> Result<Option<Dtype>, FrameError> {
    Ok(match summary.get("PixelType").and_then(Value::as_str) {
        None => None,
        Some("GRAY8") => Some(Dtype::U8),
        Some("GRAY16") => Some(Dtype::U16),
        Some("GRAY32") => Some(Dtype::F32),
        Some(other) => {
            return Err(FrameError::Unsupported {
                path: path.to_path_buf(),
                reason: format!("MicroManager PixelType {other} is not read (grayscale only)"),
            });
        }
    })
}

/// An MMStack TIFF file (with or without OME-XML).
pub(crate) fn open_tiff(mut pages: TiffPages) -> Result<TiffStack, FrameError> {
    let path = pages.path.clone();
    let summary = header_summary(&path).unwrap_or_default();
    let description = pages.first.description.clone().unwrap_or_default();
    let (mut info, slots) = if ome::is_ome_xml(&description) {
        ome::plan(&pages, &description)?
    } else if summary.is_empty() {
        // No summary to say the dimensions: the ImageJ description (or the pages) do,
        // and the per-page JSON is still each frame's metadata.
        let mut stack =
            crate::detect::open_tiff_or_imagej(pages)?.with_meta(PageMeta::MicroManager);
        stack.info_mut().format = "micromanager".into();
        return Ok(stack);
    } else {
        plan_from_pages(&mut pages, &summary)?
    };
    info.format = "micromanager".into();
    if let Value::Object(m) = &mut info.metadata {
        m.insert("summary".into(), Value::Object(summary));
    }
    Ok(TiffStack::new(pages, info, slots, PageMeta::MicroManager))
}

/// Without OME-XML: dimensions from the summary, each page placed by its own JSON.
fn plan_from_pages(
    pages: &mut TiffPages,
    summary: &Map<String, Value>,
) -> Result<(StackInfo, Vec<Slot>), FrameError> {
    let path = pages.path.clone();
    if summary.is_empty() {
        return Err(FrameError::Malformed {
            path,
            format: "MicroManager",
            reason: "neither OME-XML nor a summary header (byte 32) says the stack's dimensions"
                .into(),
        });
    }
    let t = count(summary, "Frames", "time").unwrap_or(1);
    let z = count(summary, "Slices", "z").unwrap_or(1);
    let c = count(summary, "Channels", "channel").unwrap_or(1);
    let n_pages = pages.shapes.len();
    if n_pages != t * z * c {
        let mut found = format!("{n_pages} pages");
        if let Some(broken) = &pages.broken {
            found.push_str(&format!(" ({broken})"));
        }
        return Err(FrameError::Inconsistent {
            path,
            expected: format!(
                "Frames={t} × Slices={z} × Channels={c} = {} images (summary)",
                t * z * c
            ),
            found,
        });
    }
    let mut seen = vec![false; n_pages];
    let mut slots = Vec::with_capacity(n_pages);
    for page in 0..n_pages {
        pages.seek(page)?;
        let json: Option<Value> = ascii_tag(pages.decoder(), Tag::Unknown(MM_TAG))
            .and_then(|s| serde_json::from_str(&s).ok());
        let index = |keys: [&str; 2]| {
            keys.iter()
                .find_map(|k| json.as_ref().and_then(|j| j.get(*k)).and_then(as_usize))
        };
        let (pt, pc, pz) = match (
            index(["FrameIndex", "Frame"]),
            index(["ChannelIndex", "Channel"]),
            index(["SliceIndex", "Slice"]),
        ) {
            (Some(pt), Some(pc), Some(pz)) => (pt, pc, pz),
            _ => {
                return Err(FrameError::Malformed {
                    path,
                    format: "MicroManager",
                    reason: format!(
                        "page {page} has no MicroManager metadata with FrameIndex/ChannelIndex/SliceIndex"
                    ),
                });
            }
        };
        let flat = (pt * c + pc) * z + pz;
        if pt >= t || pc >= c || pz >= z || seen[flat] {
            return Err(FrameError::Inconsistent {
                path,
                expected: format!("one page for each (t<{t}, c<{c}, z<{z})"),
                found: format!("page {page} at t={pt}, c={pc}, z={pz}"),
            });
        }
        seen[flat] = true;
        slots.push(Slot::page(page, 0, pt, pc, pz));
    }
    let expect = summary
        .get("Width")
        .and_then(as_usize)
        .zip(summary.get("Height").and_then(as_usize))
        .map(|(w, h)| (w as u32, h as u32));
    let (dtype, w, h) = common_shape(pages, 0..n_pages, expect, "the summary's Width × Height")?;
    check_dtype(&path, summary, dtype)?;
    let info = StackInfo {
        format: "micromanager".into(),
        dims: Dims {
            t,
            c,
            z,
            y: h as usize,
            x: w as usize,
        },
        dtype,
        positions: 1,
        channel_names: channel_names(summary, c),
        pixel_size_um: pixel_size(summary),
        metadata: json!({}),
    };
    Ok((info, slots))
}

fn check_dtype(path: &Path, summary: &Map<String, Value>, dtype: Dtype) -> Result<(), FrameError> {
    match summary_dtype(path, summary)? {
        Some(d) if d != dtype => Err(FrameError::Inconsistent {
            path: path.to_path_buf(),
            expected: format!("{d:?} pixels (summary PixelType)"),
            found: format!("{dtype:?} images"),
        }),
        _ => Ok(()),
    }
}

/// A MicroManager 1.4 folder: `metadata.txt` and one TIFF per image.
pub(crate) struct MmFolder {
    folder: PathBuf,
    info: StackInfo,
    /// In acquisition order: c fastest, then z, then t.
    frames: std::vec::IntoIter<FolderImage>,
    failed: bool,
}

/// One image of a folder: its place, file and per-image JSON.
struct FolderImage {
    t: usize,
    c: usize,
    z: usize,
    file: String,
    entry: Map<String, Value>,
}

/// `path` is the folder or its `metadata.txt`.
pub(crate) fn open_folder(path: &Path) -> Result<MmFolder, FrameError> {
    let (folder, metadata_path) = if path.is_dir() {
        (path.to_path_buf(), path.join("metadata.txt"))
    } else {
        (
            path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            path.to_path_buf(),
        )
    };
    let text = std::fs::read(&metadata_path).map_err(|source| FrameError::Io {
        path: metadata_path.clone(),
        source,
    })?;
    let bad = |reason: String| FrameError::Malformed {
        path: metadata_path.clone(),
        format: "MicroManager",
        reason,
    };
    let mut root: Map<String, Value> = match serde_json::from_slice(&text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(bad("metadata.txt is not a JSON object".into())),
        Err(e) => return Err(bad(format!("metadata.txt is not JSON: {e}"))),
    };
    let summary = match root.remove("Summary") {
        Some(Value::Object(s)) => s,
        _ => return Err(bad("metadata.txt has no Summary object".into())),
    };
    let t = count(&summary, "Frames", "time").unwrap_or(1);
    let z = count(&summary, "Slices", "z").unwrap_or(1);
    let c = count(&summary, "Channels", "channel").unwrap_or(1);
    let keys = root.keys().filter(|k| k.starts_with("FrameKey-")).count();
    if keys == 0 {
        return Err(FrameError::Unsupported {
            path: metadata_path,
            reason: "no FrameKey-t-c-z entries (only the MicroManager 1.4 layout is read)".into(),
        });
    }
    let mut frames = Vec::with_capacity(t * z * c);
    for ti in 0..t {
        for zi in 0..z {
            for ci in 0..c {
                let key = format!("FrameKey-{ti}-{ci}-{zi}");
                let Some(Value::Object(entry)) = root.remove(&key) else {
                    return Err(FrameError::Inconsistent {
                        path: metadata_path,
                        expected: format!(
                            "Frames={t} × Channels={c} × Slices={z} = {} images (Summary)",
                            t * z * c
                        ),
                        found: format!("{keys} FrameKey entries, none for {key}"),
                    });
                };
                let Some(file) = entry
                    .get("FileName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                else {
                    return Err(bad(format!("{key} has no FileName")));
                };
                if !folder.join(&file).is_file() {
                    return Err(FrameError::Inconsistent {
                        path: metadata_path,
                        expected: format!("the file {file} ({key})"),
                        found: "no such file in the folder".into(),
                    });
                }
                frames.push(FolderImage {
                    t: ti,
                    c: ci,
                    z: zi,
                    file,
                    entry,
                });
            }
        }
    }
    if keys > t * z * c {
        return Err(FrameError::Inconsistent {
            path: metadata_path,
            expected: format!(
                "Frames={t} × Channels={c} × Slices={z} = {} images (Summary)",
                t * z * c
            ),
            found: format!("{keys} FrameKey entries"),
        });
    }
    // The shape of the stack is the first image's, checked against the summary.
    let first_file = folder.join(&frames[0].file);
    let first = TiffPages::open(&first_file, |_, _| Ok(()))?;
    let expect = summary
        .get("Width")
        .and_then(as_usize)
        .zip(summary.get("Height").and_then(as_usize))
        .map(|(w, h)| (w as u32, h as u32));
    let (dtype, w, h) = common_shape(&first, [0], expect, "metadata.txt's Width × Height")?;
    check_dtype(&metadata_path, &summary, dtype)?;
    let info = StackInfo {
        format: "micromanager".into(),
        dims: Dims {
            t,
            c,
            z,
            y: h as usize,
            x: w as usize,
        },
        dtype,
        positions: 1,
        channel_names: channel_names(&summary, c),
        pixel_size_um: pixel_size(&summary),
        metadata: json!({ "summary": summary }),
    };
    Ok(MmFolder {
        folder,
        info,
        frames: frames.into_iter(),
        failed: false,
    })
}

impl MmFolder {
    fn read(&self, file: &str) -> Result<Vec<u8>, FrameError> {
        let path = self.folder.join(file);
        let mut pages = TiffPages::open(&path, |_, _| Ok(()))?;
        let dims = self.info.dims;
        common_shape(
            &pages,
            [0],
            Some((dims.x as u32, dims.y as u32)),
            "metadata.txt's Width × Height",
        )
        .and_then(|(dtype, _, _)| {
            if dtype == self.info.dtype {
                Ok(())
            } else {
                Err(FrameError::Inconsistent {
                    path: path.clone(),
                    expected: format!("{:?} pixels like the first image", self.info.dtype),
                    found: format!("{dtype:?}"),
                })
            }
        })?;
        pages.seek(0)?;
        pages.read_current(0, self.info.dtype)
    }
}

impl FrameSource for MmFolder {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        if self.failed {
            return None;
        }
        let FolderImage {
            t,
            c,
            z,
            file,
            entry,
        } = self.frames.next()?;
        let result = self.read(&file).map(|pixels| Frame {
            position: 0,
            t,
            c,
            z,
            pixels,
            metadata: Value::Object(entry),
        });
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }
}
