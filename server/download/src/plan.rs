//! The selection options resolved against the catalog's frame sets, before
//! any byte is fetched: which positions, and in each which (t, c, z).

use std::collections::HashMap;
use std::ops::Range;

use strata_catalog::entity::{frame, frame_set};
use strata_frames::{Dims, Dtype};
use strata_zarr::Selection;

use crate::error::DownloadError;
use crate::options::{ChannelRef, DownloadOptions};

/// One position to deliver: its frame set, what of it is selected, and the
/// catalog's rows of the selected frames.
#[derive(Debug, Clone)]
pub(crate) struct PositionPlan {
    pub set: frame_set::Model,
    pub dims: Dims,
    pub dtype: Dtype,
    pub channel_names: Vec<String>,
    pub selection: Selection,
    /// The catalog's row of every frame of the set, by (t, c, z).
    pub rows: HashMap<(usize, usize, usize), frame::Model>,
}

impl PositionPlan {
    pub fn position(&self) -> i32 {
        self.set.position
    }

    /// The selected (t, c, z) in delivery order: t, then the listed c, then z.
    pub fn selected(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let s = &self.selection;
        s.t.clone().flat_map(move |t| {
            s.c.iter()
                .flat_map(move |&c| s.z.clone().map(move |z| (t, c, z)))
        })
    }

    pub fn selected_count(&self) -> usize {
        self.selection.t.len() * self.selection.c.len() * self.selection.z.len()
    }

    /// Names of the selected channels, in output order.
    pub fn selected_channel_names(&self) -> Vec<String> {
        self.selection
            .c
            .iter()
            .map(|&c| self.channel_names[c].clone())
            .collect()
    }

    /// Physical pixel size (x, y, z) in µm, if the source gave one.
    pub fn pixel_size_um(&self) -> Option<[f64; 3]> {
        serde_json::from_value(self.set.metadata.get("pixel_size_um")?.clone()).ok()
    }
}

/// The dtype of a frame set, from its Zarr data type name.
pub(crate) fn dtype_of(name: &str) -> Option<Dtype> {
    Some(match name {
        "uint8" => Dtype::U8,
        "uint16" => Dtype::U16,
        "uint32" => Dtype::U32,
        "int8" => Dtype::I8,
        "int16" => Dtype::I16,
        "int32" => Dtype::I32,
        "float32" => Dtype::F32,
        "float64" => Dtype::F64,
        _ => return None,
    })
}

fn list(items: impl IntoIterator<Item = impl ToString>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks `range` against `0..n` for the option `option`.
fn check_range(
    option: &'static str,
    range: &Option<Range<usize>>,
    n: usize,
) -> Result<Range<usize>, DownloadError> {
    match range {
        None => Ok(0..n),
        Some(r) if r.start >= r.end => Err(DownloadError::selection(
            option,
            format!("{}..{} is empty (valid: 0..{n})", r.start, r.end),
        )),
        Some(r) if r.end > n => Err(DownloadError::selection(
            option,
            format!(
                "{}..{} is outside 0..{n} (indices {} to {})",
                r.start,
                r.end,
                0,
                n.saturating_sub(1)
            ),
        )),
        Some(r) => Ok(r.clone()),
    }
}

fn resolve_channels(
    refs: &Option<Vec<ChannelRef>>,
    names: &[String],
) -> Result<Vec<usize>, DownloadError> {
    let Some(refs) = refs else {
        return Ok((0..names.len()).collect());
    };
    if refs.is_empty() {
        return Err(DownloadError::selection(
            "channels",
            format!("no channel listed (channels: {})", list(names)),
        ));
    }
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let index = match r {
            ChannelRef::Index(i) if *i < names.len() => *i,
            ChannelRef::Index(i) => {
                return Err(DownloadError::selection(
                    "channels",
                    format!(
                        "index {i} is outside 0..{} (channels: {})",
                        names.len(),
                        list(names)
                    ),
                ));
            }
            ChannelRef::Name(name) => names.iter().position(|n| n == name).ok_or_else(|| {
                DownloadError::selection(
                    "channels",
                    format!("no channel named {name:?} (channels: {})", list(names)),
                )
            })?,
        };
        if !out.contains(&index) {
            out.push(index);
        }
    }
    Ok(out)
}

/// Resolves the options against the dataset's frame sets; refuses what does
/// not fit, naming the option and the valid values.
pub(crate) fn plan(
    identifier: &str,
    sets: Vec<(frame_set::Model, Vec<frame::Model>)>,
    options: &DownloadOptions,
) -> Result<Vec<PositionPlan>, DownloadError> {
    if sets.is_empty() {
        if options.selects_frames() {
            let option = if options.channels.is_some() {
                "channels"
            } else if options.z.is_some() {
                "z"
            } else if options.t.is_some() {
                "t"
            } else {
                "positions"
            };
            return Err(DownloadError::selection(
                option,
                format!(
                    "{identifier} has no frames (it was uploaded as files); frame options apply to frame datasets only"
                ),
            ));
        }
        return Ok(Vec::new());
    }
    let available: Vec<i32> = sets.iter().map(|(s, _)| s.position).collect();
    let wanted: Option<Vec<i32>> = match &options.positions {
        None => None,
        Some(list_) if list_.is_empty() => {
            return Err(DownloadError::selection(
                "positions",
                format!("no position listed (positions: {})", list(&available)),
            ));
        }
        Some(positions) => {
            let mut out = Vec::new();
            for &p in positions {
                let p32 = i32::try_from(p).ok().filter(|p| available.contains(p));
                let Some(p32) = p32 else {
                    return Err(DownloadError::selection(
                        "positions",
                        format!(
                            "position {p} is not in {identifier} (positions: {})",
                            list(&available)
                        ),
                    ));
                };
                if !out.contains(&p32) {
                    out.push(p32);
                }
            }
            Some(out)
        }
    };
    let mut plans = Vec::new();
    for (set, frames) in sets {
        if wanted.as_ref().is_some_and(|w| !w.contains(&set.position)) {
            continue;
        }
        let bad = |what: &str| {
            DownloadError::inconsistent(
                identifier,
                format!("frame set of position {}: {what}", set.position),
            )
        };
        let shape: [usize; 5] = serde_json::from_value(set.shape.clone())
            .map_err(|e| bad(&format!("shape {}: {e}", set.shape)))?;
        let [t, c, z, y, x] = shape;
        let dims = Dims { t, c, z, y, x };
        let dtype = dtype_of(&set.dtype).ok_or_else(|| bad(&format!("dtype {:?}", set.dtype)))?;
        let channel_names: Vec<String> = serde_json::from_value(set.channel_names.clone())
            .map_err(|e| bad(&format!("channel names: {e}")))?;
        if channel_names.len() != dims.c {
            return Err(bad(&format!(
                "{} channel names for {} channels",
                channel_names.len(),
                dims.c
            )));
        }
        let selection = Selection {
            t: check_range("t", &options.t, dims.t)?,
            c: resolve_channels(&options.channels, &channel_names)?,
            z: check_range("z", &options.z, dims.z)?,
        };
        let rows = frames
            .into_iter()
            .map(|f| ((f.t as usize, f.c as usize, f.z as usize), f))
            .collect();
        let plan = PositionPlan {
            set,
            dims,
            dtype,
            channel_names,
            selection,
            rows,
        };
        if let Some((t, c, z)) = plan.selected().find(|k| !plan.rows.contains_key(k)) {
            return Err(DownloadError::inconsistent(
                identifier,
                format!(
                    "frame t={t} c={c} z={z} of position {} has no record (no digest to check it against)",
                    plan.position()
                ),
            ));
        }
        plans.push(plan);
    }
    Ok(plans)
}
