//! Test harness: the real application on a real socket, a fresh database per
//! test. SQLite in a temporary directory by default; PostgreSQL when
//! `STRATA_TEST_DATABASE_URL` names a server (a fresh database is created on it
//! for each test and dropped afterwards).

use std::net::SocketAddr;

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use strata::{Application, Config};
use strata_catalog::{Catalog, Scope};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub mod browser;
pub mod python;

pub const TEST_DATABASE_ENV: &str = "STRATA_TEST_DATABASE_URL";

/// The DOI prefix test instances make DOIs with; nothing is deposited
/// (no `[doi.datacite]`): registering writes the records for deposit by hand.
pub const TEST_DOI_PREFIX: &str = "10.80000";

pub struct TestApp {
    pub address: SocketAddr,
    pub catalog: Catalog,
    pub client: reqwest::Client,
    /// A facility admin's token.
    pub admin: String,
    pub data_dir: TempDir,
    postgres: Option<PostgresDatabase>,
    stop: Option<oneshot::Sender<()>>,
}

/// A database made for one test on the PostgreSQL server, dropped with it.
struct PostgresDatabase {
    server_url: String,
    name: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs outside any runtime guarantee: use a small one of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(db) = Database::connect(&url).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..]
        .find('/')
        .map(|i| i + authority_end)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..path_start])
}

/// Which database engine a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    /// PostgreSQL when `STRATA_TEST_DATABASE_URL` names a server, else SQLite.
    Postgres,
}

impl TestApp {
    /// The suite's engine: PostgreSQL when configured, else SQLite.
    pub async fn spawn() -> TestApp {
        Self::spawn_on(Engine::Postgres).await
    }

    /// The engine the default is not (when PostgreSQL is configured): for
    /// tests that move a project between engines.
    pub async fn spawn_on_the_other_engine() -> TestApp {
        Self::spawn_on(Engine::Sqlite).await
    }

    pub async fn spawn_on(engine: Engine) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let server = std::env::var(TEST_DATABASE_ENV)
            .ok()
            .filter(|_| engine == Engine::Postgres);
        let postgres = match server {
            Some(server_url) if !server_url.is_empty() => {
                let name = format!("strata_test_{}", uuid::Uuid::new_v4().simple());
                let db = Database::connect(&server_url)
                    .await
                    .expect("connecting to the test PostgreSQL server");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("creating a test database");
                Some(PostgresDatabase { server_url, name })
            }
            _ => None,
        };
        let config = Config {
            database_url: postgres
                .as_ref()
                .map(|p| with_database(&p.server_url, &p.name)),
            data_dir: data_dir.path().to_path_buf(),
            bind: "127.0.0.1:0".into(),
            doi: Some(strata::config::DoiConfig {
                prefix: TEST_DOI_PREFIX.into(),
                publisher: "strata test facility".into(),
                landing_base: "https://portal.strata.test/doi/".into(),
                datacite: None,
            }),
            // Small pages, so that the OAI-PMH tests harvest across resumption tokens.
            oai: strata::config::OaiConfig {
                page_size: 2,
                ..Default::default()
            },
            ..Config::default()
        };
        let app = Application::build(&config)
            .await
            .expect("building the application");
        let address = app.address();
        let catalog = app.catalog().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let admin = catalog
            .create_token(
                &Scope::system(),
                &"admin".parse().unwrap(),
                true,
                "tests",
                None,
            )
            .await
            .expect("admin token")
            .secret
            .expose()
            .to_owned();
        TestApp {
            address,
            catalog,
            client: reqwest::Client::new(),
            admin,
            data_dir,
            postgres,
            stop: Some(stop),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn on_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Posts a GraphQL request; returns the HTTP status and the JSON answer.
    pub async fn graphql_status(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.graphql_status(token, query, variables).await.1
    }

    /// A GraphQL request that must succeed; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let answer = self.graphql(token, query, variables).await;
        assert!(
            answer.get("errors").is_none(),
            "unexpected errors: {answer:#}"
        );
        answer["data"].clone()
    }

    /// A token for a (new) user who is not an admin.
    pub async fn user(&self, name: &str) -> String {
        self.catalog
            .create_token(
                &Scope::system(),
                &name.parse().unwrap(),
                false,
                "tests",
                None,
            )
            .await
            .expect("user token")
            .secret
            .expose()
            .to_owned()
    }

    pub async fn create_project(&self, code: &str, title: &str) {
        self.ok(
            Some(&self.admin),
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { code } }",
            json!({ "input": { "code": code, "title": title } }),
        )
        .await;
    }

    pub async fn add_member(&self, project: &str, user: &str, role: &str) {
        self.ok(
            Some(&self.admin),
            "mutation($input: AddMemberInput!) { addMember(input: $input) { user } }",
            json!({ "input": { "project": project, "user": user, "role": role } }),
        )
        .await;
    }

    pub async fn create_instrument(&self, name: &str, technique: &str) {
        self.ok(
            Some(&self.admin),
            "mutation($input: CreateInstrumentInput!) { createInstrument(input: $input) { name } }",
            json!({ "input": { "name": name, "facility": "ESRF", "techniques": [technique.replace('-', "_").to_uppercase()] } }),
        )
        .await;
    }

    /// Registers a dataset as the admin; `extra` is merged into the input.
    pub async fn register(&self, identifier: &str, extra: Value) -> Value {
        let mut input = json!({ "identifier": identifier, "kind": "RAW", "technique": "CRYO_EM" });
        if let (Some(map), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        self.ok(Some(&self.admin), REGISTER, json!({ "input": input }))
            .await["registerDataset"]
            .clone()
    }

    /// How many rows a table holds (to prove that a refused write wrote nothing).
    pub async fn rows(&self, table: &str) -> i64 {
        let db = self.catalog.connection();
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("counting rows")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("a count")
    }
}

pub const REGISTER: &str = "mutation($input: RegisterDatasetInput!) {
  registerDataset(input: $input) { identifier kind technique instrument sample acquiredAt description }
}";

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The error of a GraphQL answer that must have failed: (code, field, message).
pub fn error_of(answer: &Value) -> (String, Option<String>, String) {
    let error = &answer["errors"][0];
    assert!(!error.is_null(), "expected an error, got {answer:#}");
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["extensions"]["field"].as_str().map(str::to_owned),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The SHA-256 of some bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
