//! The `strata` binary as users run it: exit codes, output, and the same
//! answers from the local catalog and from a server.

use std::path::Path;
use std::process::{Command, Output};

use strata_catalog::{Catalog, NewDataset, NewParameter, NewProject, Scope};
use strata_domain::records::ParameterValue;
use strata_domain::{DatasetKind, Technique};

fn strata(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("STRATA_DATABASE_URL")
        .env_remove("STRATA_TOKEN")
        .env_remove("STRATA_SERVER")
        .env("RUST_LOG", "warn")
        .output()
        .expect("running strata")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn catalog(dir: &Path) -> Catalog {
    Catalog::open(
        &format!("sqlite://{}?mode=rwc", dir.join("catalog.sqlite").display()),
        dir.join("projects"),
    )
    .await
    .unwrap()
}

/// Three cryo-EM datasets at 200, 300 and 300 kV.
async fn seed(dir: &Path) {
    let catalog = catalog(dir).await;
    let scope = Scope::system();
    catalog
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
    catalog
        .create_instrument(&scope, "Krios-G4", "ESRF", &[Technique::CryoEm])
        .await
        .unwrap();
    for (i, kv) in [(1, 200_000), (2, 300_000), (3, 300_000)] {
        catalog
            .register_dataset(
                &scope,
                NewDataset {
                    identifier: format!("ML-2022-10-0{i}-10-00-00-000{i}").parse().unwrap(),
                    kind: DatasetKind::Raw,
                    technique: Technique::CryoEm,
                    instrument: Some("Krios-G4".into()),
                    sample: None,
                    description: format!("square {i}"),
                    parameters: vec![NewParameter {
                        name: "EM_voltage".into(),
                        value: ParameterValue::Integer(kv),
                        unit: None,
                    }],
                    links: vec![],
                },
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_shown_once_and_works() {
    let dir = tempfile::tempdir().unwrap();
    let out = strata(
        dir.path(),
        &[
            "token", "create", "--user", "alice", "--admin", "--label", "laptop",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secret = text(&out.stdout).trim().to_owned();
    assert!(
        secret.starts_with("strata_") && secret.len() == 71,
        "{secret}"
    );
    assert!(text(&out.stderr).contains("shown only this once"));
    let scope = catalog(dir.path())
        .await
        .authenticate(&secret)
        .await
        .unwrap();
    assert!(scope.is_admin());

    let revoke = strata(dir.path(), &["token", "revoke", "1"]);
    assert!(revoke.status.success(), "{}", text(&revoke.stderr));
    assert!(
        catalog(dir.path())
            .await
            .authenticate(&secret)
            .await
            .is_err()
    );

    let missing = strata(dir.path(), &["token", "revoke", "999"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("no token with id 999"),
        "{}",
        text(&missing.stderr)
    );
    let bad_user = strata(dir.path(), &["token", "create", "--user", "has space"]);
    assert!(!bad_user.status.success());
    assert!(
        text(&bad_user.stderr).contains("--user"),
        "{}",
        text(&bad_user.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_catalog_and_a_server_give_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path()).await;
    let args = [
        "query",
        "--project",
        "ML",
        "--microscope",
        "krios",
        "--start-date",
        "2022-10-02",
        "--param",
        "EM_voltage>=250000",
        "--json",
    ];
    let local = strata(dir.path(), &args);
    assert!(local.status.success(), "{}", text(&local.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["ML-2022-10-03-10-00-00-0003", "ML-2022-10-02-10-00-00-0002"]
    );

    let config = strata::Config {
        data_dir: dir.path().to_path_buf(),
        bind: "127.0.0.1:0".into(),
        ..strata::Config::default()
    };
    let app = strata::Application::build(&config).await.unwrap();
    let server = format!("http://{}", app.address());
    let token = app
        .catalog()
        .create_token(&Scope::system(), &"reader".parse().unwrap(), true, "", None)
        .await
        .unwrap();
    tokio::spawn(app.run_until(std::future::pending()));
    let remote_dir = tempfile::tempdir().unwrap();
    let mut remote_args = args.to_vec();
    remote_args.extend([
        "--server",
        server.as_str(),
        "--token",
        token.secret.expose(),
    ]);
    let remote = tokio::task::spawn_blocking({
        let d = remote_dir.path().to_path_buf();
        let a: Vec<String> = remote_args.iter().map(|s| s.to_string()).collect();
        move || strata(&d, &a.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(remote.status.success(), "{}", text(&remote.stderr));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&remote.stdout).unwrap(),
        rows
    );

    let table = strata(dir.path(), &["query", "--kind", "raw"]);
    assert!(table.status.success());
    let shown = text(&table.stdout);
    assert!(
        shown.contains("ML-2022-10-01-10-00-00-0001") && shown.contains("square 1"),
        "{shown}"
    );
    assert!(text(&table.stderr).contains("3 dataset(s)"));

    let refused = tokio::task::spawn_blocking(move || {
        strata(
            remote_dir.path(),
            &["query", "--server", &server, "--token", "strata_wrong"],
        )
    })
    .await
    .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("UNAUTHENTICATED"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn bad_flags_fail_with_a_message_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["query", "--param", "EM_voltage"],
            "--param \"EM_voltage\": no operator",
        ),
        (&["query", "--param", "EM_voltage>=high"], "needs a number"),
        (&["query", "--kind", "cooked"], "--kind"),
        (&["query", "--start-date", "01/02/2022"], "--start-date"),
        (
            &["query", "--technique", "xray"],
            "technique \"xray\" is not one of",
        ),
        (
            &["query", "--param", "EM_nonsense>1"],
            "unknown parameter \"EM_nonsense\"",
        ),
    ];
    for (args, message) in cases {
        let out = strata(dir.path(), args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            text(&out.stderr).contains(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["--config", "/nonexistent.toml", "query"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent.toml"));
}

fn write_noise(path: &Path, len: usize) {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x = 99u64;
    let mut chunk = vec![0u8; 1 << 20];
    for b in chunk.iter_mut() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *b = (x >> 56) as u8;
    }
    // One random MiB, each copy marked with its index: distinct content, cheap to make.
    for i in 0..len.div_ceil(chunk.len()) {
        chunk[..8].copy_from_slice(&(i as u64).to_le_bytes());
        file.write_all(&chunk).unwrap();
    }
}

async fn project(dir: &Path) {
    catalog(dir)
        .await
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_and_verify_report_and_fail_loudly() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path()).await;
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    write_noise(&sources.join("a.mrc"), 3 << 20);
    std::fs::write(
        sources.join("files_for_upload.csv"),
        "dataset_id,file_name,description\nML-2022-10-01-10-00-00-0001,a.mrc,first\nML-2022-10-01-11-00-00-0002,missing.mrc,second\n",
    )
    .unwrap();
    let manifest = sources.join("files_for_upload.csv");
    let out = strata(
        dir.path(),
        &[
            "ingest",
            "--manifest",
            manifest.to_str().unwrap(),
            "--technique",
            "cryo-em",
            "--quiet",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "one row failed, so the command fails: {stderr}"
    );
    assert!(
        stderr.contains("ingested ML-2022-10-01-10-00-00-0001"),
        "{stderr}"
    );
    assert!(
        stderr.contains("FAILED line 3") && stderr.contains("missing.mrc"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 2 dataset(s): 1 object(s), 3.00 MiB"),
        "{stderr}"
    );

    let ok = strata(dir.path(), &["verify", "--quiet"]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let stored = dir
        .path()
        .join("projects/ST-membranes/ML-2022-10-01-10-00-00-0001/a.mrc");
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[77] ^= 4;
    std::fs::write(&stored, bytes).unwrap();
    let bad = strata(dir.path(), &["verify", "--quiet", "--project", "ML"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stdout).contains("CORRUPT   ML-2022-10-01-10-00-00-0001 a.mrc"),
        "{}",
        text(&bad.stdout)
    );
    assert!(text(&bad.stderr).contains("1 problem(s) found"));
}

/// Parameters written by hand (a `--parameter` flag and a manifest column)
/// are checked before any byte is written: a bad one fails its row alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_parameters_from_flags_and_manifest_are_checked_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path()).await;
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    write_noise(&sources.join("a.mrc"), 1 << 20);
    write_noise(&sources.join("b.mrc"), 1 << 20);
    std::fs::write(
        sources.join("files_for_upload.csv"),
        "dataset_id,file_name,description,parent_dataset_id,positions,parameters\n\
         ML-2022-10-01-10-00-00-0001,a.mrc,first,,,EM_dose_per_frame=1.2 e/A^2; EM_voltage=200 kV\n\
         ML-2022-10-01-11-00-00-0002,b.mrc,second,,,EM_images_count=forty\n",
    )
    .unwrap();
    let manifest = sources.join("files_for_upload.csv");
    let out = strata(
        dir.path(),
        &[
            "ingest",
            "--manifest",
            manifest.to_str().unwrap(),
            "--technique",
            "cryo-em",
            "--parameter",
            "EM_voltage=300kV",
            "--parameter",
            "EM_spherical_aberration=2.7 mm",
            "--quiet",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("EM_images_count takes an integer; got a string (\"forty\")"),
        "{stderr}"
    );
    let catalog = catalog(dir.path()).await;
    let first = catalog
        .dataset(&Scope::system(), "ML-2022-10-01-10-00-00-0001")
        .await
        .unwrap();
    let parameters = catalog.parameters_of(&[first.id]).await.unwrap()[&first.id].clone();
    let of = |name: &str| {
        parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.value.to_string(), p.unit.clone(), p.canonical_number))
    };
    // The row's value wins over the flag's, and is kept as given.
    assert_eq!(
        of("EM_voltage"),
        Some(("200".into(), Some("kV".into()), Some(200_000.0)))
    );
    assert_eq!(
        of("EM_spherical_aberration"),
        Some(("2.7".into(), Some("mm".into()), Some(2.7)))
    );
    assert_eq!(of("EM_dose_per_frame").unwrap().2, Some(1.2));
    // The refused row left no dataset and no bytes.
    assert!(
        catalog
            .dataset(&Scope::system(), "ML-2022-10-01-11-00-00-0002")
            .await
            .is_err()
    );
    assert!(
        !dir.path()
            .join("projects/ST-membranes/ML-2022-10-01-11-00-00-0002")
            .exists()
    );

    let bad = strata(
        dir.path(),
        &[
            "ingest",
            "--manifest",
            manifest.to_str().unwrap(),
            "--parameter",
            "EM_voltage",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("--parameter"),
        "{}",
        text(&bad.stderr)
    );
}

/// `kill -9` in the middle of an ingest: nothing is visible, verify names the
/// unfinished ingest, and rerunning it completes with nothing left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_ingest_leaves_nothing_visible_and_is_simply_rerun() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path()).await;
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    write_noise(&sources.join("big.mrc"), 600 << 20);
    std::fs::write(
        sources.join("m.csv"),
        "dataset_id,file_name\nML-2022-10-01-10-00-00-0001,big.mrc\n",
    )
    .unwrap();
    let manifest = sources.join("m.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "ingest",
            "--quiet",
            "--manifest",
            manifest.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    // Kill it once bytes are being written.
    let staging = dir.path().join(".strata-tmp");
    let started = std::time::Instant::now();
    loop {
        let writing = std::fs::read_dir(&staging)
            .map(|d| d.flatten().any(|e| e.metadata().is_ok_and(|m| m.len() > 0)))
            .unwrap_or(false);
        if writing {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest finished before it could be killed"
        );
        assert!(
            started.elapsed().as_secs() < 60,
            "the ingest never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let query = strata(dir.path(), &["query", "--json"]);
    assert_eq!(
        text(&query.stdout).trim(),
        "[]",
        "a half-ingested dataset is visible to nobody"
    );
    let verify = strata(dir.path(), &["verify", "--quiet"]);
    assert!(!verify.status.success());
    assert!(
        text(&verify.stdout).contains("UNFINISHED ML-2022-10-01-10-00-00-0001"),
        "{}",
        text(&verify.stdout)
    );

    let rerun = strata(
        dir.path(),
        &[
            "ingest",
            "--quiet",
            "--manifest",
            manifest.to_str().unwrap(),
        ],
    );
    assert!(rerun.status.success(), "{}", text(&rerun.stderr));
    let verify = strata(dir.path(), &["verify", "--quiet"]);
    assert!(
        verify.status.success(),
        "{}{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&staging).unwrap().count(),
        0,
        "the killed writer's staging file is gone"
    );
    let stored = dir
        .path()
        .join("projects/ST-membranes/ML-2022-10-01-10-00-00-0001/big.mrc");
    assert_eq!(std::fs::metadata(stored).unwrap().len(), 600 << 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_delivers_checked_bytes_and_refuses_bad_selections() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path()).await;
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    write_noise(&sources.join("a.mrc"), 2 << 20);
    std::fs::write(
        sources.join("m.csv"),
        "dataset_id,file_name\nML-2022-10-01-10-00-00-0001,a.mrc\n",
    )
    .unwrap();
    let ingest = strata(
        dir.path(),
        &[
            "ingest",
            "--quiet",
            "--manifest",
            sources.join("m.csv").to_str().unwrap(),
        ],
    );
    assert!(ingest.status.success(), "{}", text(&ingest.stderr));
    let dest = dir.path().join("out");
    std::fs::create_dir_all(&dest).unwrap();
    let out = strata(
        dir.path(),
        &[
            "download",
            "--quiet",
            "--id",
            "ML-2022-10-01-10-00-00-0001",
            "--dest",
            dest.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(dest.join("ML-2022-10-01-10-00-00-0001/a.mrc")).unwrap(),
        std::fs::read(sources.join("a.mrc")).unwrap()
    );
    let bad = strata(
        dir.path(),
        &[
            "download",
            "--quiet",
            "--overwrite",
            "--id",
            "ML-2022-10-01-10-00-00-0001",
            "--dest",
            dest.to_str().unwrap(),
            "--channel",
            "GFP",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("channel"),
        "{}",
        text(&bad.stderr)
    );
    let missing = strata(
        dir.path(),
        &[
            "download",
            "--quiet",
            "--id",
            "ML-2022-10-09-10-00-00-0009",
            "--dest",
            dest.to_str().unwrap(),
        ],
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("ML-2022-10-09-10-00-00-0009"),
        "{}",
        text(&missing.stderr)
    );
}

/// Runs `strata` and requires it to succeed.
fn succeeds(data_dir: &Path, args: &[&str]) -> Output {
    let out = strata(data_dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    out
}

/// `strata project list --json`, by code.
fn listed(data_dir: &Path) -> std::collections::HashMap<String, serde_json::Value> {
    let out = succeeds(data_dir, &["project", "list", "--json"]);
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
        .unwrap()
        .into_iter()
        .map(|p| (p["code"].as_str().unwrap().to_owned(), p))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The instance a project directory's lock names.
fn lock_holder(project_dir: &Path) -> String {
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project_dir.join("strata.lock")).unwrap()).unwrap();
    lock["instance_id"].as_str().unwrap().to_owned()
}

async fn instance_id(data_dir: &Path) -> String {
    catalog(data_dir).await.instance().id.to_string()
}

/// CryoSPARC's detach / attach: a detached directory is attached by another
/// instance (and by the first one again); one locked by another instance is
/// refused, naming the holder, unless rescued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_directories_move_between_instances_and_locked_ones_need_a_rescue() {
    let (first, second, third) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (first, second, third) = (first.path(), second.path(), third.path());
    let created = succeeds(
        first,
        &["project", "create", "--code", "ML", "--title", "Membranes"],
    );
    assert!(
        text(&created.stderr).contains("project ML created"),
        "{}",
        text(&created.stderr)
    );
    let dir = first.join("projects/ST-membranes");
    assert_eq!(lock_holder(&dir), instance_id(first).await);

    succeeds(first, &["project", "detach", "ML"]);
    assert!(!dir.join("strata.lock").exists(), "detach removes the lock");
    assert!(dir.join(".strata/project.json").is_file());
    assert_eq!(listed(first)["ML"]["state"], "detached");

    // Into a second instance: its projects directory, then attach.
    let moved = second.join("projects/ST-membranes");
    copy_dir(&dir, &moved);
    let out = succeeds(second, &["project", "attach", moved.to_str().unwrap()]);
    assert!(
        text(&out.stderr).contains("attached ML"),
        "{}",
        text(&out.stderr)
    );
    let there = &listed(second)["ML"];
    assert_eq!(there["state"], "attached");
    assert_eq!(
        there["directory"].as_str().map(Path::new),
        Some(moved.canonicalize().unwrap().as_path())
    );
    let second_instance = instance_id(second).await;
    assert_eq!(lock_holder(&moved), second_instance);

    // The first instance, where it is detached, may attach its copy again.
    succeeds(first, &["project", "attach", dir.to_str().unwrap()]);
    assert_eq!(listed(first)["ML"]["state"], "attached");
    assert_eq!(lock_holder(&dir), instance_id(first).await);

    // A third instance gets the second's copy, still locked, beside another
    // project detached from the first.
    succeeds(
        first,
        &["project", "create", "--code", "XY", "--title", "Other"],
    );
    succeeds(first, &["project", "detach", "XY"]);
    let container = third.join("projects");
    let locked = container.join("ST-membranes");
    copy_dir(&moved, &locked);
    copy_dir(
        &first.join("projects/ST-other"),
        &container.join("ST-other"),
    );

    let refused = strata(third, &["project", "attach", locked.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("is attached to") && stderr.contains(&second_instance),
        "the error names the holder: {stderr}"
    );
    assert!(stderr.contains("rescue"), "{stderr}");

    let all = strata(
        third,
        &["project", "attach", "--all", container.to_str().unwrap()],
    );
    let stderr = text(&all.stderr);
    assert!(
        !all.status.success(),
        "one failed, so the command fails: {stderr}"
    );
    assert!(stderr.contains("attached XY"), "{stderr}");
    assert!(
        stderr.contains("FAILED")
            && stderr.contains("ST-membranes")
            && stderr.contains(&second_instance),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 2 project directory(ies) attached"),
        "{stderr}"
    );

    let rescued = succeeds(
        third,
        &["project", "attach", "--rescue", locked.to_str().unwrap()],
    );
    assert!(
        text(&rescued.stderr).contains("set aside"),
        "{}",
        text(&rescued.stderr)
    );
    let aside: Vec<String> = std::fs::read_dir(&locked)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("strata.lock.rescued-"))
        .collect();
    assert_eq!(aside.len(), 1, "the old lock is kept beside: {aside:?}");
    let old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(locked.join(&aside[0])).unwrap()).unwrap();
    assert_eq!(old["instance_id"], second_instance.as_str());
    assert_eq!(lock_holder(&locked), instance_id(third).await);
    let projects = listed(third);
    assert_eq!(projects["ML"]["state"], "attached");
    assert_eq!(projects["XY"]["state"], "attached");
}

/// Archive, move the directory, unarchive from the new path: the datasets'
/// files follow and still verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_project_is_moved_and_unarchived_and_its_files_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    succeeds(
        dir,
        &["project", "create", "--code", "ML", "--title", "Membranes"],
    );
    let sources = dir.join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    write_noise(&sources.join("a.mrc"), 1 << 20);
    write_noise(&sources.join("b.mrc"), 1 << 20);
    for (name, row) in [
        ("1.csv", "ML-2022-10-01-10-00-00-0001,a.mrc"),
        ("2.csv", "ML-2022-10-02-10-00-00-0002,b.mrc"),
    ] {
        std::fs::write(sources.join(name), format!("dataset_id,file_name\n{row}\n")).unwrap();
    }
    let ingest = |manifest: &str| {
        let manifest = sources.join(manifest);
        succeeds(
            dir,
            &[
                "ingest",
                "--quiet",
                "--manifest",
                manifest.to_str().unwrap(),
            ],
        );
    };
    ingest("1.csv");

    let out = succeeds(dir, &["project", "stats", "ML", "--refresh", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["code"], "ML");
    assert_eq!(stats["datasets_bytes"], 1 << 20);
    assert_eq!(stats["stale"], false);
    assert!(stats["total_bytes"].as_u64().unwrap() > 1 << 20, "{stats}");
    ingest("2.csv");
    let shown = text(&succeeds(dir, &["project", "stats", "ML"]).stdout);
    assert!(shown.starts_with("ML: 1.00 MiB (stale"), "{shown}");
    assert!(shown.contains("datasets      1.00 MiB"), "{shown}");

    succeeds(dir, &["project", "archive", "ML"]);
    assert_eq!(listed(dir)["ML"]["state"], "archived");
    let refused = strata(dir, &["project", "export", "ML"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("ML is archived"),
        "{}",
        text(&refused.stderr)
    );

    let old = dir.join("projects/ST-membranes");
    let new = dir.join("projects/ST-membranes-2022");
    std::fs::rename(&old, &new).unwrap();
    let missing = strata(dir, &["verify", "--quiet"]);
    assert!(!missing.status.success(), "moved away, not yet unarchived");
    succeeds(
        dir,
        &[
            "project",
            "unarchive",
            "ML",
            "--path",
            new.to_str().unwrap(),
        ],
    );
    let project = &listed(dir)["ML"];
    assert_eq!(project["state"], "attached");
    assert_eq!(
        project["directory"].as_str().map(Path::new),
        Some(new.canonicalize().unwrap().as_path())
    );
    let verify = succeeds(dir, &["verify", "--quiet"]);
    assert!(
        text(&verify.stderr).contains("2 dataset(s), 2 object(s)"),
        "{}",
        text(&verify.stderr)
    );
    let exported = succeeds(dir, &["project", "export", "ML"]);
    assert!(
        text(&exported.stderr).contains("2 dataset(s) written"),
        "{}",
        text(&exported.stderr)
    );
    assert!(
        new.join(".strata/datasets/ML-2022-10-02-10-00-00-0002.json")
            .is_file()
    );
    let shown = text(&succeeds(dir, &["project", "stats", "ML", "--refresh"]).stdout);
    assert!(
        shown.contains("datasets      2.00 MiB") && !shown.contains("stale"),
        "{shown}"
    );
}

/// Raw data registered in place (links) follows the raw data when it moves:
/// `verify` fails while the links dangle and passes once they are repointed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relink_repoints_raw_data_links_after_the_raw_data_moved() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path()).await;
    let raw = dir.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    write_noise(&raw.join("movie.mrc"), 1 << 20);
    std::fs::write(
        raw.join("files_for_upload.csv"),
        "dataset_id,file_name,description\nML-2022-10-01-10-00-00-0001,movie.mrc,raw movie\n",
    )
    .unwrap();
    let manifest = raw.join("files_for_upload.csv");
    let out = strata(
        dir.path(),
        &[
            "ingest",
            "--manifest",
            manifest.to_str().unwrap(),
            "--upload-type",
            "link",
            "--technique",
            "cryo-em",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let moved = dir.path().join("raw-archive");
    std::fs::rename(&raw, &moved).unwrap();
    let broken = strata(dir.path(), &["verify", "--quiet"]);
    assert!(!broken.status.success());
    let (from, to) = (raw.to_str().unwrap(), moved.to_str().unwrap());
    let preview = strata(
        dir.path(),
        &[
            "project",
            "relink",
            "ML",
            "--from",
            from,
            "--to",
            to,
            "--dry-run",
        ],
    );
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    assert!(
        text(&preview.stdout).contains("would repoint"),
        "{}",
        text(&preview.stdout)
    );
    let relinked = strata(
        dir.path(),
        &["project", "relink", "ML", "--from", from, "--to", to],
    );
    assert!(relinked.status.success(), "{}", text(&relinked.stderr));
    assert!(text(&relinked.stderr).contains("1 link(s) repointed, 0 dangling"));
    let link = dir
        .path()
        .join("projects/ST-membranes/ML-2022-10-01-10-00-00-0001/movie.mrc");
    assert_eq!(std::fs::read_link(&link).unwrap(), moved.join("movie.mrc"));
    let ok = strata(dir.path(), &["verify", "--quiet"]);
    assert!(ok.status.success(), "{}", text(&ok.stdout));
}

/// Reports a completed job that wrote `outputs` and `intermediates` (name,
/// bytes) into its folder, through the catalog as a pipeline would.
async fn pipeline_job(
    catalog: &Catalog,
    project_dir: &Path,
    category: strata_catalog::jobs::plan::Category,
    inputs: &[(&str, &[&str])],
    outputs: &[(&str, usize)],
    intermediates: &[(&str, usize)],
) -> String {
    use strata_catalog::jobs::{JobInputSpec, NewJob, NewJobResult};
    let scope = Scope::system();
    let uid = catalog
        .report_job(
            &scope,
            "ML",
            NewJob {
                title: format!("{category} job"),
                job_type: category.as_str().into(),
                category: Some(category),
                parameters: serde_json::json!({}),
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
        .unwrap()
        .uid;
    let mut results = Vec::new();
    for (name, size, intermediate) in outputs
        .iter()
        .map(|(n, s)| (n, s, false))
        .chain(intermediates.iter().map(|(n, s)| (n, s, true)))
    {
        let path = format!("{name}.mrc");
        std::fs::write(
            project_dir.join("jobs").join(&uid).join(&path),
            vec![7u8; *size],
        )
        .unwrap();
        results.push(NewJobResult {
            name: (*name).into(),
            path,
            intermediate,
        });
    }
    catalog
        .record_job_results(&scope, "ML", &uid, results)
        .await
        .unwrap();
    catalog
        .set_job_status(
            &scope,
            "ML",
            &uid,
            strata_catalog::jobs::plan::Status::Completed,
        )
        .await
        .unwrap();
    uid
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

/// Seed 001 from the shell: final results marked with `strata job final`,
/// protected from `job clear` and `job delete`, then a cleanup whose preview
/// shows the bytes it frees and whose run frees exactly those on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_preview_shows_what_cleanup_run_frees_to_the_byte() {
    use strata_catalog::jobs::plan::Category;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    succeeds(
        data,
        &["project", "create", "--code", "ML", "--title", "Membranes"],
    );
    let project_dir = data.join("projects/ST-membranes");
    {
        let c = catalog(data).await;
        let import = pipeline_job(
            &c,
            &project_dir,
            Category::Import,
            &[],
            &[("movies", 10)],
            &[],
        )
        .await;
        let motion = pipeline_job(
            &c,
            &project_dir,
            Category::MotionCorrection,
            &[(&import, &[])],
            &[("aligned", 4000)],
            &[],
        )
        .await;
        let ctf = pipeline_job(
            &c,
            &project_dir,
            Category::CtfEstimation,
            &[(&motion, &[])],
            &[("ctf", 300)],
            &[],
        )
        .await;
        let refine = pipeline_job(
            &c,
            &project_dir,
            Category::Other,
            &[(&ctf, &[])],
            &[("map", 900)],
            &[("iter_001", 500), ("iter_002", 700)],
        )
        .await;
        pipeline_job(
            &c,
            &project_dir,
            Category::Other,
            &[(&refine, &["iter_002"])],
            &[("branch", 250)],
            &[],
        )
        .await;
        pipeline_job(
            &c,
            &project_dir,
            Category::Other,
            &[(&ctf, &[])],
            &[("junk", 1200)],
            &[],
        )
        .await;
        assert_eq!([import, motion, ctf, refine], ["J1", "J2", "J3", "J4"]);
    }

    let marked = succeeds(data, &["job", "final", "ML", "J4"]);
    assert!(text(&marked.stderr).contains("ML/J4 marked as a final result"));
    let listed = succeeds(data, &["job", "list", "ML", "--json"]);
    let jobs: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let ancestors: Vec<&str> = jobs
        .iter()
        .filter(|j| j["is_ancestor_of_final"] == true)
        .map(|j| j["uid"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["J1", "J2", "J3"]);
    let table = succeeds(data, &["job", "list", "ML"]);
    let j4 = text(&table.stdout)
        .lines()
        .find(|l| l.trim_start().starts_with("J4 "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap();
    assert!(
        j4.starts_with("J4 other other completed final J3 W1"),
        "{j4}"
    );
    assert!(j4.ends_with("2.05 KiB"), "{j4}");

    for (args, says) in [
        (["job", "clear", "ML", "J4"], "J4 is a final result"),
        (["job", "delete", "ML", "J3"], "ancestor of a final result"),
    ] {
        let out = strata(data, &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    let bad = strata(
        data,
        &["cleanup", "preview", "ML", "--preprocessing", "import"],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("import is not a preprocessing category"),
        "{}",
        text(&bad.stderr)
    );
    let bad = strata(data, &["cleanup", "preview", "ML", "--non-final", "shred"]);
    assert_eq!(bad.status.code(), Some(2), "clap refuses it");

    succeeds(data, &["project", "stats", "ML", "--refresh"]);
    let options = [
        "--workspace",
        "W1",
        "--preprocessing",
        "motion-correction=clear-and-delete",
        "--intermediate",
        "--non-final",
        "clear-and-delete",
    ];
    let preview = succeeds(
        data,
        &[&["cleanup", "preview", "ML"][..], &options[..]].concat(),
    );
    let shown = text(&preview.stdout);
    // Motion correction cleared (an ancestor of final: never deleted), the
    // two non-final jobs deleted; the final refinement keeps its intermediates.
    let freed = 4000 + 250 + 1200;
    let estimate = shown.find("Estimate").unwrap();
    let line = shown
        .lines()
        .find(|l| l.trim_start().starts_with("frees "))
        .unwrap_or_else(|| panic!("no estimate line in:\n{shown}"));
    assert!(
        line.trim_start()
            .starts_with(&format!("frees {freed} bytes (5.32 KiB), ")),
        "{line}"
    );
    assert!(line.ends_with("% of the project"), "{line}");
    let row = |what: &str| {
        shown
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no {what} in:\n{shown}"))
    };
    assert_eq!(row("jobs cleared"), "jobs cleared 1");
    assert_eq!(row("jobs deleted"), "jobs deleted 2");
    assert_eq!(row("total modified"), "total modified 3");
    assert_eq!(
        row("motion correction"),
        "motion correction 1 3.91 KiB 50.9%"
    );
    assert_eq!(
        row("ancestor of final"),
        "ancestor of final 3 4.21 KiB 54.8%"
    );
    assert_eq!(row("J2 "), "J2 clear preprocessing 3.91 KiB");
    for tab in [
        "Preprocessing",
        "Intermediate results",
        "Final results",
        "Killed and failed",
    ] {
        assert!(
            shown.find(tab).is_some_and(|at| at > estimate),
            "{tab} after the estimate:\n{shown}"
        );
    }
    let json = succeeds(
        data,
        &[&["cleanup", "preview", "ML", "--json"][..], &options[..]].concat(),
    );
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["preview"]["estimate"]["bytes_freed"], freed);

    let jobs_dir = project_dir.join("jobs");
    let before = bytes_under(&jobs_dir);
    let run = succeeds(
        data,
        &[&["cleanup", "run", "ML"][..], &options[..]].concat(),
    );
    let after = bytes_under(&jobs_dir);
    assert_eq!(before - after, freed, "to the byte, on disk");
    assert!(
        text(&run.stdout).contains(&format!("freed {freed} bytes (5.32 KiB)")),
        "{}",
        text(&run.stdout)
    );
    assert!(
        text(&run.stdout)
            .contains("1 job(s) cleared, 0 with intermediate results cleared, 2 deleted")
    );

    // Unmarked, the refinement can be cleared by hand, intermediates and all.
    succeeds(data, &["job", "final", "ML", "J4", "--unmark"]);
    let cleared = succeeds(data, &["job", "clear", "ML", "J4"]);
    assert_eq!(
        text(&cleared.stdout).trim(),
        "ML/J4 cleared: freed 2100 bytes (2.05 KiB)"
    );
    let again = succeeds(data, &["cleanup", "run", "ML", "--intermediate"]);
    assert!(
        text(&again.stdout).contains("nothing to do"),
        "{}",
        text(&again.stdout)
    );
}
