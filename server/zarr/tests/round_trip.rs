//! Frames written in shuffled order come back byte for byte, at every level,
//! and the image describes exactly what is on disk.

mod common;

use std::path::Path;

use sha2::{Digest, Sha256};
use strata_frames::{Dims, Dtype, StackInfo};
use strata_zarr::{
    ImageReader, ImageWriter, Selection, WriterOptions, WrittenImage, downsample_mean,
    frame_sha256, read_frames,
};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes every frame of `info` in a shuffled order and checks each digest
/// against an independent SHA-256 of the bytes given.
fn write_shuffled(dir: &Path, info: &StackInfo, options: WriterOptions) -> WrittenImage {
    let mut writer = ImageWriter::create(dir, info, 1, options).unwrap();
    for (t, c, z) in common::shuffled(&info.dims, 42) {
        let frame = common::frame(info, 1, t, c, z);
        let digest = writer.write_frame(&frame).unwrap();
        assert_eq!((digest.t, digest.c, digest.z), (t, c, z));
        assert_eq!(digest.sha256, sha(&frame.pixels));
    }
    writer.finish().unwrap()
}

/// Reads every frame of every level and compares with the originals
/// (downsampled level by level for levels ≥ 1, by each level's factor over
/// the one above), and checks the digests survive a read-back.
fn check_read_back(dir: &Path, info: &StackInfo, image: &WrittenImage) {
    let reader = ImageReader::open(dir).unwrap();
    assert_eq!(reader.position(), 1);
    assert_eq!(reader.dtype(), info.dtype);
    assert_eq!(reader.channel_names(), info.channel_names.as_slice());
    assert_eq!(reader.levels().len(), image.levels.len());
    for (level, layout) in reader.levels().iter().enumerate() {
        let frames: Vec<_> = reader
            .read_frames(&Selection::all(&info.dims), level)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(frames.len(), info.dims.frames(), "level {level}");
        for frame in frames {
            let original = common::frame(info, 1, frame.t, frame.c, frame.z);
            let mut expected = original.pixels.clone();
            let (mut h, mut w) = (info.dims.y, info.dims.x);
            for l in 1..=level {
                let levels = reader.levels();
                let step = (levels[l].factor / levels[l - 1].factor) as usize;
                expected = downsample_mean(&expected, h, w, step, info.dtype);
                (h, w) = (h.div_ceil(step), w.div_ceil(step));
            }
            assert_eq!((h as u64, w as u64), (layout.shape[3], layout.shape[4]));
            assert!(
                frame.pixels == expected,
                "level {level} frame t={} c={} z={} differs",
                frame.t,
                frame.c,
                frame.z
            );
            if level == 0 {
                let i = (frame.t * info.dims.c + frame.c) * info.dims.z + frame.z;
                assert_eq!(frame_sha256(&frame.pixels), image.frames[i].sha256);
            }
        }
    }
}

fn check_objects(dir: &Path, image: &WrittenImage) {
    let mut on_disk = Vec::new();
    collect(dir, dir, &mut on_disk);
    on_disk.sort();
    let listed: Vec<_> = image.objects.iter().map(|o| o.path.clone()).collect();
    assert_eq!(listed, on_disk);
    for object in &image.objects {
        let bytes = std::fs::read(dir.join(&object.path)).unwrap();
        assert_eq!(object.size, bytes.len() as u64, "{}", object.path);
        assert_eq!(object.sha256, sha(&bytes), "{}", object.path);
    }
    assert!(image.objects.iter().any(|o| o.path == "zarr.json"));
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[test]
fn shuffled_u16_round_trip_with_a_quarter_preview() {
    // The default: one preview level, a quarter of level 0 in y and x.
    let dims = Dims {
        t: 2,
        c: 3,
        z: 4,
        y: 300,
        x: 520,
    };
    let info = common::info(dims, Dtype::U16);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img.ome.zarr");
    let image = write_shuffled(&dir, &info, WriterOptions::default());

    let shapes: Vec<_> = image.levels.iter().map(|l| l.layout.shape).collect();
    assert_eq!(shapes, vec![[2, 3, 4, 300, 520], [2, 3, 4, 75, 130]]);
    assert_eq!(
        image
            .levels
            .iter()
            .map(|l| l.layout.factor)
            .collect::<Vec<_>>(),
        vec![1, 4]
    );
    assert_eq!(image.levels[1].scale, [1.0, 1.0, 0.5, 0.65, 0.65]);
    assert_eq!(image.shape, [2, 3, 4, 300, 520]);
    assert_eq!(image.chunk_shape, [1, 1, 1, 256, 256]);
    assert_eq!(image.shard_shape, [2, 3, 4, 512, 768]); // whole tiles
    assert_eq!(image.levels[1].layout.chunk_shape, [1, 1, 1, 75, 130]);
    assert_eq!(image.raw_bytes, 2 * 3 * 4 * 300 * 520 * 2);
    assert_eq!(image.channel_names, vec!["ch-0", "ch-1", "ch-2"]);
    assert_eq!(image.frames.len(), 24);
    // One shard per level, two array zarr.json and the group's.
    assert_eq!(image.pixel_objects().count(), 2);
    assert_eq!(image.objects.len(), 5);
    check_objects(&dir, &image);
    check_read_back(&dir, &info, &image);
}

#[test]
fn shuffled_u16_round_trip_with_three_halving_levels() {
    let dims = Dims {
        t: 2,
        c: 3,
        z: 4,
        y: 300,
        x: 520,
    };
    let info = common::info(dims, Dtype::U16);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img.ome.zarr");
    let options = WriterOptions {
        preview_factor: 2,
        ..WriterOptions::default()
    };
    let image = write_shuffled(&dir, &info, options);

    let shapes: Vec<_> = image.levels.iter().map(|l| l.layout.shape).collect();
    assert_eq!(
        shapes,
        vec![[2, 3, 4, 300, 520], [2, 3, 4, 150, 260], [2, 3, 4, 75, 130]]
    );
    assert_eq!(
        image
            .levels
            .iter()
            .map(|l| l.layout.factor)
            .collect::<Vec<_>>(),
        vec![1, 2, 4]
    );
    assert_eq!(image.levels[2].scale, [1.0, 1.0, 0.5, 0.65, 0.65]);
    assert_eq!(image.shard_shape, [2, 3, 4, 512, 768]); // whole tiles
    // One shard per level, three array zarr.json and the group's.
    assert_eq!(image.pixel_objects().count(), 3);
    assert_eq!(image.objects.len(), 7);
    check_objects(&dir, &image);
    check_read_back(&dir, &info, &image);
}

#[test]
fn many_small_shards_and_tiles_round_trip() {
    // 1 MiB shards and 128-pixel tiles: frames land in several shards and
    // several tiles each, with partial edge tiles.
    let dims = Dims {
        t: 1,
        c: 2,
        z: 5,
        y: 300,
        x: 520,
    };
    let info = common::info(dims, Dtype::U16);
    let options = WriterOptions {
        tile: 128,
        shard_bytes: 1 << 20,
        ..WriterOptions::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    let image = write_shuffled(&dir, &info, options);
    // Planes padded to 384×640 tiles (480 KiB): 2 fit in 1 MiB, so z=5 makes
    // shards of 2, 2 and 1, for each of the 2 channels.
    assert_eq!(image.shard_shape, [1, 1, 2, 384, 640]);
    assert_eq!(image.chunk_shape, [1, 1, 1, 128, 128]);
    assert_eq!(
        image
            .pixel_objects()
            .filter(|o| o.path.starts_with("0/"))
            .count(),
        6
    );
    check_objects(&dir, &image);
    check_read_back(&dir, &info, &image);
}

#[test]
fn other_dtypes_round_trip() {
    for dtype in [Dtype::U8, Dtype::I16, Dtype::U32, Dtype::F32, Dtype::F64] {
        let dims = Dims {
            t: 1,
            c: 2,
            z: 3,
            y: 90,
            x: 300,
        };
        let info = common::info(dims, dtype);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("img");
        let image = write_shuffled(&dir, &info, WriterOptions::default());
        assert_eq!(image.dtype, dtype);
        assert_eq!(image.levels.len(), 2, "{dtype:?}");
        check_objects(&dir, &image);
        check_read_back(&dir, &info, &image);
    }
}

#[test]
fn partial_selection_reads_only_what_was_asked() {
    let dims = Dims {
        t: 3,
        c: 3,
        z: 6,
        y: 64,
        x: 80,
    };
    let info = common::info(dims, Dtype::U16);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    write_shuffled(&dir, &info, WriterOptions::default());

    let selection = Selection {
        t: 1..3,
        c: vec![2, 0],
        z: 2..5,
    };
    let frames: Vec<_> = read_frames(&dir, &selection, 0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let order: Vec<_> = frames.iter().map(|f| (f.t, f.c, f.z)).collect();
    let expected: Vec<_> = (1..3)
        .flat_map(|t| {
            [2, 0]
                .into_iter()
                .flat_map(move |c| (2..5).map(move |z| (t, c, z)))
        })
        .collect();
    assert_eq!(order, expected);
    for f in &frames {
        assert_eq!(f.position, 1);
        assert_eq!(f.pixels, common::frame(&info, 1, f.t, f.c, f.z).pixels);
    }
    let empty = Selection {
        t: 0..0,
        c: vec![0],
        z: 0..6,
    };
    assert_eq!(read_frames(&dir, &empty, 0).unwrap().count(), 0);
}

#[test]
fn group_metadata_is_ome_0_5_with_consolidated_arrays() {
    let dims = Dims {
        t: 1,
        c: 2,
        z: 2,
        y: 500,
        x: 40,
    };
    let info = common::info(dims, Dtype::U16);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    write_shuffled(&dir, &info, WriterOptions::default());
    let group: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("zarr.json")).unwrap()).unwrap();
    let ome = &group["attributes"]["ome"];
    assert_eq!(ome["version"], "0.5");
    let ms = &ome["multiscales"][0];
    let names: Vec<_> = ms["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["t", "c", "z", "y", "x"]);
    assert_eq!(ms["axes"][0]["type"], "time");
    assert_eq!(ms["axes"][1]["type"], "channel");
    assert_eq!(ms["axes"][4]["unit"], "micrometer");
    assert_eq!(ms["datasets"].as_array().unwrap().len(), 2);
    assert_eq!(
        ms["datasets"][1]["coordinateTransformations"][0]["scale"],
        serde_json::json!([1.0, 1.0, 0.5, 0.65, 0.65])
    );
    assert!(
        ms["metadata"]["description"]
            .as_str()
            .unwrap()
            .starts_with("4×4 mean"),
        "{}",
        ms["metadata"]
    );
    assert_eq!(ome["omero"]["channels"][1]["label"], "ch-1");
    // The window is the data's own range, not the type's.
    let window = &ome["omero"]["channels"][0]["window"];
    assert!(
        window["min"].as_f64().unwrap() >= 1.0 && window["max"].as_f64().unwrap() <= 1088.0,
        "{window}"
    );
    let consolidated = &group["consolidated_metadata"];
    assert_eq!(consolidated["kind"], "inline");
    for path in ["0", "1"] {
        let on_disk: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(path).join("zarr.json")).unwrap())
                .unwrap();
        assert_eq!(consolidated["metadata"][path], on_disk);
        assert_eq!(
            on_disk["dimension_names"],
            serde_json::json!(["t", "c", "z", "y", "x"])
        );
        assert!(on_disk["attributes"].get("_zarrs").is_none());
    }
}
