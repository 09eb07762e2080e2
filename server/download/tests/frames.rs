//! Frame datasets: whole and partial downloads as OME-TIFF and OME-Zarr,
//! read back with strata's own readers and compared with the source fixture.

mod common;

use common::{ID, Stack, World, world, write_ome_tiff};
use strata_catalog::Scope;
use strata_download::{ChannelRef, DownloadOptions, OutputFormat};
use strata_frames::{Frame, FramesFormat};
use strata_ingest::UploadType;
use strata_zarr::{ImageReader, Selection};

async fn frames_world() -> (World, Stack) {
    let w = world().await;
    let stack = Stack::small();
    write_ome_tiff(&w.sources.join("stack.ome.tif"), &stack);
    let report = w.ingest(ID, "stack.ome.tif", UploadType::Frames).await;
    assert_eq!(report.frames, 24);
    (w, stack)
}

fn read_tiff(path: &std::path::Path) -> (strata_frames::StackInfo, Vec<Frame>) {
    let mut source = strata_frames::open(path, FramesFormat::Auto).unwrap();
    let info = source.info().clone();
    let mut frames = Vec::new();
    while let Some(frame) = source.next_frame() {
        frames.push(frame.unwrap());
    }
    (info, frames)
}

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        strata_download::FRAMES_CSV_HEADER.to_vec()
    );
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn stored_bytes(w: &World) -> u64 {
    let (_, records) = w
        .catalog
        .stored_objects(&Scope::system(), ID)
        .await
        .unwrap();
    records.iter().map(|r| r.size_bytes as u64).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_frame_dataset_reads_back_as_ome_tiff() {
    let (w, s) = frames_world().await;
    let report = w.download(ID, &DownloadOptions::default()).await.unwrap();
    assert_eq!(report.frames, 24);

    let (info, frames) = read_tiff(&report.path.join("0.ome.tif"));
    assert_eq!(info.format, "ome-tiff");
    assert_eq!(
        (
            info.dims.t,
            info.dims.c,
            info.dims.z,
            info.dims.y,
            info.dims.x
        ),
        (2, 3, 4, 256, 320)
    );
    assert_eq!(info.channel_names, vec!["DAPI", "GFP", "mCherry"]);
    assert_eq!(info.dtype, strata_frames::Dtype::U16);
    assert_eq!(info.pixel_size_um, Some([0.25, 0.25, 1.5]));
    assert_eq!(frames.len(), 24);
    for f in &frames {
        assert_eq!(
            f.pixels,
            s.plane_bytes(f.t, f.c, f.z),
            "t={} c={} z={}",
            f.t,
            f.c,
            f.z
        );
    }

    let rows = csv_rows(&report.path.join("frames.csv"));
    assert_eq!(rows.len(), 24);
    let sets = w.catalog.frame_sets(&Scope::system(), ID).await.unwrap();
    for (row, frame) in rows.iter().zip(&sets[0].1) {
        assert_eq!(
            row[..6],
            [
                "0".to_owned(),
                frame.t.to_string(),
                frame.c.to_string(),
                s.channels[frame.c as usize].to_owned(),
                frame.z.to_string(),
                frame.sha256.clone(),
            ]
        );
        let metadata: serde_json::Value = serde_json::from_str(&row[6]).unwrap();
        assert_eq!(metadata, frame.metadata);
    }
    // The source's per-plane metadata made it through (ExposureTime of t=1 c=2 z=3).
    assert!(rows[23][6].contains("133"), "{}", rows[23][6]);

    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.path.join("metadata.json")).unwrap()).unwrap();
    let set = &meta["frame_sets"][0];
    assert_eq!(set["shape"], serde_json::json!([2, 3, 4, 256, 320]));
    assert_eq!(set["dtype"], "uint16");
    assert_eq!(
        set["channel_names"],
        serde_json::json!(["DAPI", "GFP", "mCherry"])
    );
    assert_eq!(set["metadata"]["format"], "ome-tiff");
    assert_eq!(set["output"], "0.ome.tif");
    assert_eq!(meta["dataset"]["identifier"], ID);
    assert_eq!(
        w.dest_entries(),
        vec![
            ID.to_owned(),
            format!("{ID}/0.ome.tif"),
            format!("{ID}/frames.csv"),
            format!("{ID}/metadata.json"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_download_by_channel_name_and_z_range_holds_exactly_those_frames() {
    let (w, s) = frames_world().await;
    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Name("GFP".into())]),
        z: Some(1..3),
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(report.frames, 4);
    // Only the index and the chunks of 4 of the 24 planes were read, plus metadata.
    let total = stored_bytes(&w).await;
    assert!(
        report.bytes < total / 3,
        "{} of {total} bytes fetched",
        report.bytes
    );

    let (info, frames) = read_tiff(&report.path.join("0.ome.tif"));
    assert_eq!((info.dims.t, info.dims.c, info.dims.z), (2, 1, 2));
    assert_eq!(info.channel_names, vec!["GFP"]);
    let got: Vec<(usize, usize, usize)> = frames.iter().map(|f| (f.t, f.c, f.z)).collect();
    assert_eq!(got, vec![(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)]);
    for f in &frames {
        assert_eq!(f.pixels, s.plane_bytes(f.t, 1, f.z + 1));
    }
    let rows = csv_rows(&report.path.join("frames.csv"));
    let keys: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str(), r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("0", "1", "GFP", "1"),
            ("0", "1", "GFP", "2"),
            ("1", "1", "GFP", "1"),
            ("1", "1", "GFP", "2"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_download_as_zarr_reads_back_with_read_frames() {
    let (w, s) = frames_world().await;
    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Index(2), ChannelRef::Index(0)]),
        t: Some(1..2),
        format: OutputFormat::Zarr,
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!(report.frames, 8);
    let image = report.path.join("0.ome.zarr");
    let reader = ImageReader::open(&image).unwrap();
    assert_eq!(reader.channel_names(), ["mCherry", "DAPI"]);
    let dims = reader.dims(0).unwrap();
    assert_eq!(
        (dims.t, dims.c, dims.z, dims.y, dims.x),
        (1, 2, 4, 256, 320)
    );
    let frames: Vec<Frame> = strata_zarr::read_frames(&image, &Selection::all(&dims), 0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(frames.len(), 8);
    for f in &frames {
        let source_c = [2, 0][f.c];
        assert_eq!(
            f.pixels,
            s.plane_bytes(1, source_c, f.z),
            "c={} z={}",
            f.c,
            f.z
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_only_writes_just_the_two_files_with_the_selected_rows() {
    let (w, _) = frames_world().await;
    let options = DownloadOptions {
        metadata_only: true,
        z: Some(3..4),
        t: Some(0..1),
        ..DownloadOptions::default()
    };
    let report = w.download(ID, &options).await.unwrap();
    assert_eq!((report.bytes, report.objects, report.frames), (0, 0, 0));
    assert_eq!(
        w.dest_entries(),
        vec![
            ID.to_owned(),
            format!("{ID}/frames.csv"),
            format!("{ID}/metadata.json")
        ]
    );
    let rows = csv_rows(&report.path.join("frames.csv"));
    let sets = w.catalog.frame_sets(&Scope::system(), ID).await.unwrap();
    let expected: Vec<_> = sets[0].1.iter().filter(|f| f.t == 0 && f.z == 3).collect();
    assert_eq!(rows.len(), 3);
    for (row, frame) in rows.iter().zip(expected) {
        assert_eq!(row[2], frame.c.to_string());
        assert_eq!(row[5], frame.sha256);
        let metadata: serde_json::Value = serde_json::from_str(&row[6]).unwrap();
        assert_eq!(metadata, frame.metadata);
        assert!(!frame.metadata.is_null());
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.path.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(
        meta["frame_sets"][0]["selection"]["z"],
        serde_json::json!([3, 4])
    );
    assert_eq!(meta["frame_sets"][0]["output"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn float_pixels_come_out_as_float_pages() {
    let w = world().await;
    // A plain multi-page float32 TIFF: a z stack of 3 planes.
    let path = w.sources.join("float.tif");
    let plane = |z: usize| -> Vec<f32> { (0..12 * 8).map(|i| i as f32 * 0.5 - z as f32).collect() };
    {
        let mut enc =
            tiff::encoder::TiffEncoder::new(std::fs::File::create(&path).unwrap()).unwrap();
        for z in 0..3 {
            enc.write_image::<tiff::encoder::colortype::Gray32Float>(12, 8, &plane(z))
                .unwrap();
        }
    }
    w.ingest(ID, "float.tif", UploadType::Frames).await;
    let report = w.download(ID, &DownloadOptions::default()).await.unwrap();
    let (info, frames) = read_tiff(&report.path.join("0.ome.tif"));
    assert_eq!(info.dtype, strata_frames::Dtype::F32);
    assert_eq!(info.dims.z, 3);
    for f in &frames {
        let expected: Vec<u8> = plane(f.z).iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(f.pixels, expected);
    }
}
