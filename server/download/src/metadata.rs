//! The metadata written beside the data (imagingDB's `--metadata`):
//! `metadata.json` (the dataset record, its plain files, and each delivered
//! frame set's global metadata, shape, dtype, channel names and selection)
//! and `frames.csv` (one row per delivered frame with its digest and its own
//! metadata as a JSON string).

use std::path::Path;

use serde_json::{Value, json};
use strata_catalog::StoredRecord;
use strata_domain::records;

use crate::error::DownloadError;
use crate::options::OutputFormat;
use crate::plan::PositionPlan;

pub const METADATA_JSON: &str = "metadata.json";
pub const FRAMES_CSV: &str = "frames.csv";

/// Column names of `frames.csv`.
pub const FRAMES_CSV_HEADER: [&str; 7] =
    ["position", "t", "c", "channel", "z", "sha256", "metadata"];

/// The file name a position's frames are delivered under.
pub(crate) fn output_name(position: i32, format: OutputFormat) -> String {
    match format {
        OutputFormat::OmeTiff => format!("{position}.ome.tif"),
        OutputFormat::Zarr => format!("{position}.ome.zarr"),
    }
}

fn frame_set_json(plan: &PositionPlan, output: Option<String>) -> Value {
    let set = &plan.set;
    let s = &plan.selection;
    json!({
        "position": set.position,
        "array_path": set.array_path,
        "shape": set.shape,
        "dtype": set.dtype,
        "channel_names": set.channel_names,
        "chunking": set.chunking,
        "metadata": set.metadata,
        "selection": {
            "t": [s.t.start, s.t.end],
            "c": s.c,
            "channels": plan.selected_channel_names(),
            "z": [s.z.start, s.z.end],
            "frames": plan.selected_count(),
        },
        "output": output,
    })
}

/// Writes `metadata.json` and, for frame datasets, `frames.csv` into `dir`.
pub(crate) fn write(
    dir: &Path,
    dataset: &records::Dataset,
    files: &[&StoredRecord],
    plans: &[PositionPlan],
    output: Option<OutputFormat>,
) -> Result<(), DownloadError> {
    let doc = json!({
        "dataset": dataset,
        "files": files
            .iter()
            .map(|f| json!({"path": f.path, "size_bytes": f.size_bytes, "sha256": f.sha256}))
            .collect::<Vec<_>>(),
        "frame_sets": plans
            .iter()
            .map(|p| frame_set_json(p, output.map(|f| output_name(p.position(), f))))
            .collect::<Vec<_>>(),
    });
    let path = dir.join(METADATA_JSON);
    let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| DownloadError::io(&path, e.into()))?;
    std::fs::write(&path, bytes).map_err(|e| DownloadError::io(&path, e))?;
    if !plans.is_empty() {
        write_frames_csv(&dir.join(FRAMES_CSV), plans)?;
    }
    Ok(())
}

fn write_frames_csv(path: &Path, plans: &[PositionPlan]) -> Result<(), DownloadError> {
    let csv_error = |e: csv::Error| DownloadError::io(path, std::io::Error::other(e));
    let mut out = csv::Writer::from_path(path).map_err(csv_error)?;
    out.write_record(FRAMES_CSV_HEADER).map_err(csv_error)?;
    for plan in plans {
        for (t, c, z) in plan.selected() {
            // Every selected frame has a row (checked when planning).
            let row = &plan.rows[&(t, c, z)];
            let metadata = serde_json::to_string(&row.metadata)
                .map_err(|e| DownloadError::io(path, e.into()))?;
            out.write_record([
                plan.position().to_string(),
                t.to_string(),
                c.to_string(),
                plan.channel_names[c].clone(),
                z.to_string(),
                row.sha256.clone(),
                metadata,
            ])
            .map_err(csv_error)?;
        }
    }
    out.flush().map_err(|e| DownloadError::io(path, e))
}
