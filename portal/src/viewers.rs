//! Which viewer a dataset page embeds, by technique, and its configuration.
//! The viewers themselves (portal/assets/viewers/*.js) read
//! `<figure class="viewer" data-viewer="KIND" data-config="JSON">`; the
//! page also carries the same values as a table for readers without them.

use serde_json::{Map, Value, json};

use crate::escape::url_path;
use crate::model::{Dataset, FrameSet};

/// A viewer for one dataset page.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    pub kind: &'static str,
    pub config: Value,
    /// The fallback: rows of (label, value), or for tilt series one row per tilt.
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Links to the data the viewer reads.
    pub links: Vec<(String, String)>,
}

type Make = fn(&Dataset, &str) -> Option<Viewer>;

/// The registry: technique (as GraphQL names it) → how to configure its viewer.
pub const REGISTRY: &[(&str, &str, Make)] = &[
    ("LIGHT_MICROSCOPY", "frames", frames),
    ("CRYO_ET", "tilt-series", tilt_series),
    ("SAXS", "saxs", saxs),
    ("MX", "mx", mx),
];

/// The dataset's viewer, if its technique has one and it has what it needs.
/// `data_url` is the data server's base URL (empty: the site's own origin).
pub fn viewer_for(dataset: &Dataset, data_url: &str) -> Option<Viewer> {
    REGISTRY
        .iter()
        .find(|(technique, _, _)| *technique == dataset.technique)
        .and_then(|(_, _, make)| make(dataset, data_url.trim_end_matches('/')))
}

fn zarr_url(data_url: &str, dataset: &Dataset, set: &FrameSet) -> String {
    format!(
        "{data_url}/zarr/{}/{}",
        url_path(&dataset.identifier),
        url_path(&set.array_path)
    )
}

fn file_url(data_url: &str, dataset: &Dataset, path: &str) -> String {
    format!(
        "{data_url}/files/{}/{}",
        url_path(&dataset.identifier),
        url_path(path)
    )
}

/// The pyramid levels the Zarr writer makes (strata-zarr's defaults): full
/// resolution, then y and x divided by 4 until the longer side is at most
/// 256, three levels at most.
pub fn levels(shape: &[i64]) -> Vec<String> {
    let (mut y, mut x) = match shape {
        [.., y, x] => (*y, *x),
        _ => return vec!["0".into()],
    };
    let mut out = vec!["0".to_owned()];
    while out.len() < 3 && y.max(x) > 256 {
        y = (y + 3) / 4;
        x = (x + 3) / 4;
        out.push(out.len().to_string());
    }
    out
}

fn frames(dataset: &Dataset, data_url: &str) -> Option<Viewer> {
    let set = dataset.frame_sets.first()?;
    let zarr = zarr_url(data_url, dataset, set);
    let config = json!({
        "zarr": zarr,
        "shape": set.shape,
        "channels": set.channel_names,
        "dtype": set.dtype,
        "levels": levels(&set.shape),
    });
    let dims = ["t", "c", "z", "y", "x"];
    let shape = set
        .shape
        .iter()
        .zip(dims)
        .map(|(n, d)| format!("{d} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Viewer {
        kind: "frames",
        config,
        header: vec!["Property".into(), "Value".into()],
        rows: vec![
            vec!["Shape".into(), shape],
            vec!["Channels".into(), set.channel_names.join(", ")],
            vec!["Data type".into(), set.dtype.clone()],
            vec!["Positions".into(), dataset.frame_sets.len().to_string()],
        ],
        links: vec![(format!("OME-Zarr image, position {}", set.position), zarr)],
    })
}

fn number(value: &Value) -> Value {
    match value {
        Value::Number(_) => value.clone(),
        _ => Value::Null,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tilt_series(dataset: &Dataset, data_url: &str) -> Option<Viewer> {
    let set = dataset.frame_sets.first();
    // Per-frame values first; the dataset's own value when a frame has none.
    let dataset_value = |name: &str| {
        dataset
            .parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| number(&p.value))
            .unwrap_or(Value::Null)
    };
    let fields = [
        ("angle", "EMTS_tilt_angle"),
        ("dose", "EMTS_dose_per_tilt"),
        ("motionTotal", "EMMotionCorrection_total_motion"),
        ("defocusU", "EMCTF_defocus_u"),
        ("defocusV", "EMCTF_defocus_v"),
        ("ctfResolution", "EMCTF_resolution_limit"),
    ];
    let tilts: Vec<Value> = set
        .map(|s| s.frames.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, frame)| {
            let mut tilt = Map::new();
            for (key, name) in fields {
                let value = frame
                    .parameters
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| number(&p.value))
                    .unwrap_or_else(|| dataset_value(name));
                tilt.insert(key.into(), value);
            }
            tilt.insert("frame".into(), json!(index));
            Value::Object(tilt)
        })
        .collect();
    if tilts.is_empty() {
        return None;
    }
    let zarr = set.map(|s| zarr_url(data_url, dataset, s));
    let rows = tilts
        .iter()
        .map(|t| {
            std::iter::once(show(&t["frame"]))
                .chain(fields.iter().map(|(key, _)| show(&t[*key])))
                .collect()
        })
        .collect();
    Some(Viewer {
        kind: "tilt-series",
        config: json!({ "tilts": tilts, "zarr": zarr }),
        header: [
            "Frame",
            "Tilt angle (deg)",
            "Dose (e/Å²)",
            "Total motion",
            "Defocus U (Å)",
            "Defocus V (Å)",
            "CTF resolution (Å)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        links: zarr
            .map(|z| vec![("OME-Zarr image".to_owned(), z)])
            .unwrap_or_default(),
    })
}

fn saxs(dataset: &Dataset, data_url: &str) -> Option<Viewer> {
    let file = dataset.datafiles.iter().find(|f| {
        f.format.eq_ignore_ascii_case("dat") || f.path.to_ascii_lowercase().ends_with(".dat")
    })?;
    let curve = file_url(data_url, dataset, &file.path);
    Some(Viewer {
        kind: "saxs",
        config: json!({ "curve": curve, "format": "dat" }),
        header: vec!["Property".into(), "Value".into()],
        rows: vec![vec!["I(q) curve".into(), file.path.clone()]],
        links: vec![(format!("I(q) data: {}", file.path), curve)],
    })
}

fn mx(dataset: &Dataset, data_url: &str) -> Option<Viewer> {
    let summary: Map<String, Value> = dataset
        .parameters
        .iter()
        .filter(|p| p.name.starts_with("MX_"))
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect();
    if summary.is_empty() {
        return None;
    }
    const IMAGES: [&str; 7] = ["cbf", "h5", "img", "png", "jpg", "jpeg", "tif"];
    let images: Vec<String> = dataset
        .datafiles
        .iter()
        .filter(|f| {
            let ext = f.path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            IMAGES.contains(&ext.as_str())
                || IMAGES.contains(&f.format.to_ascii_lowercase().as_str())
        })
        .map(|f| file_url(data_url, dataset, &f.path))
        .collect();
    let rows = summary
        .iter()
        .map(|(k, v)| vec![k.clone(), show(v)])
        .collect();
    let links = images
        .iter()
        .enumerate()
        .map(|(i, url)| (format!("Image {}", i + 1), url.clone()))
        .collect();
    Some(Viewer {
        kind: "mx",
        config: json!({ "summary": summary, "images": images }),
        header: vec!["Parameter".into(), "Value".into()],
        rows,
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(technique: &str, extra: Value) -> Dataset {
        let mut base = json!({
            "identifier": "LM-1", "kind": "RAW", "technique": technique, "instrument": null,
            "sample": null, "acquiredAt": "2022-10-01T00:00:00Z", "description": "", "sizeBytes": 0,
            "fileCount": 0, "publicFrom": null, "project": null, "parameters": [], "datafiles": [],
            "frameSets": [], "links": [], "linkedFrom": []
        });
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn light_microscopy_gets_frames_with_the_zarr_url_and_levels() {
        let d = dataset(
            "LIGHT_MICROSCOPY",
            json!({ "frameSets": [{ "position": 0, "shape": [2, 3, 4, 2048, 2048], "dtype": "uint16",
                "channelNames": ["DAPI", "GFP", "RFP"], "arrayPath": "0.ome.zarr", "frames": [] }] }),
        );
        let v = viewer_for(&d, "https://data.example/").unwrap();
        assert_eq!(v.kind, "frames");
        assert_eq!(
            v.config["zarr"],
            "https://data.example/zarr/LM-1/0.ome.zarr"
        );
        assert_eq!(v.config["shape"], json!([2, 3, 4, 2048, 2048]));
        assert_eq!(v.config["levels"], json!(["0", "1", "2"]));
        assert_eq!(v.config["channels"], json!(["DAPI", "GFP", "RFP"]));
        assert_eq!(levels(&[1, 1, 1, 512, 200]), vec!["0", "1"]);
        assert_eq!(levels(&[1, 1, 1, 256, 256]), vec!["0"]);
        // Without frames there is nothing to view.
        assert!(viewer_for(&dataset("LIGHT_MICROSCOPY", json!({})), "").is_none());
    }

    #[test]
    fn cryo_et_tilts_take_frame_values_then_the_dataset_s() {
        let d = dataset(
            "CRYO_ET",
            json!({
                "parameters": [{ "name": "EMCTF_resolution_limit", "value": 4.5, "unit": "A" }],
                "frameSets": [{ "position": 0, "shape": [2, 1, 1, 64, 64], "dtype": "float32", "channelNames": [],
                  "arrayPath": "0.ome.zarr", "frames": [
                    { "t": 0, "c": 0, "z": 0, "parameters": [{ "name": "EMTS_tilt_angle", "value": -60 }] },
                    { "t": 1, "c": 0, "z": 0, "parameters": [{ "name": "EMTS_tilt_angle", "value": -57 },
                                                             { "name": "EMCTF_resolution_limit", "value": 3.9 }] }
                ] }]
            }),
        );
        let v = viewer_for(&d, "").unwrap();
        assert_eq!(v.kind, "tilt-series");
        assert_eq!(v.config["tilts"][0]["angle"], -60);
        assert_eq!(v.config["tilts"][0]["ctfResolution"], 4.5);
        assert_eq!(v.config["tilts"][1]["ctfResolution"], 3.9);
        assert_eq!(v.config["tilts"][1]["frame"], 1);
        assert!(v.config["tilts"][1]["dose"].is_null());
        assert_eq!(v.config["zarr"], "/zarr/LM-1/0.ome.zarr");
        assert_eq!(v.rows.len(), 2);
    }

    #[test]
    fn saxs_points_at_its_curve_and_mx_summarises() {
        let d = dataset(
            "SAXS",
            json!({ "datafiles": [{ "path": "frames/raw.h5", "sizeBytes": 1, "sha256": "00", "format": "h5" },
                                  { "path": "curves/buffer subtracted.dat", "sizeBytes": 1, "sha256": "00", "format": "dat" }] }),
        );
        let v = viewer_for(&d, "http://d").unwrap();
        assert_eq!(
            v.config,
            json!({ "curve": "http://d/files/LM-1/curves/buffer%20subtracted.dat", "format": "dat" })
        );
        let m = dataset(
            "MX",
            json!({ "parameters": [{ "name": "MX_resolution", "value": 1.8, "unit": "A" }],
                    "datafiles": [{ "path": "img/x_0001.cbf", "sizeBytes": 1, "sha256": "00", "format": "cbf" }] }),
        );
        let v = viewer_for(&m, "").unwrap();
        assert_eq!(v.config["summary"]["MX_resolution"], 1.8);
        assert_eq!(v.config["images"], json!(["/files/LM-1/img/x_0001.cbf"]));
        assert!(viewer_for(&dataset("CRYO_EM", json!({})), "").is_none());
    }
}
