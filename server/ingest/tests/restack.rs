//! Restack (seed 001): a selection of a dataset's frames becomes a new
//! dataset and a job, all or nothing, and outlives the extraction it came from.

mod common;

use common::*;
use strata_catalog::jobs::plan::{Category, Status};
use strata_catalog::jobs::{NewJob, NewJobResult};
use strata_domain::LinkKind;
use strata_ingest::{RestackRequest, parse_frame_list};

const PROJECT: &str = "ML";

/// A source of 6 planes × 2 channels (ImageJ, c fastest) ingested as frames
/// into A, and a completed extraction job J1 with a result on disk.
async fn source(w: &World) -> Vec<Vec<u16>> {
    let planes = imagej(&w.sources.join("stack.tif"), 2, 6, 12, 12);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        ..UploadConfig::default()
    };
    w.ingest(&w.manifest(&[(A, "stack.tif")]), &config)
        .await
        .remove(0)
        .unwrap();
    let scope = Scope::system();
    let job = w
        .catalog
        .report_job(
            &scope,
            PROJECT,
            NewJob {
                title: "Extract particles".into(),
                job_type: "extract_micrographs".into(),
                category: Some(Category::Extraction),
                parameters: serde_json::json!({}),
                ..NewJob::default()
            },
        )
        .await
        .unwrap();
    let folder = job_folder(w, &job.uid);
    std::fs::write(folder.join("particles.cs"), noisy(10_000, 3)).unwrap();
    w.catalog
        .record_job_results(
            &scope,
            PROJECT,
            &job.uid,
            vec![NewJobResult {
                name: "particles".into(),
                path: "particles.cs".into(),
                intermediate: false,
            }],
        )
        .await
        .unwrap();
    w.catalog
        .set_job_status(&scope, PROJECT, &job.uid, Status::Completed)
        .await
        .unwrap();
    planes
}

fn job_folder(w: &World, uid: &str) -> PathBuf {
    let projects = w.root.join("projects");
    let project = std::fs::read_dir(&projects)
        .unwrap()
        .flatten()
        .find(|e| e.path().join("jobs").is_dir())
        .expect("the project folder")
        .path();
    project.join("jobs").join(uid)
}

fn request(frames: &[usize]) -> RestackRequest {
    RestackRequest {
        source: A.parse().unwrap(),
        frames: frames.to_vec(),
        identifier: B.parse().unwrap(),
        description: "good particles".into(),
        job: Some("J1".into()),
    }
}

async fn restack(w: &World, frames: &[usize]) -> Result<strata_ingest::RestackReport, IngestError> {
    w.ingestor
        .restack(&Scope::system(), request(frames), &ProgressBar::hidden())
        .await
}

/// Digests of a dataset's frames by (t, c, z).
async fn digests(w: &World, id: &str) -> Vec<((i32, i32, i32), String)> {
    let sets = w.catalog.frame_sets(&Scope::system(), id).await.unwrap();
    sets.into_iter()
        .flat_map(|(_, frames)| frames)
        .map(|f| ((f.t, f.c, f.z), f.sha256))
        .collect()
}

/// Nothing of B anywhere: no row, no object, no job, no staging left over.
async fn nothing_of_b(w: &World) {
    assert!(w.catalog.dataset(&Scope::system(), B).await.is_err());
    assert_eq!(w.rows("dataset").await, 1, "only the source");
    assert_eq!(w.rows("job").await, 1, "only the extraction");
    assert_eq!(w.rows("job_dataset").await, 0);
    assert!(
        !w.objects().await.iter().any(|k| k.contains(B)),
        "{:?}",
        w.objects().await
    );
    assert!(!job_folder(w, "J2").exists());
    assert_eq!(
        std::fs::read_dir(w.root.join("staging"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "staging is cleaned up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restack_holds_only_the_selected_frames_with_the_same_digests() {
    let w = world().await;
    let planes = source(&w).await;
    // Given out of order: the restacked frames keep the source's order.
    let report = restack(&w, &parse_frame_list("4,0,2").unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            report.identifier.as_str(),
            report.job.as_str(),
            report.frames
        ),
        (B, "J2", 3)
    );

    let scope = Scope::system();
    let source = digests(&w, A).await;
    let restacked = digests(&w, B).await;
    assert_eq!(restacked.len(), 6, "3 planes × 2 channels");
    for ((t, c, z), sha) in &restacked {
        let from = [0, 2, 4][*z as usize];
        let expected = source
            .iter()
            .find(|((st, sc, sz), _)| (*st, *sc, *sz) == (*t, *c, from))
            .map(|(_, s)| s)
            .unwrap();
        assert_eq!(
            sha, expected,
            "restacked t={t} c={c} z={z} is source z={from}"
        );
    }
    let sets = w.catalog.frame_sets(&scope, B).await.unwrap();
    let (set, _) = &sets[0];
    assert_eq!(set.shape, serde_json::json!([1, 2, 3, 24, 40]));
    assert_eq!(set.dtype, "uint16");
    assert_eq!(set.metadata["restacked_from"]["frames"], "0,2,4");

    // The pixels stored are the source's, frame for frame.
    let image = w
        .root
        .join("store")
        .join(format!("projects/ST-membranes/{B}/0.ome.zarr"));
    let dims = strata_zarr::ImageReader::open(&image)
        .unwrap()
        .dims(0)
        .unwrap();
    for frame in strata_zarr::read_frames(&image, &strata_zarr::Selection::all(&dims), 0).unwrap() {
        let frame = frame.unwrap();
        let page = [0, 2, 4][frame.z] * 2 + frame.c;
        let expected: Vec<u8> = planes[page].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(frame.pixels, expected);
    }

    let dataset = w.catalog.dataset(&scope, B).await.unwrap();
    assert_eq!(dataset.kind, DatasetKind::Processed);
    assert_eq!(dataset.description, "good particles");
    let lineage = w.catalog.lineage(&scope, B, 1).await.unwrap();
    assert_eq!(lineage.ancestors.len(), 1);
    assert_eq!(lineage.ancestors[0].link.kind, LinkKind::DerivedFrom);
    assert_eq!(lineage.ancestors[0].link.to.as_str(), A);

    let job = w.catalog.job(&scope, PROJECT, "J2").await.unwrap();
    assert_eq!(
        (job.category, job.status, job.inputs.clone()),
        (Category::Restack, Status::Completed, vec!["J1".to_owned()])
    );
    assert_eq!(job.parameters["frames"], "0,2,4");
    let folder = job_folder(&w, "J2");
    assert!(folder.is_dir());
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        0,
        "the bytes live with the dataset"
    );
    let roles = w
        .catalog
        .connection()
        .query_all_raw(Statement::from_string(
            w.catalog.connection().get_database_backend(),
            "SELECT d.identifier AS identifier, jd.role AS role FROM job_dataset jd \
             JOIN dataset d ON d.id = jd.dataset_id ORDER BY jd.role",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get::<String>("", "identifier").unwrap(),
                r.try_get::<String>("", "role").unwrap(),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        roles,
        vec![
            (A.to_owned(), "input".to_owned()),
            (B.to_owned(), "output".to_owned())
        ]
    );

    let report = verify(
        &w.catalog,
        w.store.as_ref(),
        &scope,
        &VerifyTarget::default(),
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_out_of_range_is_named_and_nothing_is_written() {
    let w = world().await;
    source(&w).await;
    let err = restack(&w, &[0, 3, 6]).await.unwrap_err();
    match &err {
        IngestError::Request { field, reason } => {
            assert_eq!(field, "frames[2]");
            assert!(reason.contains("frame 6 is out of range"), "{reason}");
            assert!(reason.contains("6 frame(s)"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let err = restack(&w, &[1, 1]).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("frames[1]: frame 1 is already selected"),
        "{err}"
    );
    nothing_of_b(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_a_source_shard_is_refused_naming_the_frame() {
    let w = world().await;
    source(&w).await;
    let (_, files) = w.catalog.stored_objects(&Scope::system(), A).await.unwrap();
    let shard = files
        .iter()
        .find(|f| f.path.starts_with("0.ome.zarr/0/c/"))
        .unwrap();
    let path = w
        .root
        .join("store")
        .join(shard.storage_key.as_ref().unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x5a;
    std::fs::write(&path, bytes).unwrap();

    let err = restack(&w, &[0, 1, 2, 3, 4, 5]).await.unwrap_err();
    match &err {
        IngestError::CorruptFrame { identifier, .. } => assert_eq!(identifier, A),
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("frame ") && message.contains("position 0, t 0"),
        "{message}"
    );
    nothing_of_b(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_extraction_can_be_cleared_and_the_restack_stays_readable() {
    let w = world().await;
    source(&w).await;
    let scope = Scope::system();
    restack(&w, &[1, 5]).await.unwrap();
    let before = digests(&w, B).await;

    let cleared = w.catalog.clear_job(&scope, PROJECT, "J1").await.unwrap();
    assert_eq!(cleared.bytes_freed, 10_000);
    assert_eq!(std::fs::read_dir(job_folder(&w, "J1")).unwrap().count(), 0);
    let restack_job = w.catalog.job(&scope, PROJECT, "J2").await.unwrap();
    assert!(restack_job.inputs_unavailable, "its upstream was cleared");
    assert_eq!(restack_job.status, Status::Completed);

    // Every restacked frame still reads back and hashes to its digest.
    assert_eq!(digests(&w, B).await, before);
    let sets = w.catalog.frame_sets(&scope, B).await.unwrap();
    let (set, frames) = &sets[0];
    let image = w
        .root
        .join("store")
        .join(format!("projects/ST-membranes/{B}/{}", set.array_path));
    let dims = strata_zarr::ImageReader::open(&image)
        .unwrap()
        .dims(0)
        .unwrap();
    let read: Vec<_> = strata_zarr::read_frames(&image, &strata_zarr::Selection::all(&dims), 0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read.len(), frames.len());
    for frame in read {
        let row = frames
            .iter()
            .find(|f| (f.t, f.c, f.z) == (frame.t as i32, frame.c as i32, frame.z as i32))
            .unwrap();
        assert_eq!(strata_zarr::frame_sha256(&frame.pixels), row.sha256);
    }
    let report = verify(
        &w.catalog,
        w.store.as_ref(),
        &scope,
        &VerifyTarget {
            identifier: Some(B.into()),
            ..VerifyTarget::default()
        },
        &ProgressBar::hidden(),
    )
    .await
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_frame_parameters_are_carried_over_and_aggregates_derived_anew() {
    let w = world().await;
    tilt_series(&w.sources.join("ts.mrc"), &[-6.0, -3.0, 0.0, 3.0, 6.0]);
    let config = UploadConfig {
        upload_type: UploadType::Frames,
        technique: Technique::CryoEt,
        ..UploadConfig::default()
    };
    w.ingest(&w.manifest(&[(A, "ts.mrc")]), &config)
        .await
        .remove(0)
        .unwrap();
    let scope = Scope::system();
    let report = w
        .ingestor
        .restack(
            &scope,
            RestackRequest {
                job: None,
                ..request(&[1, 2, 3])
            },
            &ProgressBar::hidden(),
        )
        .await
        .unwrap();
    assert_eq!(report.job, "J1");
    assert!(
        w.catalog
            .job(&scope, PROJECT, "J1")
            .await
            .unwrap()
            .inputs
            .is_empty()
    );

    let dataset = w.catalog.dataset(&scope, B).await.unwrap();
    assert_eq!(dataset.technique, Technique::CryoEt);
    let parameters = w.catalog.parameters_of(&[dataset.id]).await.unwrap()[&dataset.id].clone();
    let of = |name: &str| {
        parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} in {parameters:?}"))
            .canonical_number
    };
    assert_eq!(
        of("EM_voltage"),
        Some(300_000.0),
        "the source's own values stay"
    );
    assert_eq!(
        of("EMTS_tilt_min"),
        Some(-3.0),
        "derived from the kept tilts"
    );
    assert_eq!(of("EMTS_tilt_max"), Some(3.0));
    assert_eq!(of("EMTS_tilt_count"), Some(3.0));
    assert_eq!(of("EMTS_total_dose"), Some(6.0));

    let (source, restacked) = (
        w.catalog.frame_sets(&scope, A).await.unwrap().remove(0).1,
        w.catalog.frame_sets(&scope, B).await.unwrap().remove(0).1,
    );
    assert_eq!(restacked.len(), 3);
    for (new, old) in restacked.iter().zip(&source[1..4]) {
        assert_eq!(
            (&new.sha256, &new.parameters, &new.metadata),
            (&old.sha256, &old.parameters, &old.metadata)
        );
    }
    assert_eq!(
        restacked[0].parameters["EMTS_tilt_angle"],
        serde_json::json!(-3.0)
    );
}
