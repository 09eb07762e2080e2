//! Jobs, final results and cleanup through the catalog, with their bytes on
//! disk: what the preview estimates is what the run frees, to the byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use strata_catalog::jobs::plan::{Action, Category, CleanupOptions, Status};
use strata_catalog::jobs::{JobInputSpec, NewJob, NewJobResult};
use strata_catalog::{Catalog, CatalogError, NewProject, Scope};

async fn catalog(root: &Path) -> Catalog {
    let catalog = Catalog::open(
        &format!(
            "sqlite://{}?mode=rwc",
            root.join("catalog.sqlite").display()
        ),
        root.join("projects"),
    )
    .await
    .unwrap();
    catalog
        .create_project(
            &Scope::system(),
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    catalog
}

fn folder(root: &Path, uid: &str) -> PathBuf {
    root.join("projects/ST-membranes/jobs").join(uid)
}

fn bytes_under(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| bytes_under(&e.path()))
            .sum()
    } else {
        meta.len()
    }
}

/// Reports a completed job that wrote `outputs` (name → bytes) and
/// `intermediates` into its folder.
async fn job(
    c: &Catalog,
    root: &Path,
    category: Category,
    inputs: &[(&str, &[&str])],
    outputs: &[(&str, usize)],
    intermediates: &[(&str, usize)],
) -> String {
    let scope = Scope::system();
    let reported = c
        .report_job(
            &scope,
            "ML",
            NewJob {
                title: format!("{category} job"),
                job_type: category.as_str().into(),
                category: Some(category),
                parameters: serde_json::json!({ "box_size": 256 }),
                inputs: inputs
                    .iter()
                    .map(|(job, results)| JobInputSpec {
                        job: (*job).into(),
                        results: results.iter().map(|r| (*r).into()).collect(),
                    })
                    .collect(),
                workspaces: vec!["W1".into()],
            },
        )
        .await
        .unwrap();
    let uid = reported.uid;
    let dir = folder(root, &uid);
    let mut results = Vec::new();
    for (name, size, intermediate) in outputs
        .iter()
        .map(|(n, s)| (n, s, false))
        .chain(intermediates.iter().map(|(n, s)| (n, s, true)))
    {
        std::fs::write(dir.join(format!("{name}.mrc")), vec![7u8; *size]).unwrap();
        results.push(NewJobResult {
            name: (*name).into(),
            path: format!("{name}.mrc"),
            intermediate,
        });
    }
    c.record_job_results(&scope, "ML", &uid, results)
        .await
        .unwrap();
    c.set_job_status(&scope, "ML", &uid, Status::Completed)
        .await
        .unwrap();
    uid
}

#[tokio::test]
async fn final_results_protect_their_ancestors_and_a_cleanup_frees_what_it_previewed() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let c = catalog(root).await;
    let scope = Scope::system();
    let import = job(&c, root, Category::Import, &[], &[("movies", 10)], &[]).await;
    let motion = job(
        &c,
        root,
        Category::MotionCorrection,
        &[(&import, &[])],
        &[("aligned", 4000)],
        &[],
    )
    .await;
    let ctf = job(
        &c,
        root,
        Category::CtfEstimation,
        &[(&motion, &[])],
        &[("ctf", 300)],
        &[],
    )
    .await;
    let refine = job(
        &c,
        root,
        Category::Other,
        &[(&ctf, &[])],
        &[("map", 900)],
        &[("iter_001", 500), ("iter_002", 700)],
    )
    .await;
    // A branch that used refinement's second iteration, and a dead end.
    let branch = job(
        &c,
        root,
        Category::Other,
        &[(&refine, &["iter_002"])],
        &[("branch", 250)],
        &[],
    )
    .await;
    let dead_end = job(
        &c,
        root,
        Category::Other,
        &[(&ctf, &[])],
        &[("junk", 1200)],
        &[],
    )
    .await;
    assert_eq!(c.job(&scope, "ML", &refine).await.unwrap().size_bytes, 2100);

    c.set_job_final(&scope, "ML", &refine, true).await.unwrap();
    let jobs = c.jobs(&scope, "ML").await.unwrap();
    let ancestors: Vec<&str> = jobs
        .iter()
        .filter(|j| j.is_ancestor_of_final)
        .map(|j| j.uid.as_str())
        .collect();
    assert_eq!(ancestors, [import.as_str(), motion.as_str(), ctf.as_str()]);

    // What final and ancestry protect, each refused with its reason.
    let refusals: Vec<CatalogError> = vec![
        c.clear_job(&scope, "ML", &refine).await.unwrap_err(),
        c.delete_job(&scope, "ML", &ctf).await.unwrap_err(),
        c.set_job_parameters(&scope, "ML", &motion, serde_json::json!({}))
            .await
            .unwrap_err(),
    ];
    for (err, says) in refusals.iter().zip([
        "a final result",
        "ancestor of a final result",
        "ancestor of a final result",
    ]) {
        assert!(
            matches!(err, CatalogError::Conflict { .. }) && err.to_string().contains(says),
            "{err}"
        );
    }

    // The cleanup: clear motion correction (an ancestor: cleared, not
    // deleted), delete non-final jobs, clear unused intermediates.
    let options = CleanupOptions {
        preprocessing: BTreeMap::from([(Category::MotionCorrection, Action::ClearAndDelete)]),
        intermediate_results: true,
        non_final: Some(Action::ClearAndDelete),
        ..CleanupOptions::default()
    };
    let preview = c
        .cleanup_preview(&scope, "ML", None, options.clone())
        .await
        .unwrap();
    let on_disk_before = bytes_under(&root.join("projects/ST-membranes/jobs"));
    let report = c
        .cleanup_run(&scope, "ML", Some("W1"), options)
        .await
        .unwrap();
    let on_disk_after = bytes_under(&root.join("projects/ST-membranes/jobs"));
    assert_eq!(report.plan, preview, "the run does what the preview said");
    assert_eq!(report.bytes_freed, preview.preview.estimate.bytes_freed);
    assert_eq!(
        on_disk_before - on_disk_after,
        report.bytes_freed,
        "to the byte, on disk"
    );
    // motion 4000 (cleared), branch 250 + dead end 1200 (deleted);
    // refinement is final: its intermediates are protected.
    assert_eq!(report.bytes_freed, 4000 + 250 + 1200);

    let jobs = c.jobs(&scope, "ML").await.unwrap();
    let uids: Vec<&str> = jobs.iter().map(|j| j.uid.as_str()).collect();
    assert!(!uids.contains(&branch.as_str()) && !uids.contains(&dead_end.as_str()));
    let motion_now = jobs.iter().find(|j| j.uid == motion).unwrap();
    assert_eq!(
        (motion_now.status, motion_now.size_bytes),
        (Status::Building, 0)
    );
    assert!(motion_now.results.is_empty(), "metadata kept, outputs gone");
    assert_eq!(motion_now.parameters["box_size"], 256);
    let ctf_now = jobs.iter().find(|j| j.uid == ctf).unwrap();
    assert!(
        ctf_now.inputs_unavailable,
        "a child of a cleared job cannot run until it is re-run"
    );
    assert_eq!(ctf_now.size_bytes, 300, "children keep their outputs");
    assert!(folder(root, &ctf).join("ctf.mrc").exists());

    // Unmarked, the refinement's unused intermediate goes with the next run.
    c.set_job_final(&scope, "ML", &refine, false).await.unwrap();
    let only_intermediates = CleanupOptions {
        intermediate_results: true,
        ..CleanupOptions::default()
    };
    let report = c
        .cleanup_run(&scope, "ML", None, only_intermediates)
        .await
        .unwrap();
    assert_eq!(
        report.bytes_freed,
        500 + 700,
        "iter_002's reader was deleted"
    );
    assert!(folder(root, &refine).join("map.mrc").exists());
    assert!(!folder(root, &refine).join("iter_001.mrc").exists());
}

#[tokio::test]
async fn killed_and_failed_jobs_are_cleared_unless_marked_completed_and_running_ones_are_left() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let c = catalog(root).await;
    let scope = Scope::system();
    let killed = job(&c, root, Category::Other, &[], &[("partial", 111)], &[]).await;
    let failed = job(&c, root, Category::Other, &[], &[("partial", 222)], &[]).await;
    let rescued = job(&c, root, Category::Other, &[], &[("usable", 333)], &[]).await;
    let running = job(&c, root, Category::Other, &[], &[("writing", 444)], &[]).await;
    c.set_job_status(&scope, "ML", &killed, Status::Killed)
        .await
        .unwrap();
    c.set_job_status(&scope, "ML", &failed, Status::Failed)
        .await
        .unwrap();
    c.set_job_status(&scope, "ML", &rescued, Status::Killed)
        .await
        .unwrap();
    // A killed job whose intermediate results are usable is marked completed.
    c.set_job_status(&scope, "ML", &rescued, Status::Completed)
        .await
        .unwrap();
    c.set_job_status(&scope, "ML", &running, Status::Running)
        .await
        .unwrap();
    let err = c.clear_job(&scope, "ML", &running).await.unwrap_err();
    assert!(err.to_string().contains("being written"), "{err}");

    let report = c
        .cleanup_run(
            &scope,
            "ML",
            None,
            CleanupOptions {
                killed: Some(Action::Clear),
                failed: Some(Action::ClearAndDelete),
                non_final: None,
                ..CleanupOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.bytes_freed, 111 + 222);
    let jobs = c.jobs(&scope, "ML").await.unwrap();
    let status = |uid: &str| jobs.iter().find(|j| j.uid == uid).map(|j| j.status);
    assert_eq!(status(&killed), Some(Status::Building));
    assert_eq!(status(&failed), None, "deleted");
    assert_eq!(status(&rescued), Some(Status::Completed));
    assert_eq!(status(&running), Some(Status::Running));
    assert!(folder(root, &running).join("writing.mrc").exists());
}

/// The intermediate results a cleanup would clear from `uid`, by name.
async fn intermediates_to_clear(c: &Catalog, uid: &str) -> Vec<String> {
    let options = CleanupOptions {
        intermediate_results: true,
        ..CleanupOptions::default()
    };
    let plan = c
        .cleanup_preview(&Scope::system(), "ML", None, options)
        .await
        .unwrap();
    plan.jobs
        .into_iter()
        .filter(|p| p.uid == uid)
        .flat_map(|p| match p.change {
            strata_catalog::jobs::plan::Change::ClearIntermediates { names } => names,
            other => panic!("{uid}: expected only intermediates cleared, got {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn an_intermediate_stays_protected_whatever_the_order_its_reader_and_it_were_reported() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let c = catalog(root).await;
    let scope = Scope::system();
    // The refinement is reported with nothing written yet, and its reader
    // names an iteration that does not exist yet (pipelines report as they go).
    let refine = job(&c, root, Category::Other, &[], &[("map", 10)], &[]).await;
    let reader = job(
        &c,
        root,
        Category::Other,
        &[(&refine, &["iter_002"])],
        &[("branch", 10)],
        &[],
    )
    .await;
    let dir = folder(root, &refine);
    for name in ["iter_001", "iter_002"] {
        std::fs::write(dir.join(format!("{name}.mrc")), vec![1u8; 64]).unwrap();
    }
    let record = |names: &[&str]| {
        names
            .iter()
            .map(|n| NewJobResult {
                name: (*n).into(),
                path: format!("{n}.mrc"),
                intermediate: true,
            })
            .collect::<Vec<_>>()
    };
    c.record_job_results(&scope, "ML", &refine, record(&["iter_001", "iter_002"]))
        .await
        .unwrap();
    assert_eq!(intermediates_to_clear(&c, &refine).await, ["iter_001"]);
    // Recorded again (a re-measured size), it is still read downstream.
    c.record_job_results(&scope, "ML", &refine, record(&["iter_002"]))
        .await
        .unwrap();
    assert_eq!(intermediates_to_clear(&c, &refine).await, ["iter_001"]);
    // Its reader deleted, nothing reads it any more.
    c.delete_job(&scope, "ML", &reader).await.unwrap();
    assert_eq!(
        intermediates_to_clear(&c, &refine).await,
        ["iter_001", "iter_002"]
    );
}
