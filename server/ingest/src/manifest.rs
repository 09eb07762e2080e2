//! imagingDB's upload manifest: a CSV with one dataset per row
//! (`dataset_id, file_name, description, parent_dataset_id, positions`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use strata_catalog::NewParameter;
use strata_domain::DatasetIdentifier;

use crate::IngestError;

/// One row of the manifest, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    /// 1-based line in the CSV file (the header is line 1).
    pub line: usize,
    pub dataset_id: DatasetIdentifier,
    /// The file or folder to ingest, resolved against the manifest's folder.
    pub file_name: PathBuf,
    pub description: String,
    pub parent_dataset_id: Option<DatasetIdentifier>,
    /// Positions of a multi-position source that belong to this dataset (empty: all).
    pub positions: Vec<usize>,
    /// Parameter values of this row (optional column `parameters`:
    /// `EM_voltage=300 kV; EM_images_count=40`), over the configuration's.
    pub parameters: Vec<NewParameter>,
}

#[derive(Deserialize)]
struct RawRow {
    dataset_id: String,
    file_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parent_dataset_id: String,
    #[serde(default)]
    positions: String,
    #[serde(default)]
    parameters: String,
}

/// `[0, 2, 5]`, `0,2,5` or `0 2 5`.
fn parse_positions(text: &str) -> Result<Vec<usize>, String> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("{s:?} is not a position index"))
        })
        .collect()
}

/// Reads and checks a whole manifest before anything is ingested: one bad row
/// refuses the manifest, naming the line and the column.
pub fn read_manifest(path: &Path) -> Result<Vec<ManifestRow>, IngestError> {
    let bad = |line: usize, column: &str, reason: String| IngestError::Manifest {
        path: path.to_owned(),
        line,
        column: column.to_owned(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(0, "", e.to_string()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.deserialize::<RawRow>().enumerate() {
        let line = i + 2;
        let raw = record.map_err(|e| bad(line, "", e.to_string()))?;
        let dataset_id: DatasetIdentifier = raw
            .dataset_id
            .parse()
            .map_err(|e| bad(line, "dataset_id", format!("{e}")))?;
        if !seen.insert(dataset_id.clone()) {
            return Err(bad(
                line,
                "dataset_id",
                format!("{dataset_id} appears twice in the manifest"),
            ));
        }
        if raw.file_name.is_empty() {
            return Err(bad(line, "file_name", "is empty".into()));
        }
        let parent_dataset_id = if raw.parent_dataset_id.is_empty() {
            None
        } else {
            Some(
                raw.parent_dataset_id
                    .parse()
                    .map_err(|e| bad(line, "parent_dataset_id", format!("{e}")))?,
            )
        };
        let positions = parse_positions(&raw.positions).map_err(|e| bad(line, "positions", e))?;
        let parameters = crate::settings::parse_settings(&raw.parameters)
            .map_err(|e| bad(line, "parameters", e))?;
        rows.push(ManifestRow {
            line,
            dataset_id,
            file_name: base.join(&raw.file_name),
            description: raw.description,
            parent_dataset_id,
            positions,
            parameters,
        });
    }
    if rows.is_empty() {
        return Err(bad(1, "", "the manifest lists no dataset".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("files_for_upload.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_imagingdb_manifests() {
        let (dir, path) = manifest(
            "dataset_id,file_name,description,parent_dataset_id,positions\n\
             ML-2022-10-01-14-03-22-0001,raw/stack.ome.tif,\"Grid 3, square 12\",,\"[0, 2]\"\n\
             ML-2022-10-01-15-00-00-0002,movie.mrc,motion corrected,ML-2022-10-01-14-03-22-0001,\n",
        );
        let rows = read_manifest(&path).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].file_name, dir.path().join("raw/stack.ome.tif"));
        assert_eq!(rows[0].description, "Grid 3, square 12");
        assert_eq!(rows[0].positions, vec![0, 2]);
        assert_eq!(
            rows[1].parent_dataset_id.as_ref().unwrap().as_str(),
            "ML-2022-10-01-14-03-22-0001"
        );
        assert!(rows[1].positions.is_empty());
    }

    #[test]
    fn a_bad_row_is_named_by_line_and_column() {
        let cases = [
            (
                "dataset_id,file_name\nML-2022-10-01,x.tif\n",
                2,
                "dataset_id",
            ),
            (
                "dataset_id,file_name\nML-2022-10-01-14-03-22-0001,\n",
                2,
                "file_name",
            ),
            (
                "dataset_id,file_name,parent_dataset_id\nML-2022-10-01-14-03-22-0001,a,nope\n",
                2,
                "parent_dataset_id",
            ),
            (
                "dataset_id,file_name,positions\nML-2022-10-01-14-03-22-0001,a,[0;1]\n",
                2,
                "positions",
            ),
            (
                "dataset_id,file_name\nML-2022-10-01-14-03-22-0001,a\nML-2022-10-01-14-03-22-0001,b\n",
                3,
                "dataset_id",
            ),
            ("file_name\na\n", 2, ""),
            ("dataset_id,file_name\n", 1, ""),
        ];
        for (text, line, column) in cases {
            let (_dir, path) = manifest(text);
            match read_manifest(&path) {
                Err(IngestError::Manifest {
                    line: l, column: c, ..
                }) => {
                    assert_eq!((l, c.as_str()), (line, column), "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
