//! The selection laid over a source's frame sets: which planes of which
//! position, checked index by index before anything is claimed.

use std::collections::HashMap;

use strata_catalog::entity::{frame, frame_set};
use strata_frames::Dims;

use crate::IngestError;

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
pub(super) fn frame_list(sorted: &[usize]) -> String {
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
#[derive(Clone)]
pub(super) struct PositionPlan {
    pub(super) set: frame_set::Model,
    /// The catalog's frames of the position by (t, c, z).
    pub(super) rows: HashMap<(usize, usize, usize), frame::Model>,
    pub(super) dims: Dims,
    /// (frame index, t, z) of each selected plane, in source order.
    pub(super) planes: Vec<(usize, usize, usize)>,
    /// Whether the planes are stacked along t (a time series of single planes).
    pub(super) along_t: bool,
}

impl PositionPlan {
    pub(super) fn position(&self) -> usize {
        self.set.position as usize
    }

    /// The new image's dimensions.
    pub(super) fn new_dims(&self) -> Dims {
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
pub(super) fn plan(
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
pub(super) fn shard_needed(plan: &PositionPlan, shard: [usize; 5], coords: &[usize]) -> bool {
    let [st, _, sz, _, _] = shard;
    let (ct, cz) = (coords[0], coords[2]);
    plan.planes
        .iter()
        .any(|&(_, t, z)| t / st.max(1) == ct && z / sz.max(1) == cz)
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
