//! Project directories under faults: concurrent attaches, damaged or newer
//! exports, paths leaving the project, a crash mid-export, colliding titles,
//! and lifecycle actions refused while work is under way.

use std::path::{Path, PathBuf};

use strata_catalog::project_dir::{EXPORT_DIR, LOCK_FILE};
use strata_catalog::{Catalog, CatalogError, NewDataset, NewParameter, NewProject, Scope};
use strata_domain::records::ParameterValue;
use strata_domain::{DatasetKind, ProjectState, Technique};

const ID: &str = "ML-2022-10-01-14-03-22-0001";

/// A catalog of its own (its own SQLite database) over a shared projects root.
async fn instance(db_dir: &Path, projects: &Path) -> Catalog {
    std::fs::create_dir_all(db_dir).unwrap();
    Catalog::open(
        &format!(
            "sqlite://{}?mode=rwc",
            db_dir.join("catalog.sqlite").display()
        ),
        projects.to_owned(),
    )
    .await
    .unwrap()
}

fn new_dataset(identifier: &str) -> NewDataset {
    NewDataset {
        identifier: identifier.parse().unwrap(),
        kind: DatasetKind::Raw,
        technique: Technique::CryoEm,
        instrument: None,
        sample: Some("grid-3".into()),
        description: "movies of grid 3".into(),
        parameters: vec![NewParameter {
            name: "EM_voltage".into(),
            value: ParameterValue::Integer(300),
            unit: Some("kV".into()),
        }],
        links: Vec::new(),
    }
}

/// A project with one dataset, detached from `catalog`: its directory.
async fn detached_project(catalog: &Catalog) -> PathBuf {
    let scope = Scope::system();
    let project = catalog
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes, October 2022".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    catalog
        .register_dataset(&scope, new_dataset(ID))
        .await
        .unwrap();
    catalog.detach_project(&scope, "ML").await.unwrap();
    PathBuf::from(project.directory)
}

fn dataset_file(dir: &Path) -> PathBuf {
    dir.join(EXPORT_DIR)
        .join("datasets")
        .join(format!("{ID}.json"))
}

async fn project_count(catalog: &Catalog) -> usize {
    catalog.projects(&Scope::system()).await.unwrap().len()
}

#[tokio::test]
async fn creating_writes_the_directory_its_lock_and_export_and_detach_removes_the_lock() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let a = instance(&root.path().join("a"), &projects).await;
    let scope = Scope::system();
    let project = a
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes, October 2022".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    let dir = PathBuf::from(&project.directory);
    assert_eq!(dir, projects.join("ST-membranes-october-2022"));
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(LOCK_FILE)).unwrap()).unwrap();
    assert_eq!(lock["instance_id"], a.instance().id.to_string());
    a.register_dataset(&scope, new_dataset(ID)).await.unwrap();
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dataset_file(&dir)).unwrap()).unwrap();
    assert_eq!(exported["parameters"][0]["value"], 300);
    assert_eq!(exported["parameters"][0]["unit"], "kV");
    assert_eq!(exported["sample"], "grid-3");

    let report = a.detach_project(&scope, "ML").await.unwrap();
    assert_eq!(report.datasets, 1);
    assert!(!dir.join(LOCK_FILE).exists());
    let after = a.project(&scope, "ML").await.unwrap();
    assert_eq!(after.state, ProjectState::Detached);
    // A detached project can no longer be used.
    let err = a
        .register_dataset(&scope, new_dataset("ML-2022-10-01-14-03-22-0002"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("detached"), "{err}");
}

#[tokio::test]
async fn of_two_instances_attaching_one_directory_at_once_exactly_one_wins() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let origin = instance(&root.path().join("origin"), &projects).await;
    let dir = detached_project(&origin).await;
    let b = instance(&root.path().join("b"), &projects).await;
    let c = instance(&root.path().join("c"), &projects).await;
    let scope = Scope::system();
    let (rb, rc) = tokio::join!(
        b.attach_project(&scope, &dir, false),
        c.attach_project(&scope, &dir, false)
    );
    let wins = [rb.is_ok(), rc.is_ok()];
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{rb:?} {rc:?}");
    let (winner, loser, err) = match (rb, rc) {
        (Ok(_), Err(e)) => (&b, &c, e),
        (Err(e), Ok(_)) => (&c, &b, e),
        other => panic!("{other:?}"),
    };
    assert!(matches!(err, CatalogError::Conflict { .. }), "{err}");
    assert!(
        err.to_string().contains(&winner.instance().name),
        "the refusal names the holder: {err}"
    );
    assert_eq!(project_count(winner).await, 1);
    assert_eq!(project_count(loser).await, 0);
    let dataset = winner.dataset(&scope, ID).await.unwrap();
    assert_eq!(dataset.description, "movies of grid 3");
}

#[tokio::test]
async fn a_damaged_or_newer_export_is_refused_and_nothing_is_imported() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let origin = instance(&root.path().join("origin"), &projects).await;
    let dir = detached_project(&origin).await;
    let other = instance(&root.path().join("other"), &projects).await;
    let scope = Scope::system();
    let original = std::fs::read(dataset_file(&dir)).unwrap();

    std::fs::write(dataset_file(&dir), &original[..original.len() / 2]).unwrap();
    let err = other.attach_project(&scope, &dir, false).await.unwrap_err();
    assert_eq!(err.field(), Some("path"));
    assert!(
        err.to_string().contains(&format!("{ID}.json")) && err.to_string().contains("damaged"),
        "{err}"
    );

    let mut newer: serde_json::Value = serde_json::from_slice(&original).unwrap();
    newer["format_version"] = 99.into();
    std::fs::write(dataset_file(&dir), serde_json::to_vec(&newer).unwrap()).unwrap();
    let err = other.attach_project(&scope, &dir, false).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("export format 99 by a newer strata"),
        "{err}"
    );
    assert_eq!(project_count(&other).await, 0);
    assert!(
        !dir.join(LOCK_FILE).exists(),
        "a refused attach leaves no lock"
    );
}

#[tokio::test]
async fn paths_leaving_the_project_and_foreign_datasets_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let origin = instance(&root.path().join("origin"), &projects).await;
    let dir = detached_project(&origin).await;
    let other = instance(&root.path().join("other"), &projects).await;
    let scope = Scope::system();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dataset_file(&dir)).unwrap()).unwrap();

    let mut escaping = original.clone();
    escaping["files"] = serde_json::json!([{
        "path": "../../../etc/passwd", "size_bytes": 1, "sha256": "0".repeat(64),
        "format": "bin", "location": "local", "last_verified_at": null,
        "created_at": "2026-11-21T00:00:00Z" }]);
    std::fs::write(dataset_file(&dir), serde_json::to_vec(&escaping).unwrap()).unwrap();
    let err = other.attach_project(&scope, &dir, false).await.unwrap_err();
    assert!(err.to_string().contains("files[0].path"), "{err}");

    let mut foreign = original.clone();
    foreign["identifier"] = "MX2485-2022-10-01-14-03-22-0001".into();
    std::fs::write(dataset_file(&dir), serde_json::to_vec(&foreign).unwrap()).unwrap();
    let err = other.attach_project(&scope, &dir, false).await.unwrap_err();
    assert!(
        err.to_string().contains("does not belong to project ML"),
        "{err}"
    );
    assert_eq!(project_count(&other).await, 0);

    // A directory outside the projects root cannot hold datasets' bytes.
    let outside = root.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    let err = other
        .attach_project(&scope, &outside, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("move it there first"), "{err}");
}

#[tokio::test]
async fn a_crash_mid_export_leaves_the_previous_export_and_attach_ignores_its_debris() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let a = instance(&root.path().join("a"), &projects).await;
    let dir = detached_project(&a).await;
    let before = std::fs::read(dataset_file(&dir)).unwrap();
    // What a writer killed between writing its temporary file and renaming
    // it leaves behind: a half-written sibling under a temporary name.
    let debris = dataset_file(&dir).with_file_name(format!(".{ID}.json.tmp-0000"));
    std::fs::write(&debris, &before[..before.len() / 3]).unwrap();
    assert_eq!(std::fs::read(dataset_file(&dir)).unwrap(), before);
    let b = instance(&root.path().join("b"), &projects).await;
    let attached = b
        .attach_project(&Scope::system(), &dir, false)
        .await
        .unwrap();
    assert_eq!(attached.datasets, 1);
}

#[tokio::test]
async fn rescue_sets_a_dead_instances_lock_aside() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let scope = Scope::system();
    let dead = instance(&root.path().join("dead"), &projects).await;
    dead.create_project(
        &scope,
        NewProject {
            code: "ML".parse().unwrap(),
            title: "Membranes".into(),
            embargo_end: None,
        },
    )
    .await
    .unwrap();
    dead.register_dataset(&scope, new_dataset(ID))
        .await
        .unwrap();
    let dir = projects.join("ST-membranes");
    drop(dead);
    std::fs::remove_dir_all(root.path().join("dead")).unwrap();

    let fresh = instance(&root.path().join("fresh"), &projects).await;
    let err = fresh.attach_project(&scope, &dir, false).await.unwrap_err();
    assert!(err.to_string().contains("rescue"), "{err}");
    let attached = fresh.attach_project(&scope, &dir, true).await.unwrap();
    let aside = attached.rescued_lock.expect("the old lock is kept aside");
    assert!(aside.exists() && aside.starts_with(&dir));
    assert_eq!(
        fresh.dataset(&scope, ID).await.unwrap().identifier.as_str(),
        ID
    );
    // The lock now names the new instance.
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(LOCK_FILE)).unwrap()).unwrap();
    assert_eq!(lock["instance_id"], fresh.instance().id.to_string());
    // And the whole catalog rebuilds from the directories alone.
    let again = instance(&root.path().join("again"), &projects).await;
    let all = again.attach_all(&scope, &projects, true).await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].1.is_ok(), "{:?}", all[0].1);
}

#[tokio::test]
async fn titles_that_collide_on_disk_get_a_unique_directory() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    // Someone else's directory with the name the title slugs to.
    std::fs::create_dir_all(projects.join("ST-membranes")).unwrap();
    std::fs::write(projects.join("ST-membranes/keep.txt"), b"not ours").unwrap();
    let a = instance(&root.path().join("a"), &projects).await;
    let project = a
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
    assert_eq!(
        PathBuf::from(project.directory),
        projects.join("ST-membranes-2")
    );
    assert_eq!(
        std::fs::read(projects.join("ST-membranes/keep.txt")).unwrap(),
        b"not ours"
    );
}

#[tokio::test]
async fn detach_and_archive_wait_for_ingests_and_unarchive_follows_a_move() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let a = instance(&root.path().join("a"), &projects).await;
    let scope = Scope::system();
    a.create_project(
        &scope,
        NewProject {
            code: "ML".parse().unwrap(),
            title: "Membranes".into(),
            embargo_end: None,
        },
    )
    .await
    .unwrap();
    a.register_dataset(&scope, new_dataset(ID)).await.unwrap();
    let claim = a
        .begin_ingest(&scope, new_dataset("ML-2022-10-01-14-03-22-0002"))
        .await
        .unwrap();
    for err in [
        a.detach_project(&scope, "ML").await.unwrap_err(),
        a.archive_project(&scope, "ML").await.unwrap_err(),
    ] {
        assert!(err.to_string().contains("1 ingest(s)"), "{err}");
    }
    a.abandon_ingest(&scope, &claim, "test").await.unwrap();

    a.archive_project(&scope, "ML").await.unwrap();
    let err = a
        .register_dataset(&scope, new_dataset("ML-2022-10-01-14-03-22-0003"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
    // Moved (renamed) while archived, then brought back from the new path.
    let moved = projects.join("ST-membranes-renamed");
    std::fs::rename(projects.join("ST-membranes"), &moved).unwrap();
    a.unarchive_project(&scope, "ML", &moved).await.unwrap();
    let project = a.project(&scope, "ML").await.unwrap();
    assert_eq!(project.state, ProjectState::Attached);
    assert_eq!(PathBuf::from(&project.directory), moved);
    let (_, files) = a.stored_objects(&scope, ID).await.unwrap();
    assert!(files.is_empty());
    let dataset = a.dataset(&scope, ID).await.unwrap();
    assert_eq!(dataset.identifier.as_str(), ID);
    // Another instance's archived directory is not unarchived here.
    let b = instance(&root.path().join("b"), &projects).await;
    let err = b.unarchive_project(&scope, "ML", &moved).await.unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn jobs_and_sessions_travel_with_the_directory_and_damaged_ones_are_refused() {
    use strata_catalog::jobs::plan::Status;
    use strata_catalog::jobs::{JobInputSpec, NewJob};
    use strata_catalog::sessions::NewSession;

    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let origin = instance(&root.path().join("origin"), &projects).await;
    let scope = Scope::system();
    let project = origin
        .create_project(
            &scope,
            NewProject {
                code: "ML".parse().unwrap(),
                title: "Membranes".into(),
                embargo_end: None,
            },
        )
        .await
        .unwrap();
    let dir = PathBuf::from(project.directory);
    for (job_type, inputs) in [("import_movies", vec![]), ("patch_motion", vec!["J1"])] {
        origin
            .report_job(
                &scope,
                "ML",
                NewJob {
                    job_type: job_type.into(),
                    parameters: serde_json::json!({}),
                    inputs: inputs
                        .into_iter()
                        .map(|j| JobInputSpec {
                            job: j.into(),
                            results: vec![],
                        })
                        .collect(),
                    workspaces: vec!["W1".into()],
                    ..NewJob::default()
                },
            )
            .await
            .unwrap();
    }
    origin
        .report_session(&scope, "ML", NewSession::default())
        .await
        .unwrap();

    // Work under way keeps the project where it is.
    origin
        .set_job_status(&scope, "ML", "J2", Status::Running)
        .await
        .unwrap();
    for err in [
        origin.detach_project(&scope, "ML").await.unwrap_err(),
        origin.archive_project(&scope, "ML").await.unwrap_err(),
    ] {
        let message = err.to_string();
        assert!(message.contains("1 job(s) and 1 session(s)"), "{message}");
    }
    origin
        .set_job_status(&scope, "ML", "J2", Status::Completed)
        .await
        .unwrap();
    origin.complete_session(&scope, "ML", "S1").await.unwrap();
    origin.detach_project(&scope, "ML").await.unwrap();

    let job_file = dir.join(EXPORT_DIR).join("jobs/J2.json");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&job_file).unwrap()).unwrap();
    assert_eq!(original["inputs"][0]["job"], "J1");
    assert_eq!(original["workspaces"], serde_json::json!(["W1"]));
    let other = instance(&root.path().join("other"), &projects).await;
    let refusals = [
        (
            serde_json::json!({ "inputs": [{ "job": "J9", "results": [] }] }),
            "inputs[0].job",
        ),
        (
            serde_json::json!({ "results": [{ "name": "x", "path": "../../../etc/passwd",
                "intermediate": false, "size_bytes": 1, "created_at": "2026-11-21T00:00:00Z" }] }),
            "results[0].path",
        ),
        (
            serde_json::json!({ "status": "exploded" }),
            "unknown job status \"exploded\"",
        ),
        (
            serde_json::json!({ "workspaces": ["W9"] }),
            "workspace \"W9\" is not in the project file",
        ),
    ];
    for (patch, expected) in refusals {
        let mut damaged = original.clone();
        for (key, value) in patch.as_object().unwrap() {
            damaged[key] = value.clone();
        }
        std::fs::write(&job_file, serde_json::to_vec(&damaged).unwrap()).unwrap();
        let err = other.attach_project(&scope, &dir, false).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{expected}: {err}");
        assert!(err.to_string().contains("J2.json"), "names the file: {err}");
        assert_eq!(project_count(&other).await, 0);
        assert!(!dir.join(LOCK_FILE).exists(), "no lock left behind");
    }
    std::fs::write(&job_file, serde_json::to_vec(&original).unwrap()).unwrap();
    other.attach_project(&scope, &dir, false).await.unwrap();
    let jobs = other.jobs(&scope, "ML").await.unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1].inputs, ["J1"]);
    let sessions = other.sessions(&scope, "ML").await.unwrap();
    assert_eq!(sessions[0].uid, "S1");
}

#[tokio::test]
async fn a_project_lives_in_the_container_chosen_at_creation_and_is_attached_from_there() {
    let root = tempfile::tempdir().unwrap();
    let projects = root.path().join("projects");
    let a = instance(&root.path().join("a"), &projects).await;
    let scope = Scope::system();
    let new = || NewProject {
        code: "ML".parse().unwrap(),
        title: "Membranes".into(),
        embargo_end: None,
    };
    for bad in ["../elsewhere", "/srv/data"] {
        let err = a
            .create_project_in(&scope, new(), Some(bad))
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("container"), "{bad}: {err}");
    }
    let project = a
        .create_project_in(&scope, new(), Some("cryo-em/2022"))
        .await
        .unwrap();
    let dir = projects.join("cryo-em/2022/ST-membranes");
    assert_eq!(PathBuf::from(&project.directory), dir);
    a.register_dataset(&scope, new_dataset(ID)).await.unwrap();
    assert!(
        dir.join(EXPORT_DIR)
            .join("datasets")
            .join(format!("{ID}.json"))
            .is_file()
    );
    a.detach_project(&scope, "ML").await.unwrap();

    let b = instance(&root.path().join("b"), &projects).await;
    let attached = b
        .attach_all(&scope, &projects.join("cryo-em/2022"), false)
        .await
        .unwrap();
    assert_eq!(attached.len(), 1);
    let (path, result) = &attached[0];
    assert_eq!(path, &dir);
    assert_eq!(result.as_ref().unwrap().datasets, 1);
    assert_eq!(
        b.storage_prefix(&dir.join(ID).to_string_lossy()),
        format!("projects/cryo-em/2022/ST-membranes/{ID}/")
    );
}
