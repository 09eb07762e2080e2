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
