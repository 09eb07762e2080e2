//! Sessions (CryoSPARC Live) through the catalog, with their bytes on disk:
//! compaction removes exactly the preprocessing outputs and particle stacks,
//! freezes the session, and a restore brings it back for reprocessing.

use std::path::{Path, PathBuf};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use strata_catalog::entity::event;
use strata_catalog::sessions::{
    NewSession, NewSessionResult, SessionResultKind as Kind, SessionResultState as State,
    SessionStatus,
};
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
    root.join("projects/ST-membranes/sessions").join(uid)
}

/// Files a result holds, and their sizes.
type Files = &'static [(&'static str, usize)];

/// What a Live session writes: (name, kind, files).
const WRITTEN: &[(&str, Kind, Files)] = &[
    (
        "micrographs",
        Kind::Micrographs,
        &[("mic_0001.mrc", 4000), ("mic_0002.mrc", 4000)],
    ),
    ("ctf", Kind::Ctf, &[("ctf.cs", 300)]),
    ("particles", Kind::Particles, &[("particles.mrcs", 9000)]),
    ("locations", Kind::ParticleLocations, &[("picks.cs", 120)]),
    ("manual", Kind::ManualPicks, &[("manual.cs", 40)]),
    ("report", Kind::Other, &[("report.json", 25)]),
];

/// Writes `name`'s files under `<session>/<name>/` and returns the result to record.
fn write(root: &Path, uid: &str, name: &str, kind: Kind) -> NewSessionResult {
    let (_, _, files) = WRITTEN.iter().find(|(n, ..)| *n == name).unwrap();
    let dir = folder(root, uid).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, size) in *files {
        std::fs::write(dir.join(file), vec![3u8; *size]).unwrap();
    }
    NewSessionResult {
        name: name.into(),
        path: name.into(),
        kind,
    }
}

fn write_all(root: &Path, uid: &str) -> Vec<NewSessionResult> {
    WRITTEN
        .iter()
        .map(|(name, kind, _)| write(root, uid, name, *kind))
        .collect()
}

fn conflict(err: CatalogError) -> String {
    match err {
        CatalogError::Conflict { message, .. } => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn compaction_removes_what_preprocessing_reproduces_and_a_restore_brings_it_back() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let c = catalog(root).await;
    let scope = Scope::system();
    let parameters = serde_json::json!({ "motion": { "patch": [5, 5] }, "box_size": 256 });
    let s = c
        .report_session(
            &scope,
            "ML",
            NewSession {
                title: "grid 3, square 12".into(),
                parameters: parameters.clone(),
                workspace: Some("live".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!((s.uid.as_str(), s.status), ("S1", SessionStatus::Active));
    assert!(folder(root, "S1").is_dir());

    let s = c
        .record_session_results(&scope, "ML", "S1", write_all(root, "S1"))
        .await
        .unwrap();
    assert_eq!(s.size_bytes, 4000 + 4000 + 300 + 9000 + 120 + 40 + 25);

    // Only a completed session is compacted.
    let refused = conflict(c.compact_session(&scope, "ML", "S1").await.unwrap_err());
    assert!(refused.contains("mark it completed"), "{refused}");
    c.complete_session(&scope, "ML", "S1").await.unwrap();

    let done = c.compact_session(&scope, "ML", "S1").await.unwrap();
    assert_eq!(done.bytes_freed, 4000 + 4000 + 300 + 9000);
    assert_eq!(done.removed, ["ctf", "micrographs", "particles"]);
    assert_eq!(done.session.status, SessionStatus::Compacted);
    assert_eq!(done.session.size_bytes, 120 + 40 + 25);
    assert_eq!(done.session.parameters, parameters, "parameters are kept");
    for (name, kind, _) in WRITTEN {
        let on_disk = folder(root, "S1").join(name).exists();
        assert_eq!(on_disk, !kind.removed_by_compaction(), "{name}");
        let r = done
            .session
            .results
            .iter()
            .find(|r| r.name == *name)
            .unwrap();
        let expected = if kind.removed_by_compaction() {
            State::Compacted
        } else {
            State::Present
        };
        assert_eq!(r.state, expected, "{name}");
    }

    // Frozen until restored: results, parameters, status, a second compaction.
    let frozen = [
        c.record_session_results(
            &scope,
            "ML",
            "S1",
            vec![write(root, "S1", "ctf", Kind::Ctf)],
        )
        .await
        .unwrap_err(),
        c.set_session_parameters(&scope, "ML", "S1", serde_json::json!({}))
            .await
            .unwrap_err(),
        c.complete_session(&scope, "ML", "S1").await.unwrap_err(),
    ];
    for err in frozen {
        let message = conflict(err);
        assert!(message.contains("S1 is compacted"), "{message}");
        assert!(message.contains("restored"), "{message}");
    }
    let again = conflict(c.compact_session(&scope, "ML", "S1").await.unwrap_err());
    assert!(again.contains("compacted already"), "{again}");

    // The restore marks what was removed for reprocessing.
    let restored = c.restore_session(&scope, "ML", "S1").await.unwrap();
    assert_eq!(restored.status, SessionStatus::Restoring);
    let waiting: Vec<&str> = restored
        .results
        .iter()
        .filter(|r| r.state == State::Reprocessing)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(waiting, ["ctf", "micrographs", "particles"]);
    let busy = conflict(c.compact_session(&scope, "ML", "S1").await.unwrap_err());
    assert!(busy.contains("being restored"), "{busy}");

    // The pipeline writes them again; the session completes with the last.
    let s = c
        .record_session_results(
            &scope,
            "ML",
            "S1",
            vec![
                write(root, "S1", "micrographs", Kind::Micrographs),
                write(root, "S1", "ctf", Kind::Ctf),
            ],
        )
        .await
        .unwrap();
    assert_eq!(s.status, SessionStatus::Restoring, "particles still wait");
    let s = c
        .record_session_results(
            &scope,
            "ML",
            "S1",
            vec![write(root, "S1", "particles", Kind::Particles)],
        )
        .await
        .unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    assert!(s.results.iter().all(|r| r.state == State::Present));
    assert_eq!(s.size_bytes, 4000 + 4000 + 300 + 9000 + 120 + 40 + 25);

    // Every step is an event; the compaction says what it freed.
    let events = event::Entity::find()
        .filter(event::Column::Action.starts_with("session."))
        .order_by_asc(event::Column::Id)
        .all(c.connection())
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "session.report",
            "session.results",
            "session.complete",
            "session.compact",
            "session.restore",
            "session.results",
            "session.results",
        ]
    );
    let compact = &events[3];
    assert_eq!(compact.details["bytes"], 4000 + 4000 + 300 + 9000);
}

#[tokio::test]
async fn session_uids_are_never_reused_and_the_export_follows_every_change() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let c = catalog(root).await;
    let scope = Scope::system();
    for expected in ["S1", "S2"] {
        let s = c
            .report_session(&scope, "ML", NewSession::default())
            .await
            .unwrap();
        assert_eq!(s.uid, expected);
    }
    c.record_session_results(&scope, "ML", "S2", write_all(root, "S2"))
        .await
        .unwrap();
    c.complete_session(&scope, "ML", "S2").await.unwrap();
    c.compact_session(&scope, "ML", "S2").await.unwrap();
    let export: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("projects/ST-membranes/.strata/sessions/S2.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(export["status"], "compacted");
    let states: Vec<(&str, &str)> = export["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("ctf", "compacted"),
            ("locations", "present"),
            ("manual", "present"),
            ("micrographs", "compacted"),
            ("particles", "compacted"),
            ("report", "present"),
        ]
    );
    let project: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("projects/ST-membranes/.strata/project.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(project["sessions_reported"], 2);

    // A bad parameter set and a result outside the folder change nothing.
    let bad = c
        .report_session(
            &scope,
            "ML",
            NewSession {
                parameters: serde_json::json!([1, 2]),
                ..NewSession::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("parameters"), "{bad}");
    let outside = c
        .record_session_results(
            &scope,
            "ML",
            "S1",
            vec![NewSessionResult {
                name: "escape".into(),
                path: "../S2/report".into(),
                kind: Kind::Other,
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(outside.field(), Some("results[0].path"), "{outside}");
    assert!(
        c.session(&scope, "ML", "S1")
            .await
            .unwrap()
            .results
            .is_empty()
    );
    let s3 = c
        .report_session(&scope, "ML", NewSession::default())
        .await
        .unwrap();
    assert_eq!(s3.uid, "S3", "a refused report issues no uid");
}
