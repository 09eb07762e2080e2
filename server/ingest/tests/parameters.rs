//! Parameters read from the files by the rules of `schema/extraction.json`:
//! a MicroManager folder's summary becomes dataset parameters, its per-image
//! keys become each frame's parameters, and lying metadata stops the ingest
//! with nothing written.

mod common;

use common::*;
use serde_json::{Value, json};
use strata_catalog::{ParameterCondition, ParameterOp};
use strata_domain::records::ParameterValue;

const ID: &str = "ML-2026-11-21-10-00-00-0001";
const W: u32 = 8;
const H: u32 = 6;

/// A MicroManager 1.4 folder (t=1, c=2, z=3) whose images stand 0.3 µm apart.
fn micromanager_folder(dir: &Path, z_step: f64) {
    std::fs::create_dir_all(dir).unwrap();
    let mut meta = serde_json::Map::new();
    meta.insert(
        "Summary".into(),
        json!({ "Frames": 1, "Slices": 3, "Channels": 2, "Positions": 1, "ChNames": ["DAPI", "GFP"],
                "Width": W, "Height": H, "PixelType": "GRAY16", "PixelSize_um": 0.108,
                "z-step_um": z_step, "MicroManagerVersion": "1.4.23" }),
    );
    for c in 0..2u32 {
        for z in 0..3u32 {
            let file = format!("img_000000000_{c}_{z:03}.tif");
            let pixels: Vec<u16> = (0..W * H).map(|i| (i + 100 * c + 10 * z) as u16).collect();
            let mut tiff =
                TiffEncoder::new(std::fs::File::create(dir.join(&file)).unwrap()).unwrap();
            tiff.write_image::<colortype::Gray16>(W, H, &pixels)
                .unwrap();
            meta.insert(
                format!("FrameKey-0-{c}-{z}"),
                json!({ "FileName": file, "FrameIndex": 0, "ChannelIndex": c, "SliceIndex": z,
                        "PositionIndex": 0, "ZPositionUm": format!("{:.1}", 10.0 + 0.3 * f64::from(z)),
                        "Exposure-ms": 20 + 10 * c, "ElapsedTime-ms": 5.0 * f64::from(3 * c + z) }),
            );
        }
    }
    std::fs::write(dir.join("metadata.txt"), Value::Object(meta).to_string()).unwrap();
}

fn light_microscopy_frames() -> UploadConfig {
    UploadConfig {
        upload_type: UploadType::Frames,
        technique: Technique::LightMicroscopy,
        ..UploadConfig::default()
    }
}

#[tokio::test]
async fn a_micromanager_summary_and_its_per_image_keys_become_parameters() {
    let w = world().await;
    micromanager_folder(&w.sources.join("run1"), 0.3);
    let manifest = w.manifest(&[(ID, "run1")]);
    w.ingest(&manifest, &light_microscopy_frames())
        .await
        .remove(0)
        .unwrap();

    let dataset = w.catalog.dataset(&Scope::system(), ID).await.unwrap();
    let parameters = w
        .catalog
        .parameters_of(&[dataset.id])
        .await
        .unwrap()
        .remove(&dataset.id)
        .unwrap();
    let value = |name: &str| {
        let p = parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        (p.value.clone(), p.unit.clone())
    };
    assert_eq!(
        value("LM_pixel_size"),
        (ParameterValue::Number(0.108), Some("um".into()))
    );
    assert_eq!(
        value("LM_z_step"),
        (ParameterValue::Number(0.3), Some("um".into()))
    );
    assert_eq!(value("LM_channel_count").0, ParameterValue::Integer(2));

    // Each frame carries its own focus position and exposure, searchable.
    let near = |lo: f64, hi: f64| {
        vec![ParameterCondition {
            name: "LM_z_position".into(),
            op: ParameterOp::Between(lo, hi),
        }]
    };
    let frames = w
        .catalog
        .frames(&Scope::system(), ID, 0, &near(10.25, 10.35), 100, 0)
        .await
        .unwrap();
    assert_eq!(
        frames.iter().map(|f| (f.c, f.z)).collect::<Vec<_>>(),
        [(0, 1), (1, 1)]
    );
    let exposure = frames[1]
        .parameters
        .iter()
        .find(|(n, _)| n == "LM_exposure_time")
        .map(|(_, v)| v.clone());
    assert_eq!(exposure, Some(ParameterValue::Number(30.0)));
    // A dataset-wide parameter is not a frame's.
    let err = w
        .catalog
        .frames(
            &Scope::system(),
            ID,
            0,
            &[ParameterCondition {
                name: "LM_pixel_size".into(),
                op: ParameterOp::Gt(0.0),
            }],
            100,
            0,
        )
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("where[0].name"), "{err}");
}

#[tokio::test]
async fn metadata_that_breaks_a_definition_stops_the_ingest_and_leaves_nothing() {
    let w = world().await;
    micromanager_folder(&w.sources.join("run1"), -0.3);
    let manifest = w.manifest(&[(ID, "run1")]);
    let err = w
        .ingest(&manifest, &light_microscopy_frames())
        .await
        .remove(0)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("LM_z_step must be at least 0 um; got -0.3"),
        "{message}"
    );
    assert_eq!(w.rows("dataset").await, 0);
    assert_eq!(w.rows("frame").await, 0);
    assert_eq!(w.rows("parameter").await, 0);
    assert!(w.objects().await.is_empty(), "{:?}", w.objects().await);
}

#[tokio::test]
async fn a_tilt_series_mdoc_gives_each_tilt_its_angle_and_the_series_its_range() {
    let w = world().await;
    tilt_series(&w.sources.join("ts.mrc"), &[-6.0, -3.0, 0.0, 3.0, 6.0]);
    let manifest = w.manifest(&[(ID, "ts.mrc")]);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        technique: Technique::CryoEt,
        ..UploadConfig::default()
    };
    w.ingest(&manifest, &config).await.remove(0).unwrap();

    let dataset = w.catalog.dataset(&Scope::system(), ID).await.unwrap();
    let parameters = w.catalog.parameters_of(&[dataset.id]).await.unwrap()[&dataset.id].clone();
    let of = |name: &str| {
        let p = parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} in {parameters:?}"));
        (p.value.clone(), p.canonical_number)
    };
    assert_eq!(
        of("EM_voltage"),
        (ParameterValue::Integer(300), Some(300_000.0))
    );
    // The mdoc's pixel spacing wins over the header's (10 Å per pixel here).
    assert_eq!(of("EM_sampling_rate").1, Some(1.35));
    assert_eq!(of("EMTS_tilt_min").1, Some(-6.0));
    assert_eq!(of("EMTS_tilt_max").1, Some(6.0));
    assert_eq!(of("EMTS_tilt_count").0, ParameterValue::Integer(5));
    assert_eq!(of("EMTS_total_dose").1, Some(10.0));

    let near_zero = w
        .catalog
        .frames(
            &Scope::system(),
            ID,
            0,
            &[ParameterCondition {
                name: "EMTS_tilt_angle".into(),
                op: ParameterOp::Between(-3.5, 3.5),
            }],
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(near_zero.iter().map(|f| f.z).collect::<Vec<_>>(), [1, 2, 3]);
    let defocus = near_zero[0]
        .parameters
        .iter()
        .find(|(n, _)| n == "EMTS_defocus")
        .map(|(_, v)| v.clone());
    assert_eq!(defocus, Some(ParameterValue::Number(-3.1)));
}

#[tokio::test]
async fn a_group_given_in_part_by_the_depositor_is_completed_from_the_files() {
    let w = world().await;
    tilt_series(&w.sources.join("ts.mrc"), &[-6.0, -3.0, 0.0, 3.0, 6.0]);
    let manifest = w.manifest(&[(ID, "ts.mrc")]);
    // The depositor gives the range (wider than what was recorded: the plan),
    // the files the count and the total dose: the group's requirements hold
    // for the two together.
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        technique: Technique::CryoEt,
        parameters: [
            ("EMTS_tilt_min".to_owned(), serde_json::json!(-60.0)),
            ("EMTS_tilt_max".to_owned(), serde_json::json!(60.0)),
        ]
        .into_iter()
        .collect(),
        ..UploadConfig::default()
    };
    w.ingest(&manifest, &config).await.remove(0).unwrap();

    let dataset = w.catalog.dataset(&Scope::system(), ID).await.unwrap();
    let parameters = w.catalog.parameters_of(&[dataset.id]).await.unwrap()[&dataset.id].clone();
    let of = |name: &str| {
        parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} in {parameters:?}"))
            .canonical_number
    };
    assert_eq!(
        of("EMTS_tilt_min"),
        Some(-60.0),
        "the depositor's value wins"
    );
    assert_eq!(of("EMTS_tilt_max"), Some(60.0));
    assert_eq!(of("EMTS_tilt_count"), Some(5.0), "read from the files");
    assert_eq!(of("EMTS_total_dose"), Some(10.0));
}
