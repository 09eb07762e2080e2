//! `strata demo --no-serve` on a fresh directory, then the catalog it made as
//! a collaborator and a visitor see it over HTTP: every sample ingested, the
//! tilt series with its per-tilt parameters, the lineage, published DOIs, a
//! private dataset that nothing public shows, every byte verifiable. A second
//! run on the same directory is idempotent: it changes nothing and serves
//! the demo again (with a new admin token); a foreign directory is refused.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use strata::config::Overrides;
use strata::{Application, Config};

const RAW: &str = "CET-2025-03-14-09-12-05-0001";
const ALIGNED: &str = "CET-2025-03-14-11-40-31-0002";
const CTF: &str = "CET-2025-03-14-11-52-10-0003";
const LM: &str = "LSM-2025-02-03-15-22-47-0001";
const SAXS: &str = "BIO-2025-01-20-10-05-33-0001";
const MX: &str = "BIO-2025-01-22-21-47-12-0002";

fn strata(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .current_dir(cwd)
        .args(args)
        .env_remove("STRATA_DATABASE_URL")
        .env_remove("STRATA_DATA_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .expect("running strata")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The token the demo printed.
fn token_of(out: &Output) -> String {
    let stdout = text(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.split_once("admin token (shown once): "))
        .map(|(_, t)| t.trim().to_owned())
        .unwrap_or_else(|| panic!("no token in {stdout}"))
}

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    async fn graphql(&self, token: Option<&str>, query: &str) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(body.get("errors").is_none(), "{query}: {body}");
        body["data"].clone()
    }

    async fn status(&self, path: &str) -> u16 {
        let response = self.http.get(format!("{}{path}", self.base)).send().await;
        response.unwrap().status().as_u16()
    }

    async fn body(&self, path: &str) -> String {
        let response = self.http.get(format!("{}{path}", self.base)).send().await;
        response.unwrap().text().await.unwrap()
    }
}

fn identifiers(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["identifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_makes_a_whole_catalog_and_a_second_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let dir_arg = dir.to_str().unwrap();
    let first = strata(tmp.path(), &["demo", "--no-serve", "--data-dir", dir_arg]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let token = token_of(&first);
    assert!(dir.join("strata.toml").is_file() && dir.join("strata-demo.json").is_file());

    // The catalog the demo wrote, served as `strata --config <dir>/strata.toml serve` would.
    let overrides = Overrides {
        bind: Some("127.0.0.1:0".into()),
        database_url: Some(format!(
            "sqlite://{}?mode=rwc",
            dir.join("catalog.sqlite").display()
        )),
        ..Overrides::default()
    };
    let config = Config::load(Some(&dir.join("strata.toml")), &overrides).unwrap();
    assert_eq!(config.doi.as_ref().unwrap().prefix, "10.5072");
    let app = Application::build(&config).await.unwrap();
    let client = Client {
        base: format!("http://{}", app.address()),
        http: reqwest::Client::new(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    // Every sample, as a collaborator with the token sees them.
    let all = client
        .graphql(
            Some(&token),
            "{ datasets(first: 50) { totalCount edges { node { identifier technique kind } } } }",
        )
        .await;
    let mut found = identifiers(&all["datasets"]);
    found.sort();
    let mut expected = vec![RAW, ALIGNED, CTF, LM, SAXS, MX];
    expected.sort();
    assert_eq!(found, expected);

    // The tilt series: 41 frames, each with its own tilt angle, dose and defocus from the .mdoc.
    let raw = client
        .graphql(
            None,
            &format!(
                r#"{{ dataset(identifier: "{RAW}") {{ parameters {{ name value }}
                      frameSets {{ shape dtype frames(first: 100) {{ z parameters {{ name value }} }} }}
                      linkedFrom {{ kind from }} }} }}"#
            ),
        )
        .await;
    let set = &raw["dataset"]["frameSets"][0];
    assert_eq!(set["shape"], json!([1, 1, 41, 256, 256]), "{set}");
    assert_eq!(set["dtype"], "int16");
    let frames = set["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 41);
    for (i, frame) in frames.iter().enumerate() {
        let value = |name: &str| {
            frame["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .and_then(|p| p["value"].as_f64())
                .unwrap_or_else(|| panic!("frame {i} lacks {name}: {frame}"))
        };
        assert_eq!(value("EMTS_tilt_angle"), -60.0 + 3.0 * i as f64);
        assert_eq!(value("EMTS_dose_per_tilt"), 3.0);
        let defocus = value("EMTS_defocus");
        assert!((-3.5..-2.5).contains(&defocus), "{defocus}");
    }
    let parameter = |name: &str| {
        raw["dataset"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].clone())
            .unwrap_or_else(|| panic!("{RAW} lacks {name}"))
    };
    assert_eq!(parameter("EMTS_tilt_count"), json!(41));
    assert_eq!(parameter("EMTS_tilt_scheme"), json!("dose-symmetric"));
    // Read from the .mdoc by ingest, not given by the demo.
    assert_eq!(parameter("EM_sampling_rate").as_f64(), Some(5.35));
    assert_eq!(parameter("EM_voltage").as_f64(), Some(300.0));

    // The aligned stack: each tilt carries its motion and CTF values, read
    // from its .mdoc records by the declarative frame rules.
    let aligned = client
        .graphql(
            None,
            &format!(
                r#"{{ dataset(identifier: "{ALIGNED}") {{
                      frameSets {{ frames(first: 100) {{ parameters {{ name value }} }} }} }} }}"#
            ),
        )
        .await;
    let frames = aligned["dataset"]["frameSets"][0]["frames"]
        .as_array()
        .unwrap();
    assert_eq!(frames.len(), 41);
    for frame in frames {
        let names: Vec<&str> = frame["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        for name in [
            "EMMotionCorrection_total_motion",
            "EMCTF_defocus_u",
            "EMCTF_defocus_v",
            "EMCTF_resolution_limit",
        ] {
            assert!(
                names.contains(&name),
                "a tilt of {ALIGNED} lacks {name}: {frame}"
            );
        }
    }

    // Lineage: both processed datasets name the raw tilt series as their parent.
    let mut children: Vec<(String, String)> = raw["dataset"]["linkedFrom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["from"].as_str().unwrap().to_owned(),
                l["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    children.sort();
    assert_eq!(
        children,
        vec![
            (ALIGNED.to_owned(), "PARENT".to_owned()),
            (CTF.to_owned(), "PARENT".to_owned())
        ]
    );

    // The DOIs: registered, then findable, covering what they should.
    for (doi, covered) in [
        ("10.5072/cet.1", vec![RAW, ALIGNED, CTF]),
        ("10.5072/bio.1", vec![SAXS]),
    ] {
        let p = client
            .graphql(
                None,
                &format!(
                    r#"{{ publication(doi: "{doi}") {{ state registeredAt publishedAt datasets
                          readiness {{ publishable }} datacite }} }}"#
                ),
            )
            .await;
        let p = &p["publication"];
        assert_eq!(p["state"], "FINDABLE", "{p}");
        assert!(
            p["registeredAt"].is_string() && p["publishedAt"].is_string(),
            "{p}"
        );
        assert_eq!(p["readiness"]["publishable"], true, "{p}");
        let mut datasets: Vec<&str> = p["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        datasets.sort();
        assert_eq!(datasets, covered);
        assert!(
            p["datacite"].to_string().contains("0000-0002-1825-0097"),
            "{p}"
        );
    }

    // The private dataset: invisible anonymously, everywhere.
    let anonymous = client
        .graphql(
            None,
            &format!(
                r#"{{ datasets(first: 50) {{ totalCount edges {{ node {{ identifier }} }} }}
                      dataset(identifier: "{MX}") {{ identifier }} }}"#
            ),
        )
        .await;
    let public = identifiers(&anonymous["datasets"]);
    assert!(anonymous["dataset"].is_null(), "{anonymous}");
    assert!(!public.contains(&MX.to_owned()), "{public:?}");
    for id in [RAW, ALIGNED, CTF, LM, SAXS] {
        assert!(
            public.contains(&id.to_owned()),
            "{id} is public: {public:?}"
        );
    }
    assert_eq!(
        client
            .status(&format!("/files/{MX}/lysozyme_x1_sweep1.tif"))
            .await
            / 100,
        4
    );
    assert_eq!(
        client
            .status(&format!("/zarr/{MX}/0.ome.zarr/zarr.json"))
            .await
            / 100,
        4
    );
    let oai = client
        .body("/oai?verb=ListRecords&metadataPrefix=oai_datacite")
        .await;
    assert!(
        oai.contains("10.5072/CET.1") || oai.contains("10.5072/cet.1"),
        "{oai}"
    );
    assert!(!oai.contains(MX), "the private dataset is in OAI-PMH");
    // …while what is published is there for anyone.
    assert_eq!(
        client
            .status(&format!("/files/{CTF}/TS_01_ctffind4.txt"))
            .await,
        200
    );
    assert_eq!(
        client
            .status(&format!("/zarr/{RAW}/0.ome.zarr/zarr.json"))
            .await,
        200
    );

    // `strata serve` with the demo's strata.toml serves the portal at
    // /portal/ and sends / there; another origin's page may read the data.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = plain.get(format!("{}/", client.base)).send().await.unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/portal/");
    for page in ["/portal/".to_owned(), format!("/portal/datasets/{RAW}/")] {
        let answer = plain
            .get(format!("{}{page}", client.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{page}");
        assert!(answer.text().await.unwrap().contains("<html"), "{page}");
    }
    let preflight = plain
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/zarr/{RAW}/0.ome.zarr/zarr.json", client.base),
        )
        .header("origin", "https://portal.example.org")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "range")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-origin"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        allowed == "*" || allowed == "https://portal.example.org",
        "{allowed}"
    );
    let cross_origin = plain
        .get(format!("{}/files/{CTF}/TS_01_ctffind4.txt", client.base))
        .header("origin", "https://portal.example.org")
        .send()
        .await
        .unwrap();
    assert!(
        cross_origin
            .headers()
            .get("access-control-allow-origin")
            .is_some(),
        "a cross-origin read is allowed"
    );

    let _ = stop.send(());
    server.await.unwrap().unwrap();

    // The portal was built, and shows nothing of the private dataset either.
    let portal = dir.join("portal");
    assert!(portal.join("index.html").is_file());
    assert!(portal.join("doi/10.5072/cet.1/index.html").is_file());
    assert!(portal.join(format!("datasets/{RAW}/index.html")).is_file());
    let mut pending = vec![portal];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(MX),
                    "{} names the private dataset",
                    path.display()
                );
            }
        }
    }

    // Every stored byte checks out.
    let config_arg = dir.join("strata.toml");
    let config_arg = config_arg.to_str().unwrap();
    let verify = strata(tmp.path(), &["--config", config_arg, "verify", "--quiet"]);
    assert!(
        verify.status.success(),
        "{}{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );

    // Again on the same directory: the same demo, a new token, nothing added.
    let before = std::fs::read_to_string(dir.join("strata-demo.json")).unwrap();
    let second = strata(tmp.path(), &["demo", "--no-serve", "--data-dir", dir_arg]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("earlier `strata demo`"),
        "{}",
        text(&second.stderr)
    );
    assert_ne!(token_of(&second), token);
    assert_eq!(
        std::fs::read_to_string(dir.join("strata-demo.json")).unwrap(),
        before
    );
    let datasets = |out: &Output| {
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("    "))
            .count()
    };
    assert_eq!(datasets(&second), 6);
    let dois = |out: &Output| {
        text(&out.stdout)
            .lines()
            .filter(|l| l.contains("DOI 10.5072/"))
            .count()
    };
    assert_eq!((dois(&first), dois(&second)), (2, 2));
    let verify = strata(tmp.path(), &["--config", config_arg, "verify", "--quiet"]);
    assert!(
        text(&verify.stderr).contains("6 dataset(s)"),
        "{}",
        text(&verify.stderr)
    );

    // A directory that is not a demo's is never written into.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let refused = strata(
        tmp.path(),
        &[
            "demo",
            "--no-serve",
            "--data-dir",
            foreign.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr)
            .contains("is not empty and is not a directory an earlier `strata demo` made"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
}
