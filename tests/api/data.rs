//! The HTTP data endpoints: uploads streamed in, /files with ranges and
//! digests, /zarr read by zarr-python 3 over HTTP, all under the access rules.

use std::process::Command;
use std::sync::Arc;

use indicatif::ProgressBar;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use strata_catalog::Scope;
use strata_ingest::{Ingestor, SourceRoots, UploadConfig, UploadType, read_manifest};
use strata_storage::LocalStore;
use strata_tests::TestApp;
use tiff::encoder::{TiffEncoder, colortype};
use tiff::tags::Tag;

const FILE_DATASET: &str = "ML-2022-10-01-14-03-22-0001";
const FRAMES_DATASET: &str = "ML-2022-10-02-09-00-00-0002";

fn noisy(len: usize) -> Vec<u8> {
    let mut x = 7u64;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    identifier: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!(
            "/datasets/{identifier}/upload?file_name={name}&kind=raw&technique=cryo-em"
        )))
        .body(bytes);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_uploaded_streamed_and_served_with_ranges_and_digests() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let bytes = noisy(2 << 20);
    let sha = hex::encode(Sha256::digest(&bytes));

    // (Refused uploads send small bodies: a server may answer before reading a
    // body and close the connection, which a client still sending sees as an error.)
    let anonymous = upload(&app, None, FILE_DATASET, "movie.mrc", vec![0; 16]).await;
    // A private project is "not found" to an anonymous caller, like one that does not exist.
    assert_eq!(anonymous.status(), 404);
    assert_eq!(app.rows("dataset").await, 0);
    let created = upload(
        &app,
        Some(&app.admin),
        FILE_DATASET,
        "movie.mrc",
        bytes.clone(),
    )
    .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let again = upload(
        &app,
        Some(&app.admin),
        FILE_DATASET,
        "movie.mrc",
        vec![0; 16],
    )
    .await;
    assert_eq!(again.status(), 409, "a duplicate identifier is refused");
    let sneaky = upload(
        &app,
        Some(&app.admin),
        "ML-2022-10-01-14-03-22-0009",
        "..",
        vec![1],
    )
    .await;
    assert_eq!(sneaky.status(), 400);
    assert_eq!(app.rows("dataset").await, 1);

    let url = app.url(&format!("/files/{FILE_DATASET}/movie.mrc"));
    let whole = app
        .client
        .get(&url)
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["x-strata-sha256"], sha.as_str());
    assert!(
        whole.headers()["repr-digest"]
            .to_str()
            .unwrap()
            .starts_with("sha-256=:")
    );
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let part = app
        .client
        .get(&url)
        .bearer_auth(&app.admin)
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1000-1999/{}", bytes.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[1000..2000]);
    let tail = app
        .client
        .get(&url)
        .bearer_auth(&app.admin)
        .header("range", "bytes=-16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tail.bytes().await.unwrap().as_ref(),
        &bytes[bytes.len() - 16..]
    );
    let beyond = app
        .client
        .get(&url)
        .bearer_auth(&app.admin)
        .header("range", "bytes=99999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);

    // Private data is nobody else's, and paths are looked up, never joined.
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    for path in [
        "../../catalog.sqlite",
        "%2e%2e/%2e%2e/catalog.sqlite",
        "/etc/passwd",
        "movie.mrc%2f..%2fmovie.mrc",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/files/{FILE_DATASET}/{path}")))
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }

    // A flipped byte is never delivered: the whole-object read is cut short,
    // and a range of an object not yet vouched for is refused.
    const OTHER: &str = "ML-2022-10-01-14-03-22-0003";
    let created = upload(&app, Some(&app.admin), OTHER, "other.bin", bytes.clone()).await;
    assert_eq!(created.status(), 201);
    let stored = app
        .data_dir
        .path()
        .join(format!("projects/ST-membranes/{OTHER}/other.bin"));
    let mut corrupt = std::fs::read(&stored).unwrap();
    corrupt[12345] ^= 0x10;
    std::fs::write(&stored, corrupt).unwrap();
    let other = app.url(&format!("/files/{OTHER}/other.bin"));
    let refused = app
        .client
        .get(&other)
        .bearer_auth(&app.admin)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 500);
    assert!(refused.text().await.unwrap().contains("corrupt"));
    let cut = app
        .client
        .get(&other)
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert!(
        cut.bytes().await.is_err(),
        "a corrupt object must not arrive whole"
    );
}

/// An ImageJ hyperstack: t=1, c=2, z=3, 64×48 uint16.
fn imagej(path: &std::path::Path) -> Vec<Vec<u16>> {
    let (w, h) = (64u32, 48u32);
    let mut encoder = TiffEncoder::new(std::fs::File::create(path).unwrap()).unwrap();
    let mut planes = Vec::new();
    for i in 0..6 {
        let plane: Vec<u16> = (0..w * h)
            .map(|p| ((p as usize * 13 + i * 977) % 4096) as u16)
            .collect();
        let mut image = encoder.new_image::<colortype::Gray16>(w, h).unwrap();
        if i == 0 {
            image
                .encoder()
                .write_tag(
                    Tag::ImageDescription,
                    "ImageJ=1.54f\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n",
                )
                .unwrap();
        }
        image.write_data(&plane).unwrap();
        planes.push(plane);
    }
    planes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zarr_python_reads_the_frames_over_http() {
    let app = TestApp::spawn().await;
    app.create_project("ML", "Membranes").await;
    let sources = app.data_dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    imagej(&sources.join("stack.tif"));
    std::fs::write(
        sources.join("m.csv"),
        format!("dataset_id,file_name\n{FRAMES_DATASET},stack.tif\n"),
    )
    .unwrap();
    let store = Arc::new(LocalStore::open(app.data_dir.path()).await.unwrap());
    let ingestor = Ingestor::new(
        app.catalog.clone(),
        store,
        app.data_dir.path().join("staging"),
    );
    let row = read_manifest(&sources.join("m.csv")).unwrap().remove(0);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        ..UploadConfig::default()
    };
    ingestor
        .ingest_row(
            &Scope::system(),
            &row,
            &config,
            &SourceRoots::new([sources.clone()]).unwrap(),
            &ProgressBar::hidden(),
        )
        .await
        .unwrap();

    let group = app.url(&format!("/zarr/{FRAMES_DATASET}/0.ome.zarr"));
    let anonymous = app
        .client
        .get(format!("{group}/zarr.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        404,
        "private frames are not served to anonymous callers"
    );
    let outside = app
        .client
        .get(app.url(&format!("/zarr/{FRAMES_DATASET}/stack.tif")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);

    let python = strata_tests::python::python();
    let out = strata_tests::python::run(
        Command::new(python)
            .arg(strata_tests::python::script("read_zarr_http.py"))
            .arg(&group)
            .arg(&app.admin),
        "zarr-python reading over /zarr",
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["ome"], "0.5");
    assert_eq!(seen["shape"], json!([1, 2, 3, 48, 64]));
    let sets = app
        .catalog
        .frame_sets(&Scope::system(), FRAMES_DATASET)
        .await
        .unwrap();
    let frames = &sets[0].1;
    assert_eq!(frames.len(), 6);
    for f in frames {
        assert_eq!(
            seen["planes"][format!("{},{},{}", f.t, f.c, f.z)],
            f.sha256.as_str(),
            "frame t={} c={} z={}",
            f.t,
            f.c,
            f.z
        );
    }
    // The same frames through GraphQL: the set's shape and each frame's digest.
    let answer = app
        .ok(
            Some(&app.admin),
            "query($id: String!) { dataset(identifier: $id) { frameSets { position shape dtype arrayPath
               frames(first: 10) { t c z sha256 } } } }",
            json!({ "id": FRAMES_DATASET }),
        )
        .await;
    let set = &answer["dataset"]["frameSets"][0];
    assert_eq!(set["shape"], json!([1, 2, 3, 48, 64]));
    assert_eq!(set["arrayPath"], "0.ome.zarr");
    let listed = set["frames"].as_array().unwrap();
    assert_eq!(listed.len(), 6);
    for (f, g) in frames.iter().zip(listed) {
        assert_eq!(
            (g["t"].as_i64(), g["c"].as_i64(), g["z"].as_i64()),
            (Some(f.t.into()), Some(f.c.into()), Some(f.z.into()))
        );
        assert_eq!(g["sha256"], f.sha256.as_str());
    }
}
